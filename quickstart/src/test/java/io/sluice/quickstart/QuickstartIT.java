package io.sluice.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, shortened: everything embedded (PostgreSQL twice, the AMQP broker, five services), a
 * short workload; the data checks pass and the report exists.
 */
class QuickstartIT {

    @TempDir
    Path work;

    /**
     * A short run with {@code --keep}: the summary, then the embedded warehouse stays up for a look with the psql
     * command the run printed, until Enter stops it and removes it.
     */
    @Test
    void aShortRunMovesTheShopIntoTheWarehouseAndReports() throws Exception {
        java.io.PipedOutputStream terminal = new java.io.PipedOutputStream();
        java.io.InputStream originalIn = System.in;
        System.setIn(new java.io.PipedInputStream(terminal));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        java.util.concurrent.CompletableFuture<String> finished;
        String psql;
        try {
            finished = java.util.concurrent.CompletableFuture.supplyAsync(() -> run(
                    captured,
                    "--duration=8s",
                    "--rate=50",
                    "--display=plain",
                    "--keep",
                    "--work-dir=" + work.resolve("quickstart")));
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofMinutes(3))
                    .until(() -> captured.toString(StandardCharsets.UTF_8).contains("Ctrl-C or Enter stops it")
                            || finished.isDone());
            String kept = captured.toString(StandardCharsets.UTF_8);
            Matcher warehouse = Pattern.compile("the warehouse: psql -h (\\S+) -p (\\d+) -U (\\S+) (\\S+)")
                    .matcher(kept.substring(kept.indexOf("Still running")));
            assertThat(warehouse.find()).as(kept).isTrue();
            psql = "jdbc:postgresql://" + warehouse.group(1) + ":" + warehouse.group(2) + "/" + warehouse.group(4)
                    + "?user=" + warehouse.group(3);
            Matcher orders = Pattern.compile("orders placed +([\\d,]+)").matcher(kept);
            assertThat(orders.find()).isTrue();
            try (java.sql.Connection look = java.sql.DriverManager.getConnection(psql);
                    java.sql.ResultSet rs =
                            look.createStatement().executeQuery("SELECT count(*) FROM sluice_demo.orders")) {
                rs.next();
                assertThat(rs.getLong(1))
                        .isEqualTo(Long.parseLong(orders.group(1).replace(",", "")));
            }
            terminal.write("\n".getBytes(StandardCharsets.UTF_8));
            terminal.flush();
        } finally {
            System.setIn(originalIn);
        }
        String output = finished.get(2, java.util.concurrent.TimeUnit.MINUTES);
        assertThatThrownBy(() -> java.sql.DriverManager.getConnection(psql).close())
                .as("the embedded warehouse is removed once stopped")
                .isInstanceOf(java.sql.SQLException.class);
        assertThat(output).containsPattern("the source: +psql -h 127\\.0\\.0\\.1 -p \\d+ -U \\S+ shop");

        assertThat(output).contains("data checks                     PASSED: source = target");
        for (String table : Services.CHECKED) {
            assertThat(output).containsPattern("check " + table + " +source = target: [1-9]");
        }
        assertThat(output).containsPattern("dead letters +0\\n");
        Matcher report = Pattern.compile("report +(\\S+report\\.html)").matcher(output);
        assertThat(report.find()).as("a report path in the summary").isTrue();
        Path html = Path.of(report.group(1));
        assertThat(html).exists().startsWith(work);
        assertThat(Files.readString(html)).contains("<html");
        // The live figures were shown: at least one line with rows per second at every stage.
        assertThat(output).containsPattern("\\s+\\d+s \\|\\s+[1-9][\\d,]* \\|\\s+[1-9][\\d,]* \\|\\s+[1-9]");
    }

    @Test
    void theFlagsPointItAtARealBrokerAndAWarehouseThatKeepsTheData() throws Exception {
        RabbitBroker broker = RabbitBroker.get();
        broker.assumeRabbitMq("--amqp-uri with a RabbitMQ");
        TestDatabase warehouse = TestPostgres.get().newDatabase("quickstart_warehouse");
        String amqp = "amqp://" + broker.username() + ":" + broker.password() + "@" + broker.host() + ":"
                + broker.port() + "/";
        String output = run(
                "--duration=5s",
                "--rate=40",
                "--display=plain",
                "--work-dir=" + work.resolve("flags"),
                "--amqp-uri=" + amqp,
                "--target-jdbc=" + warehouse.jdbcUrl());

        assertThat(output).contains("RabbitMQ at " + broker.host()).contains("PASSED: source = target");
        Matcher orders = Pattern.compile("orders placed +([\\d,]+)").matcher(output);
        assertThat(orders.find()).isTrue();
        // The warehouse is the user's: it keeps the demo after the run, every order in it, enriched and masked.
        assertThat(warehouse.queryLong("SELECT count(*) FROM sluice_demo.orders"))
                .isEqualTo(Long.parseLong(orders.group(1).replace(",", "")));
        assertThat(warehouse.queryLong("SELECT count(*) FROM sluice_demo.orders WHERE user_level IS NOT NULL"))
                .isPositive();
        assertThat(warehouse.queryLong("SELECT count(*) FROM sluice_demo.users WHERE email LIKE '%@example.com'"))
                .as("masked emails")
                .isZero();
        assertThat(warehouse.queryLong("SELECT count(*) FROM sluice_demo.users WHERE region IS NULL"))
                .as("users placed in a district")
                .isZero();
        // The demo's queues on the user's RabbitMQ are gone.
        try (var connection = broker.newConnection()) {
            var channel = connection.createChannel(); // closed by the broker's 404, with the connection
            assertThatThrownBy(() -> channel.queueDeclarePassive("sluice-demo.handler"))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    private static String run(String... args) {
        return run(new ByteArrayOutputStream(), args);
    }

    /** Runs the quickstart with its output going to {@code captured} (readable while it runs) and to the log. */
    private static String run(ByteArrayOutputStream captured, String... args) {
        PrintStream original = System.out;
        int exit;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = Quickstart.run(args);
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        original.println(output);
        assertThat(exit).as("exit code (0: data checks passed)").isZero();
        return output;
    }

    @Test
    void aBadFlagIsRefusedWithUsage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Quickstart.run("--rate=0");
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--rate must be at least 1");
    }
}

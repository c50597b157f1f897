package io.sluice.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.Topology;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.testkit.JarRun;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TableDiff;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input through the pipeline with each service in its own JVM: a row the target refuses, a malformed message, a
 * column added mid-stream, a table without a key, unchanged TOAST values, unusual types and a malformed CSV. Each ends
 * with the target converged and the bad thing dead-lettered (or quarantined) with a reason — never a stuck pipeline —
 * and the refused row, replayed with the CLI once the warehouse accepts it, lands once.
 */
class BadInputIT {

    private final TestDatabase source = TestPostgres.get().newDatabase("bad_source");
    private final TestDatabase target = TestPostgres.get().newDatabase("bad_target");
    private final String prefix = RabbitBroker.uniquePrefix("bad");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<ServiceProcess> services = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        services.reversed().forEach(ServiceProcess::close);
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void badInputIsSetAsideWithAReasonAndEverythingElseLands() throws Exception {
        source.execute(
                "CREATE TABLE orders (id int8 PRIMARY KEY, amount numeric(12,2), note text)",
                "CREATE TABLE events (happened_at timestamptz, what text)", // no key
                "ALTER TABLE events REPLICA IDENTITY FULL",
                "CREATE TABLE docs (id int8 PRIMARY KEY, body text, tag text)",
                "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL",
                "CREATE TABLE odd (id int8 PRIMARY KEY, j jsonb, a int[], n numeric, t timestamptz, b bytea, u uuid,"
                        + " i interval, p point)");
        // The warehouse refuses negative amounts: a constraint the source does not have.
        target.execute("CREATE TABLE orders (id int8 PRIMARY KEY, amount numeric(12,2) CHECK (amount >= 0), note text,"
                + " _sluice_lsn int8 NOT NULL, _sluice_seq int8 NOT NULL)");
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        services.add(ServiceProcess.start(
                "loader",
                "384m",
                List.of(RabbitBroker.get().serviceArgs(prefix, "--spring.datasource.url=" + target.jdbcUrl()))));
        services.add(ServiceProcess.start(
                "handler", "384m", List.of(RabbitBroker.get().serviceArgs(prefix))));
        services.add(ServiceProcess.start(
                "getter",
                "384m",
                List.of(GetterArgs.of(
                        prefix,
                        source,
                        target,
                        "--sluice.getter.files.poll-interval=200ms",
                        "--sluice.getter.files.sources[0].name=partners",
                        "--sluice.getter.files.sources[0].directory=" + inbox,
                        "--sluice.getter.files.sources[0].marker=.done",
                        "--sluice.getter.files.sources[0].table=public.partner_orders",
                        "--sluice.getter.files.sources[0].columns=id,amount",
                        "--sluice.getter.files.sources[0].key=id",
                        "--sluice.getter.files.sources[0].types.id=int8",
                        "--sluice.getter.files.sources[0].max-bad-ratio=0.2"))));
        await().atMost(Duration.ofSeconds(60))
                .until(() -> source.queryLong("SELECT count(*) FROM pg_replication_slots WHERE active") == 1);

        // A poison row among good ones, a malformed message, and a column added mid-stream.
        source.execute("INSERT INTO orders SELECT i, i, 'ok' FROM generate_series(1, 500) i");
        source.execute("INSERT INTO orders VALUES (501, -5, 'refused by the warehouse'), (502, 5, 'fine')");
        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            channel.basicPublish(names.rawExchange(), "shop.public.orders", null, "{not a batch".getBytes(UTF_8));
        }
        source.execute(
                "ALTER TABLE orders ADD COLUMN channel text",
                "INSERT INTO orders SELECT i, i, 'after the change', 'web' FROM generate_series(503, 600) i");
        // A table without a key, TOAST values unchanged by an update, unusual types.
        source.execute(
                "INSERT INTO events SELECT now(), 'event ' || i FROM generate_series(1, 50) i",
                "INSERT INTO docs SELECT i, repeat(md5(i::text), 400), 'v1' FROM generate_series(1, 20) i",
                "UPDATE docs SET tag = 'v2'",
                "INSERT INTO odd VALUES (1, '{\"a\": [1, 2, {\"b\": null}]}', '{1,NULL,3}', 'NaN', 'infinity',"
                        + " '\\x00ff10', gen_random_uuid(), '1 year 2 mons 3 days 04:05:06.789', '(1.5,2)'),"
                        + " (2, 'null', '{}', -0.000001, '-infinity', '', NULL, '-1 day', NULL)");
        // A malformed CSV: most lines have the wrong number of fields.
        Files.writeString(inbox.resolve("broken.csv"), "id,amount\n1,2\n2\n3,4,5\n4\n");
        Files.writeString(inbox.resolve("broken.csv.done"), "");
        Files.writeString(inbox.resolve("good.csv"), "id,amount\n10,1.5\n11,2.5\n");
        Files.writeString(inbox.resolve("good.csv.done"), "");

        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(TableDiff.differences(
                                    source, "orders WHERE id <> 501", target, "orders", "id, amount, note, channel", 5))
                            .isEmpty();
                    assertThat(target.queryLong("SELECT count(*) FROM events")).isEqualTo(50);
                    assertThat(TableDiff.differences(source, "docs", target, "docs", "id, body, tag", 5))
                            .isEmpty();
                    assertThat(TableDiff.differences(
                                    source, "odd", target, "odd", "id, j, a, n, t, b, u, i, p::text", 5))
                            .isEmpty();
                    assertThat(target.queryLong("SELECT count(*) FROM partner_orders"))
                            .isEqualTo(2);
                });
        assertThat(target.queryValue("SELECT state || ': ' || reason FROM sluice.files WHERE path = 'broken.csv'"))
                .asString()
                .startsWith("quarantined: 3 bad lines of 4");

        // On call: the warehouse's rule is relaxed, the dead letter replayed with the CLI, and the row lands, once.
        JarRun listed = cli("dead-letters", "list", "--stage", "loader", "--reason", "orders_amount_check");
        assertThat(listed.out()).as(listed.err()).contains("public.orders", "1 dead letter");
        target.execute("ALTER TABLE orders DROP CONSTRAINT orders_amount_check");
        JarRun replayed = cli("dead-letters", "replay", "--stage", "loader", "--reason", "orders_amount_check");
        assertThat(replayed.code()).as(replayed.out() + replayed.err()).isZero();
        assertThat(replayed.out()).contains("replayed 1, skipped 0, failed 0");
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(TableDiff.differences(
                                source, "orders", target, "orders", "id, amount, note, channel", 5))
                        .isEmpty());
        assertThat(cli("dead-letters", "list", "--stage", "loader", "--reason", "orders_amount_check")
                        .out())
                .contains("0 dead letters");
        JarRun again = cli("dead-letters", "replay", "--stage", "loader", "--reason", "orders_amount_check");
        assertThat(again.out()).contains("replayed 0, skipped 0, failed 0");
        assertThat(target.queryLong("SELECT count(*) FROM orders"))
                .isEqualTo(source.queryLong("SELECT count(*) FROM orders"));

        List<String> loaderReasons = reasons(Stage.LOADER);
        assertThat(loaderReasons).as("replayed and landed").noneMatch(reason -> reason.contains("orders_amount_check"));
        assertThat(reasons(Stage.HANDLER))
                .anySatisfy(reason -> assertThat(reason).isNotBlank());
        System.out.println("dead letters: loader " + loaderReasons + ", handler and getter checked");
    }

    /** The command line run as an operator runs it, pointed at this test's broker and topology. */
    private JarRun cli(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(RabbitBroker.get().cliArgs(prefix));
        return JarRun.run("cli", all, java.util.Map.of());
    }

    /** The x-sluice-error of every dead letter of a stage. */
    private List<String> reasons(Stage stage) throws Exception {
        List<String> reasons = new ArrayList<>();
        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            GetResponse dead;
            while ((dead = channel.basicGet(names.deadLetterQueue(stage), true)) != null) {
                reasons.add(String.valueOf(dead.getProps().getHeaders().get("x-sluice-error")));
            }
        }
        return reasons;
    }
}

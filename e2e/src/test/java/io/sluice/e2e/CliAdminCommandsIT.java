package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testkit.ActuatorProbe;
import io.sluice.testkit.JarRun;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice check run}, {@code sluice snapshot} and {@code sluice pause} against a real pgtask and a real getter
 * (here, not in the cli module, because the services' jars are built after the cli they carry), through the runnable
 * jar with the token in the environment: the outcome printed and its exit code, a difference as 1, a wrong or missing
 * token as one sentence, an unknown job or table as the service's own answer, a filtered snapshot followed to its end.
 */
class CliAdminCommandsIT {

    private static final String TOKEN = "cli-test-token";
    private static final String TOKEN_VARIABLE = "SLUICE_SECURITY_TOKEN";
    private static final String TABLE = "(id bigint PRIMARY KEY, amount int)";

    private static TestDatabase source;
    private static TestDatabase target;
    private static ServiceProcess pgtask;
    private static ServiceProcess getter;
    private static String prefix;

    @BeforeAll
    static void services() throws Exception {
        source = TestPostgres.get().newDatabase("cli_source");
        target = TestPostgres.get().newDatabase("cli_target");
        String rows = "INSERT INTO orders SELECT i, i * 10 FROM generate_series(1, 50) i";
        source.execute("CREATE TABLE orders " + TABLE, rows, "CREATE TABLE events " + TABLE);
        target.execute(
                "CREATE TABLE orders (id bigint PRIMARY KEY, amount int, _sluice_lsn bigint)",
                rows.replace("FROM generate_series", ", 1 FROM generate_series"));
        prefix = RabbitBroker.uniquePrefix("cli-admin");
        pgtask = ServiceProcess.start(
                "pgtask",
                "256m",
                List.of(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--spring.datasource.url=" + target.jdbcUrl(),
                                "--sluice.security.token=" + TOKEN,
                                "--sluice.pgtask.databases.source.url=" + source.jdbcUrl(),
                                "--sluice.pgtask.checks[0].name=orders-check",
                                "--sluice.pgtask.checks[0].table=public.orders",
                                "--sluice.pgtask.checks[0].key=id",
                                "--sluice.pgtask.runner.lock-at-least-for=0s")));
        getter = ServiceProcess.start(
                "getter",
                "256m",
                List.of(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--spring.datasource.url=" + target.jdbcUrl(),
                                "--sluice.security.token=" + TOKEN,
                                "--sluice.getter.cdc.sources[0].name=shop",
                                "--sluice.getter.cdc.sources[0].url=" + source.jdbcUrl(),
                                "--sluice.getter.cdc.sources[0].slot=cli_admin",
                                "--sluice.getter.cdc.sources[0].publication=cli_admin",
                                "--sluice.getter.cdc.sources[0].snapshot-mode=never",
                                "--sluice.getter.cdc.sources[0].tables[0]=public.orders",
                                "--sluice.getter.cdc.sources[0].tables[1]=public.events")));
        for (ServiceProcess service : List.of(pgtask, getter)) {
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(120))
                    .ignoreExceptions()
                    .until(() ->
                            new ActuatorProbe(service.managementPort()).status("/actuator/health/liveness") == 200);
        }
    }

    @AfterAll
    static void stop() {
        if (getter != null) {
            getter.close();
        }
        if (pgtask != null) {
            pgtask.close();
        }
    }

    @Test
    void aCheckRunNowPrintsItsOutcomeAndADifferenceIsExitCodeOne() throws Exception {
        JarRun equal = check("orders-check", Map.of(TOKEN_VARIABLE, TOKEN));
        assertThat(equal.code()).as(equal.out() + equal.err()).isZero();
        assertThat(equal.out()).contains("orders-check: succeeded — source = target: 50 rows");

        target.execute("DELETE FROM orders WHERE id = 7");
        JarRun differ = check("orders-check", Map.of(TOKEN_VARIABLE, TOKEN));
        assertThat(differ.code()).isEqualTo(1);
        assertThat(differ.out()).contains("buckets differ", "keys [7]");

        JarRun unknown = check("nosuch", Map.of(TOKEN_VARIABLE, TOKEN));
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.out()).contains("no job named 'nosuch'", "orders-check");
    }

    @Test
    void aMissingOrWrongTokenIsOneSentence() throws Exception {
        JarRun missing = check("orders-check", Map.of());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).endsWith("wants the admin token: set SLUICE_SECURITY_TOKEN");

        JarRun wrong = check("orders-check", Map.of(TOKEN_VARIABLE, "not-it"));
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).contains("refused the admin token").doesNotContain("not-it");
    }

    @Test
    void anAdHocSnapshotOfACapturedTableIsRequested() throws Exception {
        String url = "http://127.0.0.1:" + getter.port();
        Map<String, String> env = Map.of(TOKEN_VARIABLE, TOKEN);

        JarRun requested = cli(List.of("snapshot", "shop", "public.orders", "--getter", url, "--no-follow"), env);
        assertThat(requested.code()).as(requested.out() + requested.err()).isZero();
        assertThat(requested.out()).contains("snapshot of public.orders from shop: requested (request ");

        JarRun filtered =
                cli(List.of("snapshot", "shop", "public.orders", "--where", "amount <= 50", "--getter", url), env);
        assertThat(filtered.code()).as(filtered.out() + filtered.err()).isZero();
        assertThat(filtered.out())
                .contains("snapshot of public.orders from shop where amount <= 50: requested")
                .contains("done: 1/1 chunks, 5 rows");

        JarRun refused = cli(
                List.of(
                        "snapshot",
                        "shop",
                        "public.orders",
                        "--where",
                        "amount <= 50; DROP TABLE orders",
                        "--getter",
                        url),
                env);
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.out()).contains("it may not hold ';'");

        JarRun notCaptured = cli(List.of("snapshot", "shop", "public.nope", "--getter", url), env);
        assertThat(notCaptured.code()).isEqualTo(1);
        assertThat(notCaptured.out()).contains("public.nope is not captured from 'shop'");
    }

    /**
     * A paused getter reads nothing more (the handler's queue stays as it was while the source changes), says so in
     * status, refuses nothing it should not, and after the resume sends what changed meanwhile.
     */
    @Test
    void aPausedGetterHoldsItsPositionAndSendsEverythingOnResume() throws Exception {
        String url = "http://127.0.0.1:" + getter.port();
        Map<String, String> env = Map.of(TOKEN_VARIABLE, TOKEN);
        String queue = prefix + ".handler";
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            source.execute(
                    "INSERT INTO events VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET amount = events.amount + 1");
            return depth(queue) > 0; // streaming: changes arrive
        });

        JarRun wrongStage = cli(List.of("pause", "loader", "--url", url), env);
        assertThat(wrongStage.code()).isEqualTo(1);
        assertThat(wrongStage.out()).contains("is a getter, not a loader: nothing changed there");

        JarRun paused = cli(List.of("pause", "getter", "--url", url), env);
        assertThat(paused.code()).as(paused.out() + paused.err()).isZero();
        assertThat(paused.out()).contains("getter paused (paused since ");
        JarRun status = cli(
                List.of(
                        "status",
                        "--prefix",
                        prefix,
                        "--service",
                        "getter=http://127.0.0.1:" + getter.managementPort()),
                Map.of());
        assertThat(status.out()).contains("paused{stage=\"getter\"");
        long before = depth(queue);
        source.execute("INSERT INTO events SELECT i, i FROM generate_series(2000, 2099) i");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> depth(queue) == before);

        JarRun resumed = cli(List.of("resume", "getter", "--url", url), env);
        assertThat(resumed.code()).isZero();
        assertThat(resumed.out()).contains("getter resumed");
        await().atMost(Duration.ofSeconds(30)).until(() -> depth(queue) > before);
    }

    private static long depth(String queue) throws Exception {
        try (com.rabbitmq.client.Connection connection = RabbitBroker.get().newConnection();
                com.rabbitmq.client.Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        }
    }

    private static JarRun check(String job, Map<String, String> env) throws Exception {
        return cli(List.of("check", "run", job, "--pgtask", "http://127.0.0.1:" + pgtask.port()), env);
    }

    private static JarRun cli(List<String> args, Map<String, String> env) throws Exception {
        return JarRun.run("cli", args, env);
    }
}

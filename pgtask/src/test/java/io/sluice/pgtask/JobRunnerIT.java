package io.sluice.pgtask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceArgs;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** pgtask replicas share their jobs: each scheduled run happens once; runs are recorded, triggered, and deferred. */
class JobRunnerIT {

    private final TestDatabase db = TestPostgres.get().newDatabase("pgtask_runner");
    private final Topology names = new Topology(RabbitBroker.uniquePrefix("pgtask"), List.of("warehouse"));
    private final List<ConfigurableApplicationContext> replicas = new ArrayList<>();

    @AfterEach
    void stop() {
        replicas.forEach(ConfigurableApplicationContext::close);
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void twoReplicasRunEachScheduledRunOnce() throws Exception {
        db.execute("CREATE TABLE events (at timestamptz NOT NULL) PARTITION BY RANGE (at)");
        start("--sluice.pgtask.partitions[0].cron=*/2 * * * * *");
        start("--sluice.pgtask.partitions[0].cron=*/2 * * * * *");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> db.queryLong("SELECT count(*) FROM sluice.task_runs WHERE outcome = 'succeeded'") >= 4);
        // Every two-second slot was run by one replica only.
        assertThat(db.queryLong("SELECT count(*) FROM (SELECT floor(extract(epoch FROM started_at) / 2)"
                        + " FROM sluice.task_runs GROUP BY 1 HAVING count(*) > 1) twice"))
                .isZero();
        assertThat(db.queryValue("SELECT DISTINCT trigger FROM sluice.task_runs"))
                .isEqualTo("schedule");
    }

    @Test
    void aRunOnDemandIsRecordedAndARunThatMeetsABusyTableIsDeferredThenRetried() throws Exception {
        db.execute("CREATE TABLE events (at timestamptz NOT NULL) PARTITION BY RANGE (at)");
        db.execute("CREATE EXTENSION pg_stat_statements");
        ConfigurableApplicationContext pgtask = start(
                "--sluice.pgtask.slow-queries.databases=target",
                "--sluice.pgtask.slow-queries.cron=0 0 0 1 1 *",
                "--sluice.pgtask.partitions[0].cron=0 0 0 1 1 *", // not during the test
                "--sluice.pgtask.runner.lock-timeout=300ms",
                "--sluice.pgtask.runner.retry-delay=1s",
                "--sluice.pgtask.runner.lock-at-least-for=0s");

        HttpResponse<String> run = post(pgtask, "/jobs/events-partitions/run");
        assertThat(run.statusCode()).isEqualTo(200);
        assertThat(run.body()).contains("\"outcome\":\"succeeded\"", "events_p");
        assertThat(post(pgtask, "/jobs/nope/run").statusCode()).isEqualTo(404);

        db.execute("DROP TABLE events_default"); // so the job has DDL to do
        try (Connection app = db.connect();
                Statement s = app.createStatement()) {
            app.setAutoCommit(false);
            s.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"); // the application holds the table
            assertThat(post(pgtask, "/jobs/events-partitions/run").body()).contains("\"outcome\":\"deferred\"", "busy");
            app.commit();
        }
        await().atMost(Duration.ofSeconds(15))
                .until(() -> db.queryLong("SELECT count(*) FROM sluice.task_runs WHERE trigger = 'retry'"
                                + " AND outcome = 'succeeded'")
                        == 1);
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'events_default'"))
                .isEqualTo(1);
        // Slow-query statistics of the same database, on demand, read back over HTTP.
        assertThat(post(pgtask, "/jobs/slow-queries/run").body()).contains("\"outcome\":\"succeeded\"");
        db.execute("SELECT count(*) FROM pg_class");
        assertThat(post(pgtask, "/jobs/slow-queries/run").body()).contains("\"outcome\":\"succeeded\"");
        assertThat(get(pgtask, "/slow-queries?database=target&since=1h&by=calls"))
                .contains("pg_class");
        assertThat(send(
                                pgtask,
                                HttpRequest.newBuilder(uri(pgtask, "/slow-queries?database=target&by=nope"))
                                        .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION))
                        .statusCode())
                .isEqualTo(400);
        assertThat(io.sluice.testkit.ActuatorProbe.of(pgtask.getEnvironment()).metrics())
                .contains(
                        "sluice_pgtask_runs_total{application=\"sluice-pgtask\",kind=\"partitions\",outcome=\"deferred\",task=\"events-partitions\"}",
                        // Counted from zero before any failure, so that an alert's increase() sees the first one.
                        "sluice_pgtask_runs_total{application=\"sluice-pgtask\",kind=\"partitions\",outcome=\"failed\",task=\"events-partitions\"} 0.0",
                        "sluice_pgtask_last_success_timestamp_seconds{application=\"sluice-pgtask\",task=\"events-partitions\"}");
    }

    private ConfigurableApplicationContext start(String... extra) {
        ConfigurableApplicationContext context = PgTaskApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                names.prefix(),
                                ServiceArgs.merge(
                                        new String[] {
                                            "--spring.datasource.url=" + db.jdbcUrl(),
                                            "--sluice.pgtask.partitions[0].name=events-partitions",
                                            "--sluice.pgtask.partitions[0].table=public.events",
                                            "--sluice.pgtask.partitions[0].premake=1"
                                        },
                                        extra)));
        replicas.add(context);
        return context;
    }

    private static HttpResponse<String> post(ConfigurableApplicationContext app, String path) throws Exception {
        return send(
                app,
                HttpRequest.newBuilder(uri(app, path))
                        .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION)
                        .POST(HttpRequest.BodyPublishers.noBody()));
    }

    private static String get(ConfigurableApplicationContext app, String path) throws Exception {
        return send(
                        app,
                        HttpRequest.newBuilder(uri(app, path))
                                .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION))
                .body();
    }

    private static HttpResponse<String> send(ConfigurableApplicationContext app, HttpRequest.Builder request)
            throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static URI uri(ConfigurableApplicationContext app, String path) {
        return URI.create("http://127.0.0.1:"
                + ((WebServerApplicationContext) app).getWebServer().getPort() + path);
    }
}

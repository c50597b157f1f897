package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.getter.GetterApplication;
import io.sluice.monitor.MonitorApplication;
import io.sluice.pgtask.PgTaskApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceArgs;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Every endpoint that changes state or reveals data, called as any pod on the network could: without credentials it
 * answers 401, with wrong ones 403, and only the admin token (Bearer, or HTTP basic as {@code sluice}) reaches it. The
 * probes stay anonymous and detail-free; health details need the token too. An ad hoc snapshot of a table the source
 * does not capture is refused, and the capture keeps streaming.
 */
class AdminApiIT {

    private static final String WRONG = "Bearer not-the-token";
    private static final String BASIC = "Basic "
            + Base64.getEncoder().encodeToString(("sluice:" + ServiceArgs.TEST_TOKEN).getBytes(StandardCharsets.UTF_8));

    private final TestDatabase source = TestPostgres.get().newDatabase("admin_source");
    private final TestDatabase state = TestPostgres.get().newDatabase("admin_state");
    private final String prefix = RabbitBroker.uniquePrefix("admin");
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        services.reversed().forEach(ConfigurableApplicationContext::close);
        RabbitBroker.get()
                .delete(
                        new Topology(prefix, List.of("warehouse")).queues(),
                        new Topology(prefix, List.of("warehouse")).exchanges());
    }

    @Test
    void everyProtectedEndpointAnswers401WithoutCredentials403WithWrongOnesAndWorksWithTheToken() throws Exception {
        source.execute("CREATE TABLE orders (id int8 PRIMARY KEY, note text)");
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        ConfigurableApplicationContext getter = start(GetterApplication.create()
                .run(GetterArgs.of(
                        prefix,
                        source,
                        state,
                        "--sluice.getter.cdc.sources[0].tables=public.orders",
                        "--sluice.getter.files.sources[0].name=partners",
                        "--sluice.getter.files.sources[0].directory=" + inbox,
                        "--sluice.getter.files.sources[0].table=public.partner_orders",
                        "--sluice.getter.files.sources[0].columns=id")));
        await().atMost(Duration.ofSeconds(60))
                .until(() -> source.queryLong("SELECT count(*) FROM pg_replication_slots WHERE active") == 1);
        ConfigurableApplicationContext pgtask = start(PgTaskApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--spring.datasource.url=" + state.jdbcUrl(),
                                "--sluice.pgtask.slow-queries.databases=target")));
        ConfigurableApplicationContext monitor = start(MonitorApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--sluice.monitor.prometheus-url=http://127.0.0.1:1",
                                "--sluice.monitor.retry-for=0s",
                                "--sluice.monitor.directory=" + dir.resolve("reports"),
                                "--sluice.monitor.schedule=")));

        record Call(ConfigurableApplicationContext app, String method, String path, int expected) {}
        List<Call> calls = List.of(
                new Call(getter, "POST", "/snapshots?source=shop&table=public.orders", 202),
                new Call(getter, "GET", "/snapshots/999999", 404),
                new Call(getter, "GET", "/pause", 200),
                new Call(getter, "POST", "/files/reload?source=partners&path=none.csv", 404),
                new Call(pgtask, "POST", "/jobs/nope/run", 404),
                new Call(pgtask, "GET", "/jobs", 200),
                new Call(pgtask, "GET", "/slow-queries?database=target", 200),
                new Call(monitor, "GET", "/reports", 200),
                new Call(monitor, "POST", "/reports?name=nope", 400));
        for (Call call : calls) {
            String what = call.method() + " " + call.path();
            assertThat(send(call.app(), call.method(), call.path(), null).statusCode())
                    .as(what)
                    .isEqualTo(401);
            assertThat(send(call.app(), call.method(), call.path(), WRONG).statusCode())
                    .as(what)
                    .isEqualTo(403);
            assertThat(send(call.app(), call.method(), call.path(), BASIC.replace("Basic ", "Basic x"))
                            .statusCode())
                    .as(what)
                    .isEqualTo(403);
            assertThat(send(call.app(), call.method(), call.path(), ServiceArgs.TEST_AUTHORIZATION)
                            .statusCode())
                    .as(what)
                    .isEqualTo(call.expected());
        }
        assertThat(send(pgtask, "GET", "/jobs", BASIC).statusCode()).isEqualTo(200);

        // Probes and the bare status are anyone's, and say nothing more; details need the token.
        for (ConfigurableApplicationContext app : List.of(getter, pgtask, monitor)) {
            for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
                HttpResponse<String> response = send(app, "GET", probe, null);
                assertThat(response.statusCode()).as(probe).isEqualTo(200);
                assertThat(response.body()).as(probe).isEqualTo("{\"status\":\"UP\"}");
            }
            assertThat(send(app, "GET", "/actuator/health", null).body()).doesNotContain("components");
        }
        assertThat(send(getter, "GET", "/actuator/health", ServiceArgs.TEST_AUTHORIZATION)
                        .body())
                .contains("\"captureHealth\"", "\"files\"");

        // A snapshot of a table the source does not capture is refused and capture goes on.
        source.execute("CREATE TABLE secrets (id int8 PRIMARY KEY, secret text)");
        HttpResponse<String> refused =
                send(getter, "POST", "/snapshots?source=shop&table=public.secrets", ServiceArgs.TEST_AUTHORIZATION);
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(refused.body()).contains("not captured");
        assertThat(send(getter, "POST", "/snapshots?source=shop&table=public.nowhere", ServiceArgs.TEST_AUTHORIZATION)
                        .statusCode())
                .isEqualTo(404);
        assertThat(state.queryLong("SELECT count(*) FROM sluice.snapshot_requests WHERE table_name <> 'public.orders'"))
                .isZero();
    }

    private ConfigurableApplicationContext start(ConfigurableApplicationContext app) {
        services.add(app);
        return app;
    }

    private HttpResponse<String> send(ConfigurableApplicationContext app, String method, String path, String auth)
            throws Exception {
        // The actuator answers on its own port; the admin API on the server's.
        int port = path.startsWith("/actuator")
                ? io.sluice.testkit.ActuatorProbe.managementPort(app.getEnvironment())
                : ((WebServerApplicationContext) app).getWebServer().getPort();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (auth != null) {
            request.header("Authorization", auth);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}

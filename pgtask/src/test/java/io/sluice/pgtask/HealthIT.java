package io.sluice.pgtask;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.amqp.Topology;
import io.sluice.testkit.RabbitBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The service starts and reports its health and metrics over HTTP, as Kubernetes probes and Prometheus read them. */
class HealthIT {

    @Test
    void startsAndReportsHealthAndMetrics() throws Exception {
        Topology names = new Topology(RabbitBroker.uniquePrefix("pgtask"), List.of("warehouse"));
        String[] args = Stream.concat(
                        Stream.of(RabbitBroker.get().springProperties()).map(p -> "--" + p),
                        Stream.of("--server.port=0", "--sluice.amqp.prefix=" + names.prefix()))
                .toArray(String[]::new);
        try (ConfigurableApplicationContext app = PgTaskApplication.create().run(args)) {
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            HttpClient http = HttpClient.newHttpClient();
            for (String probe : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + probe))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(probe).isEqualTo(200);
                assertThat(response.body()).contains("\"UP\"");
            }
            HttpResponse<String> metrics = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("jvm_memory_used_bytes");
        } finally {
            RabbitBroker.get().delete(names.queues(), names.exchanges());
        }
    }
}

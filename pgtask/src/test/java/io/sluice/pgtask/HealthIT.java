package io.sluice.pgtask;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.amqp.Topology;
import io.sluice.testkit.ActuatorProbe;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.TestPostgres;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** The service starts and reports its health and metrics over HTTP, as Kubernetes probes and Prometheus read them. */
class HealthIT {

    @Test
    void startsAndReportsHealthAndMetrics() {
        Topology names = new Topology(RabbitBroker.uniquePrefix("pgtask"), List.of("warehouse"));
        try (ConfigurableApplicationContext app = PgTaskApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                names.prefix(),
                                "--spring.datasource.url="
                                        + TestPostgres.get()
                                                .newDatabase("pgtask_health")
                                                .jdbcUrl()))) {
            ActuatorProbe probe = ActuatorProbe.of(app.getEnvironment());
            probe.assertLiveAndReady();
            assertThat(probe.metrics()).contains("jvm_memory_used_bytes");
        } finally {
            RabbitBroker.get().delete(names.queues(), names.exchanges());
        }
    }
}

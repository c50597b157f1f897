package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.amqp.Topology;
import io.sluice.testkit.ActuatorProbe;
import io.sluice.testkit.RabbitBroker;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** The service starts and reports its health and metrics over HTTP, as Kubernetes probes and Prometheus read them. */
class HealthIT {

    @Test
    void startsAndReportsHealthAndMetrics() {
        Topology names = new Topology(RabbitBroker.uniquePrefix("monitor"), List.of("warehouse"));
        try (ConfigurableApplicationContext app =
                MonitorApplication.create().run(RabbitBroker.get().serviceArgs(names.prefix()))) {
            ActuatorProbe probe = ActuatorProbe.of(app.getEnvironment());
            probe.assertLiveAndReady();
            assertThat(probe.metrics())
                    .contains(
                            "jvm_memory_used_bytes",
                            "sluice_queue_messages{application=\"sluice-monitor\",queue=\"" + names.handlerQueue()
                                    + "\"}");
        } finally {
            RabbitBroker.get().delete(names.queues(), names.exchanges());
        }
    }
}

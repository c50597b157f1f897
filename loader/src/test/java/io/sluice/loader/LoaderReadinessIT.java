package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.embedded.EmbeddedAmqpBroker;
import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.embedded.FreePorts;
import io.sluice.testkit.ActuatorProbe;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceArgs;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Readiness tells the truth: a loader that cannot reach its broker or its target is live but not ready (so a rollout
 * waits and an operator sees it), and becomes ready by itself when they come back.
 */
@ExtendWith(OutputCaptureExtension.class)
class LoaderReadinessIT {

    private static final String READINESS = "/actuator/health/readiness";
    private static final String LIVENESS = "/actuator/health/liveness";

    @Test
    void notReadyWithoutItsBrokerOrItsTargetAndReadyOnceTheyAnswer(CapturedOutput output) throws Exception {
        int brokerPort = FreePorts.any();
        try (EmbeddedPostgres target = EmbeddedPostgres.start()) {
            String[] args =
                    ServiceArgs.merge(RabbitBroker.get().serviceArgs(RabbitBroker.uniquePrefix("ready")), new String[] {
                        "--spring.rabbitmq.host=127.0.0.1",
                        "--spring.rabbitmq.port=" + brokerPort,
                        "--spring.rabbitmq.username=guest",
                        "--spring.rabbitmq.password=guest",
                        "--spring.rabbitmq.virtual-host=/",
                        "--sluice.amqp.queue-kind=plain",
                        "--spring.datasource.url=" + target.jdbcUrl("postgres"),
                        "--spring.datasource.hikari.connection-timeout=2000"
                    });
            try (ConfigurableApplicationContext loader =
                    LoaderApplication.create().run(args)) {
                ActuatorProbe probe = ActuatorProbe.of(loader.getEnvironment());
                assertThat(probe.status(LIVENESS)).isEqualTo(200);
                assertThat(probe.status(READINESS)).isEqualTo(503);
                // One warning that names where it looked, and none about queues it never had.
                assertThat(output.getOut()).contains("RabbitMQ not reachable at 127.0.0.1:" + brokerPort);
                assertThat(output.getOut()).doesNotContain("auto-delete queue");

                try (EmbeddedAmqpBroker broker = EmbeddedAmqpBroker.start(brokerPort)) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> probe.status(READINESS) == 200);
                    // Every dead-letter reason is there from zero, so that an alert's increase() sees the first one.
                    assertThat(probe.metrics())
                            .contains(
                                    "sluice_dead_letters_total{application=\"sluice-loader\",reason=\"malformed\",stage=\"loader\"} 0.0")
                            .contains(
                                    "sluice_dead_letters_total{application=\"sluice-loader\",reason=\"refused\",stage=\"loader\"} 0.0");

                    target.stop();
                    await().atMost(Duration.ofSeconds(60)).until(() -> probe.status(READINESS) == 503);
                    assertThat(probe.status(LIVENESS)).isEqualTo(200);
                    target.restart();
                    await().atMost(Duration.ofSeconds(60)).until(() -> probe.status(READINESS) == 200);
                }
            }
        }
    }
}

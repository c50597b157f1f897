package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.amqp.Topology;
import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.Strictness;
import io.sluice.testkit.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline with each service in its own JVM, through faults injected while a workload writes to the source: each
 * ends with the target equal to the source. Source and target are clusters of their own, so restarting one is a real
 * restart of that server. A summary table is printed at the end.
 */
class FaultsIT {

    private final EmbeddedPostgres sourceServer = EmbeddedPostgres.start();
    private final EmbeddedPostgres targetServer = EmbeddedPostgres.start();
    private final TestDatabase source = new TestDatabase("faults_source", sourceServer.jdbcUrl("postgres"));
    private final TestDatabase target = new TestDatabase("faults_target", targetServer.jdbcUrl("postgres"));
    private final String prefix = RabbitBroker.uniquePrefix("faults");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<ServiceProcess> loaders = new ArrayList<>();
    private final FaultSuite faults =
            new FaultSuite(source, target, names, () -> RabbitBroker.get().newConnection());
    private ServiceProcess getter;
    private ServiceProcess handler;

    @AfterEach
    void stop() {
        if (getter != null) {
            getter.close();
        }
        if (handler != null) {
            handler.close();
        }
        loaders.forEach(ServiceProcess::close);
        sourceServer.close();
        targetServer.close();
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void nothingIsLostOrCorruptedWhateverHappensToTheServices() throws Exception {
        OrdersWorkload.createTables(source, target);
        handler = start("handler");
        loaders.add(start("loader"));
        getter = startGetter();

        faults.run("kill -9 getter", () -> {
            getter.kill();
            getter = startGetter();
        });
        faults.run("kill -9 handler", () -> {
            handler.kill();
            handler = start("handler");
        });
        faults.run("kill -9 loader", () -> {
            loaders.removeFirst().kill();
            loaders.add(start("loader"));
        });
        faults.run("loaders 1 → 3 → 1", () -> {
            loaders.add(start("loader"));
            loaders.add(start("loader"));
            Thread.sleep(4_000);
            loaders.removeLast().close();
            loaders.removeLast().close();
        });
        faults.run("loader paused 30 s (SIGSTOP)", () -> {
            loaders.getFirst().pause();
            Thread.sleep(30_000);
            loaders.getFirst().resume();
        });
        faults.run("target PostgreSQL restarted", targetServer::restart);
        if (!RabbitBroker.get().embedded() && rabbitmqctl("status")) {
            faults.run("RabbitMQ restarted", () -> {
                assertThat(rabbitmqctl("stop_app")).isTrue();
                Thread.sleep(2_000);
                assertThat(rabbitmqctl("start_app")).isTrue();
            });
        } else {
            // CI installs RabbitMQ with rabbitmqctl: there, a fault that cannot be run is a failure, not a line.
            if (Strictness.strict()) {
                throw new IllegalStateException("the broker restart needs a local RabbitMQ with rabbitmqctl"
                        + " (apt-get install rabbitmq-server); " + Strictness.VARIABLE + " is set, so this fails");
            }
            faults.notRun("RabbitMQ restarted", "no RabbitMQ with rabbitmqctl here");
        }
        faults.runBetweenWrites("source PostgreSQL restarted", sourceServer::restart);

        faults.printSummary();
    }

    private ServiceProcess start(String module) throws Exception {
        List<String> args = module.equals("loader")
                ? List.of(RabbitBroker.get().serviceArgs(prefix, "--spring.datasource.url=" + target.jdbcUrl()))
                : List.of(RabbitBroker.get().serviceArgs(prefix));
        return ServiceProcess.start(module, "384m", args);
    }

    private ServiceProcess startGetter() throws Exception {
        return ServiceProcess.start(
                "getter",
                "384m",
                List.of(GetterArgs.of(prefix, source, target, "--sluice.getter.cdc.retry-backoff=500ms")));
    }

    private static boolean rabbitmqctl(String command) {
        try {
            Process process = new ProcessBuilder("rabbitmqctl", command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return process.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}

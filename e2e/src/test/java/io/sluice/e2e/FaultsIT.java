package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.amqp.Topology;
import io.sluice.testkit.EmbeddedPostgres;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.Strictness;
import io.sluice.testkit.TableDiff;
import io.sluice.testkit.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline with each service in its own JVM, through faults injected while a workload writes to the source: each
 * ends with the target equal to the source. Source and target are clusters of their own, so restarting one is a real
 * restart of that server. A summary table is printed at the end.
 */
class FaultsIT {

    private static final String COLUMNS = OrdersWorkload.COLUMNS;

    private final EmbeddedPostgres sourceServer = EmbeddedPostgres.start();
    private final EmbeddedPostgres targetServer = EmbeddedPostgres.start();
    private final TestDatabase source = new TestDatabase("faults_source", sourceServer.jdbcUrl("postgres"));
    private final TestDatabase target = new TestDatabase("faults_target", targetServer.jdbcUrl("postgres"));
    private final String prefix = RabbitBroker.uniquePrefix("faults");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<ServiceProcess> loaders = new ArrayList<>();
    private final List<String> summary = new ArrayList<>();
    private ServiceProcess getter;
    private ServiceProcess handler;

    /** One fault: what was done to the pipeline while (or between) the workload wrote. */
    private interface Fault {
        void inject() throws Exception;
    }

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

        run("kill -9 getter", () -> {
            getter.kill();
            getter = startGetter();
        });
        run("kill -9 handler", () -> {
            handler.kill();
            handler = start("handler");
        });
        run("kill -9 loader", () -> {
            loaders.removeFirst().kill();
            loaders.add(start("loader"));
        });
        run("loaders 1 → 3 → 1", () -> {
            loaders.add(start("loader"));
            loaders.add(start("loader"));
            Thread.sleep(4_000);
            loaders.removeLast().close();
            loaders.removeLast().close();
        });
        run("loader paused 30 s (SIGSTOP)", () -> {
            loaders.getFirst().pause();
            Thread.sleep(30_000);
            loaders.getFirst().resume();
        });
        run("target PostgreSQL restarted", targetServer::restart);
        if (!RabbitBroker.get().embedded() && rabbitmqctl("status")) {
            run("RabbitMQ restarted", () -> {
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
            summary.add(String.format(
                    Locale.ROOT, "%-32s %s", "RabbitMQ restarted", "not run: no RabbitMQ with rabbitmqctl here"));
        }
        runBetweenWrites("source PostgreSQL restarted", sourceServer::restart);

        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "%-32s %10s %10s %10s %12s %12s%n",
                "fault",
                "written",
                "in target",
                "mismatches",
                "dead letters",
                "recovery s");
        summary.forEach(System.out::println);
    }

    /** Injects the fault two seconds into a workload, then waits for the target to equal the source. */
    private void run(String name, Fault fault) throws Exception {
        long firstId = (summary.size() + 1) * 1_000_000L;
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> write(firstId));
        Thread.sleep(2_000);
        fault.inject();
        writes.join();
        converge(name, System.nanoTime()); // recovery: from the end of both the fault and the writes
    }

    /** Injects the fault after one workload and before the next (the workload's own connection would go with it). */
    private void runBetweenWrites(String name, Fault fault) throws Exception {
        long firstId = (summary.size() + 1) * 1_000_000L;
        write(firstId);
        fault.inject();
        write(firstId + 500_000);
        converge(name, System.nanoTime());
    }

    private void converge(String name, long since) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        List<String> differences;
        do {
            differences = TableDiff.differences(source, "orders", target, "orders", COLUMNS, 10);
            if (differences.isEmpty()) {
                break;
            }
            sleep(1_000);
        } while (System.nanoTime() < deadline);
        summary.add(String.format(
                Locale.ROOT,
                "%-32s %10d %10d %10d %12d %12.1f",
                name,
                source.queryLong("SELECT count(*) FROM orders"),
                target.queryLong("SELECT count(*) FROM orders"),
                differences.size(),
                deadLetters(),
                (System.nanoTime() - since) / 1e9));
        assertThat(differences)
                .as(name + ": rows that differ between source and target")
                .isEmpty();
    }

    /** About six seconds of writes: six rounds of mixed transactions a second apart, so a fault lands mid-stream. */
    private void write(long firstId) {
        Random random = new Random(firstId);
        try {
            for (int round = 0; round < 6; round++) {
                OrdersWorkload.write(source, random, firstId + round * 10_000L, 1_000, 250, 130);
                Thread.sleep(1_000);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Messages waiting in the dead-letter queues of the three stages. */
    private long deadLetters() {
        try (var connection = RabbitBroker.get().newConnection();
                var channel = connection.createChannel()) {
            long dead = 0;
            for (Topology.Stage stage : Topology.Stage.values()) {
                dead += channel.messageCount(names.deadLetterQueue(stage));
            }
            return dead;
        } catch (Exception e) {
            return -1;
        }
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

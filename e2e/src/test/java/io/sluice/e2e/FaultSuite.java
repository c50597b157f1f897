package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Connection;
import io.sluice.common.amqp.Topology;
import io.sluice.testkit.TableDiff;
import io.sluice.testkit.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * Faults injected while a workload writes to the source, each ending when the target equals the source, with a
 * summary table of what was written, what arrived, the mismatches, the dead letters and the time to recover.
 */
final class FaultSuite {

    /** One fault: what was done to the pipeline while (or between) the workload wrote. */
    interface Fault {
        void inject() throws Exception;
    }

    private static final String COLUMNS = OrdersWorkload.COLUMNS;

    private final TestDatabase source;
    private final TestDatabase target;
    private final Topology names;
    private final Callable<Connection> broker;
    private final List<String> summary = new ArrayList<>();

    /** @param broker a connection to the broker the pipeline uses, to count its dead letters */
    FaultSuite(TestDatabase source, TestDatabase target, Topology names, Callable<Connection> broker) {
        this.source = source;
        this.target = target;
        this.names = names;
        this.broker = broker;
    }

    /** Injects the fault two seconds into a workload, then waits for the target to equal the source. */
    void run(String name, Fault fault) throws Exception {
        long firstId = (summary.size() + 1) * 1_000_000L;
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> write(firstId));
        Thread.sleep(2_000);
        fault.inject();
        writes.join();
        converge(name, System.nanoTime()); // recovery: from the end of both the fault and the writes
    }

    /** Injects the fault after one workload and before the next (the workload's own connection would go with it). */
    void runBetweenWrites(String name, Fault fault) throws Exception {
        long firstId = (summary.size() + 1) * 1_000_000L;
        write(firstId);
        fault.inject();
        write(firstId + 500_000);
        converge(name, System.nanoTime());
    }

    /** A line for a fault that could not be run here, and why. */
    void notRun(String name, String why) {
        summary.add(String.format(Locale.ROOT, "%-40s %s", name, "not run: " + why));
    }

    void printSummary() {
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "%-40s %10s %10s %10s %12s %12s%n",
                "fault",
                "written",
                "in target",
                "mismatches",
                "dead letters",
                "recovery s");
        summary.forEach(System.out::println);
    }

    private void converge(String name, long since) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        List<String> differences;
        do {
            differences = TableDiff.differences(source, "orders", target, "orders", COLUMNS, 10);
            if (differences.isEmpty()) {
                break;
            }
            Thread.sleep(1_000); // polls the observable state: the target's rows against the source's
        } while (System.nanoTime() < deadline);
        summary.add(String.format(
                Locale.ROOT,
                "%-40s %10d %10d %10d %12d %12.1f",
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
        try (Connection connection = broker.call();
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
}

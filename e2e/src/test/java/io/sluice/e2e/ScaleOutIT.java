package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TableDiff;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Competing replicas, each its own JVM, one killed -9 while the source keeps changing: two handlers on one queue, and
 * two getters on one source (one captures, the other stands by). Nothing is lost, and the takeover time is printed.
 */
class ScaleOutIT {

    private final TestDatabase source = TestPostgres.get().newDatabase("scale_source");
    private final TestDatabase target = TestPostgres.get().newDatabase("scale_target");
    private final String prefix = RabbitBroker.uniquePrefix("scale");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<ServiceProcess> services = new ArrayList<>();
    private final AtomicBoolean stopWrites = new AtomicBoolean();

    @AfterEach
    void stop() {
        stopWrites.set(true);
        services.reversed().forEach(ServiceProcess::close);
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void twoHandlersShareTheQueueAndTheSurvivorFinishesWhenOneIsKilled() throws Exception {
        OrdersWorkload.createTables(source, target);
        services.add(start("loader", "--spring.datasource.url=" + target.jdbcUrl()));
        ServiceProcess first = start("handler");
        ServiceProcess second = start("handler");
        services.add(first);
        services.add(second);
        services.add(getter());
        CompletableFuture<Void> writes = writes(new Random(21));
        // Both consume: each has handled rows before one of them goes.
        await().atMost(Duration.ofSeconds(90)).until(() -> handled(first) > 0 && handled(second) > 0);
        long killedAt = System.nanoTime();
        first.kill();
        double before = handled(second);
        await().atMost(Duration.ofSeconds(30)).until(() -> handled(second) > before);
        System.out.printf(
                "handler takeover: the survivor handled more rows %.1f s after the kill%n",
                (System.nanoTime() - killedAt) / 1e9);
        stopWrites.set(true);
        writes.join();
        awaitEqual();
    }

    @Test
    void aStandbyGetterTakesOverTheSlotWhenTheActiveOneIsKilled() throws Exception {
        OrdersWorkload.createTables(source, target);
        services.add(start("loader", "--spring.datasource.url=" + target.jdbcUrl()));
        services.add(start("handler"));
        ServiceProcess one = getter();
        ServiceProcess two = getter();
        services.add(one);
        services.add(two);
        await().atMost(Duration.ofSeconds(90))
                .until(() -> source.queryLong("SELECT count(*) FROM pg_replication_slots WHERE active") == 1);
        CompletableFuture<Void> writes = writes(new Random(22));
        await().atMost(Duration.ofSeconds(60)).until(() -> target.queryLong("SELECT count(*) FROM orders") > 0);
        ServiceProcess active = captured(one) > 0 ? one : two;
        ServiceProcess standby = active == one ? two : one;
        assertThat(captured(standby))
                .as("the standby captures nothing while the other holds the source")
                .isZero();
        long killedAt = System.nanoTime();
        active.kill();
        await().atMost(Duration.ofSeconds(60)).until(() -> captured(standby) > 0);
        System.out.printf(
                "getter takeover: the standby captured %.1f s after the kill%n", (System.nanoTime() - killedAt) / 1e9);
        stopWrites.set(true);
        writes.join();
        awaitEqual();
    }

    /** The workload, in rounds, until stopped: the kill always lands while the source changes. */
    private CompletableFuture<Void> writes(Random random) {
        return CompletableFuture.runAsync(() -> {
            try {
                for (long first = 1; !stopWrites.get(); first += 300) {
                    OrdersWorkload.write(source, random, first, 300, 80, 40);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void awaitEqual() {
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(
                                TableDiff.differences(source, "orders", target, "orders", OrdersWorkload.COLUMNS, 10))
                        .isEmpty());
    }

    /** Rows a handler has passed on (its own counter: each process counts only what it handled). */
    private static double handled(ServiceProcess handler) {
        try {
            return handler.metric("sluice_rows_total", "stage=\"handler\"");
        } catch (RuntimeException notYet) {
            return 0;
        }
    }

    /** Rows a getter has published from the source. */
    private static double captured(ServiceProcess getter) {
        try {
            return getter.metric("sluice_rows_total", "stage=\"getter\"");
        } catch (RuntimeException notYet) {
            return 0;
        }
    }

    private ServiceProcess getter() throws Exception {
        return ServiceProcess.start(
                "getter",
                "384m",
                List.of(GetterArgs.of(prefix, source, target, "--sluice.getter.cdc.retry-backoff=500ms")));
    }

    private ServiceProcess start(String module, String... args) throws Exception {
        return ServiceProcess.start(module, "384m", List.of(RabbitBroker.get().serviceArgs(prefix, args)));
    }
}

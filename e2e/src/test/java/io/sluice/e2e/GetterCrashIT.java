package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.handler.HandlerApplication;
import io.sluice.loader.LoaderApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TableDiff;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The getter in its own JVM, killed with SIGKILL mid-snapshot and again mid-stream while the source keeps changing:
 * the target still ends equal to the source, and the snapshot is resumed rather than read again.
 */
class GetterCrashIT {

    private final TestDatabase source = TestPostgres.get().newDatabase("crash_source");
    private final TestDatabase target = TestPostgres.get().newDatabase("crash_target");
    private final String prefix = RabbitBroker.uniquePrefix("crash");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private ConfigurableApplicationContext loader;
    private ConfigurableApplicationContext handler;

    @AfterEach
    void stop() {
        if (handler != null) {
            handler.close();
        }
        if (loader != null) {
            loader.close();
        }
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void killedMidSnapshotAndMidStreamTheTargetStillConverges() throws Exception {
        OrdersWorkload.createTables(source, target);
        source.execute("INSERT INTO orders SELECT i, 'existing ' || i, i, 'old', repeat('x', 200), now()"
                + " FROM generate_series(1, 60000) i");
        loader = LoaderApplication.create()
                .run(RabbitBroker.get().serviceArgs(prefix, "--spring.datasource.url=" + target.jdbcUrl()));
        handler = HandlerApplication.create().run(RabbitBroker.get().serviceArgs(prefix));

        ServiceProcess getter = startGetter();
        await().atMost(Duration.ofSeconds(90))
                .until(() -> target.queryLong("SELECT count(*) FROM sluice.snapshot_chunks WHERE state = 'done'") >= 3);
        getter.kill();
        long doneBeforeCrash = target.queryLong("SELECT count(*) FROM sluice.snapshot_chunks WHERE state = 'done'");
        assertThat(target.queryLong("SELECT count(*) FROM sluice.snapshot_chunks WHERE state = 'pending'"))
                .as("killed mid-snapshot")
                .isPositive();

        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
            try {
                OrdersWorkload.write(source, new Random(3), 1_000_000, 6_000, 1_500, 800);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        getter = startGetter();
        await().atMost(Duration.ofSeconds(120))
                .until(() -> "done".equals(target.queryValue("SELECT state FROM sluice.snapshots WHERE scope = ''")));
        Thread.sleep(1_000);
        getter.kill(); // mid-stream, while the workload runs
        getter = startGetter();
        try {
            writes.join();
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(TableDiff.differences(
                                    source, "orders", target, "orders", OrdersWorkload.COLUMNS, 10))
                            .isEmpty());
            // Chunks finished before the crash were not read again: their completion time predates it.
            assertThat(target.queryLong("SELECT count(*) FROM sluice.snapshot_chunks WHERE state = 'done'"
                            + " AND snapshot_lsn = (SELECT min(snapshot_lsn) FROM sluice.snapshot_chunks)"))
                    .isEqualTo(doneBeforeCrash);
        } finally {
            getter.close();
        }
    }

    private ServiceProcess startGetter() throws Exception {
        return ServiceProcess.start(
                "getter",
                "256m",
                List.of(GetterArgs.of(
                        prefix,
                        source,
                        target,
                        "--sluice.getter.cdc.snapshot.chunk-pages=32",
                        "--sluice.getter.cdc.snapshot.parallelism=1")));
    }
}

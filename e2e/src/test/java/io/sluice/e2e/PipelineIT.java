package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.getter.GetterApplication;
import io.sluice.handler.HandlerApplication;
import io.sluice.loader.LoaderApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceArgs;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** The thin path end to end: source PostgreSQL → getter → RabbitMQ → handler → RabbitMQ → loader → target. */
class PipelineIT {

    private static final String COLUMNS = OrdersWorkload.COLUMNS;

    private final TestDatabase source = TestPostgres.get().newDatabase("pipeline_source");
    private final TestDatabase target = TestPostgres.get().newDatabase("pipeline_target");
    private final String prefix = RabbitBroker.uniquePrefix("pipeline");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();

    @BeforeEach
    void createTables() {
        OrdersWorkload.createTables(source, target);
    }

    private void startPipeline(String... getterArgs) {
        startPipeline(new String[0], getterArgs);
    }

    /** With {@code everyService} given to all three, and {@code getterArgs} to the getter. */
    private void startPipeline(String[] everyService, String... getterArgs) {
        services.add(LoaderApplication.create().run(args(ServiceArgs.merge(everyService, new String[] {
            "--spring.datasource.url=" + target.jdbcUrl()
        }))));
        services.add(HandlerApplication.create().run(args(everyService)));
        services.add(GetterApplication.create()
                .run(GetterArgs.of(
                        prefix,
                        source,
                        target,
                        ServiceArgs.merge(
                                ServiceArgs.merge(
                                        everyService, new String[] {"--sluice.getter.cdc.snapshot.chunk-pages=16"}),
                                getterArgs))));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> source.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                                + source.name() + "' AND active")
                        == 1);
    }

    @AfterEach
    void stopPipeline() {
        services.reversed().forEach(ConfigurableApplicationContext::close);
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void insertsUpdatesAndDeletesInMixedTransactionsReachTheTargetExactly() throws Exception {
        startPipeline();
        OrdersWorkload.write(source, new Random(42), 1, 10_000, 2_000, 1_000);

        OrdersWorkload.awaitEqual(source, target);
        assertThat(target.queryLong("SELECT count(*) FROM orders")).isEqualTo(9_000);
    }

    @Test
    void binaryBodiesFromSnapshotAndStreamReachTheTargetExactly() throws Exception {
        source.execute("INSERT INTO orders SELECT i, 'før capture ✓ ' || i, i, 'old', NULL, now()"
                + " FROM generate_series(1, 5000) i");
        startPipeline(new String[] {"--sluice.amqp.format=binary"});
        OrdersWorkload.write(source, new Random(5), 100_000, 5_000, 1_000, 500);

        OrdersWorkload.awaitEqual(source, target);
        assertThat(target.queryLong("SELECT count(*) FROM orders"))
                .isEqualTo(source.queryLong("SELECT count(*) FROM orders"));
    }

    @Test
    void anAdhocSnapshotTakenUnderConcurrentWritesConverges() throws Exception {
        source.execute("INSERT INTO orders SELECT i, 'before capture ' || i, i, 'old', NULL, now()"
                + " FROM generate_series(1, 20000) i");
        startPipeline("--sluice.getter.cdc.sources[0].snapshot-mode=never");
        // Rows that existed before capture are missing until an ad hoc snapshot is asked for, through the signal
        // table, while the workload keeps changing them and others.
        var writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                source.execute(
                        "UPDATE orders SET status = 'moved during snapshot' WHERE id % 50 = 0",
                        "DELETE FROM orders WHERE id % 77 = 0");
                OrdersWorkload.write(source, new Random(11), 2_000_000, 4_000, 800, 400);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        target.execute("INSERT INTO sluice.snapshot_requests (source, table_name) VALUES ('shop', 'public.orders')");
        writer.join();

        OrdersWorkload.awaitEqual(source, target);
    }

    @Test
    void existingRowsAndChangesDuringTheSnapshotConverge() throws Exception {
        source.execute("INSERT INTO orders SELECT i, 'early ' || i, i * 1.5, 'old', NULL, now() - interval '1 day'"
                + " FROM generate_series(1, 30000) i");
        startPipeline();
        // Changes while the snapshot is read: to rows being snapshotted, and to new ones.
        source.execute(
                "UPDATE orders SET status = 'touched during snapshot', updated_at = now() WHERE id % 97 = 0",
                "DELETE FROM orders WHERE id % 89 = 0");
        OrdersWorkload.write(source, new Random(7), 1_000_000, 3_000, 500, 300);

        OrdersWorkload.awaitEqual(source, target);
        assertThat(target.queryLong("SELECT count(*) FROM orders"))
                .isEqualTo(source.queryLong("SELECT count(*) FROM orders"));
    }

    /**
     * {@code sluice pause loader} as an operator runs it: writes go on at the source, the loader's queue grows and the
     * target stays as it was; {@code sluice resume loader} and the target converges, nothing lost.
     */
    @Test
    void aPausedLoaderHoldsItsQueueAndTheTargetConvergesOnResume() throws Exception {
        startPipeline();
        OrdersWorkload.write(source, new Random(3), 1, 2_000, 200, 100);
        OrdersWorkload.awaitEqual(source, target);
        String loader = "http://127.0.0.1:"
                + ((org.springframework.boot.web.server.context.WebServerApplicationContext) services.getFirst())
                        .getWebServer()
                        .getPort();
        java.util.Map<String, String> token = java.util.Map.of("SLUICE_SECURITY_TOKEN", ServiceArgs.TEST_TOKEN);

        io.sluice.testkit.JarRun paused =
                io.sluice.testkit.JarRun.run("cli", List.of("pause", "loader", "--url", loader), token);
        assertThat(paused.code()).as(paused.out() + paused.err()).isZero();
        long before = target.queryLong("SELECT count(*) FROM orders");
        OrdersWorkload.write(source, new Random(4), 10_000, 3_000, 300, 100);
        String queue = names.loaderQueue("warehouse");
        await().atMost(Duration.ofSeconds(30)).until(() -> depth(queue) > 0);
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(4))
                .until(() -> target.queryLong("SELECT count(*) FROM orders") == before);

        io.sluice.testkit.JarRun resumed =
                io.sluice.testkit.JarRun.run("cli", List.of("resume", "loader", "--url", loader), token);
        assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
        OrdersWorkload.awaitEqual(source, target);
        assertThat(depth(queue)).isZero();
    }

    private static long depth(String queue) throws Exception {
        try (com.rabbitmq.client.Connection connection = RabbitBroker.get().newConnection();
                com.rabbitmq.client.Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        }
    }

    private String[] args(String... extra) {
        return RabbitBroker.get().serviceArgs(prefix, extra);
    }
}

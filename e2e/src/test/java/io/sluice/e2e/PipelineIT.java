package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.getter.GetterApplication;
import io.sluice.handler.HandlerApplication;
import io.sluice.loader.LoaderApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.TableDiff;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
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

    private static final String COLUMNS = "id, customer, amount, status, note, updated_at";
    private static final String TABLE = "id int8 PRIMARY KEY, customer text NOT NULL, amount numeric(12,2),"
            + " status text, note text, updated_at timestamptz";

    private final TestDatabase source = TestPostgres.get().newDatabase("pipeline_source");
    private final TestDatabase target = TestPostgres.get().newDatabase("pipeline_target");
    private final String prefix = RabbitBroker.uniquePrefix("pipeline");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();

    @BeforeEach
    void startPipeline() {
        source.execute("CREATE TABLE public.orders (" + TABLE + ")");
        target.execute(
                "CREATE TABLE public.orders (" + TABLE + ", _sluice_lsn int8 NOT NULL, _sluice_seq int8 NOT NULL)");
        services.add(LoaderApplication.create().run(args("--spring.datasource.url=" + target.jdbcUrl())));
        services.add(HandlerApplication.create().run(args()));
        services.add(GetterApplication.create()
                .run(args(
                        "--sluice.getter.cdc.url=" + source.jdbcUrl(),
                        "--sluice.getter.cdc.source=shop",
                        "--sluice.getter.cdc.slot=" + source.name(),
                        "--sluice.getter.cdc.status-interval=1s")));
        // The slot exists once the getter streams; changes before that would not be captured.
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
        Random random = new Random(42);
        List<Long> live = new ArrayList<>();
        long nextId = 1;
        int inserts = 0;
        int updates = 0;
        int deletes = 0;
        try (Connection c = source.connect();
                PreparedStatement insert =
                        c.prepareStatement("INSERT INTO orders VALUES (?, ?, ?::numeric, ?, ?, now())");
                PreparedStatement update = c.prepareStatement(
                        "UPDATE orders SET amount = amount + 1, status = ?, note = ?, updated_at = now() WHERE id = ?");
                PreparedStatement delete = c.prepareStatement("DELETE FROM orders WHERE id = ?")) {
            c.setAutoCommit(false);
            while (inserts < 10_000 || updates < 2_000 || deletes < 1_000) {
                int changes = 1 + random.nextInt(120);
                for (int i = 0; i < changes; i++) {
                    int pick = random.nextInt(13);
                    if (inserts < 10_000 && (pick < 10 || live.size() < 50)) {
                        long id = nextId++;
                        insert.setLong(1, id);
                        insert.setString(2, "customer-" + random.nextInt(1000));
                        insert.setString(3, random.nextInt(100_000) + "." + random.nextInt(100));
                        insert.setString(4, "new");
                        insert.setString(5, random.nextInt(10) == 0 ? null : "tab\there, quote ' and \\ backslash");
                        insert.executeUpdate();
                        live.add(id);
                        inserts++;
                    } else if (updates < 2_000 && pick < 12 && !live.isEmpty()) {
                        update.setString(1, "paid");
                        update.setString(2, "line\nbreak " + i);
                        update.setLong(3, live.get(random.nextInt(live.size())));
                        update.executeUpdate();
                        updates++;
                    } else if (deletes < 1_000 && !live.isEmpty()) {
                        delete.setLong(1, live.remove(random.nextInt(live.size())));
                        delete.executeUpdate();
                        deletes++;
                    }
                }
                c.commit();
            }
        }

        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(TableDiff.differences(source, "orders", target, "orders", COLUMNS, 10))
                        .isEmpty());
        assertThat(target.queryLong("SELECT count(*) FROM orders")).isEqualTo(9_000);
    }

    private String[] args(String... extra) {
        return RabbitBroker.get().serviceArgs(prefix, extra);
    }
}

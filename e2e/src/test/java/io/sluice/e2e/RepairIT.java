package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.common.amqp.Topology;
import io.sluice.getter.GetterApplication;
import io.sluice.handler.HandlerApplication;
import io.sluice.loader.LoaderApplication;
import io.sluice.pgtask.PgTaskProperties;
import io.sluice.pgtask.checks.DataCheck;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Check → repair → equal: a target damaged in every way a lost slot, a hand edit or a bad restore leaves it (rows
 * missing, extra, changed, and a deleted row back) is found by pgtask's data check and repaired through the getter
 * while the source keeps changing, and ends equal to the source.
 */
class RepairIT {

    private static final String COLUMNS = OrdersWorkload.COLUMNS;

    private final TestDatabase source = TestPostgres.get().newDatabase("repair_source");
    private final TestDatabase target = TestPostgres.get().newDatabase("repair_target");
    private final String prefix = RabbitBroker.uniquePrefix("repair");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();

    @AfterEach
    void stopPipeline() {
        services.reversed().forEach(ConfigurableApplicationContext::close);
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void aCheckWithRepairMendsEveryKindOfDamageWhileChangesFlow() throws Exception {
        OrdersWorkload.createTables(source, target);
        source.execute("INSERT INTO orders SELECT i, 'customer ' || i, i, 'old', 'note ' || i, now()"
                + " FROM generate_series(1, 3000) i");
        services.add(LoaderApplication.create()
                .run(RabbitBroker.get().serviceArgs(prefix, "--spring.datasource.url=" + target.jdbcUrl())));
        services.add(HandlerApplication.create().run(RabbitBroker.get().serviceArgs(prefix)));
        services.add(GetterApplication.create().run(GetterArgs.of(prefix, source, target)));
        OrdersWorkload.awaitEqual(source, target);
        // A row deleted at the source, so that the target holds its tombstone.
        source.execute("DELETE FROM orders WHERE id IN (30, 31)");
        await().atMost(Duration.ofMinutes(1))
                .until(() -> target.queryLong("SELECT count(*) FROM orders WHERE id IN (30, 31)") == 0);

        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            Random random = new Random(23);
            long firstId = 1_000_000;
            try {
                while (writing.get()) {
                    OrdersWorkload.write(source, random, firstId, 300, 100, 50);
                    firstId += 1_000;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        target.execute(
                "DELETE FROM orders WHERE id IN (10, 11, 12)", // missing
                "INSERT INTO orders VALUES (900001, 'nobody', 1, 'extra', NULL, now(), 1, 1),"
                        + " (900002, 'nobody', 2, 'extra', NULL, now(), 1, 1)", // extra
                "UPDATE orders SET amount = -1, status = 'corrupted' WHERE id IN (20, 21, 22)", // changed
                "INSERT INTO orders VALUES (30, 'customer 30', 30, 'old', 'note 30', now(), 1, 1)"); // resurrected

        String outcome = check().run(Instant.now());

        // At least the damage done; changes in flight at the check's moment may add to each count.
        java.util.regex.Matcher counts = java.util.regex.Pattern.compile(
                        "repaired: (\\d+) missing and (\\d+) changed rows re-sent, (\\d+) extra rows deleted")
                .matcher(outcome);
        assertThat(counts.find()).as(outcome).isTrue();
        assertThat(List.of(counts.group(1), counts.group(2), counts.group(3)))
                .allSatisfy(n -> assertThat(Integer.parseInt(n)).isGreaterThanOrEqualTo(3));
        assertThat(outcome).contains("those keys now equal");
        assertThat(target.queryLong("SELECT count(*) FROM sluice.check_results WHERE range_from = 'repair'"
                        + " AND range_to = 'repaired' AND matched"))
                .isEqualTo(1);
        assertThat(target.queryLong("SELECT count(*) FROM sluice.snapshot_requests"))
                .isZero();
        writing.set(false);
        writer.join();
        OrdersWorkload.awaitEqual(source, target);
        assertThat(target.queryLong("SELECT count(*) FROM orders WHERE id IN (30, 900001, 900002)"))
                .isZero();
        assertThat(target.queryLong("SELECT count(*) FROM orders WHERE id IN (10, 11, 12, 20, 21, 22)"
                        + " AND status = 'old' AND amount > 0"))
                .isEqualTo(6);
        assertThat(check().run(Instant.now())).startsWith("source = target");
    }

    private DataCheck check() {
        return new DataCheck(
                new PgTaskProperties.Check(
                        "orders-repair",
                        "0 0 * * * *",
                        "source",
                        "target",
                        "public.orders",
                        null,
                        "id",
                        List.of(),
                        8,
                        10_000, // max-keys: every key in flight from the writer is listed too, not only the damage
                        "shop",
                        null,
                        Duration.ofMinutes(5),
                        List.of(),
                        true,
                        Duration.ofMinutes(1),
                        List.of()),
                source.dataSource(),
                target.dataSource(),
                target.dataSource(),
                new SimpleMeterRegistry());
    }
}

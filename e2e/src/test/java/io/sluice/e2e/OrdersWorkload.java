package io.sluice.e2e;

import io.sluice.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The e2e tests' table of orders and a workload of mixed transactions on it. */
final class OrdersWorkload {

    static final String COLUMNS = "id, customer, amount, status, note, updated_at";
    static final String TABLE = "id int8 PRIMARY KEY, customer text NOT NULL, amount numeric(12,2),"
            + " status text, note text, updated_at timestamptz";

    private OrdersWorkload() {}

    /** Creates the table in the source, and in the target with the loader's version columns. */
    static void createTables(TestDatabase source, TestDatabase target) {
        source.execute("CREATE TABLE public.orders (" + TABLE + ")");
        target.execute(
                "CREATE TABLE public.orders (" + TABLE + ", _sluice_lsn int8 NOT NULL, _sluice_seq int8 NOT NULL)");
    }

    /** Waits (up to 2 minutes) until the target's orders equal the source's, column by column. */
    static void awaitEqual(TestDatabase source, TestDatabase target) {
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofMinutes(2))
                .pollInterval(java.time.Duration.ofSeconds(1))
                .untilAsserted(() -> org.assertj.core.api.Assertions.assertThat(io.sluice.testkit.TableDiff.differences(
                                source, "orders", target, "orders", COLUMNS, 10))
                        .isEmpty());
    }

    /** Inserts, updates and deletes in transactions of random sizes; updates and deletes hit rows it inserted. */
    static void write(
            TestDatabase source, Random random, long firstId, int totalInserts, int totalUpdates, int totalDeletes)
            throws Exception {
        List<Long> live = new ArrayList<>();
        long nextId = firstId;
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
            while (inserts < totalInserts || updates < totalUpdates || deletes < totalDeletes) {
                int changes = 1 + random.nextInt(120);
                for (int i = 0; i < changes; i++) {
                    int pick = random.nextInt(13);
                    if (inserts < totalInserts && (pick < 10 || live.size() < 50)) {
                        long id = nextId++;
                        insert.setLong(1, id);
                        insert.setString(2, "customer-" + random.nextInt(1000));
                        insert.setString(3, random.nextInt(100_000) + "." + random.nextInt(100));
                        insert.setString(4, "new");
                        insert.setString(5, random.nextInt(10) == 0 ? null : "tab\there, quote ' and \\ backslash");
                        insert.executeUpdate();
                        live.add(id);
                        inserts++;
                    } else if (updates < totalUpdates && pick < 12 && !live.isEmpty()) {
                        update.setString(1, "paid");
                        update.setString(2, "line\nbreak " + i);
                        update.setLong(3, live.get(random.nextInt(live.size())));
                        update.executeUpdate();
                        updates++;
                    } else if (deletes < totalDeletes && !live.isEmpty()) {
                        delete.setLong(1, live.remove(random.nextInt(live.size())));
                        delete.executeUpdate();
                        deletes++;
                    }
                }
                c.commit();
            }
        }
    }
}

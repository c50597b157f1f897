package io.sluice.pgtask.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pgtask.PgTaskProperties;
import io.sluice.pgtask.runner.Ddl;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The table swap under concurrent inserts, an incremental rollup with late rows, and the tombstone purge. */
class MaintenanceJobsIT {

    private final TestDatabase db = TestPostgres.get().newDatabase("maintenance");
    private final PGSimpleDataSource dataSource = new PGSimpleDataSource();
    private final Ddl ddl = new Ddl(Duration.ofSeconds(2), Duration.ofMinutes(1));

    @BeforeEach
    void migrate() {
        dataSource.setURL(db.jdbcUrl());
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:io/sluice/common/db/migration")
                .schemas("sluice")
                .defaultSchema("sluice")
                .createSchemas(true)
                .load()
                .migrate();
    }

    @Test
    void swapsUnderConcurrentInsertsLoseNoRowAndShipTheLatestPerKey() throws Exception {
        db.execute(
                "CREATE TABLE feed_log (id int, seq bigint, info text)",
                "CREATE TABLE feed_latest (id int PRIMARY KEY, seq bigint, info text)");
        TableSwap swap = new TableSwap(
                new PgTaskProperties.Swap(
                        "feed-swap",
                        "0 * * * * *",
                        "target",
                        "public.feed_log",
                        null,
                        List.of("id"),
                        "seq",
                        "public.feed_latest"),
                dataSource,
                ddl);
        Map<Integer, Long> latest = new ConcurrentHashMap<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofPlatform().start(() -> {
            Random random = new Random(7);
            try (Connection c = dataSource.getConnection();
                    PreparedStatement insert = c.prepareStatement("INSERT INTO feed_log VALUES (?, ?, ?)")) {
                for (long seq = 1; writing.get(); seq++) {
                    int id = random.nextInt(500);
                    insert.setInt(1, id);
                    insert.setLong(2, seq);
                    insert.setString(3, "v" + seq);
                    insert.executeUpdate(); // autocommit: once it returns, the row is the application's
                    latest.put(id, seq);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < 5; i++) {
            Thread.sleep(200);
            assertThat(swap.run(Instant.now())).startsWith("swapped public.feed_log");
        }
        writing.set(false);
        writer.join();
        swap.run(Instant.now()); // ships what was written since the last swap

        assertThat(db.queryLong("SELECT count(*) FROM feed_log")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM feed_log_shadow")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM feed_latest")).isEqualTo(latest.size());
        for (Map.Entry<Integer, Long> key : latest.entrySet()) {
            assertThat(db.queryLong("SELECT seq FROM feed_latest WHERE id = " + key.getKey()))
                    .as("latest row of key %d", key.getKey())
                    .isEqualTo(key.getValue());
        }
    }

    @Test
    void aRollupSummarizesCompleteBucketsRecountsLateRowsAndIsSafeToRunAgain() throws Exception {
        db.execute(
                "CREATE TABLE orders (id int, amount numeric, at timestamptz)",
                "CREATE TABLE orders_hourly (bucket timestamptz PRIMARY KEY, orders bigint, amount numeric)",
                "INSERT INTO orders VALUES (1, 10, '2026-11-30 10:05+00'), (2, 5, '2026-11-30 10:55+00'),"
                        + " (3, 7, '2026-11-30 11:10+00'), (4, 1, '2026-11-30 12:01+00')");
        Rollup rollup = new Rollup(
                new PgTaskProperties.Rollup(
                        "orders-hourly",
                        "0 * * * * *",
                        "target",
                        "public.orders",
                        "at",
                        Duration.ofHours(1),
                        "public.orders_hourly",
                        "count(*), sum(amount)",
                        2),
                dataSource,
                dataSource,
                ddl);

        rollup.run(Instant.parse("2026-11-30T12:30:00Z")); // the 12:00 bucket is not complete yet
        assertThat(hourly())
                .containsExactly(
                        List.of("2026-11-30 10:00:00+00", "2", "15"), List.of("2026-11-30 11:00:00+00", "1", "7"));

        db.execute("INSERT INTO orders VALUES (5, 100, '2026-11-30 11:59+00')"); // late, into a summarized bucket
        rollup.run(Instant.parse("2026-11-30T13:00:00Z"));
        rollup.run(Instant.parse("2026-11-30T13:00:00Z")); // again: nothing changes
        assertThat(hourly())
                .containsExactly(
                        List.of("2026-11-30 10:00:00+00", "2", "15"),
                        List.of("2026-11-30 11:00:00+00", "2", "107"),
                        List.of("2026-11-30 12:00:00+00", "1", "1"));
        assertThat(db.queryValue("SELECT watermark::text FROM sluice.rollup_watermarks"))
                .isEqualTo("2026-11-30 13:00:00+00");
    }

    @Test
    void tombstonesOlderThanTheHorizonArePurged() throws Exception {
        db.execute("INSERT INTO sluice.tombstones (target_table, key, lsn, seq, deleted_at) SELECT 'public.t',"
                + " ARRAY[i::text], 1, 1, now() - i * interval '1 day' FROM generate_series(1, 30) i");
        String detail = new TombstonePurge("0 30 3 * * *", Duration.ofDays(7), dataSource).run(Instant.now());
        assertThat(detail).startsWith("purged 24 tombstones");
        assertThat(db.queryLong("SELECT count(*) FROM sluice.tombstones")).isEqualTo(6);
    }

    private List<List<String>> hourly() {
        return db.query("SELECT bucket::text, orders::text, amount::text FROM orders_hourly ORDER BY bucket").stream()
                .map(row -> row.stream().map(String::valueOf).toList())
                .toList();
    }
}

package io.sluice.pgtask.checks;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.pgtask.PgTaskProperties;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A source-versus-target check finds exactly the keys changed behind the pipeline's back, and nothing when equal. */
class DataCheckIT {

    private static final String TABLE = "(id bigint PRIMARY KEY, amount numeric(12,2), note text, at timestamptz)";

    private final TestDatabase source = TestPostgres.get().newDatabase("check_source");
    private final TestDatabase target = TestPostgres.get().newDatabase("check_target");
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void tables() {
        Flyway.configure()
                .dataSource(target.dataSource())
                .locations("classpath:io/sluice/common/db/migration")
                .schemas("sluice")
                .defaultSchema("sluice")
                .createSchemas(true)
                .load()
                .migrate();
        String rows = "INSERT INTO orders SELECT i, i * 1.5, CASE WHEN i % 10 = 0 THEN NULL ELSE 'note ' || i END,"
                + " timestamptz '2026-11-30 00:00+00' + i * interval '1 second' FROM generate_series(1, 60000) i";
        source.execute("CREATE TABLE orders " + TABLE, rows);
        // The target as the loader keeps it: its own bookkeeping columns, a soft-deleted row.
        target.execute(
                "CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(12,2), note text, at timestamptz,"
                        + " _sluice_lsn bigint, _sluice_deleted boolean)",
                rows.replace("FROM generate_series", ", 1, false FROM generate_series"));
    }

    @Test
    void equalTablesMatchAndChangedKeysAreListedExactly() throws Exception {
        DataCheck check = check();
        assertThat(check.run(Instant.now())).isEqualTo("source = target: 60000 rows in 8 buckets");
        assertThat(target.queryLong(
                        "SELECT count(*) FROM sluice.check_results WHERE matched AND range_from LIKE 'hash bucket%'"))
                .isEqualTo(8);

        target.execute(
                "UPDATE orders SET amount = amount + 0.01 WHERE id = 17", // a value changed
                "UPDATE orders SET note = NULL WHERE id = 31002", // NULL is not ''
                "UPDATE orders SET note = '' WHERE id = 31001",
                "DELETE FROM orders WHERE id = 42", // lost
                "UPDATE orders SET _sluice_deleted = true WHERE id = 59999", // soft-deleted: gone for the check
                "INSERT INTO orders VALUES (70000, 1, 'extra', now(), 1, false)"); // never in the source
        target.execute("UPDATE orders SET _sluice_lsn = 2 WHERE id = 5"); // bookkeeping only: no difference

        String detail = check.run(Instant.now());

        assertThat(detail).contains("keys [17, 42, 31001, 31002, 59999, 70000]");
        assertThat(target.queryLong("SELECT count(*) FROM sluice.check_results WHERE NOT matched"))
                .isBetween(1L, 6L);
        assertThat(
                        target
                                .query(
                                        "SELECT unnest(differing_keys) FROM sluice.check_results WHERE NOT matched ORDER BY 1")
                                .stream()
                                .map(r -> (String) r.get(0))
                                .toList())
                .containsExactlyInAnyOrder("17", "31002", "31001", "42", "59999", "70000");
        assertThat(meters.get("sluice.pgtask.check.mismatched.keys").gauge().value())
                .isEqualTo(6);
        assertThat(target.queryValue("SELECT table_name FROM sluice.snapshot_requests"))
                .isEqualTo("public.orders");
    }

    @Test
    void aTargetThatTrailsTheSourceOrBreaksARuleIsReported() throws Exception {
        DataCheck check = check();
        source.execute("INSERT INTO orders VALUES (60001, 3, 'late', timestamptz '2026-11-30 00:00+00'"
                + " + 60000 * interval '1 second' + interval '1 hour')");
        target.execute("UPDATE orders SET amount = -1 WHERE id = 9");
        String detail = check.run(Instant.now());
        assertThat(detail)
                .contains("freshness at within PT5M: target trails source by PT1H;")
                .contains("rule amount >= 0: 1 rows break it")
                .doesNotContain("id IS NOT NULL");
        assertThat(target.queryLong("SELECT count(*) FROM sluice.check_results WHERE range_from = 'rule' AND matched"))
                .isEqualTo(1);
        assertThat(meters.get("sluice.pgtask.check.lag").gauge().value()).isEqualTo(3600);
        assertThat(meters.get("sluice.pgtask.check.rule.violations").gauge().value())
                .isEqualTo(1);
    }

    private DataCheck check() {
        return new DataCheck(
                new PgTaskProperties.Check(
                        "orders-check",
                        "0 0 * * * *",
                        "source",
                        "target",
                        "public.orders",
                        null,
                        "id",
                        List.of(),
                        8,
                        100,
                        "shop",
                        "at",
                        Duration.ofMinutes(5),
                        List.of("amount >= 0", "id IS NOT NULL"),
                        false,
                        Duration.ofMinutes(2),
                        List.of()),
                source.dataSource(),
                target.dataSource(),
                target.dataSource(),
                meters);
    }

    @Test
    void aShardedTargetIsComparedAsTheUnionOfItsShards() throws Exception {
        TestDatabase shard0 = TestPostgres.get().newDatabase("check_shard0");
        TestDatabase shard1 = TestPostgres.get().newDatabase("check_shard1");
        String rows = "SELECT i, i * 1.5, CASE WHEN i % 10 = 0 THEN NULL ELSE 'note ' || i END,"
                + " timestamptz '2026-11-30 00:00+00' + i * interval '1 second' FROM generate_series(1, 60000) i";
        for (int shard = 0; shard < 2; shard++) {
            TestDatabase db = shard == 0 ? shard0 : shard1;
            db.execute(
                    "CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(12,2), note text, at timestamptz)",
                    "INSERT INTO orders SELECT * FROM (" + rows + ") r(i) WHERE i % 2 = " + shard);
        }
        DataCheck check = new DataCheck(
                new PgTaskProperties.Check(
                        "orders-shards",
                        "0 0 * * * *",
                        "source",
                        "target",
                        "public.orders",
                        null,
                        "id",
                        List.of(),
                        8,
                        100,
                        null,
                        null,
                        Duration.ofMinutes(5),
                        List.of(),
                        false,
                        Duration.ofMinutes(2),
                        List.of("shard0", "shard1")),
                source.dataSource(),
                List.of(shard0.dataSource(), shard1.dataSource()),
                target.dataSource(),
                meters);
        assertThat(check.run(Instant.now())).isEqualTo("source = target: 60000 rows in 8 buckets");

        shard1.execute(
                "DELETE FROM orders WHERE id = 43", // lost
                "UPDATE orders SET note = 'changed' WHERE id = 7");
        shard0.execute("INSERT INTO orders VALUES (99, 148.5, 'note 99', timestamptz '2026-11-30 00:01:39+00')");
        // 99 belongs to shard1 (odd) and is there too: on two shards, it differs though both copies are right.
        assertThat(check.run(Instant.now())).contains("keys [7, 43, 99]");
    }
}

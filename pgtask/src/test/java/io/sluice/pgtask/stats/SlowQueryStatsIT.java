package io.sluice.pgtask.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** pg_stat_statements history: deltas per interval, top-N, and no negative deltas across a statistics reset. */
class SlowQueryStatsIT {

    private final TestDatabase watched = TestPostgres.get().newDatabase("slow_watched");
    private final TestDatabase state = TestPostgres.get().newDatabase("slow_state");
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private SlowQueries queries;
    private SlowQueryStats job;

    @BeforeEach
    void setUp() {
        javax.sql.DataSource stateSource = state.dataSource();
        Flyway.configure()
                .dataSource(stateSource)
                .locations("classpath:io/sluice/common/db/migration")
                .schemas("sluice")
                .defaultSchema("sluice")
                .createSchemas(true)
                .load()
                .migrate();
        watched.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", "CREATE TABLE t (id int)");
        queries = new SlowQueries(stateSource);
        job = new SlowQueryStats(
                "0 */5 * * * *",
                Map.of("source", watched.dataSource()),
                stateSource,
                Duration.ofDays(30),
                new SlowQueryMetrics(queries, 10, meters));
    }

    @Test
    void deltasPerIntervalTopNAndAResetThatDoesNotGoNegative() throws Exception {
        Instant t0 = Instant.parse("2026-11-30T10:00:00Z");
        job.run(t0); // the first snapshot: nothing to compare with yet
        for (int i = 0; i < 5; i++) {
            watched.execute("INSERT INTO t SELECT generate_series(1, 20000)");
        }
        watched.execute("SELECT pg_sleep(0.05)");
        job.run(t0.plusSeconds(300));

        List<SlowQueries.Statement> top = queries.top("source", t0, "calls", 10);
        SlowQueries.Statement insert = top.stream()
                .filter(s -> s.query().startsWith("INSERT INTO t"))
                .findFirst()
                .orElseThrow();
        assertThat(insert.calls()).isEqualTo(5);
        assertThat(insert.rows()).isEqualTo(100_000);
        assertThat(queries.top("source", t0, "total_time", 1))
                .singleElement()
                .satisfies(s -> assertThat(s.query())
                        .satisfiesAnyOf(
                                q -> assertThat(q).startsWith("INSERT INTO t"),
                                q -> assertThat(q).contains("pg_sleep")));

        watched.execute("SELECT pg_stat_statements_reset()");
        watched.execute("INSERT INTO t SELECT generate_series(1, 10)", "INSERT INTO t SELECT generate_series(1, 10)");
        job.run(t0.plusSeconds(600));

        assertThat(state.queryLong("SELECT count(*) FROM sluice.query_stats_deltas WHERE calls < 0 OR rows < 0"
                        + " OR total_exec_time < 0 OR shared_blks_hit < 0 OR shared_blks_read < 0"))
                .isZero();
        assertThat(state.queryLong("SELECT calls FROM sluice.query_stats_deltas WHERE query LIKE 'INSERT INTO t%'"
                        + " AND interval_end = '2026-11-30 10:10:00+00'"))
                .isEqualTo(2); // counted since the reset, not 2 - 5
        assertThat(state.queryLong("SELECT count(DISTINCT taken_at) FROM sluice.query_stats"))
                .isEqualTo(1);
        assertThat(meters.find("sluice.pgtask.query.calls").gauges()).isNotEmpty();
    }
}

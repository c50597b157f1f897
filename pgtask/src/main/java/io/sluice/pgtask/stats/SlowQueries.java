package io.sluice.pgtask.stats;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/** Reads the slow-query history: the top statements of a period by total time, mean time, calls, rows or I/O. */
public final class SlowQueries {

    /** A statement's cost over a period. */
    public record Statement(
            long queryid,
            String query,
            long calls,
            double totalTimeMs,
            double meanTimeMs,
            long rows,
            long sharedBlksRead,
            long sharedBlksHit,
            long tempBlksWritten) {}

    /** The orders the top list can take, each an SQL expression over the period's sums. */
    private static final Map<String, String> ORDERS = Map.of(
            "total_time", "total_time",
            "mean_time", "total_time / nullif(calls, 0)",
            "calls", "calls",
            "rows", "rows",
            "io", "shared_blks_read + temp_blks_written");

    private final JdbcTemplate jdbc;

    public SlowQueries(DataSource state) {
        this.jdbc = new JdbcTemplate(state);
    }

    /** Orders {@link #top} accepts. */
    public static java.util.Set<String> orders() {
        return ORDERS.keySet();
    }

    /** The top statements of intervals that ended after {@code since}. */
    public List<Statement> top(String database, Instant since, String by, int limit) {
        String order = ORDERS.get(by.toLowerCase(Locale.ROOT));
        if (order == null) {
            throw new IllegalArgumentException("unknown order '" + by + "'; orders: " + ORDERS.keySet());
        }
        return jdbc.query(
                "SELECT queryid, min(query) AS query, sum(calls) AS calls, sum(total_exec_time) AS total_time,"
                        + " sum(rows) AS rows, sum(shared_blks_read) AS shared_blks_read,"
                        + " sum(shared_blks_hit) AS shared_blks_hit, sum(temp_blks_written) AS temp_blks_written"
                        + " FROM sluice.query_stats_deltas WHERE database = ? AND interval_end > ?"
                        + " GROUP BY queryid ORDER BY " + order + " DESC NULLS LAST, queryid LIMIT ?",
                (rs, i) -> new Statement(
                        rs.getLong("queryid"),
                        rs.getString("query"),
                        rs.getLong("calls"),
                        rs.getDouble("total_time"),
                        rs.getDouble("total_time") / Math.max(1, rs.getLong("calls")),
                        rs.getLong("rows"),
                        rs.getLong("shared_blks_read"),
                        rs.getLong("shared_blks_hit"),
                        rs.getLong("temp_blks_written")),
                database,
                Timestamp.from(since),
                limit);
    }

    /** The top statements of the database's latest interval, by total time. */
    List<Statement> latestInterval(String database, int limit) {
        Timestamp last = jdbc.queryForObject(
                "SELECT max(interval_end) FROM sluice.query_stats_deltas WHERE database = ?",
                Timestamp.class,
                database);
        return last == null ? List.of() : top(database, last.toInstant().minusNanos(1000), "total_time", limit);
    }
}

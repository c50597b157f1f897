package io.sluice.pgtask.stats;

import io.sluice.common.pg.QueryText;
import io.sluice.pgtask.runner.Job;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Snapshots {@code pg_stat_statements} of each watched database into {@code sluice.query_stats} and records what each
 * statement cost since the previous snapshot in {@code sluice.query_stats_deltas} — the history pg_profile and PgHero
 * keep. A statistics reset (or an entry evicted and seen again) between two snapshots shows as counters lower than
 * before: the delta is then the counters since the reset, never negative. Only the latest snapshot is kept; deltas are
 * kept for {@code keep}.
 */
public final class SlowQueryStats implements Job {

    private static final String COUNTERS =
            "calls, total_exec_time, rows, shared_blks_hit, shared_blks_read, temp_blks_written";

    private final String cron;
    private final Map<String, DataSource> watched;
    private final DataSource state;
    private final Duration keep;
    private final SlowQueryMetrics metrics;

    public SlowQueryStats(
            String cron, Map<String, DataSource> watched, DataSource state, Duration keep, SlowQueryMetrics metrics) {
        this.cron = cron;
        this.watched = watched;
        this.state = state;
        this.keep = keep;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "slow-queries";
    }

    @Override
    public String kind() {
        return "slow-queries";
    }

    @Override
    public String cron() {
        return cron;
    }

    @Override
    public String run(Instant now) throws Exception {
        List<String> done = new ArrayList<>();
        for (Map.Entry<String, DataSource> database : watched.entrySet()) {
            Snapshot snapshot = read(database.getKey(), database.getValue());
            int statements = store(database.getKey(), snapshot, now);
            done.add(database.getKey() + ": " + snapshot.rows().size() + " statements, " + statements
                    + " active since the last snapshot");
            metrics.update(database.getKey());
        }
        return String.join("; ", done);
    }

    private record Snapshot(Timestamp statsReset, List<Object[]> rows) {}

    private static Snapshot read(String name, DataSource database) throws SQLException {
        try (Connection c = database.getConnection()) {
            Timestamp reset;
            List<Object[]> rows = new ArrayList<>();
            try (PreparedStatement info = c.prepareStatement("SELECT stats_reset FROM pg_stat_statements_info");
                    ResultSet rs = info.executeQuery()) {
                rs.next();
                reset = rs.getTimestamp(1);
            } catch (SQLException e) {
                throw new SQLException(
                        "pg_stat_statements is not available in database '" + name
                                + "': add it to shared_preload_libraries and run CREATE EXTENSION pg_stat_statements ("
                                + e.getMessage() + ")",
                        e.getSQLState(),
                        e);
            }
            try (PreparedStatement s = c.prepareStatement("SELECT queryid, userid, dbid, query, " + COUNTERS
                            + " FROM pg_stat_statements WHERE queryid IS NOT NULL"
                            + " AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Object[] row = new Object[10];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = rs.getObject(i + 1);
                    }
                    row[3] = QueryText.redact((String) row[3]); // stored and served without literals or passwords
                    rows.add(row);
                }
            }
            return new Snapshot(reset, rows);
        }
    }

    /** Stores the snapshot, records the deltas against the previous one, and drops what is no longer needed. */
    private int store(String database, Snapshot snapshot, Instant now) throws SQLException {
        Timestamp takenAt = Timestamp.from(now);
        try (Connection c = state.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO sluice.query_stats (database, taken_at,"
                        + " stats_reset, queryid, userid, dbid, query, " + COUNTERS + ")"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                    for (Object[] row : snapshot.rows()) {
                        insert.setString(1, database);
                        insert.setTimestamp(2, takenAt);
                        insert.setTimestamp(3, snapshot.statsReset());
                        for (int i = 0; i < row.length; i++) {
                            insert.setObject(4 + i, row[i]);
                        }
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                int deltas = deltas(c, database, takenAt);
                try (PreparedStatement prune =
                        c.prepareStatement("DELETE FROM sluice.query_stats WHERE database = ? AND taken_at < ?")) {
                    prune.setString(1, database);
                    prune.setTimestamp(2, takenAt);
                    prune.executeUpdate();
                }
                try (PreparedStatement prune = c.prepareStatement(
                        "DELETE FROM sluice.query_stats_deltas WHERE database = ? AND interval_end < ?")) {
                    prune.setString(1, database);
                    prune.setTimestamp(2, Timestamp.from(now.minus(keep)));
                    prune.executeUpdate();
                }
                c.commit();
                return deltas;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Each statement's cost since the previous snapshot: the difference of its counters, or — when the statistics
     * were reset in between or its counters went down — its counters as they are now (counted since the reset).
     */
    private static int deltas(Connection c, String database, Timestamp takenAt) throws SQLException {
        List<String> counters = List.of(COUNTERS.split(", "));
        StringBuilder old = new StringBuilder();
        StringBuilder delta = new StringBuilder();
        for (String counter : counters) {
            old.append(", old.").append(counter).append(" AS old_").append(counter);
            delta.append(", CASE WHEN fresh THEN ")
                    .append(counter)
                    .append(" ELSE ")
                    .append(counter)
                    .append(" - old_")
                    .append(counter)
                    .append(" END AS ")
                    .append(counter);
        }
        String sql = "WITH prev AS (SELECT max(taken_at) AS at FROM sluice.query_stats WHERE database = ?"
                + " AND taken_at < ?),"
                + " cur AS (SELECT * FROM sluice.query_stats WHERE database = ? AND taken_at = ?),"
                + " old AS (SELECT q.* FROM sluice.query_stats q JOIN prev ON q.taken_at = prev.at"
                + " WHERE q.database = ?),"
                + " pairs AS (SELECT cur.*, prev.at AS prev_at" + old
                + ", (old.queryid IS NULL OR old.stats_reset IS DISTINCT FROM cur.stats_reset"
                + " OR cur.calls < old.calls) AS fresh"
                + " FROM cur CROSS JOIN prev LEFT JOIN old USING (queryid, userid, dbid)),"
                + " deltas AS (SELECT database, prev_at, taken_at, queryid, userid, dbid, query" + delta
                + " FROM pairs WHERE prev_at IS NOT NULL)"
                + " INSERT INTO sluice.query_stats_deltas (database, interval_start, interval_end, queryid, userid,"
                + " dbid, query, " + COUNTERS + ") SELECT * FROM deltas d WHERE d.calls > 0";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, database);
            s.setTimestamp(2, takenAt);
            s.setString(3, database);
            s.setTimestamp(4, takenAt);
            s.setString(5, database);
            return s.executeUpdate();
        }
    }
}

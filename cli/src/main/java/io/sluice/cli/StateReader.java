package io.sluice.cli;

import io.sluice.common.state.StateTables;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Reads the state schema {@code sluice}: each snapshot's progress, and the last data check of each table. */
final class StateReader {

    /** A snapshot of a source's slot: its state and its chunks done of all. */
    record Snapshot(String source, String slot, String state, long chunksDone, long chunks, long rows) {}

    /** The newest result of a check on one table. */
    record Check(String name, String table, String checkedAt, boolean matched, String detail) {}

    private StateReader() {}

    /** Connects with the user and password of {@code SPRING_DATASOURCE_*} or {@code PGUSER}/{@code PGPASSWORD}. */
    static Connection connect(String url, java.util.Map<String, String> env) throws SQLException {
        Properties properties = new Properties();
        String user = first(env, "SPRING_DATASOURCE_USERNAME", "PGUSER");
        String password = first(env, "SPRING_DATASOURCE_PASSWORD", "PGPASSWORD");
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("readOnly", "true");
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("ApplicationName", "sluice-cli");
        return DriverManager.getConnection(url, properties);
    }

    static List<Snapshot> snapshots(Connection connection) throws SQLException {
        String sql = "SELECT s.source, s.slot, s.state,"
                + " count(c.*) FILTER (WHERE c.state = 'done'), count(c.*), coalesce(sum(c.rows), 0)"
                + " FROM sluice.snapshots s LEFT JOIN sluice.snapshot_chunks c USING (source, slot)"
                + " GROUP BY 1, 2, 3 ORDER BY 1, 2";
        List<Snapshot> snapshots = new ArrayList<>();
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                snapshots.add(new Snapshot(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getLong(6)));
            }
        }
        return snapshots;
    }

    static List<Check> lastChecks(Connection connection) throws SQLException {
        String sql = "SELECT DISTINCT ON (check_name, target_table) check_name, target_table,"
                + " to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), matched,"
                + " coalesce(detail, '') FROM " + StateTables.CHECK_RESULTS
                + " ORDER BY check_name, target_table, checked_at DESC";
        List<Check> checks = new ArrayList<>();
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                checks.add(new Check(
                        rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4), rs.getString(5)));
            }
        }
        return checks;
    }

    private static String first(java.util.Map<String, String> env, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}

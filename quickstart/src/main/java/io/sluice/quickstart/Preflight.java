package io.sluice.quickstart;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the quickstart checks in the source before it starts anything on it, so that a database that cannot work says
 * so at once instead of a display that stays at zero.
 */
final class Preflight {

    private Preflight() {}

    /** Fails with what to do when the source cannot be captured by logical replication. */
    static void checkSource(Infrastructure infrastructure) throws SQLException {
        try (Connection source = infrastructure.source();
                Statement statement = source.createStatement();
                ResultSet level = statement.executeQuery("SHOW wal_level")) {
            level.next();
            if (!"logical".equals(level.getString(1))) {
                throw new IllegalStateException("the source's wal_level is '" + level.getString(1)
                        + "'; change data capture needs 'logical': ALTER SYSTEM SET wal_level = logical, then restart"
                        + " PostgreSQL");
            }
        }
    }

    /** Whether the source has a working pg_stat_statements (for pgtask's slow-query statistics). */
    static boolean slowQueryStatistics(Infrastructure infrastructure) {
        try (Connection source = infrastructure.source();
                Statement statement = source.createStatement()) {
            statement.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            statement.executeQuery("SELECT 1 FROM pg_stat_statements LIMIT 1").close();
            return true;
        } catch (SQLException e) {
            return false; // not in shared_preload_libraries: the demo runs without slow-query statistics
        }
    }
}

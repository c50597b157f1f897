package io.sluice.quickstart;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Whether the warehouse holds as many rows as the source, table by table: the sign the pipeline has drained. */
final class CatchUp {

    private CatchUp() {}

    /** The tables whose counts differ, as {@code table source/target}; empty when caught up. */
    static List<String> behind(Infrastructure infrastructure) throws SQLException {
        List<String> behind = new ArrayList<>();
        try (Connection source = infrastructure.source();
                Connection target = infrastructure.target()) {
            for (String table : Services.TABLES) {
                long s = count(source, table);
                long t = exists(target, table) ? count(target, table) : 0; // created with its first batch
                if (s != t) {
                    behind.add(table + " " + s + "/" + t);
                }
            }
        }
        return behind;
    }

    private static boolean exists(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT to_regclass('" + Services.SCHEMA + "." + table + "') IS NOT NULL")) {
            rows.next();
            return rows.getBoolean(1);
        }
    }

    private static long count(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + Services.SCHEMA + "." + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}

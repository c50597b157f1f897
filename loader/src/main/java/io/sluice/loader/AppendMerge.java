package io.sluice.loader;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends every change as a new row (facts, tables without a key, partitioned targets), with its version and, where
 * the target has the column, its operation. A redelivered change is recognised by its version (and key) and skipped.
 */
final class AppendMerge {

    private AppendMerge() {}

    static void merge(Connection connection, TargetTable table, Staging staging) throws SQLException {
        if (staging.rows() == 0) {
            return;
        }
        List<String> identity = new ArrayList<>(table.keyNames());
        List<String> columns = new ArrayList<>(table.columnNames());
        columns.addAll(List.of(TargetTable.LSN, TargetTable.SEQ));
        if (table.has(TargetTable.OP)) {
            columns.add(TargetTable.OP);
        }
        String sql = "INSERT INTO " + table.name().quoted() + " (" + Sql.list(columns) + ") SELECT DISTINCT ON ("
                + Sql.LSN + ", " + Sql.SEQ + (identity.isEmpty() ? "" : ", " + Sql.list("s", identity)) + ") "
                + Sql.list("s", columns) + " FROM " + staging.quoted() + " s WHERE NOT EXISTS (SELECT 1 FROM "
                + table.name().quoted() + " t WHERE " + Sql.version("t") + " = " + Sql.version("s")
                + (identity.isEmpty() ? "" : " AND " + Sql.keyJoin("t", "s", identity)) + ")";
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }
}

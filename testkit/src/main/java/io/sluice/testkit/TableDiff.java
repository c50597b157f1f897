package io.sluice.testkit;

import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * Compares a table in two databases the way a user would: the source rows are copied next to the target, and
 * {@code EXCEPT} runs both ways. Returns the rows that differ (prefixed {@code source only:} / {@code target only:}).
 */
public final class TableDiff {

    private TableDiff() {}

    /**
     * @param columns the compared columns, as a SQL select list (both sides must render them alike)
     * @param limit how many differing rows to return at most
     */
    public static List<String> differences(
            TestDatabase source,
            String sourceTable,
            TestDatabase target,
            String targetTable,
            String columns,
            int limit) {
        try (Connection src = source.connect();
                Connection dst = target.connect()) {
            StringWriter rows = new StringWriter();
            src.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyOut("COPY (SELECT " + columns + " FROM " + sourceTable + ") TO STDOUT", rows);
            dst.setAutoCommit(false);
            try (Statement s = dst.createStatement()) {
                s.execute("CREATE TEMP TABLE sluice_diff_source ON COMMIT DROP AS SELECT " + columns + " FROM "
                        + targetTable + " WITH NO DATA");
                dst.unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyIn("COPY sluice_diff_source FROM STDIN", new StringReader(rows.toString()));
                String sql = "(SELECT 'source only: ' || d::text FROM (SELECT * FROM sluice_diff_source EXCEPT SELECT "
                        + columns + " FROM " + targetTable + ") d) UNION ALL (SELECT 'target only: ' || d::text FROM "
                        + "(SELECT " + columns + " FROM " + targetTable + " EXCEPT SELECT * FROM sluice_diff_source) d)"
                        + " LIMIT " + limit;
                var result = new java.util.ArrayList<String>();
                try (var rs = s.executeQuery(sql)) {
                    while (rs.next()) {
                        result.add(rs.getString(1));
                    }
                }
                dst.rollback();
                return result;
            }
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("comparing " + sourceTable + " with " + targetTable + " failed", e);
        }
    }
}

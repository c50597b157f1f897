package io.sluice.loader;

import io.sluice.common.pg.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Unsent (unchanged TOAST) values that arrive out of order. When a change without some values is written, each such
 * column gets a gap in {@code sluice.toast_gaps}: open while the target row keeps that change's version, remembering
 * the version the target's value is known from ({@code filled}; none for a new row). A later-arriving older change that
 * carries the value, newer than {@code filled}, fills it. So an update that overtakes its insert loses the large value
 * only until the insert arrives, and a redelivered, even older change never overwrites a better value.
 */
final class ToastGaps {

    private ToastGaps() {}

    /** Before the merge: records a gap per unsent column of each newest change that will overwrite the target row. */
    static void open(Connection connection, TargetTable table, Staging staging) throws SQLException {
        List<String> keys = table.keyNames();
        String column = "(?::text[])[u.pos]";
        String sql = "WITH latest AS (" + Sql.latest(staging.name(), keys) + ") "
                + "INSERT INTO sluice.toast_gaps AS g (target_table, key, column_name, lsn, seq, filled_lsn, filled_seq)"
                + " SELECT ?, " + Sql.keyArray("l", keys) + ", " + column + ", l." + Sql.LSN + ", l." + Sql.SEQ + ","
                + " CASE WHEN og.key IS NULL THEN t." + Sql.LSN + " ELSE og.filled_lsn END,"
                + " CASE WHEN og.key IS NULL THEN t." + Sql.SEQ + " ELSE og.filled_seq END"
                + " FROM latest l CROSS JOIN LATERAL unnest(l." + Sql.UNCHANGED + ") AS u(pos)"
                + " LEFT JOIN " + table.name().quoted() + " t ON " + Sql.keyJoin("t", "l", keys)
                // The target's value itself waits for a fill: the new gap inherits how far that one got.
                + " LEFT JOIN sluice.toast_gaps og ON og.target_table = ? AND og.key = " + Sql.keyArray("l", keys)
                + " AND og.column_name = " + column + " AND (og.lsn, og.seq) = " + Sql.version("t")
                + " WHERE l." + Sql.OP + " <> 'd' AND (t." + Sql.LSN + " IS NULL OR " + Sql.version("t") + " < "
                + Sql.version("l") + ")"
                + " ON CONFLICT (target_table, key, column_name) DO UPDATE SET lsn = EXCLUDED.lsn, seq = EXCLUDED.seq,"
                + " filled_lsn = EXCLUDED.filled_lsn, filled_seq = EXCLUDED.filled_seq"
                + " WHERE (g.lsn, g.seq) < (EXCLUDED.lsn, EXCLUDED.seq)";
        try (PreparedStatement open = connection.prepareStatement(sql)) {
            Object names = connection.createArrayOf("text", table.columnNames().toArray());
            open.setString(1, table.name().toString());
            open.setObject(2, names);
            open.setString(3, table.name().toString());
            open.setObject(4, names);
            open.execute();
        }
    }

    /** After the merge: fills open gaps from staged older changes that carry the value, then forgets closed gaps. */
    static void fill(Connection connection, TargetTable table, Staging staging) throws SQLException {
        List<String> columns = columnsWithGaps(connection, table);
        if (columns.isEmpty()) {
            return;
        }
        List<String> keys = table.keyNames();
        String target = table.name().quoted();
        for (String column : columns) {
            int position = table.columnNames().indexOf(column) + 1;
            if (position == 0) {
                continue; // not in this batch shape
            }
            String c = Identifiers.quote(column);
            String sql = "WITH f AS (SELECT DISTINCT ON (g.key) g.key AS _sluice_gap_key, g.lsn AS _sluice_gap_lsn,"
                    + " g.seq AS _sluice_gap_seq, " + Sql.list("s", keys) + ", s." + c + " AS _sluice_value, s."
                    + Sql.LSN + ", s." + Sql.SEQ + " FROM sluice.toast_gaps g JOIN " + staging.quoted()
                    + " s ON g.key = "
                    + Sql.keyArray("s", keys) + " WHERE g.target_table = ? AND g.column_name = ? AND s." + Sql.OP
                    + " <> 'd'"
                    + (staging.anyUnchanged()
                            ? " AND NOT (" + position + " = ANY (coalesce(s." + Sql.UNCHANGED + ", '{}')))"
                            : "")
                    + " AND " + Sql.version("s") + " < (g.lsn, g.seq) AND (g.filled_lsn IS NULL OR " + Sql.version("s")
                    + " > (g.filled_lsn, g.filled_seq))"
                    + " ORDER BY g.key, s." + Sql.LSN + " DESC, s." + Sql.SEQ + " DESC), "
                    + "filled AS (UPDATE " + target + " t SET " + c + " = f._sluice_value FROM f WHERE "
                    + Sql.keyJoin("t", "f", keys) + " AND " + Sql.version("t") + " = (f._sluice_gap_lsn,"
                    + " f._sluice_gap_seq)) "
                    + "UPDATE sluice.toast_gaps g SET filled_lsn = f." + Sql.LSN + ", filled_seq = f." + Sql.SEQ
                    + " FROM f WHERE g.target_table = ? AND g.column_name = ? AND g.key = f._sluice_gap_key";
            try (PreparedStatement fill = connection.prepareStatement(sql)) {
                fill.setString(1, table.name().toString());
                fill.setString(2, column);
                fill.setString(3, table.name().toString());
                fill.setString(4, column);
                fill.execute();
            }
        }
        // A gap is closed once its row moved on to another version (a newer change carried the value) or is gone.
        try (PreparedStatement close = connection.prepareStatement("DELETE FROM sluice.toast_gaps g USING "
                + staging.quoted() + " s WHERE g.target_table = ? AND g.key = " + Sql.keyArray("s", keys)
                + " AND NOT EXISTS (SELECT 1 FROM " + target + " t WHERE " + Sql.keyJoin("t", "s", keys) + " AND "
                + Sql.version("t") + " = (g.lsn, g.seq))")) {
            close.setString(1, table.name().toString());
            close.execute();
        }
    }

    private static List<String> columnsWithGaps(Connection connection, TargetTable table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT DISTINCT column_name FROM sluice.toast_gaps WHERE target_table = ?")) {
            query.setString(1, table.name().toString());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }
}

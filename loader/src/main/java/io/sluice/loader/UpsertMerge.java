package io.sluice.loader;

import io.sluice.common.pg.Identifiers;
import io.sluice.loader.TableRule.DeleteMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Keeps the latest row per key: one statement takes the newest staged change per key and applies it only over an older
 * target version. Hard deletes leave a tombstone version in {@code sluice.tombstones} so that a late, older insert
 * cannot resurrect the row; soft deletes keep the row, flagged, as its own tombstone. A change with unsent (unchanged
 * TOAST) values keeps the target's values for them, and {@link ToastGaps} fills them when the target had none.
 */
final class UpsertMerge {

    private UpsertMerge() {}

    static void merge(Connection connection, TargetTable table, Staging staging) throws SQLException {
        if (staging.rows() == 0) {
            return;
        }
        if (staging.anyUnchanged()) {
            ToastGaps.open(connection, table, staging);
        }
        boolean soft = table.spec().deletes() == DeleteMode.SOFT;
        try (PreparedStatement merge =
                connection.prepareStatement(soft ? soft(table, staging) : hard(table, staging))) {
            if (!soft) {
                merge.setString(1, table.name().toString());
                merge.setString(2, table.name().toString());
            }
            merge.execute();
        }
        ToastGaps.fill(connection, table, staging);
    }

    private static String hard(TargetTable table, Staging staging) {
        List<String> keys = table.keyNames();
        String q = table.name().quoted();
        return "WITH latest AS (" + Sql.latest(staging.name(), keys) + "), "
                + "tombstoned AS (INSERT INTO sluice.tombstones AS ts (target_table, key, lsn, seq) SELECT ?, "
                + Sql.keyArray("l", keys) + ", l." + Sql.LSN + ", l." + Sql.SEQ + " FROM latest l WHERE l." + Sql.OP
                + " = 'd' ON CONFLICT (target_table, key) DO UPDATE SET lsn = EXCLUDED.lsn, seq = EXCLUDED.seq,"
                + " deleted_at = now() WHERE (ts.lsn, ts.seq) < (EXCLUDED.lsn, EXCLUDED.seq)), "
                + "deleted AS (DELETE FROM " + q + " t USING latest l WHERE l." + Sql.OP + " = 'd' AND "
                + Sql.keyJoin("t", "l", keys) + " AND " + Sql.version("t") + " < " + Sql.version("l") + "), "
                + patched(table, "")
                + "INSERT INTO " + q + " AS t (" + Sql.list(table.columnNames()) + ", " + Sql.LSN + ", " + Sql.SEQ
                + ") SELECT " + Sql.list("l", table.columnNames()) + ", l." + Sql.LSN + ", l." + Sql.SEQ
                + " FROM latest l LEFT JOIN sluice.tombstones ts ON ts.target_table = ? AND ts.key = "
                + Sql.keyArray("l", keys) + " WHERE l." + Sql.OP + " <> 'd' AND (ts.key IS NULL OR (ts.lsn, ts.seq) < "
                + Sql.version("l") + ") AND " + notPatched(table)
                + " ORDER BY " + Sql.list("l", keys)
                + " ON CONFLICT (" + Sql.list(keys) + ") DO UPDATE SET "
                + assignments(table, c -> "EXCLUDED." + c)
                + Sql.LSN + " = EXCLUDED." + Sql.LSN + ", " + Sql.SEQ + " = EXCLUDED." + Sql.SEQ
                + " WHERE " + Sql.version("t") + " < " + Sql.version("EXCLUDED");
    }

    /** Soft deletes: a delete is an upsert that sets the flag and keeps the row's other values. */
    private static String soft(TargetTable table, Staging staging) {
        List<String> keys = table.keyNames();
        String q = table.name().quoted();
        return "WITH latest AS (" + Sql.latest(staging.name(), keys) + "), "
                + patched(table, Sql.DELETED + " = false, ")
                + "INSERT INTO " + q + " AS t (" + Sql.list(table.columnNames()) + ", " + Sql.LSN + ", " + Sql.SEQ
                + ", " + Sql.DELETED + ") SELECT " + Sql.list("l", table.columnNames()) + ", l." + Sql.LSN + ", l."
                + Sql.SEQ + ", l." + Sql.OP + " = 'd' FROM latest l WHERE " + notPatched(table)
                + " ORDER BY " + Sql.list("l", keys)
                + " ON CONFLICT (" + Sql.list(keys) + ") DO UPDATE SET "
                + assignments(
                        table,
                        c -> "CASE WHEN EXCLUDED." + Sql.DELETED + " THEN t." + c + " ELSE EXCLUDED." + c + " END")
                + Sql.DELETED + " = EXCLUDED." + Sql.DELETED + ", " + Sql.LSN + " = EXCLUDED." + Sql.LSN + ", "
                + Sql.SEQ + " = EXCLUDED." + Sql.SEQ + " WHERE " + Sql.version("t") + " < " + Sql.version("EXCLUDED");
    }

    /** Rows with unsent values over an older target row: patch it, keeping the target's value for those columns. */
    private static String patched(TargetTable table, String extraSet) {
        List<String> names = table.columnNames();
        String unchanged = "l." + Sql.UNCHANGED;
        String set = IntStream.range(0, names.size())
                .filter(i -> !table.columns().get(i).key())
                .mapToObj(i -> {
                    String c = Identifiers.quote(names.get(i));
                    return c + " = CASE WHEN " + (i + 1) + " = ANY (" + unchanged + ") THEN t." + c + " ELSE l." + c
                            + " END, ";
                })
                .collect(Collectors.joining());
        return "patched AS (UPDATE " + table.name().quoted() + " t SET " + set + extraSet + Sql.LSN + " = l." + Sql.LSN
                + ", " + Sql.SEQ + " = l." + Sql.SEQ + " FROM latest l WHERE l." + Sql.OP + " <> 'd' AND " + unchanged
                + " IS NOT NULL AND " + Sql.keyJoin("t", "l", table.keyNames()) + " AND " + Sql.version("t") + " < "
                + Sql.version("l") + ") ";
    }

    /** Rows with unsent values whose target row exists were patched; the others are new keys and are inserted. */
    private static String notPatched(TargetTable table) {
        return "(l." + Sql.UNCHANGED + " IS NULL OR NOT EXISTS (SELECT 1 FROM "
                + table.name().quoted() + " t WHERE " + Sql.keyJoin("t", "l", table.keyNames()) + "))";
    }

    /** {@code "c" = <value of c>, } for every non-key column. */
    private static String assignments(TargetTable table, java.util.function.UnaryOperator<String> value) {
        return table.columns().stream()
                .filter(c -> !c.key())
                .map(c -> Identifiers.quote(c.name()))
                .map(c -> c + " = " + value.apply(c) + ", ")
                .collect(Collectors.joining());
    }
}

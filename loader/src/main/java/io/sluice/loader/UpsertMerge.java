package io.sluice.loader;

import io.sluice.common.pg.Identifiers;
import io.sluice.common.state.StateTables;
import io.sluice.loader.TableRule.DeleteMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
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
        // Only the parts this transaction needs: most transactions are plain upserts, and the statement is then the
        // one a person would write by hand (the newest row per key, in key order, over an older version).
        List<String> parameters = new ArrayList<>();
        StringBuilder sql = new StringBuilder("WITH latest AS (" + Sql.latest(staging.name(), table.keyNames()) + ")");
        if (!soft && staging.anyDeletes()) {
            sql.append(", ").append(hardDeletes(table));
            parameters.add(table.name().toString());
        }
        if (staging.anyUnchanged()) {
            sql.append(", ").append(patched(table, soft ? Sql.DELETED + " = false, " : ""));
        }
        boolean tombstones = !soft && (staging.anyDeletes() || anyTombstones(connection, table));
        sql.append(' ').append(soft ? softUpsert(table, staging) : upsert(table, staging, tombstones));
        if (tombstones) {
            parameters.add(table.name().toString());
        }
        try (PreparedStatement merge = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                merge.setString(i + 1, parameters.get(i));
            }
            merge.execute();
        }
        ToastGaps.fill(connection, table, staging);
    }

    /** Deletes leave their version in {@code sluice.tombstones} and remove older target rows. */
    private static String hardDeletes(TargetTable table) {
        List<String> keys = table.keyNames();
        return tombstoned(table) + ", deleted AS (DELETE FROM " + table.name().quoted() + " t USING latest l WHERE l."
                + Sql.OP
                + " = 'd' AND " + Sql.keyJoin("t", "l", keys) + " AND " + Sql.version("t") + " < "
                + Sql.version("l") + ")";
    }

    /**
     * The CTE {@code tombstoned}: each newest delete of {@code latest} leaves its version in {@code sluice.tombstones}
     * (the table's name is the statement's next parameter), over an older one.
     */
    static String tombstoned(TargetTable table) {
        return "tombstoned AS (INSERT INTO " + StateTables.TOMBSTONES
                + " AS ts (target_table, key, lsn, seq) SELECT ?, "
                + Sql.keyArray("l", table.keyNames()) + ", l." + Sql.LSN + ", l." + Sql.SEQ + " FROM latest l WHERE l."
                + Sql.OP + " = 'd' ON CONFLICT (target_table, key) DO UPDATE SET lsn = EXCLUDED.lsn, seq ="
                + " EXCLUDED.seq, deleted_at = now() WHERE (ts.lsn, ts.seq) < (EXCLUDED.lsn, EXCLUDED.seq))";
    }

    /** Newer rows replace older ones; with tombstones, a key deleted at a newer version is not brought back. */
    private static String upsert(TargetTable table, Staging staging, boolean tombstones) {
        List<String> keys = table.keyNames();
        return "INSERT INTO " + table.name().quoted() + " AS t (" + Sql.list(table.columnNames()) + ", " + Sql.LSN
                + ", " + Sql.SEQ + ") SELECT " + Sql.list("l", table.columnNames()) + ", l." + Sql.LSN + ", l."
                + Sql.SEQ + " FROM latest l"
                + (tombstones
                        ? " LEFT JOIN " + StateTables.TOMBSTONES + " ts ON ts.target_table = ? AND ts.key = "
                                + Sql.keyArray("l", keys)
                        : "")
                + " WHERE l." + Sql.OP + " <> 'd'"
                + (tombstones ? " AND (ts.key IS NULL OR (ts.lsn, ts.seq) < " + Sql.version("l") + ")" : "")
                + (staging.anyUnchanged() ? " AND " + notPatched(table) : "")
                + " ORDER BY " + Sql.list("l", keys)
                + " ON CONFLICT (" + Sql.list(keys) + ") DO UPDATE SET "
                + assignments(table, c -> "EXCLUDED." + c)
                + Sql.LSN + " = EXCLUDED." + Sql.LSN + ", " + Sql.SEQ + " = EXCLUDED." + Sql.SEQ
                + " WHERE " + Sql.version("t") + " < " + Sql.version("EXCLUDED");
    }

    /** Soft deletes: a delete is an upsert that sets the flag and keeps the row's other values. */
    private static String softUpsert(TargetTable table, Staging staging) {
        List<String> keys = table.keyNames();
        return "INSERT INTO " + table.name().quoted() + " AS t (" + Sql.list(table.columnNames()) + ", " + Sql.LSN
                + ", " + Sql.SEQ + ", " + Sql.DELETED + ") SELECT " + Sql.list("l", table.columnNames()) + ", l."
                + Sql.LSN + ", l." + Sql.SEQ + ", l." + Sql.OP + " = 'd' FROM latest l"
                + (staging.anyUnchanged() ? " WHERE " + notPatched(table) : "")
                + " ORDER BY " + Sql.list("l", keys)
                + " ON CONFLICT (" + Sql.list(keys) + ") DO UPDATE SET "
                + assignments(
                        table,
                        c -> "CASE WHEN EXCLUDED." + Sql.DELETED + " THEN t." + c + " ELSE EXCLUDED." + c + " END")
                + Sql.DELETED + " = EXCLUDED." + Sql.DELETED + ", " + Sql.LSN + " = EXCLUDED." + Sql.LSN + ", "
                + Sql.SEQ + " = EXCLUDED." + Sql.SEQ + " WHERE " + Sql.version("t") + " < " + Sql.version("EXCLUDED");
    }

    /**
     * Whether the table has tombstones at all. Read under the merge lock: a transaction that adds the first one holds
     * the lock alone, so it has either committed (and is seen) or waits for this one.
     */
    static boolean anyTombstones(Connection connection, TargetTable table) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM " + StateTables.TOMBSTONES + " WHERE target_table = ?)")) {
            query.setString(1, table.name().toString());
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
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
                + Sql.version("l") + ")";
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

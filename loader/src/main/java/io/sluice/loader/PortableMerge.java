package io.sluice.loader;

import io.sluice.common.pg.Identifiers;
import io.sluice.common.state.StateTables;
import io.sluice.loader.TableRule.DeleteMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The upsert merge for engines without {@code ON CONFLICT} and {@code DISTINCT ON} (Greenplum, HybridDB, Cloudberry,
 * Redshift-like warehouses), as seed 001 does it: the newest staged change per key by {@code row_number()}, then
 * {@code DELETE … USING}, {@code UPDATE … FROM} and {@code INSERT … SELECT … WHERE NOT EXISTS}, each applied only over
 * an older version, and tombstones kept the same way, so a late older change never resurrects or overwrites a newer
 * one. It runs in the loader's transaction under the table's merge lock taken alone ({@link MergeLock}): the
 * statements decide from what they see, which a concurrent writer of the same table could change.
 */
final class PortableMerge {

    private PortableMerge() {}

    static void merge(Connection connection, TargetTable table, Staging staging) throws SQLException {
        if (staging.rows() == 0) {
            return;
        }
        if (staging.anyUnchanged()) {
            ToastGaps.open(connection, table, staging);
        }
        String latest = Identifiers.quote(staging.name() + "_latest");
        List<String> keys = table.keyNames();
        try (Statement s = connection.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + latest);
            s.execute("CREATE TEMP TABLE " + latest + " ON COMMIT DROP AS SELECT * FROM (SELECT s.*, row_number()"
                    + " OVER (PARTITION BY " + Sql.list("s", keys) + " ORDER BY s." + Sql.LSN + " DESC, s." + Sql.SEQ
                    + " DESC) AS _sluice_rank FROM " + Identifiers.quote(staging.name()) + " s) r"
                    + " WHERE _sluice_rank = 1");
        }
        String target = table.name().quoted();
        String key = Sql.keyArray("l", keys);
        String tableName = table.name().toString();
        boolean soft = table.spec().deletes() == DeleteMode.SOFT;
        if (!soft && staging.anyDeletes()) {
            execute(
                    connection,
                    "UPDATE " + StateTables.TOMBSTONES + " ts SET lsn = l." + Sql.LSN + ", seq = l." + Sql.SEQ
                            + ", deleted_at = now() FROM " + latest + " l WHERE l." + Sql.OP + " = 'd'"
                            + " AND ts.target_table = ? AND ts.key = " + key + " AND "
                            + older("ts.lsn", "ts.seq", "l"),
                    tableName);
            execute(
                    connection,
                    "INSERT INTO " + StateTables.TOMBSTONES + " (target_table, key, lsn, seq) SELECT ?, " + key
                            + ", l." + Sql.LSN + ", l." + Sql.SEQ + " FROM " + latest + " l WHERE l." + Sql.OP
                            + " = 'd' AND NOT EXISTS (SELECT 1 FROM " + StateTables.TOMBSTONES
                            + " ts WHERE ts.target_table = ? AND ts.key = " + key + ")",
                    tableName,
                    tableName);
            execute(
                    connection,
                    "DELETE FROM " + target + " t USING " + latest + " l WHERE l." + Sql.OP + " = 'd' AND "
                            + Sql.keyJoin("t", "l", keys) + " AND " + older("t." + Sql.LSN, "t." + Sql.SEQ, "l"));
        }
        String set = assignments(table, staging, soft)
                + (soft ? Sql.DELETED + " = (l." + Sql.OP + " = 'd'), " : "")
                + Sql.LSN + " = l." + Sql.LSN + ", " + Sql.SEQ + " = l." + Sql.SEQ;
        execute(
                connection,
                "UPDATE " + target + " t SET " + set + " FROM " + latest + " l WHERE "
                        + (soft ? "" : "l." + Sql.OP + " <> 'd' AND ")
                        + Sql.keyJoin("t", "l", keys) + " AND " + older("t." + Sql.LSN, "t." + Sql.SEQ, "l"));
        // New keys; a key deleted at this version or a newer one stays deleted.
        execute(
                connection,
                "INSERT INTO " + target + " (" + Sql.list(table.columnNames()) + ", " + Sql.LSN + ", " + Sql.SEQ
                        + (soft ? ", " + Sql.DELETED : "") + ") SELECT " + Sql.list("l", table.columnNames()) + ", l."
                        + Sql.LSN + ", l." + Sql.SEQ + (soft ? ", l." + Sql.OP + " = 'd'" : "") + " FROM " + latest
                        + " l WHERE " + (soft ? "" : "l." + Sql.OP + " <> 'd' AND ")
                        + "NOT EXISTS (SELECT 1 FROM " + target + " t WHERE " + Sql.keyJoin("t", "l", keys) + ")"
                        + (soft
                                ? ""
                                : " AND NOT EXISTS (SELECT 1 FROM " + StateTables.TOMBSTONES
                                        + " ts WHERE ts.target_table = ? AND ts.key = " + key + " AND NOT "
                                        + older("ts.lsn", "ts.seq", "l") + ")")
                        + " ORDER BY " + Sql.list("l", keys),
                soft ? new String[0] : new String[] {tableName});
        ToastGaps.fill(connection, table, staging);
    }

    /** {@code (lsn, seq) < l's version}, spelled without row comparison, which not every engine has. */
    private static String older(String lsn, String seq, String alias) {
        String newLsn = alias + "." + Sql.LSN;
        return "(" + lsn + " < " + newLsn + " OR (" + lsn + " = " + newLsn + " AND " + seq + " < " + alias + "."
                + Sql.SEQ + "))";
    }

    /**
     * {@code "c" = <the new value>, } for every non-key column: a value the source did not send (unchanged TOAST) keeps
     * the target's, and a soft delete keeps the row's values.
     */
    private static String assignments(TargetTable table, Staging staging, boolean soft) {
        List<String> names = table.columnNames();
        return IntStream.range(0, names.size())
                .filter(i -> !table.columns().get(i).key())
                .mapToObj(i -> {
                    String c = Identifiers.quote(names.get(i));
                    StringBuilder value = new StringBuilder("CASE");
                    if (soft) {
                        value.append(" WHEN l.")
                                .append(Sql.OP)
                                .append(" = 'd' THEN t.")
                                .append(c);
                    }
                    if (staging.anyUnchanged()) {
                        value.append(" WHEN ")
                                .append(i + 1)
                                .append(" = ANY (l.")
                                .append(Sql.UNCHANGED)
                                .append(") THEN t.")
                                .append(c);
                    }
                    String assigned = value.length() == 4 ? "l." + c : value + " ELSE l." + c + " END";
                    return c + " = " + assigned + ", ";
                })
                .collect(Collectors.joining());
    }

    private static void execute(Connection connection, String sql, String... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            statement.execute();
        }
    }
}

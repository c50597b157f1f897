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
 * The versioned upsert as one {@code MERGE} (PostgreSQL 15+), the same rule and tombstones as {@link UpsertMerge}'s
 * {@code ON CONFLICT}: the newest staged change per key meets the target row; a matched older row is deleted (a hard
 * delete, leaving its tombstone) or updated (keeping the target's value for unsent columns, and for a soft delete every
 * value, flagged); an unmatched key is inserted unless a newer tombstone says it was deleted. {@code MERGE} inserts
 * without {@code ON CONFLICT}'s speculative insertion, which is why it is faster on new keys; but it cannot wait out a
 * concurrent inserter of the same key, so that race ends in a unique violation, which {@link MergeWriter} answers by
 * writing the transaction again with {@code ON CONFLICT}.
 */
final class MergeCommand {

    private static final String TOMBSTONE_LSN = Identifiers.quote("_sluice_tombstone_lsn");
    private static final String TOMBSTONE_SEQ = Identifiers.quote("_sluice_tombstone_seq");

    private MergeCommand() {}

    /**
     * @param shared whether other loaders may merge this table at the same time (the merge lock was shared): then the
     *     join runs in key order, as {@code ON CONFLICT}'s sorted insert does, so that two merges lock rows in the same
     *     order and cannot deadlock
     */
    static void merge(Connection connection, TargetTable table, Staging staging, boolean shared) throws SQLException {
        if (staging.rows() == 0) {
            return;
        }
        if (staging.anyUnchanged()) {
            ToastGaps.open(connection, table, staging);
        }
        boolean soft = table.spec().deletes() == DeleteMode.SOFT;
        boolean hardDeletes = !soft && staging.anyDeletes();
        boolean tombstones = !soft && (hardDeletes || UpsertMerge.anyTombstones(connection, table));
        List<String> keys = table.keyNames();
        StringBuilder sql = new StringBuilder("WITH latest AS (" + Sql.latest(staging.name(), keys) + ")");
        if (hardDeletes) {
            sql.append(", ").append(UpsertMerge.tombstoned(table));
        }
        sql.append(" MERGE INTO ").append(table.name().quoted()).append(" AS t USING (SELECT l.*");
        if (tombstones) {
            sql.append(", ts.lsn AS ")
                    .append(TOMBSTONE_LSN)
                    .append(", ts.seq AS ")
                    .append(TOMBSTONE_SEQ);
        }
        sql.append(" FROM latest l");
        if (tombstones) {
            sql.append(" LEFT JOIN ")
                    .append(StateTables.TOMBSTONES)
                    .append(" ts ON ts.target_table = ? AND ts.key = ")
                    .append(Sql.keyArray("l", keys));
        }
        String older = " AND " + Sql.version("t") + " < " + Sql.version("s");
        sql.append(") s ON ").append(Sql.keyJoin("t", "s", keys));
        if (hardDeletes) {
            sql.append(" WHEN MATCHED AND s.")
                    .append(Sql.OP)
                    .append(" = 'd'")
                    .append(older)
                    .append(" THEN DELETE");
        }
        // Clauses are tried in order: with hard deletes, a delete that reaches this one is not newer, so it also fails.
        sql.append(" WHEN MATCHED").append(older).append(" THEN UPDATE SET ").append(assignments(table, staging, soft));
        sql.append(" WHEN NOT MATCHED");
        if (!soft) {
            sql.append(" AND s.").append(Sql.OP).append(" <> 'd'");
        }
        if (tombstones) {
            sql.append(" AND (s.")
                    .append(TOMBSTONE_LSN)
                    .append(" IS NULL OR (s.")
                    .append(TOMBSTONE_LSN)
                    .append(", s.")
                    .append(TOMBSTONE_SEQ)
                    .append(") < ")
                    .append(Sql.version("s"))
                    .append(")");
        }
        sql.append(" THEN INSERT (")
                .append(Sql.list(table.columnNames()))
                .append(", ")
                .append(Sql.LSN)
                .append(", ")
                .append(Sql.SEQ)
                .append(soft ? ", " + Sql.DELETED : "")
                .append(") VALUES (")
                .append(Sql.list("s", table.columnNames()))
                .append(", s.")
                .append(Sql.LSN)
                .append(", s.")
                .append(Sql.SEQ)
                .append(soft ? ", s." + Sql.OP + " = 'd'" : "")
                .append(")");
        if (shared) {
            // The source is sorted by key; without a hash join, a nested loop or merge join keeps that order.
            setHashJoin(connection, "off");
        }
        try (PreparedStatement merge = connection.prepareStatement(sql.toString())) {
            int parameter = 1;
            if (hardDeletes) {
                merge.setString(parameter++, table.name().toString());
            }
            if (tombstones) {
                merge.setString(parameter, table.name().toString());
            }
            merge.execute();
        }
        if (shared) {
            // Only after success: a failed MERGE aborts the transaction, whose rollback takes the setting with it.
            setHashJoin(connection, "DEFAULT");
        }
        ToastGaps.fill(connection, table, staging);
    }

    private static void setHashJoin(Connection connection, String value) throws SQLException {
        try (Statement set = connection.createStatement()) {
            set.execute("SET LOCAL enable_hashjoin TO " + value);
        }
    }

    /**
     * {@code "c" = …, } for every non-key column, then the version: the staged value, or the target's own where the
     * change did not send it (or, for a soft delete, for every column), and for soft deletes the flag.
     */
    private static String assignments(TargetTable table, Staging staging, boolean soft) {
        List<String> names = table.columnNames();
        String set = IntStream.range(0, names.size())
                .filter(i -> !table.columns().get(i).key())
                .mapToObj(i -> {
                    String c = Identifiers.quote(names.get(i));
                    String keepTarget = (soft ? "s." + Sql.OP + " = 'd'" : "")
                            + (soft && staging.anyUnchanged() ? " OR " : "")
                            + (staging.anyUnchanged() ? (i + 1) + " = ANY (s." + Sql.UNCHANGED + ")" : "");
                    return c + " = "
                            + (keepTarget.isEmpty()
                                    ? "s." + c
                                    : "CASE WHEN " + keepTarget + " THEN t." + c + " ELSE s." + c + " END")
                            + ", ";
                })
                .collect(Collectors.joining());
        return set + (soft ? Sql.DELETED + " = s." + Sql.OP + " = 'd', " : "") + Sql.LSN + " = s." + Sql.LSN + ", "
                + Sql.SEQ + " = s." + Sql.SEQ;
    }
}

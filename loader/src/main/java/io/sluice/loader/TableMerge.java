package io.sluice.loader;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.postgresql.PGConnection;

/**
 * Merges the rows of one table into the target inside the caller's transaction: COPY into a temporary staging table,
 * then one statement that keeps the latest version per key, records tombstones for deletes, deletes, patches rows whose
 * change left large values unsent (keeping the target's), and upserts with a version guard so that an older change
 * never overwrites a newer one and a deleted key is not resurrected.
 */
final class TableMerge {

    static final String LSN = "_sluice_lsn";
    static final String SEQ = "_sluice_seq";
    static final String OP = "_sluice_op";
    /** In staging only: 1-based positions of the row's unchanged (unsent TOAST) columns, or NULL. */
    static final String UNCHANGED = "_sluice_unchanged";

    private final TableName table;
    private final List<Column> columns;
    private final String staging;

    TableMerge(TableName table, List<Column> columns, int index) {
        if (columns.stream().noneMatch(Column::key)) {
            throw new IllegalArgumentException(table + " has no key columns: merging needs a primary key or "
                    + "replica identity (append mode for keyless tables comes later)");
        }
        this.table = table;
        this.columns = columns;
        this.staging = "sluice_stage_" + index;
    }

    /** Stages and merges the rows of these batches (all of this table and shape); returns the rows staged. */
    int merge(Connection connection, List<ChangeBatch> batches) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TEMP TABLE " + Identifiers.quote(staging) + " ON COMMIT DROP AS SELECT "
                    + list(columns.stream().map(Column::name).toList()) + ", " + Identifiers.quote(LSN) + ", "
                    + Identifiers.quote(SEQ) + ", NULL::\"char\" AS " + Identifiers.quote(OP) + ", NULL::int[] AS "
                    + Identifiers.quote(UNCHANGED) + " FROM "
                    + table.quoted() + " WITH NO DATA");
        }
        int rows = copy(connection, batches);
        try (PreparedStatement merge = connection.prepareStatement(mergeSql())) {
            merge.setString(1, table.toString());
            merge.setString(2, table.toString());
            merge.execute();
        }
        return rows;
    }

    private int copy(Connection connection, List<ChangeBatch> batches) throws SQLException {
        int count = batches.stream().mapToInt(b -> b.rows().size()).sum();
        CopyText text = new CopyText(count * 64);
        for (ChangeBatch batch : batches) {
            for (Row row : batch.rows()) {
                for (String value : row.values()) {
                    text.value(value);
                }
                text.value(Long.toString(row.lsn()))
                        .value(Long.toString(row.seq()))
                        .value(String.valueOf(row.op().code()))
                        .value(row.unchanged().isEmpty() ? null : unchangedArray(row.unchanged()))
                        .endRow();
            }
        }
        try {
            connection
                    .unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY " + Identifiers.quote(staging) + " FROM STDIN", new StringReader(text.toString()));
        } catch (java.io.IOException e) {
            throw new SQLException("COPY into staging failed", e);
        }
        return count;
    }

    private static String unchangedArray(List<Integer> indexes) {
        return indexes.stream().map(i -> Integer.toString(i + 1)).collect(Collectors.joining(",", "{", "}"));
    }

    private String mergeSql() {
        List<String> keys =
                columns.stream().filter(Column::key).map(Column::name).toList();
        List<String> names = columns.stream().map(Column::name).toList();
        String q = table.quoted();
        String keyList = list(keys);
        String keyArray = "ARRAY["
                + keys.stream().map(k -> "l." + Identifiers.quote(k) + "::text").collect(Collectors.joining(", "))
                + "]";
        String lVersion = "(l." + Identifiers.quote(LSN) + ", l." + Identifiers.quote(SEQ) + ")";
        String keyJoin = keys.stream()
                .map(k -> "t." + Identifiers.quote(k) + " = l." + Identifiers.quote(k))
                .collect(Collectors.joining(" AND "));
        String updates = IntStream.range(0, names.size())
                .filter(i -> !columns.get(i).key())
                .mapToObj(i -> Identifiers.quote(names.get(i)) + " = EXCLUDED." + Identifiers.quote(names.get(i)))
                .collect(Collectors.joining(", "));
        String unchanged = "l." + Identifiers.quote(UNCHANGED);
        // A row with unchanged (unsent) values patches the target's row, keeping the target's value for those.
        String patchSet = IntStream.range(0, names.size())
                .filter(i -> !columns.get(i).key())
                .mapToObj(i -> {
                    String c = Identifiers.quote(names.get(i));
                    return c + " = CASE WHEN " + (i + 1) + " = ANY (" + unchanged + ") THEN t." + c + " ELSE l." + c
                            + " END";
                })
                .map(set -> set + ", ")
                .collect(Collectors.joining());
        String patched = "patched AS (UPDATE " + q + " t SET " + patchSet + Identifiers.quote(LSN) + " = l."
                + Identifiers.quote(LSN) + ", " + Identifiers.quote(SEQ) + " = l." + Identifiers.quote(SEQ)
                + " FROM latest l WHERE l." + Identifiers.quote(OP) + " <> 'd' AND " + unchanged + " IS NOT NULL AND "
                + keyJoin + " AND (t." + Identifiers.quote(LSN) + ", t." + Identifiers.quote(SEQ) + ") < " + lVersion
                + ") ";
        String versionUpdate = Identifiers.quote(LSN) + " = EXCLUDED." + Identifiers.quote(LSN) + ", "
                + Identifiers.quote(SEQ) + " = EXCLUDED." + Identifiers.quote(SEQ);
        return "WITH latest AS (SELECT DISTINCT ON (" + keyList + ") * FROM " + Identifiers.quote(staging)
                + " ORDER BY " + keyList + ", " + Identifiers.quote(LSN) + " DESC, " + Identifiers.quote(SEQ)
                + " DESC), "
                + "tombstoned AS (INSERT INTO sluice.tombstones AS ts (target_table, key, lsn, seq) SELECT ?, "
                + keyArray + ", l." + Identifiers.quote(LSN) + ", l." + Identifiers.quote(SEQ)
                + " FROM latest l WHERE l." + Identifiers.quote(OP) + " = 'd'"
                + " ON CONFLICT (target_table, key) DO UPDATE SET lsn = EXCLUDED.lsn, seq = EXCLUDED.seq,"
                + " deleted_at = now() WHERE (ts.lsn, ts.seq) < (EXCLUDED.lsn, EXCLUDED.seq)), "
                + "deleted AS (DELETE FROM " + q + " t USING latest l WHERE l." + Identifiers.quote(OP) + " = 'd' AND "
                + keyJoin + " AND (t." + Identifiers.quote(LSN) + ", t." + Identifiers.quote(SEQ) + ") < " + lVersion
                + "), "
                + patched
                + "INSERT INTO " + q + " AS t (" + list(names) + ", " + Identifiers.quote(LSN) + ", "
                + Identifiers.quote(SEQ) + ") SELECT "
                + names.stream().map(n -> "l." + Identifiers.quote(n)).collect(Collectors.joining(", "))
                + ", l." + Identifiers.quote(LSN) + ", l." + Identifiers.quote(SEQ)
                + " FROM latest l LEFT JOIN sluice.tombstones ts ON ts.target_table = ? AND ts.key = " + keyArray
                + " WHERE l." + Identifiers.quote(OP) + " <> 'd' AND (ts.key IS NULL OR (ts.lsn, ts.seq) < "
                + lVersion + ")"
                // Rows with unchanged values whose target row exists were patched above; the others are new keys.
                + " AND (" + unchanged + " IS NULL OR NOT EXISTS (SELECT 1 FROM " + q + " t WHERE " + keyJoin + "))"
                + " ORDER BY "
                + keys.stream().map(k -> "l." + Identifiers.quote(k)).collect(Collectors.joining(", "))
                + " ON CONFLICT (" + keyList + ") DO UPDATE SET " + (updates.isEmpty() ? "" : updates + ", ")
                + versionUpdate + " WHERE (t." + Identifiers.quote(LSN) + ", t." + Identifiers.quote(SEQ) + ") < "
                + "(EXCLUDED." + Identifiers.quote(LSN) + ", EXCLUDED." + Identifiers.quote(SEQ) + ")";
    }

    private static String list(List<String> names) {
        return names.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
    }
}

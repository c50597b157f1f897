package io.sluice.loader;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Row;
import io.sluice.common.batch.Utf8Values;
import io.sluice.common.pg.Identifiers;
import io.sluice.loader.TableRule.WriteMode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * A temporary table (dropped at commit) holding one table's rows of a transaction, filled by one text-format COPY: the
 * target's columns in the target's types, then the version, the operation, the unsent columns and the commit time.
 * Text format because batch values already are PostgreSQL text: binary would need every value parsed first.
 */
final class Staging {

    /** 1-based positions of the row's unchanged (unsent TOAST) columns, or NULL. */
    static final String UNCHANGED = "_sluice_unchanged";
    /** The source commit time. */
    static final String TS = "_sluice_ts";

    private final String name;
    private int rows;
    private boolean anyUnchanged;
    private boolean anyDeletes;
    private boolean withTimes;

    private Staging(String name) {
        this.name = name;
    }

    /**
     * Creates the staging table for a target table and copies the rows (not truncations) of the batches into it. The
     * unsent-columns column is there only when some row needs it, the commit time only for history: every column
     * costs the COPY.
     */
    static Staging load(Connection connection, TargetTable table, List<ChangeBatch> batches, int index)
            throws SQLException {
        Staging staging = new Staging("sluice_stage_" + index);
        for (ChangeBatch batch : batches) {
            for (Row row : batch.rows()) {
                staging.anyUnchanged |= !row.unchanged().isEmpty();
                staging.anyDeletes |= row.op() == Op.DELETE;
            }
        }
        staging.withTimes = table.spec().mode() == WriteMode.HISTORY;
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TEMP TABLE " + Identifiers.quote(staging.name) + " ON COMMIT DROP AS SELECT "
                    + Sql.list(table.columnNames()) + ", 0::int8 AS " + Sql.LSN + ", 0::int8 AS " + Sql.SEQ
                    + ", NULL::\"char\" AS " + Sql.OP
                    + (staging.anyUnchanged ? ", NULL::int[] AS " + Sql.UNCHANGED : "")
                    + (staging.withTimes ? ", NULL::timestamptz AS " + Sql.TS : "")
                    + " FROM " + table.name().quoted() + " WITH NO DATA");
        }
        staging.copy(connection, batches);
        return staging;
    }

    private void copy(Connection connection, List<ChangeBatch> batches) throws SQLException {
        int expected = batches.stream().mapToInt(b -> b.rows().size()).sum();
        CopyText text = new CopyText(expected * 96);
        for (ChangeBatch batch : batches) {
            for (Row row : batch.rows()) {
                if (row.op() == Op.TRUNCATE) {
                    continue;
                }
                List<String> values = row.values();
                if (values instanceof Utf8Values bytes) {
                    for (int i = 0, n = bytes.size(); i < n; i++) {
                        text.value(bytes, i); // straight from the body's bytes: no string on this path
                    }
                } else {
                    for (int i = 0, n = values.size(); i < n; i++) {
                        text.value(values.get(i));
                    }
                }
                text.value(row.lsn()).value(row.seq()).value(row.op().code());
                if (anyUnchanged) {
                    text.value(row.unchanged().isEmpty() ? null : positions(row.unchanged()));
                }
                if (withTimes) {
                    text.value(row.ts() == null ? null : row.ts().toString());
                }
                text.endRow();
                rows++;
            }
        }
        if (rows == 0) {
            return;
        }
        try {
            connection
                    .unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY " + Identifiers.quote(name) + " FROM STDIN", text.stream());
        } catch (IOException e) {
            throw new SQLException("COPY into staging failed", e);
        }
    }

    private static String positions(List<Integer> indexes) {
        return indexes.stream().map(i -> Integer.toString(i + 1)).collect(Collectors.joining(",", "{", "}"));
    }

    String name() {
        return name;
    }

    String quoted() {
        return Identifiers.quote(name);
    }

    int rows() {
        return rows;
    }

    /** Whether any staged row is a delete. */
    boolean anyDeletes() {
        return anyDeletes;
    }

    /** Whether any staged row lacks values the source did not send. */
    boolean anyUnchanged() {
        return anyUnchanged;
    }
}

package io.sluice.common.batch;

import io.sluice.common.pg.TableName;
import java.util.List;
import java.util.Objects;

/**
 * One AMQP message: many changed rows of one table from one source, in the contract version {@value #VERSION}. A batch
 * with {@code previousColumns} announces a schema change: the table's columns were {@code previousColumns} and are
 * now {@code columns}; it has no rows, and rows of the new shape follow it.
 */
public record ChangeBatch(
        String source,
        Origin origin,
        TableName table,
        List<Column> columns,
        List<Row> rows,
        List<Column> previousColumns) {

    public static final int VERSION = 1;

    public ChangeBatch {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(table, "table");
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        previousColumns = previousColumns == null ? null : List.copyOf(previousColumns);
        for (Row row : rows) {
            if (row.op() != Op.TRUNCATE && row.values().size() != columns.size()) {
                throw new MalformedBatchException("row has " + row.values().size() + " values but " + table + " has "
                        + columns.size() + " columns");
            }
        }
    }

    public ChangeBatch(String source, Origin origin, TableName table, List<Column> columns, List<Row> rows) {
        this(source, origin, table, columns, rows, null);
    }

    /** A schema-change event: the table's columns changed from {@code previous} to {@code current}. */
    public static ChangeBatch schemaChange(
            String source, TableName table, List<Column> previous, List<Column> current) {
        return new ChangeBatch(source, Origin.CDC, table, current, List.of(), previous);
    }

    public boolean isSchemaChange() {
        return previousColumns != null;
    }

    /** Positions of the key columns, in column order. */
    public int[] keyIndexes() {
        return java.util.stream.IntStream.range(0, columns.size())
                .filter(i -> columns.get(i).key())
                .toArray();
    }

    public Version firstVersion() {
        return extremeVersion(-1);
    }

    public Version lastVersion() {
        return extremeVersion(1);
    }

    /**
     * The lowest ({@code sign} -1) or highest (1) version of the rows, compared in place: every published message asks
     * for both, and a {@code Version} per row in a stream cost a fifth of the getter's encoding threads.
     */
    private Version extremeVersion(int sign) {
        if (rows.isEmpty()) {
            return Version.ZERO;
        }
        Row best = rows.get(0);
        for (int i = 1, n = rows.size(); i < n; i++) {
            Row row = rows.get(i);
            if (Integer.signum(Version.compare(row.lsn(), row.seq(), best.lsn(), best.seq())) == sign) {
                best = row;
            }
        }
        return best.version();
    }

    /** The same batch with other rows, e.g. one slice of a batch split to fit the message size cap. */
    public ChangeBatch withRows(List<Row> otherRows) {
        return new ChangeBatch(source, origin, table, columns, otherRows, previousColumns);
    }
}

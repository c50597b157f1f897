package io.sluice.common.batch;

import io.sluice.common.pg.TableName;
import java.util.List;
import java.util.Objects;

/** One AMQP message: many changed rows of one table from one source, in the contract version {@value #VERSION}. */
public record ChangeBatch(String source, Origin origin, TableName table, List<Column> columns, List<Row> rows) {

    public static final int VERSION = 1;

    public ChangeBatch {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(table, "table");
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        for (Row row : rows) {
            if (row.op() != Op.TRUNCATE && row.values().size() != columns.size()) {
                throw new MalformedBatchException("row has " + row.values().size() + " values but " + table + " has "
                        + columns.size() + " columns");
            }
        }
    }

    /** Positions of the key columns, in column order. */
    public int[] keyIndexes() {
        return java.util.stream.IntStream.range(0, columns.size())
                .filter(i -> columns.get(i).key())
                .toArray();
    }

    public Version firstVersion() {
        return rows.stream().map(Row::version).min(Version::compareTo).orElse(Version.ZERO);
    }

    public Version lastVersion() {
        return rows.stream().map(Row::version).max(Version::compareTo).orElse(Version.ZERO);
    }

    /** The same batch with other rows, e.g. one slice of a batch split to fit the message size cap. */
    public ChangeBatch withRows(List<Row> otherRows) {
        return new ChangeBatch(source, origin, table, columns, otherRows);
    }
}

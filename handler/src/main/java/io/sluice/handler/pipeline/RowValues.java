package io.sluice.handler.pipeline;

/**
 * The row an expression reads, its columns by name, typed as {@link TypedValues} parses them (only the columns the
 * expression names). One instance per step run, moved from row to row: no allocation per row. Public because
 * expressions compiled to bytecode call {@link #get} from a class SpEL generates.
 */
public final class RowValues {

    private final WorkingBatch batch;
    private final TypedValues.Parser[] parsers;
    private WorkingBatch.WorkingRow row;

    RowValues(WorkingBatch batch) {
        this.batch = batch;
        this.parsers =
                batch.columns().stream().map(c -> TypedValues.parser(c.type())).toArray(TypedValues.Parser[]::new);
    }

    RowValues at(WorkingBatch.WorkingRow row) {
        this.row = row;
        return this;
    }

    boolean has(String column) {
        return batch.indexOf(column) >= 0;
    }

    /** The column's value in the current row, typed; null for NULL and for a value the source did not send. */
    public Object get(String column) {
        int at = batch.indexOf(column);
        if (at < 0) {
            throw new IllegalArgumentException("no column " + column);
        }
        return parsers[at].parse(row.value(at));
    }

    /** An {@code integer} or {@code smallint} column's value as an Integer, for filters (see {@link ColumnAccessor}). */
    public Integer getInt(String column) {
        Object value = get(column);
        return value == null ? null : Math.toIntExact((Long) value);
    }
}

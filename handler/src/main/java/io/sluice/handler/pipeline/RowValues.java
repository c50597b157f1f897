package io.sluice.handler.pipeline;

/**
 * The row an expression reads, its columns by name, typed as {@link TypedValues} parses them (only the columns the
 * expression names). One instance per step run, moved from row to row: no allocation per row. Public because
 * expressions compiled to bytecode call {@link #get} from a class SpEL generates.
 */
public final class RowValues {

    private final WorkingBatch batch;
    private WorkingBatch.WorkingRow row;

    RowValues(WorkingBatch batch) {
        this.batch = batch;
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
        return TypedValues.parse(row.value(at), batch.columns().get(at).type());
    }

    /** An {@code integer} or {@code smallint} column's value as an Integer, for filters (see {@link ColumnAccessor}). */
    public Integer getInt(String column) {
        Object value = get(column);
        return value == null ? null : Math.toIntExact((Long) value);
    }
}

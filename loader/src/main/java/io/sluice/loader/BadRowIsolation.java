package io.sluice.loader;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Row;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL sink: writes batches with the {@link MergeWriter}; when the database refuses them for what they hold
 * — a value or constraint (one row's fault), or a permission, a syntax or a limit (the whole batch's) — halves the work
 * until the fault is alone, writes the rest, and returns the refused batch or row with the SQLSTATE and the database's
 * message. A bad batch or row among n costs about 2·log2(n) extra transactions. Any other failure (connection,
 * deadlock, serialization: transient) propagates, so the caller retries the whole group.
 */
final class BadRowIsolation implements Sink {

    private final MergeWriter writer;

    BadRowIsolation(MergeWriter writer) {
        this.writer = writer;
    }

    @Override
    public Result write(List<ChangeBatch> batches) throws SQLException {
        try {
            return writer.write(batches);
        } catch (SQLException e) {
            if (!isContentError(e) || TransientErrors.isTransient(e)) {
                throw e;
            }
            if (batches.size() > 1) {
                int half = batches.size() / 2;
                return write(batches.subList(0, half)).merge(write(batches.subList(half, batches.size())));
            }
            ChangeBatch batch = batches.getFirst();
            if (!isRowError(e) || batch.rows().size() <= 1) {
                return new Result(Map.of(), List.of(new Refused(batch, reason(e), e.getSQLState())));
            }
            List<Row> rows = batch.rows();
            int half = rows.size() / 2;
            return write(List.of(batch.withRows(rows.subList(0, half))))
                    .merge(write(List.of(batch.withRows(rows.subList(half, rows.size())))));
        }
    }

    @Override
    public boolean isTransient(Throwable failure) {
        return TransientErrors.isTransient(failure);
    }

    /** Data exceptions (class 22: a value the column's type rejects) and integrity violations (class 23). */
    static boolean isRowError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /**
     * Failures a batch's content causes, which no retry mends: rows' values and constraints (22, 23), and what its
     * table or columns make of the statements — unsupported features (0A), syntax or access rules (42: permission
     * denied, a name or type the target refuses), check options (44), limits such as too many columns (54), and a
     * target's own trigger raising (P0).
     */
    static boolean isContentError(SQLException e) {
        String state = e.getSQLState();
        if (state == null || state.length() != 5) {
            return false;
        }
        return switch (state.substring(0, 2)) {
            case "0A", "22", "23", "42", "44", "54", "P0" -> true;
            default -> false;
        };
    }

    /** The refusal's reason: SQLSTATE first, so a dead letter says at once whether it is a value, a right or a limit. */
    static String reason(SQLException e) {
        return "SQLSTATE " + e.getSQLState() + ": " + e.getMessage();
    }
}

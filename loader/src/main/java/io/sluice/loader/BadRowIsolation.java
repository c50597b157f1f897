package io.sluice.loader;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Row;
import io.sluice.loader.MergeWriter.Refused;
import io.sluice.loader.MergeWriter.Result;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes batches; when the database rejects a row (a data exception or a constraint violation), halves the work until
 * each rejected row is alone, writes the others, and returns the rejected rows as refused, with the database's error.
 * A bad row among n costs about 2·log2(n) extra transactions; other failures propagate.
 */
final class BadRowIsolation {

    private final MergeWriter writer;

    BadRowIsolation(MergeWriter writer) {
        this.writer = writer;
    }

    Result write(List<ChangeBatch> batches) throws SQLException {
        try {
            return writer.write(batches);
        } catch (SQLException e) {
            if (!isRowError(e)) {
                throw e;
            }
            int rows = batches.stream().mapToInt(b -> b.rows().size()).sum();
            if (rows <= 1) {
                ChangeBatch bad = batches.stream()
                        .filter(b -> !b.rows().isEmpty())
                        .findFirst()
                        .orElse(batches.get(0));
                return new Result(Map.of(), List.of(new Refused(bad, e.getMessage())));
            }
            List<List<ChangeBatch>> halves = halves(batches, rows / 2);
            return write(halves.get(0)).merge(write(halves.get(1)));
        }
    }

    /** Data exceptions (class 22: a value the column's type rejects) and integrity violations (class 23). */
    static boolean isRowError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /** The batches cut after {@code firstRows} rows; a batch straddling the cut is split in two. */
    private static List<List<ChangeBatch>> halves(List<ChangeBatch> batches, int firstRows) {
        List<ChangeBatch> first = new ArrayList<>();
        List<ChangeBatch> second = new ArrayList<>();
        int taken = 0;
        for (ChangeBatch batch : batches) {
            List<Row> rows = batch.rows();
            int room = firstRows - taken;
            if (room >= rows.size()) {
                first.add(batch);
                taken += rows.size();
            } else if (room <= 0) {
                second.add(batch);
            } else {
                first.add(batch.withRows(rows.subList(0, room)));
                second.add(batch.withRows(rows.subList(room, rows.size())));
                taken = firstRows;
            }
        }
        return List.of(first, second);
    }
}

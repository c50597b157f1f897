package io.sluice.loader;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.pg.TableName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a loader writes (PostgreSQL, Redis, object storage): the batch path around it — grouping, retries of transient
 * failures, dead letters, metrics and the ack after the write — is shared ({@link BatchLoader}), and a sink only writes.
 * {@link #write} returns once what it wrote is durable in the sink, so the group may be acknowledged; batches or rows the
 * sink cannot take for what they hold are returned refused, with the reason, and go to the dead-letter queue.
 */
public interface Sink {

    /** Writes the batches (in their order: a later version of a key comes later) and returns what became of them. */
    Result write(List<ChangeBatch> batches) throws Exception;

    /** Whether a failure may pass by itself (a restart, a lost connection): the group is then retried in place. */
    boolean isTransient(Throwable failure);

    /** What a write did: rows written per table, and batches refused with the reason. */
    record Result(Map<TableName, Integer> rowsPerTable, List<Refused> refused) {

        Result merge(Result other) {
            Map<TableName, Integer> rows = new LinkedHashMap<>(rowsPerTable);
            other.rowsPerTable.forEach((table, n) -> rows.merge(table, n, Integer::sum));
            List<Refused> all = new ArrayList<>(refused);
            all.addAll(other.refused);
            return new Result(rows, all);
        }

        static Result empty() {
            return new Result(Map.of(), List.of());
        }
    }

    /** A batch (or rows of it) the sink would not take, why, and the database's SQLSTATE if a database refused it. */
    record Refused(ChangeBatch batch, String reason, String sqlState) {

        Refused(ChangeBatch batch, String reason) {
            this(batch, reason, null);
        }
    }
}

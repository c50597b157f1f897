package io.sluice.bench;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Batches of the seed table {@code feed_log(id, c1, c2, info, crt_time)} as the getter publishes them. */
final class FeedLogBatches {

    static final TableName FEED_LOG = new TableName("public", "feed_log");
    static final List<Column> COLUMNS = List.of(
            new Column("id", "bigint", true),
            new Column("c1", "integer", false),
            new Column("c2", "integer", false),
            new Column("info", "text", false),
            new Column("crt_time", "timestamp without time zone", false));
    static final int ROWS_PER_BATCH = 1_000;

    private FeedLogBatches() {}

    /** How many batches hold this many rows. */
    static int count(int rows) {
        return (rows + ROWS_PER_BATCH - 1) / ROWS_PER_BATCH;
    }

    /**
     * Batch number {@code batch} of {@code rows} rows in all, versioned at {@code lsn}: phase 0 inserts the keys, phase 1
     * updates the same keys with other values.
     */
    static ChangeBatch batch(int rows, int phase, int batch, long lsn) {
        List<Row> batchRows = new ArrayList<>(ROWS_PER_BATCH);
        Instant now = Instant.now();
        for (int i = 0; i < ROWS_PER_BATCH && batch * ROWS_PER_BATCH + i < rows; i++) {
            long id = (long) batch * ROWS_PER_BATCH + i + 1;
            batchRows.add(new Row(
                    phase == 0 ? Op.INSERT : Op.UPDATE,
                    lsn,
                    i + 1,
                    now,
                    List.of(
                            Long.toString(id),
                            Long.toString((id + phase) % 1000),
                            Long.toString(id % 7),
                            Long.toHexString(id * 0x9E3779B97F4A7C15L) + (phase == 0 ? " feed" : " updated"),
                            "2026-11-30 10:00:00." + String.format(Locale.ROOT, "%03d", id % 1000)),
                    List.of()));
        }
        return new ChangeBatch("bench", Origin.CDC, FEED_LOG, COLUMNS, batchRows);
    }
}

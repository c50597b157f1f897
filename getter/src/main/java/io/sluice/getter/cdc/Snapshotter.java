package io.sluice.getter.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.common.pg.Lsn;
import io.sluice.common.pg.TableName;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a source's tables as of one consistent snapshot, in parallel: N connections import the same exported
 * snapshot, then take chunks (page ranges) from a shared queue, {@code COPY} them out and publish them. A chunk is
 * recorded as done only after the broker confirmed all its rows, so a restart reads only unfinished chunks.
 *
 * <p>Rows carry the snapshot's consistent point as their version. Changes the slot streams meanwhile commit after that
 * point, so they carry higher versions and win in the loader's merge, whatever the order of arrival; streaming therefore
 * goes on during the snapshot and the slot's WAL does not pile up.
 */
final class Snapshotter {

    private static final Logger log = LoggerFactory.getLogger(Snapshotter.class);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private final CdcProperties.Source source;
    private final CdcProperties settings;
    private final SnapshotStore store;
    private final Function<ChangeBatch, CompletableFuture<Void>> publish;
    private final MeterRegistry meters;
    private final AtomicLong chunksTotal = new AtomicLong();
    private final AtomicLong chunksDone = new AtomicLong();

    Snapshotter(
            CdcProperties.Source source,
            CdcProperties settings,
            SnapshotStore store,
            Function<ChangeBatch, CompletableFuture<Void>> publish,
            MeterRegistry meters) {
        this.source = source;
        this.settings = settings;
        this.store = store;
        this.publish = publish;
        this.meters = meters;
        SluiceMetric.SNAPSHOT_CHUNKS
                .gauge(chunksTotal, AtomicLong::get)
                .tag("source", source.name())
                .tag("state", "total")
                .register(meters);
        SluiceMetric.SNAPSHOT_CHUNKS
                .gauge(chunksDone, AtomicLong::get)
                .tag("source", source.name())
                .tag("state", "done")
                .register(meters);
    }

    /**
     * Imports the exported snapshot into the reading connections (call while the exporting connection is idle), plans
     * the chunks if none are planned yet, and starts reading in the background.
     */
    Running start(SnapshotStore.Job job, String snapshotName, Lsn consistentPoint, List<TableName> tables)
            throws SQLException {
        List<Connection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < settings.snapshot().parallelism(); i++) {
                connections.add(SourceConnections.inSnapshot(source, "sluice-getter-snapshot", snapshotName));
            }
            Map<TableName, List<Column>> columns = new HashMap<>();
            if (!store.planned(job)) {
                store.plan(job, plan(connections.get(0), tables));
            } else {
                for (TableName table : store.tables(job)) {
                    if (isKeyless(columns(connections.get(0), columns, table))) {
                        // Rows read in an earlier snapshot cannot be matched to this one's by a key: a table left
                        // partly read is read again whole, in this snapshot, and replaces what the target has.
                        store.reread(job, table);
                    }
                }
            }
            List<SnapshotChunk> pending = store.pending(job);
            for (SnapshotChunk chunk : pending) {
                columns(connections.get(0), columns, chunk.table());
            }
            columns.keySet()
                    .retainAll(pending.stream().map(SnapshotChunk::table).collect(Collectors.toSet()));
            return new Running(job, connections, consistentPoint, new ConcurrentLinkedQueue<>(pending), columns);
        } catch (SQLException | RuntimeException e) {
            connections.forEach(Snapshotter::closeQuietly);
            throw e;
        }
    }

    private List<Column> columns(Connection connection, Map<TableName, List<Column>> known, TableName table)
            throws SQLException {
        List<Column> columns = known.get(table);
        if (columns == null) {
            columns = TableSnapshotReader.columns(connection, table, source.excludedColumns(table));
            known.put(table, columns);
        }
        return columns;
    }

    static boolean isKeyless(List<Column> columns) {
        return columns.stream().noneMatch(Column::key);
    }

    private List<SnapshotChunk> plan(Connection connection, List<TableName> tables) throws SQLException {
        List<SnapshotChunk> chunks = new ArrayList<>();
        int readers = settings.snapshot().parallelism();
        for (TableName table : tables) {
            long pages = TableSnapshotReader.pages(connection, table);
            // Enough chunks to keep every reader busy to the end, none larger than configured.
            long size = Math.max(1, Math.min(settings.snapshot().chunkPages(), pages / (readers * 4L)));
            int number = 0;
            long first = 0;
            while (first + size < pages) {
                chunks.add(new SnapshotChunk(table, number++, first, first + size));
                first += size;
            }
            chunks.add(new SnapshotChunk(table, number, first, null));
        }
        log.info("snapshot of {}: {} tables in {} chunks", source.name(), tables.size(), chunks.size());
        return chunks;
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            log.debug("closing a snapshot connection: {}", e.getMessage());
        }
    }

    /** A snapshot being read; {@link #completion()} finishes when every chunk is confirmed. */
    final class Running implements AutoCloseable {

        private final SnapshotStore.Job job;
        private final List<Connection> connections;
        private final Lsn consistentPoint;
        private final ConcurrentLinkedQueue<SnapshotChunk> queue;
        private final Map<TableName, List<Column>> columns;
        private final CompletableFuture<Void> completion = new CompletableFuture<>();
        private final AtomicLong rows = new AtomicLong();
        private final List<Thread> workers = new ArrayList<>();
        private final int total;
        private final long started = System.nanoTime();
        private volatile boolean stopped;

        Running(
                SnapshotStore.Job job,
                List<Connection> connections,
                Lsn consistentPoint,
                ConcurrentLinkedQueue<SnapshotChunk> queue,
                Map<TableName, List<Column>> columns) {
            this.job = job;
            this.connections = connections;
            this.consistentPoint = consistentPoint;
            this.queue = queue;
            this.columns = columns;
            this.total = queue.size();
            long[] progress = store.progress(job);
            chunksDone.set(progress[0]);
            chunksTotal.set(progress[1]);
            Instant now = Instant.now();
            List<CompletableFuture<Void>> done = new ArrayList<>();
            columns.forEach((table, tableColumns) -> {
                if (isKeyless(tableColumns)) {
                    // The snapshot's rows replace every older row of a keyless table, whatever order they arrive in.
                    Row resync = new Row(Op.TRUNCATE, consistentPoint.value(), 0, now, List.of(), List.of());
                    done.add(publish.apply(
                            new ChangeBatch(source.name(), Origin.SNAPSHOT, table, tableColumns, List.of(resync))));
                }
            });
            for (Connection c : connections) {
                CompletableFuture<Void> worker = new CompletableFuture<>();
                done.add(worker);
                TableSnapshotReader reader = new TableSnapshotReader(
                        c, source.name(), consistentPoint.value(), now, settings.maxBatchRows());
                workers.add(Thread.ofPlatform()
                        .name("snapshot-" + source.name() + "-" + workers.size())
                        .start(() -> work(reader, worker)));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
                connections.forEach(Snapshotter::closeQuietly);
                if (error != null) {
                    completion.completeExceptionally(error);
                } else if (!stopped) {
                    store.finish(job);
                    log.info("snapshot {} done: {} rows in {} chunks", job, rows.get(), total);
                    completion.complete(null);
                }
            });
        }

        CompletableFuture<Void> completion() {
            return completion;
        }

        SnapshotStore.Job job() {
            return job;
        }

        private void work(TableSnapshotReader reader, CompletableFuture<Void> worker) {
            try {
                SnapshotChunk chunk;
                long lastReport = System.nanoTime();
                List<CompletableFuture<Void>> recorded = new ArrayList<>();
                while (!stopped && (chunk = queue.poll()) != null) {
                    SnapshotChunk read = chunk;
                    TableSnapshotReader.ChunkResult result =
                            reader.read(read, job.rows(read), columns.get(read.table()), publish);
                    // The next chunk is read while this one's confirms come in; it is recorded done only after them.
                    recorded.add(result.confirmed().thenRun(() -> recordDone(read, result.rows())));
                    if (System.nanoTime() - lastReport > PROGRESS_EVERY.toNanos()) {
                        lastReport = System.nanoTime();
                        reportProgress();
                    }
                }
                CompletableFuture.allOf(recorded.toArray(CompletableFuture[]::new))
                        .join();
                worker.complete(null);
            } catch (Exception e) {
                stopped = true;
                worker.completeExceptionally(e);
            }
        }

        private void recordDone(SnapshotChunk chunk, long chunkRows) {
            store.done(job, chunk, chunkRows, consistentPoint);
            rows.addAndGet(chunkRows);
            chunksDone.incrementAndGet();
            SluiceMetric.SNAPSHOT_ROWS
                    .counter()
                    .tag("source", source.name())
                    .tag("table", chunk.table().toString())
                    .register(meters)
                    .increment(chunkRows);
        }

        private void reportProgress() {
            long[] progress = store.progress(job);
            double seconds = (System.nanoTime() - started) / 1e9;
            long doneNow = total - queue.size();
            double perChunk = doneNow == 0 ? 0 : seconds / doneNow;
            log.info(
                    "snapshot of {}: {}/{} chunks, {} rows, {} rows/s, about {} s left",
                    source.name(),
                    progress[0],
                    progress[1],
                    rows.get(),
                    Math.round(rows.get() / Math.max(seconds, 0.001)),
                    Math.round(perChunk * queue.size()));
        }

        /** Stops reading after the chunks in hand; unfinished chunks stay pending for the next attempt. */
        @Override
        public void close() {
            stopped = true;
            for (Thread worker : workers) {
                try {
                    worker.join(Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            connections.forEach(Snapshotter::closeQuietly);
            completion.completeExceptionally(new IllegalStateException("snapshot stopped"));
        }
    }
}

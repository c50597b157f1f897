package io.sluice.getter.cdc;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.batch.Utf8Values;
import io.sluice.common.pg.Lsn;
import io.sluice.common.pg.TableName;
import io.sluice.getter.cdc.PgOutputMessage.Begin;
import io.sluice.getter.cdc.PgOutputMessage.Commit;
import io.sluice.getter.cdc.PgOutputMessage.Delete;
import io.sluice.getter.cdc.PgOutputMessage.Insert;
import io.sluice.getter.cdc.PgOutputMessage.Relation;
import io.sluice.getter.cdc.PgOutputMessage.Truncate;
import io.sluice.getter.cdc.PgOutputMessage.Tuple;
import io.sluice.getter.cdc.PgOutputMessage.Update;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Turns a stream of decoded pgoutput messages into {@link ChangeBatch}es, one table per batch, each row versioned by
 * its transaction's commit LSN (known from Begin) and its position in it. A table's rows are published as soon as they
 * fill a batch (rows or bytes), so a large transaction is not held whole; small transactions that follow each other
 * share a table's batch for up to {@code linger}, so that an OLTP load of one-row transactions does not become one
 * message per row. A commit is done when every batch holding its rows is confirmed.
 */
public final class TransactionAssembler {

    /** pgoutput timestamps count microseconds from 2000-01-01T00:00:00Z. */
    private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;
    /** Prefix of the logical messages the getter emits as heartbeats. */
    static final String HEARTBEAT_PREFIX = "sluice.heartbeat";

    /** A table as the getter knows it: its name and its columns with type names. */
    record TableShape(TableName table, List<Column> columns) {}

    /** Reads, from the source, the values a row's {@code unchanged} marks stand for. */
    @FunctionalInterface
    public interface UnchangedValues {
        /** The row with its unchanged values read by its key; the row as it is if the source no longer has it. */
        Tuple fill(TableShape table, Tuple row);

        UnchangedValues NONE = (table, row) -> row;
    }

    /** A transaction whose batches were all handed to the sink; done when {@link #confirmed} completes. */
    public record CommittedTransaction(Lsn endLsn, CompletableFuture<Void> confirmed) {}

    private final String source;
    private final int maxBatchRows;
    private final Function<ChangeBatch, CompletableFuture<Void>> sink;
    private final Function<Relation, List<Column>> columnResolver;
    private final UnchangedValues unchangedValues;
    /** A table's rows waiting to be published, and the future of the batch they will be published in. */
    private static final class Buffer {
        final List<Row> rows = new ArrayList<>();
        final CompletableFuture<Void> published = new CompletableFuture<>();
        final long startedNanos = System.nanoTime();
        long bytes;
        /** The last transaction that put a row here. */
        long transaction = -1;
    }

    private final long lingerNanos;
    private final long maxBatchBytes;
    private final Map<Integer, TableShape> tables = new HashMap<>();
    private final Map<Integer, Buffer> buffers = new LinkedHashMap<>();
    /** This transaction's batches outside the buffers (truncates, schema changes), and the buffers it wrote to. */
    private final List<CompletableFuture<Void>> inFlight = new ArrayList<>();

    private long commitLsn;
    private Instant commitTime;
    private long seq;
    private long transactions;
    private boolean inTransaction;

    /**
     * @param sink publishes a batch; its future completes when the broker confirmed it
     * @param columnResolver turns a Relation's columns into batch columns (type names looked up in the source)
     */
    public TransactionAssembler(
            String source,
            int maxBatchRows,
            Function<ChangeBatch, CompletableFuture<Void>> sink,
            Function<Relation, List<Column>> columnResolver) {
        this(source, maxBatchRows, sink, columnResolver, UnchangedValues.NONE);
    }

    /** @param unchangedValues reads the unsent values of a row whose key changed, which no earlier version has */
    public TransactionAssembler(
            String source,
            int maxBatchRows,
            Function<ChangeBatch, CompletableFuture<Void>> sink,
            Function<Relation, List<Column>> columnResolver,
            UnchangedValues unchangedValues) {
        this(source, maxBatchRows, Long.MAX_VALUE, Duration.ZERO, sink, columnResolver, unchangedValues);
    }

    /**
     * @param maxBatchBytes value bytes of one batch before it is published
     * @param linger how long a table's rows may wait for the next transactions' rows before they are published; zero
     *     publishes every transaction's rows at its commit
     */
    public TransactionAssembler(
            String source,
            int maxBatchRows,
            long maxBatchBytes,
            Duration linger,
            Function<ChangeBatch, CompletableFuture<Void>> sink,
            Function<Relation, List<Column>> columnResolver,
            UnchangedValues unchangedValues) {
        this.source = source;
        this.maxBatchRows = maxBatchRows;
        this.maxBatchBytes = maxBatchBytes;
        this.lingerNanos = linger.toNanos();
        this.sink = sink;
        this.columnResolver = columnResolver;
        this.unchangedValues = unchangedValues;
    }

    public boolean inTransaction() {
        return inTransaction;
    }

    /** Takes one message; returns the finished transaction on Commit, else {@code null}. */
    public CommittedTransaction accept(PgOutputMessage message) {
        switch (message) {
            case Begin begin -> begin(begin);
            case Commit commit -> {
                return commit(commit);
            }
            case Relation relation -> relation(relation);
            case Insert insert -> add(insert.relationId(), Op.INSERT, insert.row());
            case Update update -> update(update);
            case Delete delete -> add(delete.relationId(), Op.DELETE, delete.oldKey());
            case Truncate truncate -> truncate(truncate);
            case PgOutputMessage.LogicalMessage logical -> {
                return heartbeat(logical);
            }
            case PgOutputMessage.Ignored ignored -> {}
        }
        return null;
    }

    private void begin(Begin begin) {
        inTransaction = true;
        transactions++;
        commitLsn = begin.finalLsn();
        commitTime = toInstant(begin.commitTimeMicros());
        seq = 0;
    }

    private CommittedTransaction commit(Commit commit) {
        if (lingerNanos == 0) {
            flushAll();
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new));
        inFlight.clear();
        inTransaction = false;
        return new CommittedTransaction(new Lsn(commit.endLsn()), all);
    }

    /** Publishes every table's waiting rows (before waiting on confirms, and when the stream stops). */
    public void flushAll() {
        for (Integer relation : List.copyOf(buffers.keySet())) {
            flush(relation);
        }
    }

    /** Publishes the rows that waited their linger; call between messages, and when none is pending. */
    public void flushDue() {
        if (buffers.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        Iterator<Map.Entry<Integer, Buffer>> oldestFirst = buffers.entrySet().iterator();
        while (oldestFirst.hasNext()) {
            Map.Entry<Integer, Buffer> entry = oldestFirst.next();
            if (now - entry.getValue().startedNanos < lingerNanos) {
                return; // buffers are kept in the order they were started: the rest are younger
            }
            oldestFirst.remove();
            publish(entry.getKey(), entry.getValue());
        }
    }

    /**
     * A heartbeat between transactions is a position with nothing to publish: once every earlier transaction is
     * confirmed, the slot may move up to it, so that a slot on an idle database does not hold WAL forever.
     */
    private CommittedTransaction heartbeat(PgOutputMessage.LogicalMessage message) {
        if (message.transactional() || inTransaction || !HEARTBEAT_PREFIX.equals(message.prefix())) {
            return null;
        }
        return new CommittedTransaction(new Lsn(message.lsn()), CompletableFuture.completedFuture(null));
    }

    /** A truncate travels as a batch of its own, after the rows of the table that came before it. */
    private void truncate(Truncate truncate) {
        for (int relationId : truncate.relationIds()) {
            flush(relationId);
            TableShape shape = shape(relationId);
            Row row = new Row(Op.TRUNCATE, commitLsn, ++seq, commitTime, List.of(), List.of());
            inFlight.add(sink.apply(new ChangeBatch(source, Origin.CDC, shape.table(), shape.columns(), List.of(row))));
        }
    }

    private void relation(Relation relation) {
        if (buffers.containsKey(relation.id())) {
            flush(relation.id()); // the shape may have changed: rows so far belong to the old one
        }
        TableShape shape =
                new TableShape(new TableName(relation.schema(), relation.name()), columnResolver.apply(relation));
        TableShape previous = tables.put(relation.id(), shape);
        if (previous != null && !previous.columns().equals(shape.columns())) {
            // Announced before any row of the new shape, so that the loader can adapt (or stop) the table first.
            inFlight.add(
                    sink.apply(ChangeBatch.schemaChange(source, shape.table(), previous.columns(), shape.columns())));
        }
    }

    private void update(Update update) {
        TableShape shape = shape(update.relationId());
        Tuple oldKey = update.oldKey();
        Tuple row = update.oldIsFullRow() ? withOldValues(update.row(), oldKey) : update.row();
        if (oldKey != null && shape.columns().stream().noneMatch(Column::key)) {
            // A keyless table (REPLICA IDENTITY FULL): no key says which target row changed, so the update travels as
            // the delete of the old row, by all its values, and the insert of the new one.
            add(update.relationId(), Op.DELETE, oldKey);
            add(update.relationId(), Op.INSERT, row);
            return;
        }
        if (oldKey != null && !sameKey(shape, oldKey, update.row())) {
            // The key changed: the old key's row is gone, so the target must delete it, not keep it beside the new one.
            add(update.relationId(), Op.DELETE, oldKey);
            if (row.anyUnchanged()) {
                // No version under the new key holds the unsent (TOAST) values: read them from the source now. A value
                // changed since is newer, and the change that made it follows with a higher version, so the target
                // ends the same.
                row = unchangedValues.fill(shape, row);
            }
        }
        add(update.relationId(), Op.UPDATE, row);
    }

    /**
     * Under REPLICA IDENTITY FULL the server sends the whole old row, large values inlined; an unchanged TOAST value of
     * the new row is then that old value, so the batch carries it instead of an {@code unchanged} mark.
     */
    private static Tuple withOldValues(Tuple row, Tuple old) {
        if (!row.anyUnchanged()) {
            return row;
        }
        String[] values = row.valuesCopy();
        boolean[] unchanged = row.unchanged().clone();
        for (int i = 0; i < values.length; i++) {
            if (unchanged[i] && !old.unchanged()[i]) {
                values[i] = old.values().get(i);
                unchanged[i] = false;
            }
        }
        return new Tuple(values, unchanged);
    }

    private static boolean sameKey(TableShape shape, Tuple oldKey, Tuple row) {
        for (int i = 0; i < shape.columns().size(); i++) {
            if (shape.columns().get(i).key()
                    && !java.util.Objects.equals(
                            oldKey.values().get(i), row.values().get(i))) {
                return false;
            }
        }
        return true;
    }

    private void add(int relationId, Op op, Tuple tuple) {
        shape(relationId);
        List<Integer> unchanged = List.of();
        if (tuple.anyUnchanged()) {
            List<Integer> indexes = new ArrayList<>();
            for (int i = 0; i < tuple.unchanged().length; i++) {
                if (tuple.unchanged()[i]) {
                    indexes.add(i);
                }
            }
            unchanged = indexes;
        }
        List<String> values = tuple.values();
        Buffer buffer = buffers.computeIfAbsent(relationId, id -> new Buffer()); // appended: oldest stay first
        if (buffer.transaction != transactions) {
            buffer.transaction = transactions;
            inFlight.add(buffer.published); // this transaction is done only once that batch is confirmed
        }
        buffer.rows.add(new Row(op, commitLsn, ++seq, commitTime, values, unchanged));
        buffer.bytes += values.size() + Utf8Values.textSize(values);
        if (buffer.rows.size() >= maxBatchRows || buffer.bytes >= maxBatchBytes) {
            flush(relationId);
        }
    }

    private void flush(int relationId) {
        Buffer buffer = buffers.remove(relationId);
        if (buffer != null) {
            publish(relationId, buffer);
        }
    }

    private void publish(int relationId, Buffer buffer) {
        if (buffer.rows.isEmpty()) {
            return;
        }
        TableShape shape = shape(relationId);
        sink.apply(new ChangeBatch(source, Origin.CDC, shape.table(), shape.columns(), buffer.rows))
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        buffer.published.completeExceptionally(error);
                    } else {
                        buffer.published.complete(null);
                    }
                });
    }

    private TableShape shape(int relationId) {
        TableShape shape = tables.get(relationId);
        if (shape == null) {
            throw new IllegalStateException("change for relation " + relationId + " before its Relation message");
        }
        return shape;
    }

    static Instant toInstant(long postgresMicros) {
        return Instant.ofEpochSecond(
                POSTGRES_EPOCH_SECONDS + Math.floorDiv(postgresMicros, 1_000_000L),
                Math.floorMod(postgresMicros, 1_000_000L) * 1_000L);
    }
}

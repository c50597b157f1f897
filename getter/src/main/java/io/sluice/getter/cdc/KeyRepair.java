package io.sluice.getter.cdc;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.Lsn;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a repair request: re-reads the named keys of one table in a fresh exported snapshot, sends the rows it
 * finds as snapshot reads and a delete for each key the source no longer has, every one versioned at the snapshot's
 * point. A change committed after that point has a higher version and wins in the merge, so a repair racing live
 * changes never overwrites them; the request is removed only once the broker confirmed everything it sent.
 */
final class KeyRepair {

    private static final Logger log = LoggerFactory.getLogger(KeyRepair.class);
    /** The chunk number of the deletes' versions (the rows found are chunk 0), so that no two share a version. */
    private static final int DELETES = 1;

    private final CdcProperties.Source source;
    private final CdcProperties settings;
    private final SnapshotStore store;
    private final Function<ChangeBatch, CompletableFuture<Void>> publish;

    KeyRepair(
            CdcProperties.Source source,
            CdcProperties settings,
            SnapshotStore store,
            Function<ChangeBatch, CompletableFuture<Void>> publish) {
        this.source = source;
        this.settings = settings;
        this.store = store;
        this.publish = publish;
    }

    /** Runs the oldest repair asked of this source, if any, to its broker confirms. */
    void runNext() throws Exception {
        var next = store.nextRepair(source);
        if (next.isPresent()) {
            run(next.get());
        }
    }

    private void run(SnapshotStore.Repair repair) throws Exception {
        // Its own temporary slot (not the ad hoc snapshots' one), held only until the reader imported its snapshot.
        Connection reader;
        Lsn point;
        try (SourceSession exporter = SourceSession.open(source, settings.statusInterval())) {
            ReplicationSlotInfo slot = exporter.createTemporarySlot(source, "_fix");
            point = SourceSession.consistentPoint(slot);
            reader = SourceConnections.inSnapshot(source, "sluice-getter-repair", slot.getSnapshotName());
        }
        try (reader) {
            List<Column> columns =
                    TableSnapshotReader.columns(reader, repair.table(), source.excludedColumns(repair.table()));
            List<Column> keys = columns.stream().filter(Column::key).toList();
            if (keys.size() != 1 || !keys.get(0).name().equals(repair.keyColumn())) {
                // Keys of another shape cannot be named one by one: a whole re-read corrects what the source has
                // (not the target's extra rows), and says so.
                log.warn(
                        "source {}: cannot repair {} by its keys (its key is {}, the check's is {}); taking an ad hoc"
                                + " snapshot of it instead, which re-sends its rows but removes no extra row",
                        source.name(),
                        repair.table(),
                        keys.stream().map(Column::name).toList(),
                        repair.keyColumn());
                store.request(source.name(), repair.table(), null);
                store.repaired(repair);
                return;
            }
            int keyIndex = columns.indexOf(keys.get(0));
            Instant now = Instant.now();
            TableSnapshotReader tableReader =
                    new TableSnapshotReader(reader, source.name(), point.value(), now, settings.maxBatchRows());
            Set<String> found = new HashSet<>();
            TableSnapshotReader.ChunkResult rows = tableReader.read(
                    repair.table(),
                    0,
                    Identifiers.quote(repair.keyColumn()) + "::text = ANY (" + textArray(repair.keys()) + ")",
                    columns,
                    publish,
                    row -> found.add(row.values().get(keyIndex)));
            Set<String> gone = new LinkedHashSet<>(repair.keys());
            gone.removeAll(found);
            List<Row> deletes = new ArrayList<>();
            long seq = (long) DELETES << 32;
            for (String key : gone) {
                String[] values = new String[columns.size()];
                values[keyIndex] = key;
                deletes.add(new Row(Op.DELETE, point.value(), ++seq, now, Arrays.asList(values), List.of()));
            }
            CompletableFuture<Void> deleted = deletes.isEmpty()
                    ? CompletableFuture.completedFuture(null)
                    : publish.apply(new ChangeBatch(source.name(), Origin.SNAPSHOT, repair.table(), columns, deletes));
            CompletableFuture.allOf(rows.confirmed(), deleted)
                    .get(Duration.ofMinutes(5).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            store.repaired(repair);
            log.info(
                    "source {}: repaired {} keys of {} at {}: {} rows re-sent, {} deleted",
                    source.name(),
                    repair.keys().size(),
                    repair.table(),
                    point,
                    rows.rows(),
                    deletes.size());
        }
    }

    /** The keys as one SQL array literal of text, each quoted by the one helper. */
    private static String textArray(List<String> keys) {
        return "ARRAY[" + keys.stream().map(Identifiers::literal).collect(Collectors.joining(", ")) + "]::text[]";
    }
}

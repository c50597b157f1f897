package io.sluice.getter.cdc;

import io.sluice.common.pg.TableName;
import io.sluice.getter.cdc.SourceSession.SlotState;
import java.util.List;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which snapshot a session with the source runs, and in which exported snapshot: the initial one with a new slot (or
 * resumed in a fresh snapshot), a snapshot-only source's, and the ad hoc ones asked for while the slot streams.
 */
final class SnapshotPlanner {

    private static final Logger log = LoggerFactory.getLogger(SnapshotPlanner.class);

    private final CdcProperties.Source source;
    private final CdcProperties settings;
    private final SnapshotStore store;
    private final Snapshotter snapshotter;
    private final SnapshotStore.Job initial;

    SnapshotPlanner(CdcProperties.Source source, CdcProperties settings, SnapshotStore store, Snapshotter snapshotter) {
        this.source = source;
        this.settings = settings;
        this.store = store;
        this.snapshotter = snapshotter;
        this.initial = SnapshotStore.Job.initial(source);
    }

    /** Creates or checks the slot and starts the snapshot that is due, if any. */
    Snapshotter.Running prepare(SourceSession session, SlotState slotState, List<TableName> published)
            throws Exception {
        SnapshotMode mode = source.snapshotMode();
        if (mode == SnapshotMode.INITIAL_ONLY) {
            SnapshotStore.State state = store.state(initial);
            if (state == SnapshotStore.State.DONE) {
                return null;
            }
            if (state == SnapshotStore.State.NONE) {
                store.begin(initial);
            }
            ReplicationSlotInfo slot = session.createTemporarySlot(source, "_snap");
            return snapshotter.start(initial, slot.getSnapshotName(), SourceSession.consistentPoint(slot), published);
        }
        if (slotState == SlotState.LOST) {
            if (mode != SnapshotMode.WHEN_NEEDED) {
                throw new IllegalStateException("replication slot " + source.slot() + " of source " + source.name()
                        + " was invalidated (its WAL was removed), so changes were lost: set snapshot-mode"
                        + " when_needed to recreate it and read the tables again");
            }
            session.dropSlot();
            slotState = SlotState.MISSING;
        }
        if (slotState == SlotState.MISSING) {
            if (!mode.snapshotsNewSlot()) {
                session.createSlot(source.slot(), false);
                return null;
            }
            // Recorded before the slot exists: a crash in between leaves a started snapshot, which is then resumed.
            store.begin(initial);
            ReplicationSlotInfo slot = session.createSlot(source.slot(), false);
            return snapshotter.start(initial, slot.getSnapshotName(), SourceSession.consistentPoint(slot), published);
        }
        if (mode.snapshotsNewSlot() && store.state(initial) == SnapshotStore.State.STARTED) {
            log.info("resuming the initial snapshot of source {}", source.name());
            return startInNewSnapshot(initial, published);
        }
        return null;
    }

    /**
     * Starts a snapshot job in a fresh snapshot, for a resumed or an ad hoc snapshot while the slot streams. The
     * snapshot exported with the slot is gone by then; a temporary slot exports a new one, exactly consistent with
     * its own point: rows read in it are versioned at that point, so changes streamed before it are already in them
     * and changes after it win over them in the merge, whatever order they arrive in. (DBLog reaches the same end
     * with watermarks and deduplication in the reader; a versioned merge makes that bookkeeping unnecessary.)
     */
    private Snapshotter.Running startInNewSnapshot(SnapshotStore.Job job, List<TableName> tables) throws Exception {
        try (SourceSession exporter = SourceSession.open(source, settings.statusInterval())) {
            ReplicationSlotInfo slot = exporter.createTemporarySlot(source, "_snap");
            return snapshotter.start(job, slot.getSnapshotName(), SourceSession.consistentPoint(slot), tables);
        } // the temporary slot goes with the exporter; the readers' transactions keep the snapshot
    }

    /** Starts the next requested ad hoc snapshot when none is running; rethrows the failure of the last one. */
    Snapshotter.Running nextAdhoc(SourceSession session, Snapshotter.Running current) throws Exception {
        if (current != null) {
            if (!current.completion().isDone()) {
                return current;
            }
            current.completion().join();
        }
        List<SnapshotStore.Job> jobs = store.adhocJobs(source);
        if (jobs.isEmpty()) {
            return null;
        }
        SnapshotStore.Job job = jobs.get(0);
        TableName table = TableName.parse(job.scope());
        if (!session.publishedTables().contains(table)) {
            // A request (from the signal table) never widens capture, nor stalls it on a table that is not there.
            log.warn(
                    "source {}: not snapshotting {}, which is not in publication {}",
                    source.name(),
                    table,
                    source.publication());
            store.finish(job);
            return null;
        }
        if (job.filter() != null) {
            String refusal;
            try (java.sql.Connection c = SourceConnections.query(source, "sluice-getter-snapshots")) {
                refusal = job.filter().refusal(c, table, source.excludedColumns(table));
            }
            if (refusal != null) {
                log.warn("source {}: not snapshotting {}: {}", source.name(), table, refusal);
                store.finish(job);
                return null;
            }
        }
        log.info(
                "ad hoc snapshot of {} in source {}{}",
                table,
                source.name(),
                job.filter() == null ? "" : " where " + job.filter().sql());
        return startInNewSnapshot(job, List.of(table));
    }
}

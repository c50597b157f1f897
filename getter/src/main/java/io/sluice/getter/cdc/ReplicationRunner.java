package io.sluice.getter.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.common.pause.StagePause;
import io.sluice.common.pg.TableName;
import io.sluice.getter.RawBatchPublisher;
import io.sluice.getter.cdc.SourceSession.SlotState;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures one source on its own thread: prepares the slot and, when due, a snapshot; then streams the slot — decode,
 * assemble, publish — telling the slot a position only once everything up to it is confirmed by the broker. Any
 * failure closes the session and starts again from the slot's confirmed position (and the snapshot's unfinished
 * chunks), so nothing is lost; what was published but not yet confirmed may be published twice, which the loader's
 * versioned merge absorbs.
 */
final class ReplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(ReplicationRunner.class);
    private static final int MAX_PENDING_TRANSACTIONS = 10_000;
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    /** How often the stream loop measures slot lag and looks for ad hoc snapshot requests. */
    private static final Duration HOUSEKEEPING_INTERVAL = Duration.ofSeconds(1);
    /** How often the stream loop brings the publication to the capture set (new tables, changed keys). */
    private static final Duration CAPTURE_SET_INTERVAL = Duration.ofSeconds(5);

    private final CdcProperties.Source source;
    private final CdcProperties settings;
    private final RawBatchPublisher publisher;
    private final SnapshotStore store;
    private final Snapshotter snapshotter;
    private final AtomicLong slotLagBytes = new AtomicLong();
    private final SnapshotStore.Job initial;
    private final CaptureSet captureSet;
    private final KeyRepair repairs;
    /** One thread for repairs, which take a snapshot of their own: streaming goes on while one runs. */
    private volatile ExecutorService repairThread;

    private CompletableFuture<Void> repair = CompletableFuture.completedFuture(null);
    private volatile Map<TableName, String> skipped = Map.of();
    private volatile boolean running;
    private volatile Thread thread;
    private final StagePause pause;
    private volatile CaptureStatus status = new CaptureStatus(CaptureStatus.Phase.STARTING, null, Instant.now());

    ReplicationRunner(
            CdcProperties.Source source,
            CdcProperties settings,
            RawBatchPublisher publisher,
            SnapshotStore store,
            Snapshotter snapshotter,
            MeterRegistry meters,
            StagePause pause) {
        this.pause = pause;
        this.source = source;
        this.settings = settings;
        this.publisher = publisher;
        this.store = store;
        this.snapshotter = snapshotter;
        this.initial = SnapshotStore.Job.initial(source);
        this.captureSet = new CaptureSet(source); // a malformed pattern fails start-up
        this.repairs = new KeyRepair(source, settings, store, publisher::publish);
        SluiceMetric.CAPTURE_SKIPPED_TABLES
                .gauge(this, r -> r.skipped.size())
                .tag("source", source.name())
                .register(meters);
        SluiceMetric.SLOT_LAG_BYTES
                .gauge(slotLagBytes, AtomicLong::get)
                .tag("source", source.name())
                .tag("slot", source.slot())
                .register(meters);
    }

    CdcProperties.Source source() {
        return source;
    }

    CaptureStatus status() {
        return status;
    }

    /** Tables left out of capture, with why. */
    Map<TableName, String> skipped() {
        return skipped;
    }

    long slotLagBytes() {
        return slotLagBytes.get();
    }

    private void enter(CaptureStatus.Phase phase, String error) {
        if (status.phase() != phase || error != null) {
            status = new CaptureStatus(phase, error, Instant.now());
        }
    }

    void start() {
        running = true;
        repairThread = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("repair-" + source.name()).factory());
        thread = Thread.ofPlatform().name("cdc-" + source.name()).start(this::runUntilStopped);
    }

    /** Lets the loop finish its turn (reporting its last confirmed position), and interrupts it only if it hangs. */
    void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(10));
                if (t.isAlive()) {
                    t.interrupt();
                    t.join(Duration.ofSeconds(20));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        repairThread.shutdownNow(); // after the loop, which starts repairs: one cut short stays requested
    }

    private void runUntilStopped() {
        Duration backoff = settings.retryBackoff();
        while (running) {
            try {
                Outcome outcome = captureOnce();
                if (outcome == Outcome.FINISHED) {
                    return;
                }
                backoff = settings.retryBackoff();
                if (outcome == Outcome.STANDBY) {
                    Thread.sleep(settings.retryBackoff());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                log.warn("capture of source {} failed, retrying in {}: {}", source.name(), backoff, e.toString());
                enter(CaptureStatus.Phase.FAILING, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** How a session with the source ended. */
    private enum Outcome {
        /** Stopped or lost; open another one. */
        AGAIN,
        /** Another replica holds the capture lock. */
        STANDBY,
        /** Nothing more to do (a snapshot-only source whose snapshot is complete). */
        FINISHED
    }

    /** One session with the source. */
    private Outcome captureOnce() throws Exception {
        try (SourceSession session = SourceSession.open(source, settings.statusInterval())) {
            if (!session.tryLock()) {
                if (status.phase() != CaptureStatus.Phase.STANDBY) {
                    log.info("source {}: another getter holds slot {}, standing by", source.name(), source.slot());
                }
                enter(CaptureStatus.Phase.STANDBY, null);
                return Outcome.STANDBY;
            }
            List<TableName> added = syncPublication(session);
            List<TableName> published = session.publishedTables();
            session.checkPrivileges(published);
            SlotState slotState = source.snapshotMode() == SnapshotMode.INITIAL_ONLY ? null : session.slotState();
            Snapshotter.Running snapshot = prepare(session, slotState, published);
            if (slotState == SlotState.READY && source.snapshotMode().snapshotsNewSlot()) {
                // A table added to the configuration is streamed from now on; its existing rows need a snapshot.
                added.forEach(table -> store.request(source.name(), table, null));
            }
            try {
                if (source.snapshotMode() == SnapshotMode.INITIAL_ONLY) {
                    enter(CaptureStatus.Phase.SNAPSHOT, null);
                    if (snapshot != null) {
                        snapshot.completion().get();
                    }
                    log.info("snapshot-only source {} is complete; not streaming", source.name());
                    enter(CaptureStatus.Phase.FINISHED, null);
                    return Outcome.FINISHED;
                }
                stream(session, snapshot);
                if (!running && source.dropSlotOnStop()) {
                    dropSlotAfterStreaming(session);
                }
                return Outcome.AGAIN;
            } finally {
                if (snapshot != null) {
                    snapshot.close();
                }
            }
        }
    }

    /** Creates or checks the slot and starts the snapshot that is due, if any. */
    private Snapshotter.Running prepare(SourceSession session, SlotState slotState, List<TableName> published)
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

    /**
     * Runs the next repair (a data check's keys to re-read), if one is asked and none is running, on the repair thread.
     * A failed one stays requested and is tried again.
     */
    private void nextRepair() {
        if (!repair.isDone()) {
            return;
        }
        repair = CompletableFuture.runAsync(
                () -> {
                    try {
                        repairs.runNext();
                    } catch (Exception e) {
                        log.warn("source {}: a repair failed, trying again: {}", source.name(), e.getMessage());
                    }
                },
                repairThread);
    }

    /** Starts the next requested ad hoc snapshot when none is running; rethrows the failure of the last one. */
    private Snapshotter.Running nextAdhoc(SourceSession session, Snapshotter.Running current) throws Exception {
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

    private void stream(SourceSession session, Snapshotter.Running snapshot) throws Exception {
        PGReplicationStream stream = session.startStream();
        log.info("streaming slot {} of source {}", source.slot(), source.name());
        PgOutputDecoder decoder = new PgOutputDecoder();
        TransactionAssembler assembler = new TransactionAssembler(
                source.name(),
                settings.maxBatchRows(),
                settings.maxBatchBytes().toBytes(),
                settings.linger(),
                publisher::publish,
                session::columns,
                session::fillUnchanged);
        ConfirmedProgress progress = new ConfirmedProgress(MAX_PENDING_TRANSACTIONS);
        IdleBackoff idle = new IdleBackoff();
        long reported = 0;
        long nextHeartbeat = 0;
        long nextHousekeeping = 0;
        long nextCaptureSet = System.nanoTime() + CAPTURE_SET_INTERVAL.toNanos();
        Snapshotter.Running adhoc = null;
        enter(CaptureStatus.Phase.STREAMING, null);
        try {
            while (running) {
                if (pause.paused()) {
                    reported = holdWhilePaused(stream, assembler, progress, reported);
                    continue;
                }
                if (System.nanoTime() - nextHeartbeat >= 0
                        && !settings.heartbeatInterval().isZero()) {
                    session.emitHeartbeat();
                    nextHeartbeat =
                            System.nanoTime() + settings.heartbeatInterval().toNanos();
                }
                if (System.nanoTime() - nextHousekeeping >= 0) {
                    slotLagBytes.set(session.slotLagBytes());
                    adhoc = nextAdhoc(session, adhoc);
                    nextRepair();
                    nextHousekeeping = System.nanoTime() + HOUSEKEEPING_INTERVAL.toNanos();
                }
                if (System.nanoTime() - nextCaptureSet >= 0) {
                    // Tables created since are published now; their rows from before, by an ad hoc snapshot.
                    syncPublication(session).forEach(table -> store.request(source.name(), table, null));
                    nextCaptureSet = System.nanoTime() + CAPTURE_SET_INTERVAL.toNanos();
                }
                if (snapshot != null && snapshot.completion().isCompletedExceptionally()) {
                    snapshot.completion().join(); // a failed snapshot restarts the session, which resumes it
                }
                assembler.flushDue();
                ByteBuffer message = stream.readPending();
                if (message == null) {
                    reported = report(stream, progress, reported);
                    idle.pause();
                    continue;
                }
                idle.reset();
                TransactionAssembler.CommittedTransaction committed = assembler.accept(decoder.decode(message));
                if (committed != null) {
                    progress.add(committed);
                    reported = report(stream, progress, reported);
                    if (progress.full()) {
                        assembler.flushAll(); // the oldest may be waiting for its rows' linger
                    }
                    progress.awaitRoom();
                }
            }
            if (!assembler.inTransaction()) {
                assembler.flushAll(); // a stop publishes what lingers, so that its position can be confirmed
            }
            report(stream, progress, reported);
            stream.close();
        } finally {
            if (adhoc != null) {
                adhoc.close(); // its unfinished chunks stay pending and resume with the next session
            }
        }
    }

    /** Brings the publication to the capture set; the tables it added. */
    private List<TableName> syncPublication(SourceSession session) throws Exception {
        Publication.Synced synced = session.publication().sync(captureSet);
        if (!synced.skipped().keySet().equals(skipped.keySet())) {
            synced.skipped()
                    .forEach((table, why) -> log.warn("source {}: not capturing {}: {}", source.name(), table, why));
        }
        skipped = Map.copyOf(synced.skipped());
        return synced.added();
    }

    /** Tells the server the confirmed position when it moved; pgjdbc sends it with the next status update. */
    /**
     * A pause: what is complete is published and its position confirmed as it is confirmed, and then nothing more is
     * read. The session stays open, so this replica keeps the slot (a standby does not take over) and the walsender
     * hears from it every second; the slot holds WAL from the confirmed position until the resume.
     */
    private long holdWhilePaused(
            PGReplicationStream stream, TransactionAssembler assembler, ConfirmedProgress progress, long reported)
            throws Exception {
        if (!assembler.inTransaction()) {
            assembler.flushAll();
        }
        enter(CaptureStatus.Phase.PAUSED, null);
        log.info("source {}: paused; slot {} holds its position", source.name(), source.slot());
        while (pause.paused() && running) {
            reported = report(stream, progress, reported);
            stream.forceUpdateStatus();
            Thread.sleep(Math.min(1000, Math.max(10, settings.statusInterval().toMillis())));
        }
        log.info("source {}: resumed", source.name());
        enter(CaptureStatus.Phase.STREAMING, null);
        return reported;
    }

    private static long report(PGReplicationStream stream, ConfirmedProgress progress, long reported) {
        long confirmed = progress.advance();
        if (confirmed > reported) {
            LogSequenceNumber lsn = LogSequenceNumber.valueOf(confirmed);
            stream.setFlushedLSN(lsn);
            stream.setAppliedLSN(lsn);
        }
        return Math.max(confirmed, reported);
    }

    /** The walsender lets go of the slot shortly after the stream ends; until then the drop is refused. */
    private void dropSlotAfterStreaming(SourceSession session) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                session.dropSlot();
                return;
            } catch (java.sql.SQLException e) {
                if (attempt == 50) {
                    log.warn("could not drop slot {} on stop: {}", source.slot(), e.getMessage());
                    return;
                }
                Thread.sleep(100);
            }
        }
    }
}

package io.sluice.getter.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.common.pause.StagePause;
import io.sluice.common.pg.TableName;
import io.sluice.getter.RawBatchPublisher;
import io.sluice.getter.cdc.SourceSession.SlotState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
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
    private final SnapshotPlanner planner;
    private final AtomicLong slotLagBytes = new AtomicLong();
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
        this.planner = new SnapshotPlanner(source, settings, store, snapshotter);
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
            Snapshotter.Running snapshot = planner.prepare(session, slotState, published);
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

    private void stream(SourceSession session, Snapshotter.Running snapshot) throws Exception {
        WalStream wal = new PgWalStream(session.startStream());
        log.info("streaming slot {} of source {}", source.slot(), source.name());
        TransactionAssembler assembler = new TransactionAssembler(
                source.name(),
                settings.maxBatchRows(),
                settings.maxBatchBytes().toBytes(),
                settings.linger(),
                publisher::publish,
                session::columns,
                session::fillUnchanged);
        StreamLoop loop = new StreamLoop(wal, assembler, MAX_PENDING_TRANSACTIONS);
        long nextHeartbeat = 0;
        long nextHousekeeping = 0;
        long nextCaptureSet = System.nanoTime() + CAPTURE_SET_INTERVAL.toNanos();
        Snapshotter.Running adhoc = null;
        enter(CaptureStatus.Phase.STREAMING, null);
        try {
            while (running) {
                if (pause.paused()) {
                    holdWhilePaused(loop);
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
                    adhoc = planner.nextAdhoc(session, adhoc);
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
                loop.turn();
            }
            loop.finish();
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

    /**
     * A pause: what is complete is published and its position confirmed as it is confirmed, and then nothing more is
     * read. The session stays open, so this replica keeps the slot (a standby does not take over) and the walsender
     * hears from it every second; the slot holds WAL from the confirmed position until the resume.
     */
    private void holdWhilePaused(StreamLoop loop) throws Exception {
        enter(CaptureStatus.Phase.PAUSED, null);
        log.info("source {}: paused; slot {} holds its position", source.name(), source.slot());
        while (pause.paused() && running) {
            loop.hold();
            Thread.sleep(Math.min(1000, Math.max(10, settings.statusInterval().toMillis())));
        }
        log.info("source {}: resumed", source.name());
        enter(CaptureStatus.Phase.STREAMING, null);
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

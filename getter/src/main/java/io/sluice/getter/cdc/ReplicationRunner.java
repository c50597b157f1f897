package io.sluice.getter.cdc;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Streams the slot on its own thread: decode, assemble, publish, and tell the slot a position only once everything up
 * to it is confirmed by the broker. Any failure closes the session and starts again from the slot's confirmed
 * position, so nothing is lost; what was published but not yet confirmed may be published twice, which the loader's
 * versioned merge absorbs.
 */
public class ReplicationRunner implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReplicationRunner.class);
    private static final int MAX_PENDING_TRANSACTIONS = 10_000;
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    private final CdcProperties properties;
    private final RawBatchPublisher publisher;
    private volatile boolean running;
    private volatile Thread thread;

    ReplicationRunner(CdcProperties properties, RawBatchPublisher publisher) {
        this.properties = properties;
        this.publisher = publisher;
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().name("cdc-" + properties.slot()).start(this::runUntilStopped);
    }

    @Override
    public void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void runUntilStopped() {
        Duration backoff = properties.retryBackoff();
        while (running) {
            try {
                streamOnce();
                backoff = properties.retryBackoff();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                log.warn(
                        "change capture from slot {} failed, retrying in {}: {}",
                        properties.slot(),
                        backoff,
                        e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void streamOnce() throws Exception {
        try (SourceSession session = SourceSession.open(properties)) {
            session.ensurePublicationAndSlot();
            PGReplicationStream stream = session.startStream();
            log.info("streaming slot {} of source {}", properties.slot(), properties.source());
            PgOutputDecoder decoder = new PgOutputDecoder();
            TransactionAssembler assembler = new TransactionAssembler(
                    properties.source(), properties.maxBatchRows(), publisher::publish, session::columns);
            ConfirmedProgress progress = new ConfirmedProgress(MAX_PENDING_TRANSACTIONS);
            long reported = 0;
            while (running) {
                ByteBuffer message = stream.readPending();
                if (message == null) {
                    reported = report(stream, progress, reported);
                    Thread.sleep(5);
                    continue;
                }
                TransactionAssembler.CommittedTransaction committed = assembler.accept(decoder.decode(message));
                if (committed != null) {
                    progress.add(committed);
                    reported = report(stream, progress, reported);
                    progress.awaitRoom();
                }
            }
            report(stream, progress, reported);
            stream.close();
        }
    }

    /** Tells the server the confirmed position when it moved; pgjdbc sends it with the next status update. */
    private static long report(PGReplicationStream stream, ConfirmedProgress progress, long reported) throws Exception {
        long confirmed = progress.advance();
        if (confirmed > reported) {
            LogSequenceNumber lsn = LogSequenceNumber.valueOf(confirmed);
            stream.setFlushedLSN(lsn);
            stream.setAppliedLSN(lsn);
        }
        return Math.max(confirmed, reported);
    }
}

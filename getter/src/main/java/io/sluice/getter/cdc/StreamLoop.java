package io.sluice.getter.cdc;

import io.sluice.common.pg.Lsn;
import java.nio.ByteBuffer;

/**
 * The heart of streaming: decode a message, assemble it into batches, publish, and report to the slot only the
 * position up to which every transaction's batches are confirmed by the broker. The session around it (heartbeats,
 * ad hoc snapshots, repairs, the capture set) is {@link ReplicationRunner}'s.
 */
final class StreamLoop {

    private final WalStream wal;
    private final PgOutputDecoder decoder = new PgOutputDecoder();
    private final TransactionAssembler assembler;
    private final ConfirmedProgress progress;
    private final IdleBackoff idle = new IdleBackoff();
    private Lsn reported = Lsn.INVALID;

    StreamLoop(WalStream wal, TransactionAssembler assembler, int maxPendingTransactions) {
        this.wal = wal;
        this.assembler = assembler;
        this.progress = new ConfirmedProgress(maxPendingTransactions);
    }

    /**
     * One turn: publishes rows whose linger is up, reads at most one message and handles it, and reports what is
     * confirmed. With nothing to read it waits briefly (longer while the source stays idle).
     *
     * @throws IllegalStateException when a transaction's publish failed: the session must end and resume from the slot
     */
    void turn() throws Exception {
        assembler.flushDue();
        ByteBuffer message = wal.readPending();
        if (message == null) {
            report();
            idle.pause();
            return;
        }
        idle.reset();
        TransactionAssembler.CommittedTransaction committed = assembler.accept(decoder.decode(message));
        if (committed != null) {
            progress.add(committed);
            report();
            if (progress.full()) {
                assembler.flushAll(); // the oldest may be waiting for its rows' linger
            }
            progress.awaitRoom();
        }
    }

    /** A pause: publishes what is complete, then only reports confirms and keeps the session alive. */
    void hold() throws Exception {
        if (!assembler.inTransaction()) {
            assembler.flushAll();
        }
        report();
        wal.keepAlive();
    }

    /** The end of a session: what lingers is published (outside a transaction) so its position can be confirmed. */
    void finish() throws Exception {
        if (!assembler.inTransaction()) {
            assembler.flushAll();
        }
        report();
        wal.close();
    }

    /** The position last reported to the slot. */
    Lsn reported() {
        return reported;
    }

    private void report() {
        Lsn confirmed = progress.advance();
        if (confirmed.compareTo(reported) > 0) {
            wal.confirm(confirmed);
            reported = confirmed;
        }
    }
}

package io.sluice.getter.cdc;

import io.sluice.common.pg.Lsn;
import io.sluice.getter.cdc.TransactionAssembler.CommittedTransaction;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Committed transactions in commit order, waiting for their broker confirms. The slot may only be told a position once
 * every transaction up to it is confirmed, so progress advances over the confirmed head of the queue and stops at the
 * first transaction still in flight.
 */
final class ConfirmedProgress {

    private final Deque<CommittedTransaction> pending = new ArrayDeque<>();
    private final int maxPending;
    private Lsn confirmedLsn = Lsn.INVALID;

    ConfirmedProgress(int maxPending) {
        this.maxPending = maxPending;
    }

    void add(CommittedTransaction transaction) {
        pending.addLast(transaction);
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Drops confirmed transactions from the head; rethrows the publish failure of a failed one. */
    Lsn advance() {
        while (!pending.isEmpty() && pending.peekFirst().confirmed().isDone()) {
            CommittedTransaction done = pending.removeFirst();
            try {
                done.confirmed().join();
            } catch (CompletionException e) {
                throw new IllegalStateException(
                        "publishing a transaction failed; resuming from the slot's last confirmed position",
                        e.getCause());
            }
            if (done.endLsn().compareTo(confirmedLsn) > 0) {
                confirmedLsn = done.endLsn();
            }
        }
        return confirmedLsn;
    }

    /** Whether {@link #awaitRoom()} would wait. */
    boolean full() {
        return pending.size() >= maxPending;
    }

    /** Backpressure: when too many transactions await confirms, waits for the oldest before reading more. */
    void awaitRoom() throws InterruptedException {
        while (pending.size() >= maxPending) {
            try {
                pending.peekFirst().confirmed().get(1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                // a failure is rethrown by advance(); a timeout just means waiting longer
            }
            advance();
        }
    }

    Lsn confirmedLsn() {
        return confirmedLsn;
    }
}

package io.sluice.getter.cdc;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How long the stream loop waits when no message is pending: briefly while data is flowing (a fixed sleep there
 * throttles a busy slot to the socket buffer per sleep), longer and longer when the source is idle.
 */
final class IdleBackoff {

    private static final long MIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private long nanos = MIN_NANOS;

    void pause() throws InterruptedException {
        LockSupport.parkNanos(nanos);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        nanos = Math.min(MAX_NANOS, nanos * 2);
    }

    void reset() {
        nanos = MIN_NANOS;
    }
}

package io.sluice.getter.cdc;

import java.time.Instant;

/** What one source's capture is doing, since when, and the last error if it is failing. */
record CaptureStatus(Phase phase, String lastError, Instant since) {

    enum Phase {
        STARTING,
        /** Another getter replica holds the slot; this one takes over when that one's session ends. */
        STANDBY,
        SNAPSHOT,
        STREAMING,
        /** Paused by an operator ({@code sluice pause getter}): the session and the slot are held, nothing is read. */
        PAUSED,
        /** Retrying after a failure (broker, database, privileges). */
        FAILING,
        FINISHED
    }
}

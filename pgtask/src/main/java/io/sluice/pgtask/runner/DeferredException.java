package io.sluice.pgtask.runner;

/** A job could not get a lock within its {@code lock_timeout}: it gave way to the application and runs again later. */
public final class DeferredException extends Exception {

    public DeferredException(String message, Throwable cause) {
        super(message, cause);
    }
}

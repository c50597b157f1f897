package io.sluice.common.batch;

/** A message that is not a valid batch; it can never succeed, so it is dead-lettered rather than retried. */
public class MalformedBatchException extends RuntimeException {

    public MalformedBatchException(String message) {
        super(message);
    }

    public MalformedBatchException(String message, Throwable cause) {
        super(message, cause);
    }
}

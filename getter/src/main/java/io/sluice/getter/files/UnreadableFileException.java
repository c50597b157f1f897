package io.sluice.getter.files;

/** A file's content cannot be read at all (wrong encoding, broken compression, a header without a column): quarantine it. */
final class UnreadableFileException extends RuntimeException {

    UnreadableFileException(String message, Throwable cause) {
        super(message, cause);
    }

    UnreadableFileException(String message) {
        super(message);
    }
}

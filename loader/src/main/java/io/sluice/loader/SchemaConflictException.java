package io.sluice.loader;

/** The target table cannot take a batch as it is (a changed type or key, a missing table): its batches are stopped. */
class SchemaConflictException extends RuntimeException {

    SchemaConflictException(String message) {
        super(message);
    }
}

package io.sluice.common.batch;

/** A batch written in a contract version this build does not read (a newer producer, an older consumer). */
public class UnsupportedBatchVersionException extends MalformedBatchException {

    public UnsupportedBatchVersionException(int version) {
        super("batch contract version v=" + version + " is not supported (this build reads v=" + ChangeBatch.VERSION
                + "): upgrade the consumer or pin the producer");
    }
}

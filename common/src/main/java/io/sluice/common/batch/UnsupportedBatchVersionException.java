package io.sluice.common.batch;

/** A batch written in a contract version this build does not read (a newer producer, an older consumer). */
public class UnsupportedBatchVersionException extends MalformedBatchException {

    public UnsupportedBatchVersionException(int version) {
        super("batch contract version v=" + version + " is not supported (this build reads v=" + ChangeBatch.VERSION
                + "): upgrade the consumer or pin the producer");
    }

    /** A binary body of a layout this build does not read. */
    static UnsupportedBatchVersionException binaryLayout(int layout) {
        return new UnsupportedBatchVersionException("binary batch layout " + layout
                + " is not supported (this build reads layout " + BinaryBatchFormat.LAYOUT
                + "): upgrade the consumer or set sluice.amqp.format=json on the producer");
    }

    private UnsupportedBatchVersionException(String message) {
        super(message);
    }
}

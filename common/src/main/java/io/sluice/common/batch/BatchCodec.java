package io.sluice.common.batch;

import io.sluice.common.pg.TableName;
import java.util.Optional;

/**
 * Reads and writes {@link ChangeBatch}es as the versioned JSON of the contract or in the binary layout of {@link
 * BinaryBatchFormat}; either is read, whichever is written. Batches are the hot path of every stage, and they have one
 * shape: the readers and writers go straight between that shape and the message bytes, with none of a general
 * library's per-token bookkeeping (which cost more than the bytes).
 */
public final class BatchCodec {

    public static final String CONTENT_TYPE = "application/vnd.sluice.batch+json;v=" + ChangeBatch.VERSION;
    public static final String BINARY_CONTENT_TYPE = "application/vnd.sluice.batch+binary;v=1";

    /** How a body is written. */
    public enum Format {
        /** The JSON contract v1: for outside consumers, and what every version of Sluice reads. */
        JSON(CONTENT_TYPE),
        /** Length-prefixed UTF-8 values and varints: no quoting or escapes, smaller, cheaper to write and read. */
        BINARY(BINARY_CONTENT_TYPE);

        private final String contentType;

        Format(String contentType) {
            this.contentType = contentType;
        }

        public String contentType() {
            return contentType;
        }
    }

    /** The source and table a batch names, as read by {@link #identity}. */
    public record Identity(String source, TableName table) {}

    /**
     * The source and table named by the fields that open a batch's body (the start of the body is enough), or empty
     * when they do not come before its columns and rows. A batch names each once (a repeated field is malformed), so
     * what this finds is what a full read finds.
     */
    public Optional<Identity> identity(byte[] start) {
        try {
            return Optional.ofNullable(
                    BinaryBatchFormat.isBinary(start)
                            ? BinaryBatchReader.identity(start)
                            : JsonBatchReader.identity(start));
        } catch (MalformedBatchException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The batch as the JSON contract. */
    public byte[] encode(ChangeBatch batch) {
        return JsonBatchWriter.write(batch);
    }

    public byte[] encode(ChangeBatch batch, Format format) {
        return format == Format.BINARY ? BinaryBatchWriter.write(batch) : JsonBatchWriter.write(batch);
    }

    /**
     * Decodes one message body, JSON or binary (told apart by the body's first bytes, which cannot open the other).
     *
     * @throws UnsupportedBatchVersionException when {@code v} is not a version this build reads
     * @throws MalformedBatchException when the body is not a batch
     */
    public ChangeBatch decode(byte[] body) {
        return decode(body, Long.MAX_VALUE);
    }

    /**
     * Decodes one message body whose rows may take about {@code maxBytes} of memory at most (an estimate that counts
     * each value's object, not only its characters: many tiny values weigh far more in memory than in JSON).
     */
    public ChangeBatch decode(byte[] body, long maxBytes) {
        try {
            return BinaryBatchFormat.isBinary(body)
                    ? BinaryBatchReader.read(body, maxBytes)
                    : JsonBatchReader.read(body, maxBytes);
        } catch (MalformedBatchException e) {
            throw e;
        } catch (IllegalArgumentException e) { // an unknown origin, a bad table name, a row of the wrong width
            throw new MalformedBatchException("not a batch: " + e.getMessage(), e);
        }
    }
}

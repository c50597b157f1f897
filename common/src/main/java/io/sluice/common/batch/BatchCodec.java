package io.sluice.common.batch;

import io.sluice.common.pg.TableName;
import java.util.Optional;

/**
 * Reads and writes {@link ChangeBatch}es as the versioned JSON of DESIGN.md. Batches are the hot path of every stage,
 * and they have one shape: {@link JsonBatchReader} and {@link JsonBatchWriter} go straight between that shape and the
 * message bytes, with none of a general JSON library's per-token bookkeeping (which cost more than the bytes).
 */
public final class BatchCodec {

    public static final String CONTENT_TYPE = "application/vnd.sluice.batch+json;v=" + ChangeBatch.VERSION;

    /** The source and table a batch names, as read by {@link #identity}. */
    public record Identity(String source, TableName table) {}

    /**
     * The source and table named by the fields that open a batch's body (the start of the body is enough), or empty
     * when they do not come before its columns and rows. A batch names each once (a repeated field is malformed), so
     * what this finds is what a full read finds.
     */
    public Optional<Identity> identity(byte[] start) {
        try {
            return Optional.ofNullable(JsonBatchReader.identity(start));
        } catch (MalformedBatchException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public byte[] encode(ChangeBatch batch) {
        return JsonBatchWriter.write(batch);
    }

    /**
     * Decodes one message body.
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
            return JsonBatchReader.read(body, maxBytes);
        } catch (MalformedBatchException e) {
            throw e;
        } catch (IllegalArgumentException e) { // an unknown origin, a bad table name, a row of the wrong width
            throw new MalformedBatchException("not a batch: " + e.getMessage(), e);
        }
    }
}

package io.sluice.common.batch;

/**
 * Reads and writes {@link ChangeBatch}es as the versioned JSON of DESIGN.md. Batches are the hot path of every stage,
 * and they have one shape: {@link JsonBatchReader} and {@link JsonBatchWriter} go straight between that shape and the
 * message bytes, with none of a general JSON library's per-token bookkeeping (which cost more than the bytes).
 */
public final class BatchCodec {

    public static final String CONTENT_TYPE = "application/vnd.sluice.batch+json;v=" + ChangeBatch.VERSION;

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
        try {
            return JsonBatchReader.read(body);
        } catch (MalformedBatchException e) {
            throw e;
        } catch (IllegalArgumentException e) { // an unknown origin, a bad table name, a row of the wrong width
            throw new MalformedBatchException("not a batch: " + e.getMessage(), e);
        }
    }
}

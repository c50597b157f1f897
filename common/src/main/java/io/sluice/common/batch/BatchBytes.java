package io.sluice.common.batch;

import java.util.Arrays;

/** The growing byte array both batch writers write into, sized from the batch so that it seldom grows. */
abstract class BatchBytes {

    protected byte[] buf;
    protected int len;

    protected BatchBytes(int sizeHint) {
        this.buf = new byte[Math.max(256, sizeHint)];
    }

    /** Room for {@code more} bytes at {@code len}. */
    protected final void ensure(long more) {
        if (len + more > buf.length) {
            long wanted = Math.max(len + more, 2L * buf.length);
            if (wanted > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("a batch of more than 2 GB cannot be written; split it");
            }
            buf = Arrays.copyOf(buf, (int) wanted);
        }
    }

    protected final byte[] bytes() {
        return Arrays.copyOf(buf, len);
    }

    /** The usual size of a batch: {@code perRow} and {@code perValue} bytes of framing, and the values' lengths. */
    protected static int sizeHint(ChangeBatch batch, long fixed, int perRow, int perValue) {
        long size = fixed;
        for (Row row : batch.rows()) {
            size += perRow + (long) perValue * row.values().size();
            for (String value : row.values()) {
                size += value == null ? 0 : value.length();
            }
        }
        return (int) Math.min(size + (size >> 4), Integer.MAX_VALUE - 16);
    }
}

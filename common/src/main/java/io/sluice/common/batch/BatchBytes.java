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
            size += perRow + (long) perValue * row.values().size() + Utf8Values.textSize(row.values());
        }
        return (int) Math.min(size + (size >> 4), Integer.MAX_VALUE - 16);
    }

    /** A char of two or three UTF-8 bytes (a lone surrogate takes three, as in CESU/WTF-8) at {@code p}; the end. */
    protected static int utf8(byte[] b, int p, char c) {
        if (c < 0x800) {
            b[p++] = (byte) (0xc0 | (c >> 6));
        } else {
            b[p++] = (byte) (0xe0 | (c >> 12));
            b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        }
        return utf8Last(b, p, c);
    }

    /** A code point beyond the BMP (a surrogate pair's) as four UTF-8 bytes at {@code p}; the end. */
    protected static int utf8(byte[] b, int p, int codePoint) {
        b[p++] = (byte) (0xf0 | (codePoint >> 18));
        b[p++] = (byte) (0x80 | ((codePoint >> 12) & 0x3f));
        b[p++] = (byte) (0x80 | ((codePoint >> 6) & 0x3f));
        return utf8Last(b, p, codePoint);
    }

    private static int utf8Last(byte[] b, int p, int bits) {
        b[p++] = (byte) (0x80 | (bits & 0x3f));
        return p;
    }
}

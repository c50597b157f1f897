package io.sluice.common.batch;

import java.time.Instant;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Writes a {@link ChangeBatch} in the binary layout of {@link BinaryBatchFormat}: values as length-prefixed UTF-8, no
 * quoting and no escapes, numbers as varints, and a CRC-32C at the end.
 */
final class BinaryBatchWriter extends BatchBytes {

    private char[] chars = new char[64];

    private BinaryBatchWriter(int sizeHint) {
        super(sizeHint);
    }

    static byte[] write(ChangeBatch batch) {
        BinaryBatchWriter w =
                new BinaryBatchWriter(sizeHint(batch, 128 + 32 * batch.columns().size(), 24, 2));
        w.ensure(BinaryBatchFormat.MAGIC.length);
        System.arraycopy(BinaryBatchFormat.MAGIC, 0, w.buf, 0, BinaryBatchFormat.MAGIC.length);
        w.len = BinaryBatchFormat.MAGIC.length;
        w.string(batch.source());
        w.string(batch.origin().wireName());
        w.string(batch.table().schema()); // apart: a name may hold dots of its own
        w.string(batch.table().name());
        w.columns(batch.columns());
        w.byte_(batch.isSchemaChange() ? 1 : 0);
        if (batch.isSchemaChange()) {
            w.columns(batch.previousColumns());
        }
        List<Row> rows = batch.rows();
        w.varint(rows.size());
        Instant lastTs = null;
        for (int r = 0, n = rows.size(); r < n; r++) {
            Row row = rows.get(r);
            w.row(row, row.ts() != null && row.ts().equals(lastTs));
            if (row.ts() != null) {
                lastTs = row.ts();
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(w.buf, 0, w.len);
        w.fixed32((int) crc.getValue());
        return w.bytes();
    }

    private void row(Row row, boolean sameTs) {
        int flags = (row.ts() == null ? 0 : BinaryBatchFormat.ROW_TS)
                | (sameTs ? BinaryBatchFormat.ROW_SAME_TS : 0)
                | (row.unchanged().isEmpty() ? 0 : BinaryBatchFormat.ROW_UNCHANGED);
        ensure(2 + 8);
        buf[len++] = (byte) row.op().code();
        buf[len++] = (byte) flags;
        fixed64(row.lsn());
        varint(zigzag(row.seq()));
        if (row.ts() != null && !sameTs) {
            varint(zigzag(row.ts().getEpochSecond()));
            varint(row.ts().getNano());
        }
        List<String> values = row.values();
        varint(values.size());
        if (values instanceof Utf8Values bytes) {
            utf8Values(bytes);
        } else {
            stringValues(values);
        }
        if (!row.unchanged().isEmpty()) {
            varint(row.unchanged().size());
            for (int column : row.unchanged()) {
                varint(column);
            }
        }
    }

    /** Values still in their bytes go across as they are: the layout is their length + 1 and those bytes. */
    private void utf8Values(Utf8Values values) {
        byte[] from = values.array();
        for (int i = 0, m = values.size(); i < m; i++) {
            int length = values.length(i);
            if (length < 0) {
                byte_(0);
            } else {
                varint(length + 1L);
                ensure(length);
                System.arraycopy(from, values.start(i), buf, len, length);
                len += length;
            }
        }
    }

    private void stringValues(List<String> values) {
        for (int i = 0, m = values.size(); i < m; i++) {
            String value = values.get(i);
            if (value == null) {
                byte_(0); // the length prefix is the byte length + 1; 0 is SQL NULL
            } else {
                text(value, 1);
            }
        }
    }

    private void columns(List<Column> columns) {
        varint(columns.size());
        for (Column column : columns) {
            string(column.name());
            string(column.type());
            byte_(column.key() ? 1 : 0);
        }
    }

    private void string(String s) {
        text(s, 0);
    }

    /**
     * A string as its UTF-8 length plus {@code bias}, then its bytes. The length goes first, so a slot of the largest
     * varint the worst case needs is kept and the bytes are moved back over the unused part of it, if any.
     */
    private void text(String s, int bias) {
        int n = s.length();
        long worst = 3L * n + bias;
        int slot = varintSize(worst);
        ensure(slot + 3L * n);
        if (chars.length < n) {
            chars = new char[Math.max(n, 2 * chars.length)];
        }
        char[] text = chars;
        s.getChars(0, n, text, 0); // one bulk copy (an intrinsic) beats charAt, which checks the coder every time
        byte[] b = buf;
        int start = len + slot;
        int p = start;
        for (int i = 0; i < n; i++) {
            char c = text[i];
            if (c < 0x80) {
                b[p++] = (byte) c;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text[i + 1])) {
                p = utf8(b, p, Character.toCodePoint(c, text[++i]));
            } else {
                // A lone surrogate, which UTF-8 has no form for, in three bytes too: the reader takes it back as it
                // was (JSON keeps it as a \\u escape the same way).
                p = utf8(b, p, c);
            }
        }
        int bytes = p - start;
        int size = varintSize(bytes + (long) bias);
        if (size < slot) {
            System.arraycopy(b, start, b, len + size, bytes);
        }
        varint(bytes + (long) bias);
        len += bytes;
    }

    private void byte_(int value) {
        ensure(1);
        buf[len++] = (byte) value;
    }

    private void fixed64(long value) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[len++] = (byte) (value >>> shift);
        }
    }

    private void fixed32(int value) {
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            buf[len++] = (byte) (value >>> shift);
        }
    }

    private void varint(long value) {
        ensure(10);
        while ((value & ~0x7fL) != 0) {
            buf[len++] = (byte) ((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        buf[len++] = (byte) value;
    }

    private static int varintSize(long value) {
        int size = 1;
        while ((value & ~0x7fL) != 0) {
            value >>>= 7;
            size++;
        }
        return size;
    }

    private static long zigzag(long value) {
        return (value << 1) ^ (value >> 63);
    }
}

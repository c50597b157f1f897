package io.sluice.common.batch;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Writes a {@link ChangeBatch} as the contract's JSON straight into one byte array. Every stage encodes every row, and
 * a general generator's per-token bookkeeping (context checks, a char buffer between the string and its bytes) cost
 * more than the bytes themselves: a batch has one fixed shape, so its writer needs none of it.
 */
final class JsonBatchWriter extends BatchBytes {

    /** ASCII characters that go into a JSON string as they are (not a quote, a backslash or a control character). */
    private static final boolean[] PLAIN = new boolean[128];

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    static {
        for (int c = 0x20; c < 128; c++) {
            PLAIN[c] = c != '"' && c != '\\';
        }
    }

    /** 10^0 … 10^18: a number's digits counted by comparison, not by division. */
    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    private char[] chars = new char[64];

    private JsonBatchWriter(int sizeHint) {
        super(sizeHint);
    }

    static byte[] write(ChangeBatch batch) {
        JsonBatchWriter w =
                new JsonBatchWriter(sizeHint(batch, 256 + 48L * batch.columns().size(), 72, 5));
        w.raw("{\"v\":").number(ChangeBatch.VERSION);
        w.raw(",\"source\":").string(batch.source());
        w.raw(",\"origin\":").string(batch.origin().wireName());
        w.raw(",\"table\":").string(batch.table().toString());
        w.raw(",\"columns\":").columns(batch.columns());
        if (batch.isSchemaChange()) {
            // Added within v1: readers that do not know it skip it, as the contract says.
            w.raw(",\"previousColumns\":").columns(batch.previousColumns());
        }
        w.raw(",\"rows\":[");
        List<Row> rows = batch.rows();
        for (int r = 0, n = rows.size(); r < n; r++) {
            w.row(rows.get(r), r == 0);
        }
        w.raw("]}");
        return w.bytes();
    }

    private static final byte[] FIRST_ROW = ascii("{\"op\":\"");
    private static final byte[] NEXT_ROW = ascii(",{\"op\":\"");
    private static final byte[] LSN = ascii("\",\"lsn\":");
    private static final byte[] SEQ = ascii(",\"seq\":");
    private static final byte[] VALUES = ascii(",\"values\":[");
    private static final byte[] NULL = ascii("null");

    /** The last row time and its {@code ,"ts":"…"}: rows of one transaction (or snapshot) share it, format it once. */
    private Instant lastTs;

    private byte[] lastTsBytes;

    private void row(Row row, boolean first) {
        bytes(first ? FIRST_ROW : NEXT_ROW).ascii(row.op().code());
        bytes(LSN).number(row.lsn());
        bytes(SEQ).number(row.seq());
        if (row.ts() != null) {
            if (!row.ts().equals(lastTs)) {
                lastTs = row.ts();
                lastTsBytes = ascii(",\"ts\":\"" + lastTs + "\"");
            }
            bytes(lastTsBytes);
        }
        bytes(VALUES);
        List<String> values = row.values();
        Utf8Values bytes = values instanceof Utf8Values u ? u : null;
        for (int i = 0, m = values.size(); i < m; i++) {
            if (i > 0) {
                ascii(',');
            }
            if (bytes != null) {
                if (bytes.isNull(i)) {
                    bytes(NULL);
                } else {
                    utf8String(bytes.array(), bytes.start(i), bytes.length(i));
                }
                continue;
            }
            String value = values.get(i);
            if (value == null) {
                bytes(NULL);
            } else {
                string(value);
            }
        }
        ascii(']');
        if (!row.unchanged().isEmpty()) {
            raw(",\"unchanged\":[");
            List<Integer> unchanged = row.unchanged();
            for (int i = 0; i < unchanged.size(); i++) {
                raw(i == 0 ? "" : ",").number(unchanged.get(i));
            }
            ascii(']');
        }
        ascii('}');
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private JsonBatchWriter bytes(byte[] ascii) {
        ensure(ascii.length);
        System.arraycopy(ascii, 0, buf, len, ascii.length);
        len += ascii.length;
        return this;
    }

    private JsonBatchWriter columns(List<Column> columns) {
        ascii('[');
        for (int i = 0; i < columns.size(); i++) {
            Column column = columns.get(i);
            raw(i == 0 ? "{\"name\":" : ",{\"name\":").string(column.name());
            raw(",\"type\":").string(column.type());
            raw(column.key() ? ",\"key\":true}" : "}");
        }
        return ascii(']');
    }

    /** Text known to be plain ASCII that needs no escape: the contract's own punctuation and names. */
    private JsonBatchWriter raw(String ascii) {
        int n = ascii.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[len++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    private JsonBatchWriter ascii(char c) {
        ensure(1);
        buf[len++] = (byte) c;
        return this;
    }

    private JsonBatchWriter number(long value) {
        if (value < 0) {
            return raw(Long.toString(value));
        }
        int digits = 1;
        while (digits < POWERS_OF_TEN.length && value >= POWERS_OF_TEN[digits]) {
            digits++;
        }
        ensure(digits);
        for (int at = len + digits - 1; at > len; at--) {
            long rest = value / 10;
            buf[at] = (byte) ('0' + (value - rest * 10));
            value = rest;
        }
        buf[len] = (byte) ('0' + value);
        len += digits;
        return this;
    }

    /** A JSON string: plain ASCII copied, quotes, backslashes and control characters escaped, the rest as UTF-8. */
    private JsonBatchWriter string(String s) {
        int n = s.length();
        ensure(2 + 6L * n); // the worst case: every char a \\u escape
        if (chars.length < n) {
            chars = new char[Math.max(n, 2 * chars.length)];
        }
        // One bulk copy (an intrinsic) beats a charAt per character, which checks the string's coder every time.
        char[] text = chars;
        s.getChars(0, n, text, 0);
        byte[] b = buf;
        int p = len;
        b[p++] = '"';
        for (int i = 0; i < n; i++) {
            char c = text[i];
            if (c < 128 && PLAIN[c]) {
                b[p++] = (byte) c;
            } else if (c < 128) {
                p = escape(b, p, c);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text[i + 1])) {
                p = utf8(b, p, Character.toCodePoint(c, text[++i]));
            } else if (Character.isSurrogate(c)) {
                p = unicodeEscape(b, p, c); // a lone surrogate has no UTF-8 form; the escape keeps it as it was
            } else {
                p = utf8(b, p, c);
            }
        }
        b[p++] = '"';
        len = p;
        return this;
    }

    /**
     * A JSON string from UTF-8 bytes that are still a value's own: the same escapes as {@link #string}, without
     * decoding. Bytes of multi-byte characters go across as they are, except a lone surrogate (three bytes from 0xED
     * 0xA0), which JSON can hold only as a \\u escape.
     */
    private void utf8String(byte[] in, int from, int length) {
        ensure(2 + 6L * length);
        byte[] b = buf;
        int p = len;
        b[p++] = '"';
        for (int i = from, to = from + length; i < to; i++) {
            byte c = in[i];
            if (c >= 0) {
                if (PLAIN[c]) {
                    b[p++] = c;
                } else {
                    p = escape(b, p, (char) c);
                }
            } else if (c == (byte) 0xed && i + 2 < to && (in[i + 1] & 0xff) >= 0xa0) {
                char surrogate = (char) (0xd000 | (in[i + 1] & 0x3f) << 6 | (in[i + 2] & 0x3f));
                p = unicodeEscape(b, p, surrogate);
                i += 2;
            } else {
                b[p++] = c;
            }
        }
        b[p++] = '"';
        len = p;
    }

    private static int escape(byte[] b, int p, char c) {
        char short_ = switch (c) {
            case '"' -> '"';
            case '\\' -> '\\';
            case '\n' -> 'n';
            case '\r' -> 'r';
            case '\t' -> 't';
            case '\b' -> 'b';
            case '\f' -> 'f';
            default -> 0;
        };
        if (short_ == 0) {
            return unicodeEscape(b, p, c);
        }
        b[p++] = '\\';
        b[p++] = (byte) short_;
        return p;
    }

    private static int unicodeEscape(byte[] b, int p, char c) {
        b[p++] = '\\';
        b[p++] = 'u';
        b[p++] = HEX[(c >> 12) & 0xf];
        b[p++] = HEX[(c >> 8) & 0xf];
        b[p++] = HEX[(c >> 4) & 0xf];
        b[p++] = HEX[c & 0xf];
        return p;
    }
}

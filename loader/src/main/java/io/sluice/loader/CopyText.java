package io.sluice.loader;

import io.sluice.common.batch.Utf8Values;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes values in the text format of {@code COPY ... FROM STDIN} — tab-separated, {@code \N} for NULL, escaped —
 * straight into the UTF-8 bytes COPY reads. Building a string first and encoding it at the end copied every value
 * three times, a fifth of the loader's CPU.
 */
final class CopyText {

    private static final byte[] NULL = {'\\', 'N'};
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final byte[] LONG_MIN = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);

    private byte[] out;
    private int size;
    private boolean rowStart = true;

    CopyText(int expectedBytes) {
        out = new byte[Math.max(16, expectedBytes)];
    }

    CopyText value(String value) {
        separate();
        if (value == null) {
            put(NULL, 0, NULL.length);
            return this;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8); // one vectorised copy for the usual ASCII value
        // Most values need no escape: four vectorised searches tell, and the value goes in whole.
        if (value.indexOf('\\') < 0 && value.indexOf('\t') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            put(bytes, 0, bytes.length);
            return this;
        }
        // The specials are ASCII, and no byte of a multi-byte UTF-8 character is below 0x80: a byte scan is exact.
        int run = 0;
        for (int i = 0; i < bytes.length; i++) {
            byte escaped = switch (bytes[i]) {
                case '\\' -> '\\';
                case '\t' -> 't';
                case '\n' -> 'n';
                case '\r' -> 'r';
                default -> 0;
            };
            if (escaped != 0) {
                put(bytes, run, i - run);
                ensure(2);
                out[size++] = '\\';
                out[size++] = escaped;
                run = i + 1;
            }
        }
        put(bytes, run, bytes.length - run);
        return this;
    }

    /**
     * Value {@code index} of values still in their UTF-8 bytes, escaped on the bytes: COPY's specials are ASCII, and no
     * byte of a multi-byte character is below 0x80.
     */
    CopyText value(Utf8Values values, int index) {
        separate();
        int length = values.length(index);
        if (length < 0) {
            put(NULL, 0, NULL.length);
            return this;
        }
        byte[] bytes = values.array();
        int from = values.start(index);
        int to = from + length;
        ensure(2L * length);
        byte[] b = out;
        // Eight bytes at a time up to the first word that may hold a special, copied whole; the rest byte by byte.
        int clean = from;
        while (clean + 8 <= to && !maySpecial((long) LONGS.get(bytes, clean))) {
            clean += 8;
        }
        System.arraycopy(bytes, from, b, size, clean - from);
        int p = size + clean - from;
        for (int i = clean; i < to; i++) {
            byte c = bytes[i];
            if (c > '\\' || c < 0 || !special(c)) {
                b[p++] = c;
                continue;
            }
            b[p++] = '\\';
            b[p++] = switch (c) {
                case '\t' -> 't';
                case '\n' -> 'n';
                case '\r' -> 'r';
                default -> c;
            };
        }
        size = p;
        return this;
    }

    /**
     * Whether any of the 8 bytes is below 0x20 (tab, newline, carriage return among them) or a backslash: the classic
     * "has a byte less than n" and "has a zero byte" word tests, exact as a yes/no (a false yes is only ever next to a
     * true one) and for bytes of multi-byte characters (0x80 and up), which flag nothing.
     */
    private static boolean maySpecial(long word) {
        long backslashes = word ^ 0x5C5C_5C5C_5C5C_5C5CL;
        return ((word - 0x2020_2020_2020_2020L) & ~word & 0x8080_8080_8080_8080L) != 0
                || ((backslashes - 0x0101_0101_0101_0101L) & ~backslashes & 0x8080_8080_8080_8080L) != 0;
    }

    private static boolean special(byte c) {
        return c == '\\' || c == '\t' || c == '\n' || c == '\r';
    }

    /** A number, written digit by digit: no string is made for it. */
    CopyText value(long number) {
        separate();
        if (number == Long.MIN_VALUE) { // the one value whose negation does not fit
            put(LONG_MIN, 0, LONG_MIN.length);
            return this;
        }
        ensure(20);
        if (number < 0) {
            out[size++] = '-';
            number = -number;
        }
        int digits = 1;
        for (long rest = number / 10; rest > 0; rest /= 10) {
            digits++;
        }
        for (int i = size + digits - 1; i >= size; i--) {
            out[i] = (byte) ('0' + number % 10);
            number /= 10;
        }
        size += digits;
        return this;
    }

    /** A one-letter ASCII value such as an op code (not an escape character). */
    CopyText value(char letter) {
        separate();
        ensure(1);
        out[size++] = (byte) letter;
        return this;
    }

    private void separate() {
        if (!rowStart) {
            ensure(1);
            out[size++] = '\t';
        }
        rowStart = false;
    }

    CopyText endRow() {
        ensure(1);
        out[size++] = '\n';
        rowStart = true;
        return this;
    }

    private void put(byte[] bytes, int from, int length) {
        ensure(length);
        System.arraycopy(bytes, from, out, size, length);
        size += length;
    }

    private void ensure(long more) {
        if (size + more > out.length) {
            long wanted = Math.max(out.length * 2L, size + more);
            if (wanted > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("more than 2 GB of COPY text in one batch; send smaller batches");
            }
            out = Arrays.copyOf(out, (int) wanted);
        }
    }

    /** The text for COPY to read, without copying it once more. */
    InputStream stream() {
        return new ByteArrayInputStream(out, 0, size);
    }

    /** The UTF-8 bytes written so far. */
    byte[] utf8() {
        return Arrays.copyOf(out, size);
    }

    @Override
    public String toString() {
        return new String(out, 0, size, StandardCharsets.UTF_8);
    }
}

package io.sluice.common.batch;

import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A row's values kept as the UTF-8 bytes they arrived in (a pgoutput message, a COPY line, a binary body), each decoded
 * to a {@code String} only when something reads it. The writers and the loader's COPY take the bytes as they are, so a
 * value no step touches is never materialised: that copy and decode were most of the getter's and loader's CPU.
 *
 * <p>Read-only, like every row's values; {@code null} is SQL NULL. The bytes are trusted to be UTF-8 (lone surrogates
 * in three bytes, as the writers write them): whoever builds one has checked them or got them from PostgreSQL.
 */
public final class Utf8Values extends AbstractList<String> implements RandomAccess {

    private final byte[] bytes;
    /** Per value its start and its length; a length of -1 is NULL. */
    private final int[] spans;

    private String[] decoded; // filled as values are read; racing readers at worst decode a value twice

    /** Values over {@code bytes}: value {@code i} starts at {@code spans[2i]} and is {@code spans[2i+1]} long. */
    public Utf8Values(byte[] bytes, int[] spans) {
        if ((spans.length & 1) != 0) {
            throw new IllegalArgumentException("spans are pairs of start and length");
        }
        this.bytes = bytes;
        this.spans = spans;
    }

    @Override
    public int size() {
        return spans.length >> 1;
    }

    @Override
    public String get(int index) {
        int length = length(index);
        if (length < 0) {
            return null;
        }
        String[] cache = decoded;
        if (cache == null) {
            cache = new String[size()];
            decoded = cache;
        }
        String value = cache[index];
        if (value == null) {
            int start = spans[2 * index];
            value = decode(bytes, start, start + length);
            cache[index] = value;
        }
        return value;
    }

    public boolean isNull(int index) {
        return length(index) < 0;
    }

    /** The array the values lie in; value {@code i} is {@link #length(int)} bytes from {@link #start(int)}. */
    public byte[] array() {
        return bytes;
    }

    public int start(int index) {
        return spans[2 * index];
    }

    /** The value's length in bytes, -1 for NULL. */
    public int length(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException(index);
        }
        return spans[2 * index + 1];
    }

    /** All values' bytes together, NULLs as 0. */
    public long byteSize() {
        long total = 0;
        for (int i = 1; i < spans.length; i += 2) {
            total += Math.max(0, spans[i]);
        }
        return total;
    }

    /**
     * The size of any row's values for batch bounds and buffer hints: their bytes when they still are bytes (reading
     * them as strings would decode them all), else their characters.
     */
    public static long textSize(java.util.List<String> values) {
        if (values instanceof Utf8Values bytes) {
            return bytes.byteSize();
        }
        long total = 0;
        for (String value : values) {
            total += value == null ? 0 : value.length();
        }
        return total;
    }

    /**
     * The string of valid UTF-8 bytes {@code [from, to)}. ASCII, the usual case, is one copy; a lone surrogate written
     * in three bytes is taken back as it was.
     */
    static String decode(byte[] in, int from, int to) {
        int i = from;
        while (i < to && in[i] >= 0) {
            i++;
        }
        if (i == to) {
            return new String(in, from, to - from, StandardCharsets.ISO_8859_1);
        }
        char[] out = new char[to - from];
        int n = 0;
        for (int k = from; k < i; k++) {
            out[n++] = (char) in[k];
        }
        while (i < to) {
            int b = in[i];
            if (b >= 0) {
                out[n++] = (char) b;
                i++;
                continue;
            }
            int lead = b & 0xff;
            int size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
            int cp = lead & (0x7f >> size);
            for (int k = 1; k < size; k++) {
                cp = cp << 6 | (in[i + k] & 0x3f);
            }
            i += size;
            if (cp >= 0x10000) {
                out[n++] = Character.highSurrogate(cp);
                out[n++] = Character.lowSurrogate(cp);
            } else {
                out[n++] = (char) cp;
            }
        }
        return new String(out, 0, n);
    }

    /**
     * Where bytes {@code [from, to)} stop being UTF-8 (lone surrogates in three bytes allowed), or -1 if they are. The
     * check {@link #decode} relies on.
     */
    static int invalidAt(byte[] in, int from, int to) {
        int i = from;
        while (i < to) {
            if (in[i] >= 0) {
                i++;
                continue;
            }
            int lead = in[i] & 0xff;
            int size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
            if (size == 0 || lead > 0xf4 || i + size > to) {
                return i;
            }
            int cp = lead & (0x7f >> size);
            for (int k = 1; k < size; k++) {
                int next = in[i + k] & 0xff;
                if ((next & 0xc0) != 0x80) {
                    return i;
                }
                cp = cp << 6 | (next & 0x3f);
            }
            if (size == 3 && cp < 0x800 || size == 4 && (cp < 0x10000 || cp > 0x10ffff)) {
                return i;
            }
            i += size;
        }
        return -1;
    }
}

package io.sluice.common.batch;

import io.sluice.common.pg.TableName;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads the binary layout of {@link BinaryBatchFormat}. Any damage is a {@link MalformedBatchException} saying what and
 * at which byte: the checksum catches flipped bits, every length is checked against the bytes left before anything is
 * allocated for it, and the rows' memory is budgeted as for JSON.
 */
final class BinaryBatchReader {

    /** What one value costs in memory beyond its characters: a String, its array, and the reference to it. */
    private static final int VALUE_OVERHEAD_BYTES = 48;
    /** What one row costs beyond its values: the Row, its list and its version. */
    private static final int ROW_OVERHEAD_BYTES = 96;
    /** The fewest bytes a row takes (op, flags, lsn, seq, value count): a count of rows is checked against it. */
    private static final int MIN_ROW_BYTES = 12;

    private final byte[] in;
    private final int end;
    private int pos;
    private long budget;
    private char[] chars = new char[64];

    private BinaryBatchReader(byte[] in, int end, long budget) {
        this.in = in;
        this.end = end;
        this.budget = budget;
    }

    /** The batch; its rows may take about {@code maxBytes} of memory. */
    static ChangeBatch read(byte[] body, long maxBytes) {
        if (body.length < BinaryBatchFormat.MAGIC.length + 4) {
            throw new MalformedBatchException("not a batch: a binary body of " + body.length + " bytes is too short");
        }
        int end = body.length - 4;
        BinaryBatchReader reader = new BinaryBatchReader(body, end, maxBytes);
        reader.magic(); // first: a newer layout is refused as one, whatever its checksum
        CRC32C crc = new CRC32C();
        crc.update(body, 0, end);
        int stored = (body[end] & 0xff) << 24
                | (body[end + 1] & 0xff) << 16
                | (body[end + 2] & 0xff) << 8
                | (body[end + 3] & 0xff);
        if ((int) crc.getValue() != stored) {
            throw new MalformedBatchException(
                    "not a batch: the binary body's checksum does not match (damaged or truncated)");
        }
        ChangeBatch batch = reader.batch();
        if (reader.pos != end) {
            throw reader.malformed("content after the batch");
        }
        return batch;
    }

    /** The source and table at the start of a binary body, or null if the start is too short or damaged. */
    static BatchCodec.Identity identity(byte[] start) {
        try {
            BinaryBatchReader reader = new BinaryBatchReader(start, start.length, Long.MAX_VALUE);
            reader.magic();
            String source = reader.string("source");
            reader.string("origin");
            return new BatchCodec.Identity(source, new TableName(reader.string("schema"), reader.string("table")));
        } catch (MalformedBatchException | IllegalArgumentException e) {
            return null;
        }
    }

    private ChangeBatch batch() {
        String source = string("source");
        Origin origin = Origin.ofWireName(string("origin"));
        TableName table = new TableName(string("schema"), string("table"));
        List<Column> columns = columns();
        List<Column> previous = switch (byte_("the schema-change flag")) {
            case 0 -> null;
            case 1 -> columns();
            default -> throw malformed("the schema-change flag is 0 or 1");
        };
        int count = count("rows", MIN_ROW_BYTES);
        List<Row> rows = new ArrayList<>(count);
        Instant lastTs = null;
        for (int r = 0; r < count; r++) {
            Row row = row(lastTs);
            lastTs = row.ts() != null ? row.ts() : lastTs;
            rows.add(row);
        }
        return new ChangeBatch(source, origin, table, columns, rows, previous);
    }

    private void magic() {
        if (end < BinaryBatchFormat.MAGIC.length || !Arrays.equals(in, 0, 3, BinaryBatchFormat.MAGIC, 0, 3)) {
            throw new MalformedBatchException("not a batch: a binary body opens with 'SLB'");
        }
        if (in[3] != BinaryBatchFormat.LAYOUT) {
            throw UnsupportedBatchVersionException.binaryLayout(in[3] & 0xff);
        }
        pos = BinaryBatchFormat.MAGIC.length;
    }

    private List<Column> columns() {
        int count = count("columns", 3);
        List<Column> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = string("columns[].name");
            String type = string("columns[].type");
            boolean key = switch (byte_("columns[].key")) {
                case 0 -> false;
                case 1 -> true;
                default -> throw malformed("columns[].key is 0 or 1");
            };
            columns.add(new Column(name, type, key));
        }
        return columns;
    }

    private Row row(Instant lastTs) {
        spend(ROW_OVERHEAD_BYTES);
        Op op = Op.ofCode((char) byte_("rows[].op"));
        int flags = byte_("rows[].flags");
        if ((flags & ~7) != 0) {
            throw malformed("unknown row flags " + flags);
        }
        long lsn = fixed64();
        long seq = unzigzag(varint("rows[].seq"));
        Instant ts = null;
        if ((flags & BinaryBatchFormat.ROW_TS) != 0) {
            ts = (flags & BinaryBatchFormat.ROW_SAME_TS) != 0 ? lastTs : time();
            if (ts == null) {
                throw malformed("a row has the same time as the row before, which has none");
            }
        } else if ((flags & BinaryBatchFormat.ROW_SAME_TS) != 0) {
            throw malformed("a row without a time has the same time as the row before");
        }
        int width = count("rows[].values", 1);
        String[] values = new String[width];
        for (int i = 0; i < width; i++) {
            values[i] = value();
        }
        List<Integer> unchanged = List.of();
        if ((flags & BinaryBatchFormat.ROW_UNCHANGED) != 0) {
            int n = count("rows[].unchanged", 1);
            Integer[] positions = new Integer[n];
            for (int i = 0; i < n; i++) {
                long position = varint("rows[].unchanged");
                if (position > Integer.MAX_VALUE) {
                    throw malformed("unchanged holds column positions, not " + position);
                }
                positions[i] = (int) position;
            }
            unchanged = List.of(positions);
        }
        // Nulls are SQL NULLs, so the list must allow them; it is still read-only.
        return new Row(op, lsn, seq, ts, Collections.unmodifiableList(Arrays.asList(values)), unchanged);
    }

    private Instant time() {
        long seconds = unzigzag(varint("rows[].ts"));
        long nanos = varint("rows[].ts nanoseconds");
        if (nanos > 999_999_999) {
            throw malformed("rows[].ts has " + nanos + " nanoseconds");
        }
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException e) {
            throw malformed("rows[].ts " + seconds + " s is not an instant");
        }
    }

    /** A value: null, or its text. */
    private String value() {
        long prefix = varint("a value's length");
        if (prefix == 0) {
            spend(8);
            return null;
        }
        int length = length(prefix - 1, "a value");
        spend(VALUE_OVERHEAD_BYTES + length);
        return text(length);
    }

    private String string(String what) {
        return text(length(varint(what), what));
    }

    /**
     * UTF-8 text of {@code length} bytes. ASCII, the usual case, is one copy; the rest is decoded here, taking back a
     * lone surrogate as the writer wrote it, and refusing anything else that is not UTF-8.
     */
    private String text(int length) {
        int start = pos;
        int stop = start + length;
        int i = start;
        while (i < stop && in[i] >= 0) {
            i++;
        }
        pos = stop;
        if (i == stop) {
            return new String(in, start, length, StandardCharsets.ISO_8859_1);
        }
        if (chars.length < length) {
            chars = new char[Math.max(length, 2 * chars.length)];
        }
        char[] out = chars;
        int n = 0;
        for (int k = start; k < i; k++) {
            out[n++] = (char) in[k];
        }
        while (i < stop) {
            int b = in[i];
            if (b >= 0) {
                out[n++] = (char) b;
                i++;
                continue;
            }
            int lead = b & 0xff;
            int size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
            if (size == 0 || lead > 0xf4 || i + size > stop) {
                throw malformedAt(i, "a value is not UTF-8");
            }
            int cp = lead & (0x7f >> size);
            for (int k = 1; k < size; k++) {
                int next = in[i + k] & 0xff;
                if ((next & 0xc0) != 0x80) {
                    throw malformedAt(i, "a value is not UTF-8");
                }
                cp = cp << 6 | (next & 0x3f);
            }
            if (size == 3 && cp < 0x800 || size == 4 && (cp < 0x10000 || cp > 0x10ffff)) {
                throw malformedAt(i, "a value is not UTF-8 (an overlong or out-of-range sequence)");
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

    /** A count of things of at least {@code minBytes} each, which the bytes left must be able to hold. */
    private int count(String what, int minBytes) {
        long count = varint(what); // the field's name only: a message is built only when it is malformed
        if (count > (end - pos) / Math.max(1, minBytes) && count > 0) {
            throw malformed("a count of " + count + " " + what + " is more than the body holds");
        }
        return (int) count;
    }

    private int length(long length, String what) {
        if (length > end - pos) {
            throw malformed(what + " of " + length + " bytes runs past the end of the body");
        }
        return (int) length;
    }

    private int byte_(String what) {
        if (pos >= end) {
            throw malformed("the body ends before " + what);
        }
        return in[pos++] & 0xff;
    }

    private long fixed64() {
        if (end - pos < 8) {
            throw malformed("the body ends before rows[].lsn");
        }
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (in[pos++] & 0xff);
        }
        return value;
    }

    private long varint(String what) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw malformed("the body ends inside " + what);
            }
            int b = in[pos++];
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw malformed(what + " is not a varint (more than 10 bytes)");
    }

    private static long unzigzag(long value) {
        return (value >>> 1) ^ -(value & 1);
    }

    private void spend(long bytes) {
        budget -= bytes;
        if (budget < 0) {
            throw new MalformedBatchException("the batch's rows would take more memory than a batch may have here"
                    + " (sluice.amqp.max-decompressed-bytes)");
        }
    }

    private MalformedBatchException malformed(String what) {
        return malformedAt(pos, what);
    }

    private static MalformedBatchException malformedAt(int at, String what) {
        return new MalformedBatchException("not a batch: " + what + " (binary body, byte " + at + ")");
    }
}

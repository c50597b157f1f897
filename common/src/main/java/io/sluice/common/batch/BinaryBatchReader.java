package io.sluice.common.batch;

import io.sluice.common.pg.TableName;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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
        int[] spans = new int[2 * width];
        for (int i = 0; i < width; i++) {
            value(spans, i);
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
        // The values stay bytes in the body: a stage decodes only those it reads.
        return new Row(op, lsn, seq, ts, new Utf8Values(in, spans), unchanged);
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

    /** A value, null or checked UTF-8, as its place in the body: {@code spans[2i]} its start, then its length. */
    private void value(int[] spans, int i) {
        long prefix = varint("a value's length");
        if (prefix == 0) {
            spend(8);
            spans[2 * i] = pos;
            spans[2 * i + 1] = -1;
            return;
        }
        int length = length(prefix - 1, "a value");
        spend(VALUE_OVERHEAD_BYTES + length);
        spans[2 * i] = pos;
        spans[2 * i + 1] = length;
        utf8(length);
    }

    private String string(String what) {
        return text(length(varint(what), what));
    }

    /** UTF-8 text of {@code length} bytes, refused if it is not UTF-8. */
    private String text(int length) {
        int start = pos;
        utf8(length);
        return Utf8Values.decode(in, start, pos);
    }

    /** Steps over {@code length} bytes that must be UTF-8 (a lone surrogate as the writer wrote it allowed). */
    private void utf8(int length) {
        int bad = Utf8Values.invalidAt(in, pos, pos + length);
        if (bad >= 0) {
            throw malformedAt(bad, "a value is not UTF-8");
        }
        pos += length;
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

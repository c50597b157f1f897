package io.sluice.common.batch;

import io.sluice.common.pg.TableName;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Reads the contract's JSON straight from the message bytes into a {@link ChangeBatch}, with a {@link JsonScanner}:
 * fields added within v1 are skipped whatever their shape, any JSON a batch can be written as is read (whitespace,
 * escapes, field order), and anything else is a {@link MalformedBatchException} saying what and where.
 */
final class JsonBatchReader {

    private static final byte[][] BATCH_FIELDS =
            JsonScanner.names("v", "source", "origin", "table", "columns", "rows", "previousColumns");
    private static final byte[][] COLUMN_FIELDS = JsonScanner.names("name", "type", "key");
    private static final byte[][] ROW_FIELDS = JsonScanner.names("op", "lsn", "seq", "ts", "values", "unchanged");

    /** What one value costs in memory beyond its characters: a String, its array, and the reference to it. */
    private static final int VALUE_OVERHEAD_BYTES = 48;
    /** What one row costs beyond its values: the Row, its list and its version. */
    private static final int ROW_OVERHEAD_BYTES = 96;

    private final JsonScanner json;
    private long budget;
    private final byte[] in;
    private String[] scratch = new String[16];
    private int[] spans = new int[32];
    private Instant lastTs;
    private int lastTsStart;
    private int lastTsLength;

    private JsonBatchReader(byte[] in, long budget) {
        this.in = in;
        this.json = new JsonScanner(in);
        this.budget = budget;
    }

    /** The batch; its rows may take about {@code maxBytes} of memory. */
    static ChangeBatch read(byte[] body, long maxBytes) {
        JsonBatchReader reader = new JsonBatchReader(body, maxBytes);
        ChangeBatch batch = reader.batch();
        if (!reader.json.atEnd()) {
            throw reader.json.malformed("content after the batch");
        }
        return batch;
    }

    private ChangeBatch batch() {
        if (json.atEnd() || json.peek() != '{') {
            throw new MalformedBatchException("a batch is a JSON object (found " + json.found() + ")");
        }
        Integer version = null;
        String source = null;
        Origin origin = null;
        TableName table = null;
        List<Column> columns = null;
        List<Row> rows = null;
        List<Column> previousColumns = null;
        int seen = 0;
        for (boolean more = json.open('{', '}'); more; more = json.next('}')) {
            int field = json.field(BATCH_FIELDS);
            seen = once(seen, field, BATCH_FIELDS);
            switch (field) {
                case 0 -> {
                    long v = json.number("v is a whole number");
                    if (v != ChangeBatch.VERSION) {
                        throw new UnsupportedBatchVersionException((int) Math.clamp(v, 0, Integer.MAX_VALUE));
                    }
                    version = (int) v;
                }
                case 1 -> source = json.string("source");
                case 2 -> origin = Origin.ofWireName(json.string("origin"));
                case 3 -> table = TableName.parse(json.string("table"));
                case 4 -> columns = columns();
                case 5 -> rows = rows();
                case 6 -> previousColumns = columns();
                default -> json.skipValue(0);
            }
        }
        if (version == null) {
            throw new MalformedBatchException("batch has no contract version 'v'");
        }
        require(source, "source");
        require(origin, "origin");
        require(table, "table");
        require(columns, "columns");
        require(rows, "rows");
        return new ChangeBatch(source, origin, table, columns, rows, previousColumns);
    }

    private List<Column> columns() {
        json.expect('[', "columns is an array");
        List<Column> columns = new ArrayList<>();
        for (boolean more = json.open('[', ']'); more; more = json.next(']')) {
            String name = null;
            String type = null;
            boolean key = false;
            int seen = 0;
            json.expect('{', "a column is an object");
            for (boolean fields = json.open('{', '}'); fields; fields = json.next('}')) {
                int field = json.field(COLUMN_FIELDS);
                seen = once(seen, field, COLUMN_FIELDS);
                switch (field) {
                    case 0 -> name = json.string("columns[].name");
                    case 1 -> type = json.string("columns[].type");
                    case 2 -> key = json.bool("columns[].key");
                    default -> json.skipValue(0);
                }
            }
            require(name, "columns[].name");
            require(type, "columns[].type");
            columns.add(new Column(name, type, key));
        }
        return columns;
    }

    private List<Row> rows() {
        json.expect('[', "rows is an array");
        List<Row> rows = new ArrayList<>();
        for (boolean more = json.open('[', ']'); more; more = json.next(']')) {
            rows.add(row());
        }
        return rows;
    }

    private Row row() {
        json.expect('{', "a row is an object");
        Op op = null;
        long lsn = 0;
        long seq = 0;
        Instant ts = null;
        List<String> values = null;
        List<Integer> unchanged = List.of();
        int seen = 0;
        spend(ROW_OVERHEAD_BYTES);
        for (boolean more = json.open('{', '}'); more; more = json.next('}')) {
            int field = json.field(ROW_FIELDS);
            seen = once(seen, field, ROW_FIELDS);
            switch (field) {
                case 0 -> op = op();
                case 1 -> lsn = json.number("rows[].lsn is a whole number");
                case 2 -> seq = json.number("rows[].seq is a whole number");
                case 3 -> ts = time();
                case 4 -> values = values();
                case 5 -> unchanged = ints();
                default -> json.skipValue(0);
            }
        }
        require(op, "rows[].op");
        require(values, "rows[].values");
        return new Row(op, lsn, seq, ts, values, unchanged);
    }

    /** An op's one letter, read without making a string of it. */
    private Op op() {
        int letter = json.oneLetter();
        return letter < 0 ? Op.ofCode(json.string("rows[].op")) : Op.ofCode((char) letter);
    }

    /**
     * A row's commit time. The rows of a transaction share it: its bytes are compared with the last one's, and only a
     * new time is parsed.
     */
    private Instant time() {
        if (json.peek() == 'n') {
            json.literal("null");
            return null;
        }
        if (lastTs != null && json.skipIfSame(lastTsStart, lastTsLength)) { // quotes included: the same time
            return lastTs;
        }
        int start = json.position();
        String text = json.string("rows[].ts");
        try {
            lastTs = InstantText.instant(text);
        } catch (DateTimeException e) {
            throw new MalformedBatchException("not a batch: rows[].ts '" + text + "' is not an instant", e);
        }
        lastTsStart = start;
        lastTsLength = json.position() - start;
        return lastTs;
    }

    /**
     * A row's values. Where none needs unescaping (the usual case), they stay bytes of the body, decoded only if a stage
     * reads them; otherwise they are strings, as they always were.
     */
    private List<String> values() {
        json.expect('[', "values is an array");
        int n = 0;
        String[] strings = null; // from the first value that cannot stay in place
        for (boolean more = json.open('[', ']'); more; more = json.next(']')) {
            if (2 * n == spans.length) {
                spans = Arrays.copyOf(spans, 4 * n);
                scratch = Arrays.copyOf(scratch, 2 * n);
                strings = strings == null ? null : scratch;
            }
            if (strings == null && json.span(spans, 2 * n)) {
                int length = spans[2 * n + 1];
                spend(length < 0 ? 8 : VALUE_OVERHEAD_BYTES + length);
                n++;
                continue;
            }
            if (strings == null) {
                strings = scratch;
                for (int i = 0; i < n; i++) {
                    int length = spans[2 * i + 1];
                    strings[i] = length < 0 ? null : Utf8Values.decode(in, spans[2 * i], spans[2 * i] + length);
                }
            }
            String value = json.scalar();
            spend(value == null ? 8 : VALUE_OVERHEAD_BYTES + value.length());
            strings[n++] = value;
        }
        if (strings == null) {
            return new Utf8Values(in, Arrays.copyOf(spans, 2 * n));
        }
        // Nulls are SQL NULLs, so the list must allow them; it is still read-only.
        return Collections.unmodifiableList(Arrays.asList(Arrays.copyOf(strings, n)));
    }

    private List<Integer> ints() {
        json.expect('[', "unchanged is an array");
        List<Integer> ints = new ArrayList<>();
        for (boolean more = json.open('[', ']'); more; more = json.next(']')) {
            long position = json.number("unchanged holds column positions");
            if (position < 0 || position > Integer.MAX_VALUE) {
                throw json.malformed("unchanged holds column positions, not " + position);
            }
            ints.add((int) position);
        }
        return ints;
    }

    /**
     * Marks a known field as seen, refusing a second one: JSON parsers disagree on which of two equal keys wins, and a
     * batch that names its table twice could show one name to a reader of its start and another to a full read.
     */
    private int once(int seen, int field, byte[][] names) {
        if (field < 0) {
            return seen;
        }
        if ((seen & (1 << field)) != 0) {
            throw json.malformed("the field '" + new String(names[field], java.nio.charset.StandardCharsets.UTF_8)
                    + "' appears twice");
        }
        return seen | (1 << field);
    }

    private void spend(long bytes) {
        budget -= bytes;
        if (budget < 0) {
            throw new MalformedBatchException("the batch's rows would take more memory than a batch may have here"
                    + " (sluice.amqp.max-decompressed-bytes)");
        }
    }

    /** The source and table of the fields that open a batch, or null if columns or rows come first. */
    static BatchCodec.Identity identity(byte[] start) {
        JsonScanner json = new JsonScanner(start);
        String source = null;
        String table = null;
        int seen = 0;
        json.expect('{', "a batch is a JSON object");
        for (boolean more = json.open('{', '}'); more; more = json.next('}')) {
            int field = json.field(BATCH_FIELDS);
            switch (field) {
                case 1 -> source = json.string("source");
                case 3 -> table = json.string("table");
                case 0, 2 -> json.skipValue(0);
                default -> {
                    return null; // columns, rows or an unknown field: the identity is not all at the start
                }
            }
            if ((seen & (1 << field)) != 0) {
                return null;
            }
            seen |= 1 << field;
            if (source != null && table != null) {
                return new BatchCodec.Identity(source, TableName.parse(table));
            }
        }
        return null;
    }

    private static void require(Object value, String field) {
        if (value == null) {
            throw new MalformedBatchException("batch has no '" + field + "'");
        }
    }
}

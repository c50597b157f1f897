package io.sluice.common.batch;

import io.sluice.common.pg.TableName;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Reads the contract's JSON straight from the message bytes into a {@link ChangeBatch}: an ASCII string without escapes
 * (nearly every value) becomes a {@code String} in one copy, field names are matched as bytes, and fields added within
 * v1 are skipped whatever their shape. Any JSON a batch can be written as is read (whitespace, escapes, field order);
 * anything else is a {@link MalformedBatchException} saying what and where.
 */
final class JsonBatchReader {

    private static final int MAX_DEPTH = 512;
    private static final byte[][] BATCH_FIELDS =
            names("v", "source", "origin", "table", "columns", "rows", "previousColumns");
    private static final byte[][] COLUMN_FIELDS = names("name", "type", "key");
    private static final byte[][] ROW_FIELDS = names("op", "lsn", "seq", "ts", "values", "unchanged");
    private static final byte[][] NO_FIELDS = {};

    private final byte[] in;
    private int pos;
    private String[] scratch = new String[16];
    private Instant lastTs;
    private int lastTsStart;
    private int lastTsLength;

    private JsonBatchReader(byte[] in) {
        this.in = in;
    }

    static ChangeBatch read(byte[] body) {
        JsonBatchReader reader = new JsonBatchReader(body);
        ChangeBatch batch = reader.batch();
        reader.whitespace();
        if (reader.pos < body.length) {
            throw reader.malformed("content after the batch");
        }
        return batch;
    }

    private ChangeBatch batch() {
        whitespace();
        if (peek() != '{') {
            throw new MalformedBatchException("a batch is a JSON object (found " + found() + ")");
        }
        Integer version = null;
        String source = null;
        Origin origin = null;
        TableName table = null;
        List<Column> columns = null;
        List<Row> rows = null;
        List<Column> previousColumns = null;
        for (boolean more = open('{', '}'); more; more = next('}')) {
            switch (field(BATCH_FIELDS)) {
                case 0 -> {
                    long v = number("v is a whole number");
                    if (v != ChangeBatch.VERSION) {
                        throw new UnsupportedBatchVersionException((int) Math.clamp(v, 0, Integer.MAX_VALUE));
                    }
                    version = (int) v;
                }
                case 1 -> source = string("source");
                case 2 -> origin = Origin.ofWireName(string("origin"));
                case 3 -> table = TableName.parse(string("table"));
                case 4 -> columns = columns();
                case 5 -> rows = rows();
                case 6 -> previousColumns = columns();
                default -> skipValue(0);
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
        expectArray("columns is an array");
        List<Column> columns = new ArrayList<>();
        for (boolean more = open('[', ']'); more; more = next(']')) {
            String name = null;
            String type = null;
            boolean key = false;
            expectObject("a column is an object");
            for (boolean fields = open('{', '}'); fields; fields = next('}')) {
                switch (field(COLUMN_FIELDS)) {
                    case 0 -> name = string("columns[].name");
                    case 1 -> type = string("columns[].type");
                    case 2 -> key = bool("columns[].key");
                    default -> skipValue(0);
                }
            }
            require(name, "columns[].name");
            require(type, "columns[].type");
            columns.add(new Column(name, type, key));
        }
        return columns;
    }

    private List<Row> rows() {
        expectArray("rows is an array");
        List<Row> rows = new ArrayList<>();
        for (boolean more = open('[', ']'); more; more = next(']')) {
            rows.add(row());
        }
        return rows;
    }

    private Row row() {
        expectObject("a row is an object");
        Op op = null;
        long lsn = 0;
        long seq = 0;
        Instant ts = null;
        List<String> values = null;
        List<Integer> unchanged = List.of();
        for (boolean more = open('{', '}'); more; more = next('}')) {
            switch (field(ROW_FIELDS)) {
                case 0 -> op = op();
                case 1 -> lsn = number("rows[].lsn is a whole number");
                case 2 -> seq = number("rows[].seq is a whole number");
                case 3 -> ts = time();
                case 4 -> values = values();
                case 5 -> unchanged = ints();
                default -> skipValue(0);
            }
        }
        require(op, "rows[].op");
        require(values, "rows[].values");
        return new Row(op, lsn, seq, ts, values, unchanged);
    }

    /** An op's one letter, read without making a string of it. */
    private Op op() {
        if (pos + 2 < in.length && in[pos] == '"' && in[pos + 2] == '"' && in[pos + 1] > ' ') {
            pos += 3;
            return Op.ofCode((char) in[pos - 2]);
        }
        return Op.ofCode(string("rows[].op"));
    }

    /**
     * A row's commit time. The rows of a transaction share it: its bytes are compared with the last one's, and only a
     * new time is parsed.
     */
    private Instant time() {
        if (peek() == 'n') {
            literal("null");
            return null;
        }
        int start = pos;
        int end = start + lastTsLength; // the same bytes, quotes included, are the same time
        if (lastTs != null
                && end <= in.length
                && Arrays.equals(in, start, end, in, lastTsStart, lastTsStart + lastTsLength)) {
            pos = end;
            return lastTs;
        }
        String text = string("rows[].ts");
        int length = pos - start;
        try {
            lastTs = instant(text);
        } catch (DateTimeException e) {
            throw new MalformedBatchException("not a batch: rows[].ts '" + text + "' is not an instant", e);
        }
        lastTsStart = start;
        lastTsLength = length;
        return lastTs;
    }

    /**
     * {@code Instant.toString()}'s own form ({@code 2026-11-30T10:00:00.123456Z}, what writers of the contract emit)
     * read field by field; anything else goes to {@link Instant#parse}. Its formatter costs a microsecond a time, and
     * the rows of a batch of many small transactions each have their own.
     */
    static Instant instant(String text) {
        int n = text.length();
        if (n < 20 || n == 21 || n > 30 || text.charAt(n - 1) != 'Z' || (n > 20 && text.charAt(19) != '.')) {
            return Instant.parse(text);
        }
        int year = digits(text, 0, 4, '-');
        int month = digits(text, 5, 7, '-');
        int day = digits(text, 8, 10, 'T');
        int hour = digits(text, 11, 13, ':');
        int minute = digits(text, 14, 16, ':');
        int second = digits(text, 17, 19, n == 20 ? 'Z' : '.');
        int fraction = n == 20 ? 0 : digits(text, 20, n - 1, 'Z');
        if (year < 0
                || month < 0
                || day < 0
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59
                || fraction < 0) {
            return Instant.parse(text);
        }
        long seconds = LocalDate.of(year, month, day).toEpochDay() * 86_400 + hour * 3_600L + minute * 60L + second;
        int nanos = fraction;
        for (int i = n - 1 - 20; i < 9 && n > 20; i++) {
            nanos *= 10;
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    /** The number the digits from {@code from} to {@code to} make, followed by {@code then}; -1 if they are not. */
    private static int digits(String text, int from, int to, char then) {
        if (text.charAt(to) != then) {
            return -1;
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private List<String> values() {
        expectArray("values is an array");
        int n = 0;
        for (boolean more = open('[', ']'); more; more = next(']')) {
            if (n == scratch.length) {
                scratch = Arrays.copyOf(scratch, 2 * n);
            }
            scratch[n++] = scalar();
        }
        // Nulls are SQL NULLs, so the list must allow them; it is still read-only.
        return Collections.unmodifiableList(Arrays.asList(Arrays.copyOf(scratch, n)));
    }

    /** A value: a string, null, or (as their text) a number or boolean. */
    private String scalar() {
        byte b = peek();
        if (b == '"') {
            return string();
        }
        if (b == 'n') {
            literal("null");
            return null;
        }
        if (b == 't' || b == 'f') {
            return Boolean.toString(bool("a value"));
        }
        if (b == '-' || (b >= '0' && b <= '9')) {
            int start = pos;
            skipNumber();
            return new String(in, start, pos - start, StandardCharsets.ISO_8859_1);
        }
        throw malformed("values hold text-format strings or null, not " + found());
    }

    private List<Integer> ints() {
        expectArray("unchanged is an array");
        List<Integer> ints = new ArrayList<>();
        for (boolean more = open('[', ']'); more; more = next(']')) {
            long position = number("unchanged holds column positions");
            if (position < 0 || position > Integer.MAX_VALUE) {
                throw malformed("unchanged holds column positions, not " + position);
            }
            ints.add((int) position);
        }
        return ints;
    }

    // --- JSON tokens ---

    /** Consumes the opening bracket; true if a first element follows. */
    private boolean open(char opening, char closing) {
        pos++; // the caller checked it is {@code opening}
        whitespace();
        if (peek() == closing) {
            pos++;
            return false;
        }
        return true;
    }

    /** After an element: true if a comma and another element follow, false at the closing bracket. */
    private boolean next(char closing) {
        whitespace();
        byte b = peek();
        pos++;
        if (b == ',') {
            whitespace();
            return true;
        }
        if (b == closing) {
            return false;
        }
        pos--;
        throw malformed("expected ',' or '" + closing + "'");
    }

    /**
     * Reads a field name and its colon: the name's index among {@code names}, or -1 (the value is then the caller's to
     * skip). The name is compared as bytes: no string is made for it.
     */
    private int field(byte[][] names) {
        if (peek() != '"') {
            throw malformed("expected a field name");
        }
        int start = pos + 1;
        int end = start;
        while (end < in.length && in[end] != '"' && in[end] != '\\') {
            end++;
        }
        int index;
        if (end < in.length && in[end] == '"') {
            pos = end + 1;
            index = indexOf(names, start, end);
        } else {
            byte[] name = string().getBytes(StandardCharsets.UTF_8); // an escaped name: rare
            index = indexOf(names, name);
        }
        colon();
        return index;
    }

    private static int indexOf(byte[][] names, byte[] name) {
        for (int i = 0; i < names.length; i++) {
            if (Arrays.equals(names[i], name)) {
                return i;
            }
        }
        return -1;
    }

    private int indexOf(byte[][] names, int start, int end) {
        int length = end - start;
        for (int i = 0; i < names.length; i++) {
            byte[] name = names[i];
            if (name.length == length && Arrays.equals(in, start, end, name, 0, length)) {
                return i;
            }
        }
        return -1;
    }

    private void colon() {
        whitespace();
        if (peek() != ':') {
            throw malformed("expected ':' after a field name");
        }
        pos++;
        whitespace();
    }

    private String string(String field) {
        if (peek() != '"') {
            throw malformed(field + " is a string, not " + found());
        }
        return string();
    }

    /** A JSON string at {@code pos}: plain ASCII is copied as it is, UTF-8 decoded in one go, escapes one by one. */
    private String string() {
        int start = ++pos;
        boolean ascii = true;
        byte[] b = in;
        for (int i = start; i < b.length; i++) {
            byte c = b[i];
            if (c == '"') {
                pos = i + 1;
                return ascii ? new String(b, start, i - start, StandardCharsets.ISO_8859_1) : utf8(start, i);
            }
            if (c == '\\' || (c >= 0 && c < 0x20)) {
                break;
            }
            ascii &= c >= 0; // a negative byte is part of a multi-byte UTF-8 character
        }
        return decodedString(start);
    }

    /**
     * UTF-8 bytes as text. The JDK's decoder is fast but replaces bad bytes with U+FFFD; only a string holding U+FFFD
     * is decoded again, strictly, to tell a bad byte (an error) from a real U+FFFD.
     */
    private String utf8(int from, int to) {
        String text = new String(in, from, to - from, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') >= 0) {
            try {
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(in, from, to - from));
            } catch (CharacterCodingException e) {
                pos = from;
                throw malformed("a string is not valid UTF-8");
            }
        }
        return text;
    }

    /** The slow path: escapes, UTF-8 beyond ASCII, and the errors a string can have. */
    private String decodedString(int start) {
        StringBuilder out = new StringBuilder();
        int run = start;
        pos = start;
        while (true) {
            if (pos >= in.length) {
                throw malformed("unterminated string");
            }
            byte c = in[pos];
            if (c == '"') {
                appendUtf8(out, run, pos);
                pos++;
                return out.toString();
            }
            if (c >= 0 && c < 0x20) {
                throw malformed("control character in a string (it must be escaped)");
            }
            if (c != '\\') {
                pos++;
                continue;
            }
            appendUtf8(out, run, pos);
            if (pos + 1 >= in.length) {
                throw malformed("unterminated string");
            }
            byte e = in[pos + 1];
            pos += 2;
            switch (e) {
                case '"', '\\', '/' -> out.append((char) e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> out.append(hex4());
                default -> {
                    pos -= 2;
                    throw malformed("unknown escape '\\" + (char) e + "'");
                }
            }
            run = pos;
        }
    }

    private char hex4() {
        if (pos + 4 > in.length) {
            throw malformed("unterminated \\u escape");
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(in[pos + i], 16);
            if (digit < 0) {
                throw malformed("a \\u escape takes four hex digits");
            }
            value = value * 16 + digit;
        }
        pos += 4;
        return (char) value;
    }

    private void appendUtf8(StringBuilder out, int from, int to) {
        if (from < to) {
            out.append(utf8(from, to));
        }
    }

    private long number(String what) {
        byte b = peek();
        if (b != '-' && (b < '0' || b > '9')) {
            throw malformed(what + ", not " + found());
        }
        int start = pos;
        // The usual case in one pass: up to 18 digits (no overflow), then something that does not continue a number.
        long value = 0;
        int i = start;
        while (i < in.length && i - start < 18 && in[i] >= '0' && in[i] <= '9') {
            value = value * 10 + (in[i++] - '0');
        }
        if (i > start && (i == in.length || !continuesNumber(in[i]))) {
            pos = i;
            return value;
        }
        skipNumber();
        try {
            return Long.parseLong(new String(in, start, pos - start, StandardCharsets.ISO_8859_1));
        } catch (NumberFormatException e) {
            pos = start;
            throw malformed(what);
        }
    }

    private static boolean continuesNumber(byte c) {
        return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    }

    private void skipNumber() {
        pos++;
        while (pos < in.length) {
            byte c = in[pos];
            if (continuesNumber(c)) {
                pos++;
            } else {
                break;
            }
        }
    }

    private boolean bool(String what) {
        if (peek() == 't') {
            literal("true");
            return true;
        }
        if (peek() == 'f') {
            literal("false");
            return false;
        }
        throw malformed(what + " is true or false, not " + found());
    }

    private void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (pos + i >= in.length || in[pos + i] != word.charAt(i)) {
                throw malformed("expected " + word);
            }
        }
        pos += word.length();
    }

    /** Skips a value of any shape: fields added within v1 are ignored by older readers. */
    private void skipValue(int depth) {
        if (depth > MAX_DEPTH) {
            throw malformed("nested deeper than " + MAX_DEPTH);
        }
        switch (peek()) {
            case '"' -> string();
            case '{' -> {
                for (boolean more = open('{', '}'); more; more = next('}')) {
                    field(NO_FIELDS);
                    skipValue(depth + 1);
                }
            }
            case '[' -> {
                for (boolean more = open('[', ']'); more; more = next(']')) {
                    skipValue(depth + 1);
                }
            }
            case 't', 'f' -> bool("a value");
            case 'n' -> literal("null");
            default -> {
                if (peek() != '-' && (peek() < '0' || peek() > '9')) {
                    throw malformed("expected a value, not " + found());
                }
                skipNumber();
            }
        }
    }

    private void expectArray(String what) {
        if (peek() != '[') {
            throw malformed(what + " (found " + found() + ")");
        }
    }

    private void expectObject(String what) {
        if (peek() != '{') {
            throw malformed(what + " (found " + found() + ")");
        }
    }

    private void whitespace() {
        while (pos < in.length && (in[pos] == ' ' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\t')) {
            pos++;
        }
    }

    private byte peek() {
        if (pos >= in.length) {
            throw malformed("unexpected end of input");
        }
        return in[pos];
    }

    private String found() {
        if (pos >= in.length) {
            return "the end of input";
        }
        return switch (in[pos]) {
            case '{' -> "an object";
            case '[' -> "an array";
            case '"' -> "a string";
            case 'n' -> "null";
            case 't', 'f' -> "a boolean";
            default -> in[pos] == '-' || (in[pos] >= '0' && in[pos] <= '9') ? "a number" : "'" + (char) in[pos] + "'";
        };
    }

    private MalformedBatchException malformed(String what) {
        return new MalformedBatchException("not a batch: " + what + " at byte " + pos);
    }

    private static void require(Object value, String field) {
        if (value == null) {
            throw new MalformedBatchException("batch has no '" + field + "'");
        }
    }

    private static byte[][] names(String... names) {
        return Arrays.stream(names)
                .map(n -> n.getBytes(StandardCharsets.US_ASCII))
                .toArray(byte[][]::new);
    }
}

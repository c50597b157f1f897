package io.sluice.common.batch;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The JSON tokens of a message body, read in place: an ASCII string without escapes becomes a {@code String} in one
 * copy, field names are matched as bytes, values of any shape can be skipped, and every error says what and at which
 * byte.
 */
final class JsonScanner {

    private static final int MAX_DEPTH = 512;
    private static final byte[][] NO_FIELDS = {};

    private final byte[] in;
    private int pos;

    JsonScanner(byte[] in) {
        this.in = in;
    }

    /** Whether all the input has been read, but for whitespace. */
    boolean atEnd() {
        whitespace();
        return pos >= in.length;
    }

    /** A string of one ASCII letter (an op code), read without making a string of it; -1 if the next value is not. */
    int oneLetter() {
        if (pos + 2 < in.length && in[pos] == '"' && in[pos + 2] == '"' && in[pos + 1] > ' ') {
            pos += 3;
            return in[pos - 2];
        }
        return -1;
    }

    /** The position of the next token, to compare what follows with {@link #skipIfSame}. */
    int position() {
        return pos;
    }

    /** Skips the next {@code length} bytes if they are the same as those at {@code start}; whether it did. */
    boolean skipIfSame(int start, int length) {
        int end = pos + length;
        if (length > 0 && end <= in.length && Arrays.equals(in, pos, end, in, start, start + length)) {
            pos = end;
            return true;
        }
        return false;
    }

    /**
     * A value that can stay where it is, recorded as {@code spans[at]} its start and {@code spans[at + 1]} its length
     * (-1 for null): a string without escapes, or null. Anything else is left unread for {@link #scalar}, and false
     * returned.
     */
    boolean span(int[] spans, int at) {
        byte b = peek();
        if (b == 'n') {
            spans[at] = pos;
            spans[at + 1] = -1;
            literal("null");
            return true;
        }
        if (b != '"') {
            return false;
        }
        int start = pos + 1;
        boolean ascii = true;
        byte[] bytes = in;
        for (int i = start; i < bytes.length; i++) {
            byte c = bytes[i];
            if (c == '"') {
                if (!ascii) {
                    strictUtf8(start, i);
                }
                spans[at] = start;
                spans[at + 1] = i - start;
                pos = i + 1;
                return true;
            }
            if (c == '\\' || (c >= 0 && c < 0x20)) {
                return false;
            }
            ascii &= c >= 0;
        }
        return false; // unterminated: scalar() says so
    }

    /** Refuses bytes that are not UTF-8; a surrogate's own bytes are not UTF-8 either (JSON escapes them). */
    private void strictUtf8(int from, int to) {
        int bad = Utf8Values.invalidAt(in, from, to);
        for (int i = from; bad < 0 && i + 1 < to; i++) {
            if (in[i] == (byte) 0xed && (in[i + 1] & 0xff) >= 0xa0) {
                bad = i;
            }
        }
        if (bad >= 0) {
            pos = bad;
            throw malformed("a string is not valid UTF-8");
        }
    }

    /** A value: a string, null, or (as their text) a number or boolean. */
    String scalar() {
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
        if (startsNumber(b)) {
            int start = pos;
            skipNumber();
            return new String(in, start, pos - start, StandardCharsets.ISO_8859_1);
        }
        throw malformed("values hold text-format strings or null, not " + found());
    }

    /** Consumes the opening bracket; true if a first element follows. */
    boolean open(char opening, char closing) {
        if (peek() != opening) {
            throw malformed("expected '" + opening + "', not " + found());
        }
        pos++;
        whitespace();
        if (peek() == closing) {
            pos++;
            return false;
        }
        return true;
    }

    /** After an element: true if a comma and another element follow, false at the closing bracket. */
    boolean next(char closing) {
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
    int field(byte[][] names) {
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

    String string(String field) {
        if (peek() != '"') {
            throw malformed(field + " is a string, not " + found());
        }
        return string();
    }

    /** A JSON string at {@code pos}: plain ASCII is copied as it is, UTF-8 decoded in one go, escapes one by one. */
    String string() {
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

    long number(String what) {
        if (!startsNumber(peek())) {
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

    private static boolean startsNumber(byte c) {
        return c == '-' || (c >= '0' && c <= '9');
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

    boolean bool(String what) {
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

    void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (pos + i >= in.length || in[pos + i] != word.charAt(i)) {
                throw malformed("expected " + word);
            }
        }
        pos += word.length();
    }

    /** Skips a value of any shape: fields added within v1 are ignored by older readers. */
    void skipValue(int depth) {
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
                if (!startsNumber(peek())) {
                    throw malformed("expected a value, not " + found());
                }
                skipNumber();
            }
        }
    }

    /** Checks that the next token opens with {@code opening}, saying {@code what} the contract wants if not. */
    void expect(char opening, String what) {
        if (peek() != opening) {
            throw malformed(what + " (found " + found() + ")");
        }
    }

    private void whitespace() {
        while (pos < in.length && (in[pos] == ' ' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\t')) {
            pos++;
        }
    }

    byte peek() {
        if (pos >= in.length) {
            throw malformed("unexpected end of input");
        }
        return in[pos];
    }

    String found() {
        if (pos >= in.length) {
            return "the end of input";
        }
        return switch (in[pos]) {
            case '{' -> "an object";
            case '[' -> "an array";
            case '"' -> "a string";
            case 'n' -> "null";
            case 't', 'f' -> "a boolean";
            default -> startsNumber(in[pos]) ? "a number" : "'" + (char) in[pos] + "'";
        };
    }

    MalformedBatchException malformed(String what) {
        return new MalformedBatchException("not a batch: " + what + " at byte " + pos);
    }

    static byte[][] names(String... names) {
        return Arrays.stream(names)
                .map(n -> n.getBytes(StandardCharsets.US_ASCII))
                .toArray(byte[][]::new);
    }
}

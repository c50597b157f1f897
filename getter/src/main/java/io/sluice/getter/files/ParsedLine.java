package io.sluice.getter.files;

import java.util.List;

/**
 * One record of a file: its number (1-based, after any header; a CSV record with quoted line breaks is still one), and
 * its values in the target's column order — or, for a line that cannot be read, why, and its text for the dead letter.
 */
public record ParsedLine(long number, List<String> values, String error, String raw) {

    static ParsedLine ok(long number, List<String> values) {
        return new ParsedLine(number, values, null, null);
    }

    static ParsedLine bad(long number, String error, String raw) {
        return new ParsedLine(number, null, error, raw);
    }

    public boolean isBad() {
        return error != null;
    }
}

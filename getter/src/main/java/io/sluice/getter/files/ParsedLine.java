package io.sluice.getter.files;

import java.util.List;

/**
 * One record of a file: its number (1-based; a CSV record with quoted line breaks is still one), and its values in
 * the target's column order — or, for a line that cannot be read, why.
 */
record ParsedLine(long number, List<String> values, String error) {

    static ParsedLine ok(long number, List<String> values) {
        return new ParsedLine(number, values, null);
    }

    static ParsedLine bad(long number, String error) {
        return new ParsedLine(number, null, error);
    }

    boolean isBad() {
        return error != null;
    }
}

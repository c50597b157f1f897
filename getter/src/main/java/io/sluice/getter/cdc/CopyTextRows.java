package io.sluice.getter.cdc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits one row of {@code COPY ... TO STDOUT} text format into its values, undoing COPY's backslash escapes; the
 * values are then exactly the types' text output, the same form pgoutput sends.
 */
final class CopyTextRows {

    private CopyTextRows() {}

    static String[] parse(byte[] line, int columns) {
        String[] values = new String[columns];
        int end = line.length;
        if (end > 0 && line[end - 1] == '\n') {
            end--;
        }
        int column = 0;
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (i == end || line[i] == '\t') {
                if (column >= columns) {
                    throw new IllegalStateException("COPY row has more than " + columns + " values");
                }
                values[column++] = field(line, start, i);
                start = i + 1;
            }
        }
        if (column != columns) {
            throw new IllegalStateException("COPY row has " + column + " values, expected " + columns);
        }
        return values;
    }

    private static String field(byte[] line, int from, int to) {
        if (to - from == 2 && line[from] == '\\' && line[from + 1] == 'N') {
            return null;
        }
        int backslash = -1;
        for (int i = from; i < to; i++) {
            if (line[i] == '\\') {
                backslash = i;
                break;
            }
        }
        if (backslash < 0) {
            return new String(line, from, to - from, StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        out.write(line, from, backslash - from);
        for (int i = backslash; i < to; i++) {
            byte b = line[i];
            if (b != '\\' || i + 1 == to) {
                out.write(b);
                continue;
            }
            byte next = line[++i];
            switch (next) {
                case 'b' -> out.write('\b');
                case 'f' -> out.write('\f');
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case 'v' -> out.write(0x0B);
                default -> out.write(next); // \\ and any other escaped character stand for themselves
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}

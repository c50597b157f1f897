package io.sluice.getter.cdc;

import io.sluice.common.batch.Utf8Values;

/**
 * Splits one row of {@code COPY ... TO STDOUT} text format into its values, undoing COPY's backslash escapes; the
 * values are then exactly the types' text output, the same form pgoutput sends. They stay bytes: in the line itself
 * when it has no escape (the usual case), else in one unescaped copy of it.
 */
final class CopyTextRows {

    private CopyTextRows() {}

    static Utf8Values parse(byte[] line, int columns) {
        int end = line.length;
        if (end > 0 && line[end - 1] == '\n') {
            end--;
        }
        byte[] bytes = hasEscape(line, end) ? new byte[end] : line; // unescaping only shortens
        int[] spans = new int[2 * columns];
        int column = 0;
        int start = 0;
        int out = 0; // where the next value goes in an unescaped copy
        for (int i = 0; i <= end; i++) {
            if (i == end || line[i] == '\t') {
                if (column >= columns) {
                    throw new IllegalStateException("COPY row has more than " + columns + " values");
                }
                if (i - start == 2 && line[start] == '\\' && line[start + 1] == 'N') {
                    spans[2 * column] = out;
                    spans[2 * column + 1] = -1;
                } else if (bytes == line) {
                    spans[2 * column] = start;
                    spans[2 * column + 1] = i - start;
                } else {
                    int from = out;
                    out = unescape(line, start, i, bytes, out);
                    spans[2 * column] = from;
                    spans[2 * column + 1] = out - from;
                }
                column++;
                start = i + 1;
            }
        }
        if (column != columns) {
            throw new IllegalStateException("COPY row has " + column + " values, expected " + columns);
        }
        return new Utf8Values(bytes, spans);
    }

    /** Whether a backslash in the line is an escape, not the whole of a NULL ({@code \\N} alone in its field). */
    private static boolean hasEscape(byte[] line, int end) {
        for (int i = 0; i < end; i++) {
            if (line[i] == '\\') {
                boolean nullField = (i == 0 || line[i - 1] == '\t')
                        && i + 1 < end
                        && line[i + 1] == 'N'
                        && (i + 2 == end || line[i + 2] == '\t');
                if (!nullField) {
                    return true;
                }
                i++;
            }
        }
        return false;
    }

    /** Copies {@code line[from, to)} into {@code out} at {@code at} with COPY's escapes undone; returns the end. */
    private static int unescape(byte[] line, int from, int to, byte[] out, int at) {
        for (int i = from; i < to; i++) {
            byte b = line[i];
            if (b != '\\' || i + 1 == to) {
                out[at++] = b;
                continue;
            }
            byte next = line[++i];
            out[at++] = switch (next) {
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'v' -> 0x0B;
                default -> next; // \\ and any other escaped character stand for themselves
            };
        }
        return at;
    }
}

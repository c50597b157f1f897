package io.sluice.getter.cdc;

import io.sluice.common.pg.TableName;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * A filtered snapshot's row filter ({@code sluice snapshot … --where}): one SQL condition on the table, checked to be
 * exactly one parenthesised expression (no statement separator, no comment, no parenthesis closing what it did not
 * open, outside quotes) before PostgreSQL is asked whether it plans, so that it can only narrow the rows a snapshot
 * reads and never escape the query it is put into.
 */
record RowFilter(String sql) {

    static final int MAX_LENGTH = 4000;

    /** The filter as given, or {@link IllegalArgumentException} saying what is wrong with it. */
    static RowFilter parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the row filter is empty: give an SQL condition such as \"id > 100\"");
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the row filter is longer than " + MAX_LENGTH + " characters");
        }
        int depth = 0;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\'') {
                i = endOfString(text, i, escapesBackslash(text, i));
            } else if (c == '"') {
                i = endOfQuoted(text, i, '"');
            } else if (c == '$' && dollarTag(text, i) != null) {
                String tag = dollarTag(text, i);
                int end = text.indexOf(tag, i + tag.length());
                if (end < 0) {
                    throw new IllegalArgumentException("the row filter has an unterminated " + tag + " string");
                }
                i = end + tag.length();
            } else if (text.startsWith("--", i) || text.startsWith("/*", i)) {
                throw new IllegalArgumentException("the row filter may not hold comments");
            } else if (c == ';') {
                throw new IllegalArgumentException("the row filter is one condition: it may not hold ';'");
            } else {
                if (c == '(') {
                    depth++;
                } else if (c == ')' && --depth < 0) {
                    throw new IllegalArgumentException("the row filter closes a parenthesis it did not open");
                }
                i++;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("the row filter leaves a parenthesis open");
        }
        return new RowFilter(text.strip());
    }

    /** This filter ANDed with another condition (a chunk's page range). */
    String and(String condition) {
        return condition + " AND (" + sql + ")";
    }

    /**
     * Why this filter cannot narrow a snapshot of the table on this source, or null when it can. The source plans it
     * (EXPLAIN runs nothing), so that an unknown column, a type error or a syntax error is the requester's answer and
     * not a snapshot that fails over and over; and a keyless table is refused, because its snapshot replaces every row
     * the target has and so must read them all.
     */
    String refusal(Connection connection, TableName table, List<String> excluded) throws SQLException {
        try {
            parse(sql);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (Snapshotter.isKeyless(TableSnapshotReader.columns(connection, table, excluded))) {
            return table + " has no key: its snapshot replaces every row the target has, so it is read whole"
                    + " (leave out the row filter)";
        }
        try (Statement explain = connection.createStatement()) {
            explain.execute("EXPLAIN SELECT 1 FROM " + table.quoted() + " WHERE " + and("true"));
            return null;
        } catch (SQLException e) {
            String message = e.getMessage().lines().findFirst().orElse(e.getMessage());
            return "the source refuses the row filter: " + message + " (SQLSTATE " + e.getSQLState() + ")";
        }
    }

    private static boolean escapesBackslash(String text, int quote) {
        return quote > 0
                && (text.charAt(quote - 1) == 'e' || text.charAt(quote - 1) == 'E')
                && (quote == 1 || !Character.isLetterOrDigit(text.charAt(quote - 2)) && text.charAt(quote - 2) != '_');
    }

    private static int endOfString(String text, int start, boolean backslash) {
        int i = start + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (backslash && c == '\\') {
                i += 2;
            } else if (c == '\'') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        throw new IllegalArgumentException("the row filter has an unterminated string");
    }

    private static int endOfQuoted(String text, int start, char quote) {
        int i = start + 1;
        while (i < text.length()) {
            if (text.charAt(i) == quote) {
                if (i + 1 < text.length() && text.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        throw new IllegalArgumentException("the row filter has an unterminated quoted name");
    }

    /** The {@code $tag$} opening a dollar-quoted string at {@code i}, or null where the {@code $} is not one. */
    private static String dollarTag(String text, int i) {
        if (i > 0 && (Character.isLetterOrDigit(text.charAt(i - 1)) || text.charAt(i - 1) == '_')) {
            return null; // part of a name such as a$b
        }
        int j = i + 1;
        while (j < text.length()
                && (Character.isLetter(text.charAt(j))
                        || text.charAt(j) == '_'
                        || j > i + 1 && Character.isDigit(text.charAt(j)))) {
            j++;
        }
        return j < text.length() && text.charAt(j) == '$' ? text.substring(i, j + 1) : null;
    }
}

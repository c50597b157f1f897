package io.sluice.common.pg;

import java.util.regex.Pattern;

/**
 * Statement text made safe to store and show: pg_stat_statements keeps the literal text of utility statements
 * ({@code ALTER ROLE … PASSWORD '…'}, {@code CREATE USER MAPPING … OPTIONS (password '…')}) and of statements it could
 * not normalise. Every string literal, dollar-quoted string and number becomes a placeholder, and a password clause
 * goes whole, so no secret or value of the application's data leaves the database through Sluice.
 */
public final class QueryText {

    private static final Pattern PASSWORD = Pattern.compile(
            "(?is)\\b(password|passwd|secret|token)\\b\\s*(=\\s*)?(E?'(?:[^']|'')*'|\\$[^$]*\\$.*?\\$[^$]*\\$)?");
    /** An escape string ({@code E'…'}, where a backslash escapes a quote), or any other string literal. */
    private static final Pattern STRING = Pattern.compile(
            "(?s)(?<![A-Za-z0-9_$])[Ee]'(?:[^'\\\\]|\\\\.|'')*'?|(?:(?<![A-Za-z0-9_$])(?:[BbXxNn]|[Uu]&))?'(?:[^']|'')*'?");

    private static final Pattern DOLLAR = Pattern.compile("(?s)\\$([A-Za-z_][A-Za-z_0-9]*)?\\$.*?(\\$\\1\\$|$)");
    private static final Pattern NUMBER = Pattern.compile("(?<![A-Za-z_0-9$.])-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?\\b");

    private QueryText() {}

    /** The text with secrets removed and literals replaced by {@code ?}. */
    public static String redact(String query) {
        if (query == null) {
            return null;
        }
        String text = PASSWORD.matcher(query).replaceAll("$1 ***");
        text = DOLLAR.matcher(text).replaceAll("?");
        text = STRING.matcher(text).replaceAll("?");
        return NUMBER.matcher(text).replaceAll("?");
    }
}

package io.sluice.common.pg;

/** The one place where PostgreSQL identifiers are quoted: every name that reaches SQL passes through here. */
public final class Identifiers {

    private Identifiers() {}

    /** Quotes one identifier the way {@code quote_ident} would, always, so case and keywords survive. */
    public static String quote(String identifier) {
        if (identifier == null || identifier.isEmpty()) {
            throw new IllegalArgumentException("an identifier must not be empty");
        }
        if (identifier.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an identifier must not contain NUL: " + identifier);
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** The longest identifier PostgreSQL keeps whole (NAMEDATALEN - 1); a longer one it would silently truncate. */
    public static final int MAX_BYTES = 63;

    /**
     * Null if {@code name} can be an identifier exactly as written, else why not: empty, holding NUL, or longer than
     * {@value #MAX_BYTES} bytes in UTF-8 — PostgreSQL truncates such a name, so two long names that share a prefix
     * would become one.
     */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "is empty";
        }
        if (name.indexOf('\0') >= 0) {
            return "contains NUL";
        }
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            return "is " + bytes + " bytes long, over PostgreSQL's " + MAX_BYTES;
        }
        return null;
    }

    /** Quotes a schema-qualified name. */
    public static String quote(String schema, String name) {
        return quote(schema) + '.' + quote(name);
    }

    /** Quotes a string literal for the few statements (replication commands) that cannot take parameters. */
    public static String literal(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a literal must not contain NUL");
        }
        return '\'' + value.replace("'", "''") + '\'';
    }
}

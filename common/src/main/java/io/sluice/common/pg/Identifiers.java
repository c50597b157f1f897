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

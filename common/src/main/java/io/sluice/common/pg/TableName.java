package io.sluice.common.pg;

import java.util.List;
import java.util.Objects;

/** A schema-qualified table name; its text form {@code schema.table} is what batches and routing keys carry. */
public record TableName(String schema, String name) {

    public TableName {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
        if (schema.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("schema and table must not be empty");
        }
    }

    /**
     * The configuration patterns that may name this table, most specific first: {@code schema.table},
     * {@code schema.*}, {@code *} — the order every per-table setting (pipelines, table rules, sink options) is looked
     * up in.
     */
    public List<String> patterns() {
        return List.of(toString(), schema + ".*", "*");
    }

    /** Parses {@code schema.table}; a name without a schema is in {@code public}. Dots inside names are not supported. */
    public static TableName parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a table name must not be empty");
        }
        int dot = text.indexOf('.');
        if (dot < 0) {
            return new TableName("public", text);
        }
        if (text.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException("a table name is schema.table, with one dot: " + text);
        }
        return new TableName(text.substring(0, dot), text.substring(dot + 1));
    }

    /** The name quoted for SQL. */
    public String quoted() {
        return Identifiers.quote(schema, name);
    }

    @Override
    public String toString() {
        return schema + '.' + name;
    }
}

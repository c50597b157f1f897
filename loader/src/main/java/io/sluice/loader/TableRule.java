package io.sluice.loader;

import java.util.Map;

/**
 * How the loader writes one source table (or a pattern of them); every field may be left out.
 *
 * @param target the target table, {@code schema.table}; by default the source's name
 * @param mode upsert (latest row per key), append (every change as a new row), history (every version, with
 *     valid-from/valid-to) or multiset (a keyless table's rows, duplicates kept); by default upsert for tables with a
 *     key, multiset for captured tables without one and append for files without one
 * @param deletes hard (the row goes) or soft ({@code _sluice_deleted} is set); both keep the delete's version
 * @param columns source column name → target column name
 * @param truncate apply the source's TRUNCATE to the target (off by default: a warehouse often keeps more)
 * @param distributeBy for Citus targets: the distribution column of a table the loader creates
 */
public record TableRule(
        String target,
        WriteMode mode,
        DeleteMode deletes,
        Map<String, String> columns,
        Boolean truncate,
        String distributeBy) {

    /** How rows reach the target table. */
    public enum WriteMode {
        UPSERT,
        APPEND,
        HISTORY,
        MULTISET
    }

    /** What a source delete does to the target row. */
    public enum DeleteMode {
        HARD,
        SOFT
    }

    public TableRule {
        columns = columns == null ? Map.of() : Map.copyOf(columns);
    }

    /** This rule's fields where set, else the other's: a table's own rule over its schema's over {@code *}. */
    TableRule over(TableRule other) {
        Map<String, String> merged = new java.util.HashMap<>(other.columns);
        merged.putAll(columns);
        return new TableRule(
                target != null ? target : other.target,
                mode != null ? mode : other.mode,
                deletes != null ? deletes : other.deletes,
                merged,
                truncate != null ? truncate : other.truncate,
                distributeBy != null ? distributeBy : other.distributeBy);
    }

    static TableRule none() {
        return new TableRule(null, null, null, Map.of(), null, null);
    }
}

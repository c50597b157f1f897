package io.sluice.loader;

import io.sluice.common.pg.TableName;
import io.sluice.common.pg.TablePattern;
import java.util.List;

/**
 * The tables this loader may write: those matching its allowed patterns, and never one in Sluice's own state schema
 * or in a system schema, whatever the patterns say. A batch for any other table is refused with the reason, so that
 * whoever can publish to the broker cannot make the loader write where it was not asked to.
 */
final class TargetAllowList {

    /** Sluice's state schema (snapshot progress, the file ledger, tombstones, the target registry). */
    static final String STATE_SCHEMA = "sluice";

    private final List<TablePattern> allowed;

    TargetAllowList(List<TablePattern> allowed) {
        if (allowed.isEmpty()) {
            throw new IllegalArgumentException("the loader needs at least one allowed target pattern");
        }
        this.allowed = List.copyOf(allowed);
    }

    /** Why {@code target} must not be written, or null if it may. */
    String refusal(TableName target) {
        if (isReserved(target.schema())) {
            return target + " is in " + target.schema() + ", which the loader never writes";
        }
        for (TablePattern pattern : allowed) {
            if (pattern.matches(target)) {
                return null;
            }
        }
        return target + " is not an allowed target (sluice.loader.allowed-targets: " + allowed + ")";
    }

    /** Sluice's state schema and PostgreSQL's own (every {@code pg_*} schema and {@code information_schema}). */
    static boolean isReserved(String schema) {
        return schema.equals(STATE_SCHEMA) || schema.equals("information_schema") || schema.startsWith("pg_");
    }

    List<TablePattern> patterns() {
        return allowed;
    }
}

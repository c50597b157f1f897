package io.sluice.loader;

/** How an upsert table's changes are merged into the target ({@code sluice.loader.merge}). */
public enum MergeStrategy {
    /** {@link #MERGE} where the target has it (PostgreSQL 15+, not Citus), else {@link #ON_CONFLICT}: the default. */
    AUTO,
    /**
     * One {@code MERGE} statement (PostgreSQL 15+), the fastest in {@code bench/run loader} (1.2x on inserts, the same
     * on updates); a table {@code MERGE} refuses (rules) and a transaction that met a concurrent inserter of a key are
     * written with {@code ON CONFLICT}.
     */
    MERGE,
    /** {@code INSERT … ON CONFLICT DO UPDATE WHERE newer}: PostgreSQL 9.5+, Citus. */
    ON_CONFLICT,
    /**
     * {@code UPDATE … FROM} and {@code INSERT … WHERE NOT EXISTS} under the table's merge lock taken alone: for MPP
     * engines without {@code ON CONFLICT} (Greenplum, HybridDB, Cloudberry, Redshift-like).
     */
    PORTABLE
}

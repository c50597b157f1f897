package io.sluice.loader;

/** How an upsert table's changes are merged into the target ({@code sluice.loader.merge}). */
public enum MergeStrategy {
    /** {@code INSERT … ON CONFLICT DO UPDATE WHERE newer}: PostgreSQL 9.5+, Citus; the default, and as fast as any. */
    ON_CONFLICT,
    /**
     * One {@code MERGE} statement (PostgreSQL 15+), measured no faster in the loader's transactions (see README); a
     * table {@code MERGE} refuses (rules) and a transaction that met a concurrent inserter are written with
     * {@code ON CONFLICT}.
     */
    MERGE,
    /**
     * {@code UPDATE … FROM} and {@code INSERT … WHERE NOT EXISTS} under the table's merge lock taken alone: for MPP
     * engines without {@code ON CONFLICT} (Greenplum, HybridDB, Cloudberry, Redshift-like).
     */
    PORTABLE
}

package io.sluice.loader;

/** How an upsert table's changes are merged into the target ({@code sluice.loader.merge}). */
public enum MergeStrategy {
    /** {@code INSERT … ON CONFLICT DO UPDATE WHERE newer}: PostgreSQL 9.5+, Citus; the fastest here. */
    ON_CONFLICT,
    /**
     * {@code UPDATE … FROM} and {@code INSERT … WHERE NOT EXISTS} under the table's merge lock taken alone: for MPP
     * engines without {@code ON CONFLICT} (Greenplum, HybridDB, Cloudberry, Redshift-like).
     */
    PORTABLE
}

package io.sluice.loader;

/** The kinds of sink a loader writes ({@code sluice.loader.sink}). */
public enum SinkKind {
    /** COPY into staging and a versioned merge into PostgreSQL (or an MPP engine with {@code merge: portable}). */
    POSTGRESQL,
    /** Each row as a Redis hash or JSON value under a key built from a template, versioned by a Lua script. */
    REDIS,
    /** The latest row per key of each group as gzip CSV files in S3-compatible storage, announced by manifests. */
    OBJECT_STORAGE
}

-- A delete leaves its version here, so that a late, older insert or update of the same key cannot bring the row back.
CREATE TABLE sluice.tombstones (
    target_table text        NOT NULL,
    key          text[]      NOT NULL,
    lsn          bigint      NOT NULL,
    seq          bigint      NOT NULL,
    deleted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_table, key)
);

COMMENT ON TABLE sluice.tombstones IS 'Versions of deleted keys, per target table; purged by pgtask after a horizon';

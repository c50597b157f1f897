-- Deletes applied to keyless (multiset) target tables. A keyless row has no key to delete by, so a delete removes one
-- target row with the same values (row_hash) and an older version, and is recorded here by its own version: a
-- redelivered delete is then recognised instead of removing a second, identical row. matched_lsn/matched_seq name the
-- version of the row it removed (so a redelivered insert of that row is not written again); NULL while no such row has
-- arrived, when it waits here for a late, older insert with the same values. Purged by pgtask after its horizon.
CREATE TABLE sluice.keyless_deletes (
    target_table text        NOT NULL,
    lsn          bigint      NOT NULL,
    seq          bigint      NOT NULL,
    row_hash     text        NOT NULL,
    matched_lsn  bigint,
    matched_seq  bigint,
    deleted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_table, lsn, seq)
);

CREATE INDEX keyless_deletes_matched ON sluice.keyless_deletes (target_table, matched_lsn, matched_seq);
CREATE INDEX keyless_deletes_waiting ON sluice.keyless_deletes (target_table, row_hash) WHERE matched_lsn IS NULL;

COMMENT ON TABLE sluice.keyless_deletes IS 'Deletes applied to keyless target tables, by version; purged by pgtask after a horizon';

-- A repair: a snapshot request that names the keys to re-read (a data check's differing keys). The getter re-reads
-- those keys in a fresh snapshot, sends the rows it finds as snapshot reads and a delete for each key the source no
-- longer has, all versioned at the snapshot's point, so that a change made since wins over the repair.
ALTER TABLE sluice.snapshot_requests ADD COLUMN key_column text, ADD COLUMN keys text[];
ALTER TABLE sluice.snapshot_requests
    ADD CONSTRAINT snapshot_requests_keys_with_column CHECK ((keys IS NULL) = (key_column IS NULL));

-- A filtered ad hoc snapshot (sluice snapshot … --where): the request carries a row filter, an SQL condition on the
-- table that the getter ANDs with each chunk's page range, and the snapshot it becomes keeps the filter (so that a
-- resumed one reads the same rows) and the id of the request it came from (so that the requester can follow it).
ALTER TABLE sluice.snapshot_requests ADD COLUMN row_filter text;
ALTER TABLE sluice.snapshot_requests
    ADD CONSTRAINT snapshot_requests_filter_or_keys CHECK (row_filter IS NULL OR keys IS NULL);
ALTER TABLE sluice.snapshots ADD COLUMN row_filter text, ADD COLUMN request_id bigint;

-- Ad hoc snapshots of one table while streaming goes on. A snapshot's scope is '' for the initial snapshot of every
-- captured table, or the one table ('schema.table') an ad hoc snapshot reads.
ALTER TABLE sluice.snapshot_chunks DROP CONSTRAINT snapshot_chunks_source_slot_fkey;
ALTER TABLE sluice.snapshots ADD COLUMN scope text NOT NULL DEFAULT '';
ALTER TABLE sluice.snapshots DROP CONSTRAINT snapshots_pkey, ADD PRIMARY KEY (source, slot, scope);
ALTER TABLE sluice.snapshot_chunks ADD COLUMN scope text NOT NULL DEFAULT '';
ALTER TABLE sluice.snapshot_chunks DROP CONSTRAINT snapshot_chunks_pkey,
    ADD PRIMARY KEY (source, slot, scope, table_name, chunk);
ALTER TABLE sluice.snapshot_chunks
    ADD FOREIGN KEY (source, slot, scope) REFERENCES sluice.snapshots ON DELETE CASCADE;

-- The signal table: a row here asks the getter of that source for an ad hoc snapshot of the table. The getter's
-- HTTP endpoint POST /snapshots writes here too.
CREATE TABLE sluice.snapshot_requests (
    id           bigserial   PRIMARY KEY,
    source       text        NOT NULL,
    table_name   text        NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now()
);

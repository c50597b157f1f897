-- Initial snapshots of CDC sources, so that a getter that crashes mid-snapshot resumes instead of starting over.
CREATE TABLE sluice.snapshots (
    source       text        NOT NULL,
    slot         text        NOT NULL,
    state        text        NOT NULL CHECK (state IN ('started', 'done')),
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    PRIMARY KEY (source, slot)
);

-- A chunk is a range of table pages (ctid range); it is done once every row of it is confirmed by the broker.
CREATE TABLE sluice.snapshot_chunks (
    source       text        NOT NULL,
    slot         text        NOT NULL,
    table_name   text        NOT NULL,
    chunk        int         NOT NULL,
    first_page   bigint      NOT NULL,
    end_page     bigint,               -- exclusive; NULL for the table's last, open-ended chunk
    state        text        NOT NULL CHECK (state IN ('pending', 'done')),
    rows         bigint,
    snapshot_lsn pg_lsn,               -- consistent point of the snapshot the chunk was read in
    done_at      timestamptz,
    PRIMARY KEY (source, slot, table_name, chunk),
    FOREIGN KEY (source, slot) REFERENCES sluice.snapshots ON DELETE CASCADE
);

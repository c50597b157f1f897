-- Every file a getter has seen, by content: a file is loaded once, whatever its name, unless forced.
CREATE TABLE sluice.files (
    id             bigserial   PRIMARY KEY,
    source         text        NOT NULL,
    path           text        NOT NULL,
    size           bigint      NOT NULL,
    mtime          timestamptz NOT NULL,
    checksum       text        NOT NULL,
    state          text        NOT NULL DEFAULT 'new'
                               CHECK (state IN ('new', 'claimed', 'loading', 'done', 'failed', 'quarantined')),
    owner          text,
    heartbeat_at   timestamptz,
    version        bigint      NOT NULL,
    rows           bigint      NOT NULL DEFAULT 0,
    confirmed_line bigint      NOT NULL DEFAULT 0,
    bad_lines      bigint      NOT NULL DEFAULT 0,
    reason         text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, checksum)
);

-- Rows of a file are versioned (version, line): a file registered later gets a higher version, so its rows win.
CREATE SEQUENCE sluice.file_versions;
ALTER TABLE sluice.files ALTER COLUMN version SET DEFAULT nextval('sluice.file_versions');

CREATE INDEX files_claimable ON sluice.files (source, id) WHERE state IN ('new', 'claimed', 'loading');

COMMENT ON TABLE sluice.files IS 'File ledger: identity, state, progress (last confirmed line) of every ingested file';

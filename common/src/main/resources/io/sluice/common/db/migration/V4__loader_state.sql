-- The columns the loader has written to each target table, as the source described them, so that a changed type or
-- key stops that table with a reason instead of corrupting it. Clear "stopped" (or delete the row) to resume.
CREATE TABLE sluice.target_tables (
    target_table text        PRIMARY KEY,
    column_names text[]      NOT NULL,
    column_types text[]      NOT NULL,
    key_columns  text[]      NOT NULL,
    stopped      text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- A row written without some of its values (unchanged TOAST values the source did not send, and the target had no
-- newer copy of). The gap is open while the target row still has version (lsn, seq); a late change older than that
-- version and newer than (filled_lsn, filled_seq) that carries the value fills it in.
CREATE TABLE sluice.toast_gaps (
    target_table text   NOT NULL,
    key          text[] NOT NULL,
    column_name  text   NOT NULL,
    lsn          bigint NOT NULL,
    seq          bigint NOT NULL,
    filled_lsn   bigint,
    filled_seq   bigint,
    PRIMARY KEY (target_table, key, column_name)
);

-- The newest source TRUNCATE applied to a target table: older changes arriving late are not written.
CREATE TABLE sluice.truncations (
    target_table text        PRIMARY KEY,
    lsn          bigint      NOT NULL,
    seq          bigint      NOT NULL,
    truncated_at timestamptz NOT NULL DEFAULT now()
);

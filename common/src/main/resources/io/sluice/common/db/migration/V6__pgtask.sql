-- ShedLock's table: a job run holds its row's lock, so that one pgtask replica runs it.
CREATE TABLE sluice.shedlock (
    name       varchar(64)  PRIMARY KEY,
    lock_until timestamptz  NOT NULL,
    locked_at  timestamptz  NOT NULL,
    locked_by  varchar(255) NOT NULL
);

-- Every run of every pgtask job.
CREATE TABLE sluice.task_runs (
    id          bigserial   PRIMARY KEY,
    job         text        NOT NULL,
    kind        text        NOT NULL,
    trigger     text        NOT NULL CHECK (trigger IN ('schedule', 'demand', 'retry')),
    runner      text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    outcome     text        NOT NULL DEFAULT 'running'
                            CHECK (outcome IN ('running', 'succeeded', 'failed', 'deferred')),
    detail      text
);
CREATE INDEX task_runs_job ON sluice.task_runs (job, started_at DESC);

-- Snapshots of pg_stat_statements per database, for deltas per interval (surviving a statistics reset).
CREATE TABLE sluice.query_stats (
    database        text        NOT NULL,
    taken_at        timestamptz NOT NULL,
    stats_reset     timestamptz,
    queryid         bigint      NOT NULL,
    userid          oid         NOT NULL,
    dbid            oid         NOT NULL,
    query           text        NOT NULL,
    calls           bigint      NOT NULL,
    total_exec_time double precision NOT NULL,
    rows            bigint      NOT NULL,
    shared_blks_hit bigint      NOT NULL,
    shared_blks_read bigint     NOT NULL,
    temp_blks_written bigint    NOT NULL,
    PRIMARY KEY (database, taken_at, queryid, userid, dbid)
);

-- The deltas between consecutive snapshots: what each statement cost in each interval.
CREATE TABLE sluice.query_stats_deltas (
    database        text        NOT NULL,
    interval_start  timestamptz NOT NULL,
    interval_end    timestamptz NOT NULL,
    queryid         bigint      NOT NULL,
    userid          oid         NOT NULL,
    dbid            oid         NOT NULL,
    query           text        NOT NULL,
    calls           bigint      NOT NULL,
    total_exec_time double precision NOT NULL,
    rows            bigint      NOT NULL,
    shared_blks_hit bigint      NOT NULL,
    shared_blks_read bigint     NOT NULL,
    temp_blks_written bigint    NOT NULL,
    PRIMARY KEY (database, interval_end, queryid, userid, dbid)
);

-- Source-versus-target data checks: one row per table and range compared.
CREATE TABLE sluice.check_results (
    id            bigserial   PRIMARY KEY,
    check_name    text        NOT NULL,
    run_id        bigint,
    checked_at    timestamptz NOT NULL DEFAULT now(),
    source_table  text        NOT NULL,
    target_table  text        NOT NULL,
    range_from    text,
    range_to      text,
    source_rows   bigint,
    target_rows   bigint,
    matched       boolean     NOT NULL,
    differing_keys text[],
    detail        text
);
CREATE INDEX check_results_check ON sluice.check_results (check_name, checked_at DESC);

COMMENT ON TABLE sluice.task_runs IS 'pgtask job runs: start, end, outcome, detail';
COMMENT ON TABLE sluice.check_results IS 'pgtask data checks: per range, source and target counts, differing keys';

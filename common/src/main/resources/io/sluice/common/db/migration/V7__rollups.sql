-- How far each pgtask rollup has summarized its source: buckets before the watermark are done (but the latest few are
-- computed again on each run, for late rows).
CREATE TABLE sluice.rollup_watermarks (
    rollup     text        PRIMARY KEY,
    watermark  timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

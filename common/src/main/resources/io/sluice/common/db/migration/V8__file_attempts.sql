-- Reading failures of a file that retrying might mend (a store's I/O): counted, so that a file failing again and again
-- is quarantined after a bound instead of being retried for ever, and files with fewer failures are claimed first.
ALTER TABLE sluice.files ADD COLUMN attempts int NOT NULL DEFAULT 0;

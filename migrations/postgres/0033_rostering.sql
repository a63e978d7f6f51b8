-- Rostering over REST: a district's connection to its SIS's OneRoster API, and every run of
-- the sync with what it came to.
--
-- How often the worker syncs the district, in seconds; 0: only when asked.
ALTER TABLE districts ADD COLUMN sync_interval BIGINT NOT NULL DEFAULT 0;

CREATE TABLE sis_connections (
    district_id BIGINT NOT NULL,
    -- The part before /rostering/v1p2 and /gradebook/v1p2.
    base_url TEXT NOT NULL,
    token_url TEXT NOT NULL,
    client_id TEXT NOT NULL,
    -- Sealed under the operator's secret_key when one is set.
    client_secret TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- One run at a time per district, across every node: the run holds the connection until
    -- this time, and renews it while it runs.
    running_until BIGINT,
    PRIMARY KEY (district_id)
);

CREATE TABLE sync_runs (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    district_id BIGINT NOT NULL,
    -- bulk: everything the SIS holds; delta: what changed since the last good run.
    mode TEXT NOT NULL CHECK (mode IN ('bulk', 'delta')),
    -- The last good run's start, for a delta: what changed after it is fetched.
    since BIGINT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    outcome TEXT NOT NULL CHECK (outcome IN ('running', 'imported', 'failed')),
    -- Who started it: the worker's schedule, the command line or a staff account.
    started_by TEXT NOT NULL,
    records BIGINT NOT NULL DEFAULT 0,
    -- What was imported (the import's report), or why the run failed.
    summary TEXT,
    -- The problems that stopped the import, one per line (at most the import's listed ones).
    problems TEXT,
    PRIMARY KEY (district_id, id)
);
CREATE INDEX sync_runs_recent ON sync_runs (district_id, started_at);

-- The durable job queue: work done after the request that caused it (mail now, notifications
-- later). A job is written in the same transaction as the change that causes it, run by a
-- worker, retried with growing waits, and left dead after too many tries. A job that a worker
-- claimed but never finished (the process died) is claimed again once its lease runs out.
-- Payloads hold ids, never secrets: a mail with a link makes its token when it is sent.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at INTEGER NOT NULL,
    locked_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, idempotency_key)
);
CREATE INDEX jobs_ready ON jobs (state, run_at);
CREATE INDEX jobs_district ON jobs (district_id, state, run_at);

-- Forgot your password?: a request for an account. Its link's token is made when the mail is
-- sent (the job holds only this row's id); only the token's hash is kept. Single use, for 30
-- minutes from the sending.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    token_hash TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    used_at INTEGER,
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
CREATE INDEX password_resets_account ON password_resets (district_id, account_id);

-- Accounts, sessions, login throttling and CAPTCHA challenges.

ALTER TABLE districts ADD COLUMN session_idle_minutes INTEGER NOT NULL DEFAULT 30;

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    person_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('parent', 'student', 'staff')),
    username TEXT NOT NULL,
    username_folded TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    password_changed_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, username_folded),
    UNIQUE (district_id, person_id),
    UNIQUE (district_id, id),
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id)
);

-- A web session or an app token. Only a hash of the secret is kept.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('web', 'app')),
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    device_id TEXT,
    device_name TEXT,
    platform TEXT,
    address TEXT,
    user_agent TEXT,
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
CREATE INDEX sessions_account ON sessions (district_id, account_id);

-- One row per failed login, counted per username and per address over a sliding window.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    scope TEXT NOT NULL CHECK (scope IN ('username', 'address')),
    subject TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (district_id, scope, subject, at);

-- A CAPTCHA challenge: the picture's answer hashed, and a proof-of-work puzzle. Deleted when
-- answered, right or wrong.
CREATE TABLE captcha_challenges (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    public_id TEXT NOT NULL UNIQUE,
    answer_hash TEXT NOT NULL,
    pow_salt TEXT NOT NULL,
    pow_challenge TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

ALTER TABLE audit_log ADD COLUMN account_id INTEGER;
ALTER TABLE audit_log ADD COLUMN address TEXT;
ALTER TABLE audit_log ADD COLUMN user_agent TEXT;

-- no-transaction
-- Teachers get accounts of their own (the Teacher portal). SQLite cannot change a CHECK
-- constraint in place, so the accounts table is rebuilt as its documented procedure says:
-- with foreign keys off (outside any transaction) and in one transaction of its own. Ids are
-- kept, so every table that refers to an account still does.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE accounts_rebuilt (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    person_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('parent', 'student', 'staff', 'teacher')),
    username TEXT NOT NULL,
    username_folded TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    password_changed_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    language TEXT CHECK (language IN ('en', 'es')),
    totp_secret TEXT,
    totp_pending TEXT,
    totp_last_step INTEGER,
    passkey_handle TEXT,
    UNIQUE (district_id, username_folded),
    UNIQUE (district_id, person_id),
    UNIQUE (district_id, id),
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id)
);
INSERT INTO accounts_rebuilt (id, district_id, person_id, kind, username, username_folded,
    password_hash, active, must_change_password, password_changed_at, created_at, updated_at,
    language, totp_secret, totp_pending, totp_last_step, passkey_handle)
SELECT id, district_id, person_id, kind, username, username_folded,
    password_hash, active, must_change_password, password_changed_at, created_at, updated_at,
    language, totp_secret, totp_pending, totp_last_step, passkey_handle
FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_rebuilt RENAME TO accounts;
CREATE UNIQUE INDEX accounts_passkey_handle ON accounts (district_id, passkey_handle);
-- A class on a schedule now names its teachers with their ids: snapshots made before hold
-- names alone, and are made again on their next read.
DELETE FROM student_snapshots;
COMMIT;
PRAGMA foreign_keys = ON;

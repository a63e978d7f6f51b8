-- Activation keys: only a hash of each key is kept. A key is live until it is used, revoked by
-- a newer key for the same person, or expires.
CREATE TABLE activation_keys (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    person_id INTEGER NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    revoked_at INTEGER,
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id)
);
CREATE INDEX activation_keys_person ON activation_keys (district_id, person_id);

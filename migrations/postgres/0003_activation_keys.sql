-- Activation keys: only a hash of each key is kept. A key is live until it is used, revoked by
-- a newer key for the same person, or expires.
CREATE TABLE activation_keys (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    person_id BIGINT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT,
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id)
);
CREATE INDEX activation_keys_person ON activation_keys (district_id, person_id);

-- Passkeys (WebAuthn): an account's random user handle (what its passkeys carry, never its
-- id), its credentials, and the ceremonies under way (each challenge kept here, used once).
ALTER TABLE accounts ADD COLUMN passkey_handle TEXT;
CREATE UNIQUE INDEX accounts_passkey_handle ON accounts (district_id, passkey_handle);

CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    credential_id TEXT NOT NULL,
    name TEXT NOT NULL,
    credential TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
CREATE UNIQUE INDEX passkeys_credential ON passkeys (district_id, credential_id);
CREATE INDEX passkeys_account ON passkeys (district_id, account_id);

CREATE TABLE passkey_ceremonies (
    district_id INTEGER NOT NULL REFERENCES districts (id),
    id_hash TEXT NOT NULL,
    account_id INTEGER,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    address TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (district_id, id_hash)
) WITHOUT ROWID;
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
CREATE INDEX passkey_ceremonies_address ON passkey_ceremonies (address, expires_at);

-- Linked Districts. A code generated in one district (8 Crockford base32 characters, kept
-- only as a hash, 10 minutes, single use) links the account that made it with the account
-- that enters it in another district. Linked accounts form a group: each can switch to any
-- other without logging in again.
CREATE TABLE link_codes (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
CREATE INDEX link_codes_account ON link_codes (district_id, account_id);

CREATE TABLE account_links (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    linked_at INTEGER NOT NULL,
    UNIQUE (district_id, account_id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
CREATE INDEX account_links_group ON account_links (group_id);

-- A second factor (TOTP, RFC 6238) per account: the confirmed secret (base32), one waiting
-- for its first code while the account enrolls, and the last time step a code was used for,
-- so that each code works once. Staff must have one unless their district says otherwise.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_pending TEXT;
ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER;
ALTER TABLE districts ADD COLUMN staff_second_factor TEXT NOT NULL DEFAULT 'required';

-- Single-use recovery codes, stored as hashes; a new set replaces the old.
CREATE TABLE recovery_codes (
    district_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    code_hash TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (district_id, account_id, code_hash),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);

-- The devices and browsers each account has logged in from, known by the hash of a random
-- id (a browser's device cookie, an app's device id): a login from one not among them tells
-- the account.
CREATE TABLE known_devices (
    district_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    device_hash TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (district_id, account_id, device_hash),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);

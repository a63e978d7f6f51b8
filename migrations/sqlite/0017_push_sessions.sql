-- A push subscription, and a mobile app's device registration, belong to the session (a
-- browser's session or an app's token) that made them, and end with it: logging out, a
-- revoked session, a password change or reset, a disabled account. Subscriptions made before
-- name no session: they are dropped, and browsers subscribe again. A device registration is
-- kept where a session of its account carries the device's id (the newest such session).
CREATE UNIQUE INDEX sessions_district_id ON sessions (district_id, id);

DROP TABLE push_subscriptions;
CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_sent_at INTEGER,
    UNIQUE (district_id, endpoint),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id),
    FOREIGN KEY (district_id, session_id) REFERENCES sessions (district_id, id) ON DELETE CASCADE
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (district_id, account_id);
CREATE INDEX push_subscriptions_session ON push_subscriptions (district_id, session_id);

CREATE TABLE devices_of_sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    platform TEXT NOT NULL CHECK (platform IN ('ios', 'android')),
    token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, account_id, device_id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id),
    FOREIGN KEY (district_id, session_id) REFERENCES sessions (district_id, id) ON DELETE CASCADE
);
INSERT INTO devices_of_sessions (id, district_id, account_id, session_id, device_id, platform,
    token, created_at, updated_at)
SELECT d.id, d.district_id, d.account_id,
    (SELECT MAX(s.id) FROM sessions s WHERE s.district_id = d.district_id
        AND s.account_id = d.account_id AND s.device_id = d.device_id),
    d.device_id, d.platform, d.token, d.created_at, d.updated_at
FROM devices d
WHERE EXISTS (SELECT 1 FROM sessions s WHERE s.district_id = d.district_id
    AND s.account_id = d.account_id AND s.device_id = d.device_id);
DROP TABLE devices;
ALTER TABLE devices_of_sessions RENAME TO devices;
CREATE INDEX devices_session ON devices (district_id, session_id);

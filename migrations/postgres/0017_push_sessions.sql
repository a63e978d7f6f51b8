-- A push subscription, and a mobile app's device registration, belong to the session (a
-- browser's session or an app's token) that made them, and end with it: logging out, a
-- revoked session, a password change or reset, a disabled account. Subscriptions made before
-- name no session: they are dropped, and browsers subscribe again. A device registration is
-- kept where a session of its account carries the device's id (the newest such session).
CREATE UNIQUE INDEX sessions_district_id ON sessions (district_id, id);

DROP TABLE push_subscriptions;
CREATE TABLE push_subscriptions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    account_id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_sent_at BIGINT,
    UNIQUE (district_id, endpoint),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id),
    FOREIGN KEY (district_id, session_id) REFERENCES sessions (district_id, id) ON DELETE CASCADE
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (district_id, account_id);
CREATE INDEX push_subscriptions_session ON push_subscriptions (district_id, session_id);

ALTER TABLE devices ADD COLUMN session_id BIGINT;
UPDATE devices d SET session_id = (SELECT MAX(s.id) FROM sessions s
    WHERE s.district_id = d.district_id AND s.account_id = d.account_id
        AND s.device_id = d.device_id);
DELETE FROM devices WHERE session_id IS NULL;
ALTER TABLE devices ALTER COLUMN session_id SET NOT NULL;
ALTER TABLE devices ADD FOREIGN KEY (district_id, session_id)
    REFERENCES sessions (district_id, id) ON DELETE CASCADE;
CREATE INDEX devices_session ON devices (district_id, session_id);

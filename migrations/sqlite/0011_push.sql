-- Web Push. The deployment's VAPID key pair is made at first start and kept here (it signs
-- every push; it is the deployment's, not a district's). A subscription is a browser's or an
-- installed app's push endpoint with its keys; the push service answering 404 or 410 removes
-- it.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (district_id, account_id);

-- Whether the account wants each kind of notification pushed too.
ALTER TABLE notification_preferences ADD COLUMN push INTEGER NOT NULL DEFAULT 0;

-- Mobile apps: a device's push token for an account, reached through the platform's gateway
-- (FCM, APNs) where the deployment has one configured.
CREATE TABLE devices (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    platform TEXT NOT NULL CHECK (platform IN ('ios', 'android')),
    token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, account_id, device_id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);

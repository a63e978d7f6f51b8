-- Security notices ("your account was linked to …; not you?") reach the inbox beside the
-- school's news: the notifications table takes a fifth kind. SQLite cannot change a CHECK in
-- place, so the table is rebuilt with the same rows.
CREATE TABLE notifications_new (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('score', 'grade', 'attendance', 'message', 'security')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    digest_pending INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
INSERT INTO notifications_new (id, district_id, account_id, event, title, body, created_at,
    read_at, digest_pending)
SELECT id, district_id, account_id, event, title, body, created_at, read_at, digest_pending
FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_account ON notifications (district_id, account_id, created_at);
CREATE INDEX notifications_digest ON notifications (district_id, created_at)
    WHERE digest_pending = TRUE;

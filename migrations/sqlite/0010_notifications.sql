-- The portal's inbox. A notification belongs to one account; it is made by the job worker
-- from an event (a school message, an import's new scores and attendance), kept 90 days.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('score', 'grade', 'attendance', 'message')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
CREATE INDEX notifications_account ON notifications (district_id, account_id, created_at);

-- A message staff send to the whole district, a school, a grade level or a class.
CREATE TABLE school_messages (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    author_account_id INTEGER,
    audience TEXT NOT NULL CHECK (audience IN ('district', 'school', 'grade', 'class')),
    audience_ref TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- What an account wants beyond the inbox (which always gets everything): email per event type.
-- No row: nothing beyond the inbox.
CREATE TABLE notification_preferences (
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('score', 'grade', 'attendance', 'message')),
    email INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (district_id, account_id, event),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);

-- Which kinds of notification the district sends, as `score,grade,attendance,message`; NULL is
-- all of them (the `notifications` switch turns them all off at once).
ALTER TABLE districts ADD COLUMN notification_events TEXT;

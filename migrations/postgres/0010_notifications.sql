-- The portal's inbox. A notification belongs to one account; it is made by the job worker
-- from an event (a school message, an import's new scores and attendance), kept 90 days.
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    account_id BIGINT NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('score', 'grade', 'attendance', 'message')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
CREATE INDEX notifications_account ON notifications (district_id, account_id, created_at);

-- A message staff send to the whole district, a school, a grade level or a class.
CREATE TABLE school_messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    author_account_id BIGINT,
    audience TEXT NOT NULL CHECK (audience IN ('district', 'school', 'grade', 'class')),
    audience_ref TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- What an account wants beyond the inbox (which always gets everything): email per event type.
-- No row: nothing beyond the inbox.
CREATE TABLE notification_preferences (
    district_id BIGINT NOT NULL REFERENCES districts (id),
    account_id BIGINT NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('score', 'grade', 'attendance', 'message')),
    email BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (district_id, account_id, event),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);

-- Which kinds of notification the district sends, as `score,grade,attendance,message`; NULL is
-- all of them (the `notifications` switch turns them all off at once).
ALTER TABLE districts ADD COLUMN notification_events TEXT;

-- Absence requests: a parent reports that a child will miss school days (or part of one); the
-- attendance office approves or declines. Each request's school days are rows of their own, so
-- that an open request (submitted or approved) holds its days: a second open request for the
-- same child and day is refused by the unique index, whatever two browsers do at once.
ALTER TABLE districts ADD COLUMN absence_cutoff TEXT NOT NULL DEFAULT '09:30';
ALTER TABLE districts ADD COLUMN absence_days_ahead INTEGER NOT NULL DEFAULT 30;
ALTER TABLE districts ADD COLUMN absence_office_email TEXT;

CREATE TABLE absence_requests (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL,
    student_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    days TEXT NOT NULL,
    part TEXT NOT NULL CHECK (part IN ('whole_day', 'arrive_late', 'leave_early')),
    at_time TEXT,
    reason TEXT NOT NULL
        CHECK (reason IN ('illness', 'appointment', 'family', 'religious', 'other')),
    comment TEXT,
    state TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'declined', 'withdrawn')),
    note TEXT,
    decided_by TEXT,
    decided_at INTEGER,
    office_mailed INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    FOREIGN KEY (district_id, student_id) REFERENCES people (district_id, id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
CREATE INDEX absence_requests_student ON absence_requests (district_id, student_id, created_at);
CREATE INDEX absence_requests_state ON absence_requests (district_id, state, from_date);
CREATE INDEX absence_requests_unmailed ON absence_requests (office_mailed, district_id)
    WHERE office_mailed = 0;

CREATE TABLE absence_request_days (
    district_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL REFERENCES absence_requests (id),
    student_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    held INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (district_id, request_id, date)
) WITHOUT ROWID;
CREATE UNIQUE INDEX absence_request_days_held
    ON absence_request_days (district_id, student_id, date) WHERE held = 1;
CREATE INDEX absence_request_days_student ON absence_request_days (district_id, student_id, date);

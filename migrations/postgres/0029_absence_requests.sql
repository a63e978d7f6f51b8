-- Absence requests: a parent reports that a child will miss school days (or part of one); the
-- attendance office approves or declines. Each request's school days are rows of their own, so
-- that an open request (submitted or approved) holds its days: a second open request for the
-- same child and day is refused by the unique index, whatever two browsers do at once.
ALTER TABLE districts ADD COLUMN absence_cutoff TEXT NOT NULL DEFAULT '09:30';
ALTER TABLE districts ADD COLUMN absence_days_ahead BIGINT NOT NULL DEFAULT 30;
ALTER TABLE districts ADD COLUMN absence_office_email TEXT;

CREATE TABLE absence_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    district_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
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
    decided_at BIGINT,
    office_mailed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (district_id, id),
    FOREIGN KEY (district_id, student_id) REFERENCES people (district_id, id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);
CREATE INDEX absence_requests_student ON absence_requests (district_id, student_id, created_at);
CREATE INDEX absence_requests_state ON absence_requests (district_id, state, from_date);
CREATE INDEX absence_requests_unmailed ON absence_requests (district_id)
    WHERE NOT office_mailed;

CREATE TABLE absence_request_days (
    district_id BIGINT NOT NULL,
    request_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    date TEXT NOT NULL,
    held BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (district_id, request_id, date),
    FOREIGN KEY (district_id, request_id) REFERENCES absence_requests (district_id, id)
);
CREATE UNIQUE INDEX absence_request_days_held
    ON absence_request_days (district_id, student_id, date) WHERE held;
CREATE INDEX absence_request_days_student ON absence_request_days (district_id, student_id, date);

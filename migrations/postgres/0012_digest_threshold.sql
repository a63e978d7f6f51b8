-- How an account wants its notifications beyond the kinds it chose: its mail at once or in
-- one daily digest, and the in-progress grade (a percentage) below which it is told. No row:
-- mail at once, no grade alerts.
CREATE TABLE notification_settings (
    district_id BIGINT NOT NULL REFERENCES districts (id),
    account_id BIGINT NOT NULL,
    email_digest BOOLEAN NOT NULL DEFAULT FALSE,
    grade_below BIGINT CHECK (grade_below BETWEEN 1 AND 100),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (district_id, account_id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);

-- A class whose in-progress grade an account was told is below its threshold. The row goes
-- when the grade is back up, so that the next fall is told again, and only then.
CREATE TABLE grade_alerts (
    district_id BIGINT NOT NULL REFERENCES districts (id),
    account_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    class_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (district_id, account_id, student_id, class_id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);

-- A notification to be mailed in its account's next daily digest.
ALTER TABLE notifications ADD COLUMN digest_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX notifications_digest ON notifications (district_id, created_at)
    WHERE digest_pending;

-- What a first read of a student needs (classes, scores, posted grades, and a week of dated
-- work and attendance), as one row: see src/services/snapshots.rs. Every import deletes its
-- district's rows in its own transaction; a row present is therefore as new as the records.
CREATE TABLE student_snapshots (
    district_id INTEGER NOT NULL REFERENCES districts (id),
    person_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (district_id, person_id)
) WITHOUT ROWID;

-- The portal's tools: which ones families see, the school calendar's days off, posted term
-- grades, the district's letter scale, and the index the Access Log reads by.

-- The letter scale as `A:90,B:80,C:70,D:60,F:0`; NULL is that default scale.
ALTER TABLE districts ADD COLUMN grading_scale TEXT;

-- A tool switched on or off for one portal, for the whole district (school_id NULL) or for one
-- school, whose row then wins over the district's. No row: the tool is on.
CREATE TABLE tool_settings (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    school_id INTEGER,
    portal TEXT NOT NULL CHECK (portal IN ('parent', 'student')),
    tool TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    reason TEXT,
    updated_at INTEGER NOT NULL,
    FOREIGN KEY (district_id, school_id) REFERENCES schools (district_id, id)
);
CREATE UNIQUE INDEX tool_settings_scope
    ON tool_settings (district_id, COALESCE(school_id, 0), portal, tool);

-- A tool off from start_date to end_date (inclusive, in the district's time zone) with the
-- reason families are shown; portal NULL means both portals.
CREATE TABLE tool_windows (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    school_id INTEGER,
    portal TEXT CHECK (portal IN ('parent', 'student')),
    tool TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (district_id, school_id) REFERENCES schools (district_id, id)
);
CREATE INDEX tool_windows_district ON tool_windows (district_id, end_date);

-- Days without school (Homeroom's calendar.csv): for one school, or the whole district.
CREATE TABLE no_school_days (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    school_id INTEGER,
    date TEXT NOT NULL,
    description TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, sourced_id),
    FOREIGN KEY (district_id, school_id) REFERENCES schools (district_id, id)
);
CREATE INDEX no_school_days_date ON no_school_days (district_id, date);

-- Grades the school posted for a class and a term or grading period (Homeroom's
-- termGrades.csv), as they appear on the report card.
CREATE TABLE term_grades (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    class_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    grade TEXT NOT NULL,
    percent REAL,
    comment TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, sourced_id),
    FOREIGN KEY (district_id, class_id) REFERENCES classes (district_id, id),
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id),
    FOREIGN KEY (district_id, session_id) REFERENCES academic_sessions (district_id, id)
);
CREATE INDEX term_grades_person ON term_grades (district_id, person_id);

-- The Access Log lists the reads of one student's record.
CREATE INDEX audit_log_target ON audit_log (district_id, target, at);

-- A score's own flags, where the source gives them (OneRoster 1.2 results: late, missing).
ALTER TABLE results ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE results ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;
-- A student's scores are read with their assignment: one index serves both.
DROP INDEX results_person;
CREATE INDEX results_person ON results (district_id, person_id, line_item_id);
-- A class's teachers are found from the class.
CREATE INDEX enrollments_class ON enrollments (district_id, class_id);

-- What a district's student information system sends through OneRoster: the school calendar,
-- courses and classes, who is enrolled, assignments and scores, and attendance. Rows that
-- disappear from a bulk import, or arrive with status tobedeleted, become inactive: nothing is
-- deleted, so history and the audit log stay whole. modified_at is the source's
-- dateLastModified (ISO 8601 text) when it gave one.

ALTER TABLE schools ADD COLUMN modified_at TEXT;
ALTER TABLE people ADD COLUMN modified_at TEXT;
ALTER TABLE relationships ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
-- Set when staff switch portal access by hand; an import never overturns it.
ALTER TABLE relationships ADD COLUMN portal_set_by_staff INTEGER NOT NULL DEFAULT 0;

CREATE TABLE academic_sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('schoolYear', 'term', 'semester', 'gradingPeriod')),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    parent_sourced_id TEXT,
    school_year TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id)
);

CREATE TABLE courses (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    title TEXT NOT NULL,
    code TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id)
);

CREATE TABLE classes (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    title TEXT NOT NULL,
    code TEXT,
    course_id INTEGER NOT NULL,
    school_id INTEGER NOT NULL,
    periods TEXT,
    location TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id),
    FOREIGN KEY (district_id, course_id) REFERENCES courses (district_id, id),
    FOREIGN KEY (district_id, school_id) REFERENCES schools (district_id, id)
);

-- The terms a class runs in.
CREATE TABLE class_terms (
    district_id INTEGER NOT NULL REFERENCES districts (id),
    class_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    PRIMARY KEY (district_id, class_id, session_id),
    FOREIGN KEY (district_id, class_id) REFERENCES classes (district_id, id),
    FOREIGN KEY (district_id, session_id) REFERENCES academic_sessions (district_id, id)
);

CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    class_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('student', 'teacher')),
    is_primary INTEGER NOT NULL DEFAULT 0,
    begin_date TEXT,
    end_date TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, sourced_id),
    FOREIGN KEY (district_id, class_id) REFERENCES classes (district_id, id),
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id)
);
CREATE INDEX enrollments_person ON enrollments (district_id, person_id);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    title TEXT NOT NULL,
    weight REAL,
    active INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id)
);

CREATE TABLE line_items (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    class_id INTEGER NOT NULL,
    category_id INTEGER,
    grading_period_id INTEGER,
    title TEXT NOT NULL,
    description TEXT,
    assign_date TEXT,
    due_date TEXT,
    result_min REAL,
    result_max REAL,
    active INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id),
    FOREIGN KEY (district_id, class_id) REFERENCES classes (district_id, id),
    FOREIGN KEY (district_id, category_id) REFERENCES categories (district_id, id),
    FOREIGN KEY (district_id, grading_period_id) REFERENCES academic_sessions (district_id, id)
);
CREATE INDEX line_items_class ON line_items (district_id, class_id);

CREATE TABLE results (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    line_item_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    score REAL,
    score_status TEXT NOT NULL,
    comment TEXT,
    score_date TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, sourced_id),
    FOREIGN KEY (district_id, line_item_id) REFERENCES line_items (district_id, id),
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id)
);
CREATE INDEX results_person ON results (district_id, person_id);

CREATE TABLE attendance (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    class_id INTEGER,
    date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('present', 'absent', 'tardy')),
    excused INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (district_id, sourced_id),
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id),
    FOREIGN KEY (district_id, class_id) REFERENCES classes (district_id, id)
);
CREATE INDEX attendance_person ON attendance (district_id, person_id, date);

-- What a district's student information system sends through OneRoster: the school calendar,
-- courses and classes, who is enrolled, assignments and scores, and attendance. Rows that
-- disappear from a bulk import, or arrive with status tobedeleted, become inactive: nothing is
-- deleted, so history and the audit log stay whole. modified_at is the source's
-- dateLastModified (ISO 8601 text) when it gave one.

ALTER TABLE schools ADD COLUMN modified_at TEXT;
ALTER TABLE people ADD COLUMN modified_at TEXT;
ALTER TABLE relationships ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
-- Set when staff switch portal access by hand; an import never overturns it.
ALTER TABLE relationships ADD COLUMN portal_set_by_staff BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE academic_sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('schoolYear', 'term', 'semester', 'gradingPeriod')),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    parent_sourced_id TEXT,
    school_year TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    modified_at TEXT,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id)
);

CREATE TABLE courses (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    title TEXT NOT NULL,
    code TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    modified_at TEXT,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id)
);

CREATE TABLE classes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    title TEXT NOT NULL,
    code TEXT,
    course_id BIGINT NOT NULL,
    school_id BIGINT NOT NULL,
    periods TEXT,
    location TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    modified_at TEXT,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id),
    FOREIGN KEY (district_id, course_id) REFERENCES courses (district_id, id),
    FOREIGN KEY (district_id, school_id) REFERENCES schools (district_id, id)
);

-- The terms a class runs in.
CREATE TABLE class_terms (
    district_id BIGINT NOT NULL REFERENCES districts (id),
    class_id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    PRIMARY KEY (district_id, class_id, session_id),
    FOREIGN KEY (district_id, class_id) REFERENCES classes (district_id, id),
    FOREIGN KEY (district_id, session_id) REFERENCES academic_sessions (district_id, id)
);

CREATE TABLE enrollments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    class_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('student', 'teacher')),
    is_primary BOOLEAN NOT NULL DEFAULT FALSE,
    begin_date TEXT,
    end_date TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    modified_at TEXT,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, sourced_id),
    FOREIGN KEY (district_id, class_id) REFERENCES classes (district_id, id),
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id)
);
CREATE INDEX enrollments_person ON enrollments (district_id, person_id);

CREATE TABLE categories (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    title TEXT NOT NULL,
    weight DOUBLE PRECISION,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    modified_at TEXT,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id)
);

CREATE TABLE line_items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    class_id BIGINT NOT NULL,
    category_id BIGINT,
    grading_period_id BIGINT,
    title TEXT NOT NULL,
    description TEXT,
    assign_date TEXT,
    due_date TEXT,
    result_min DOUBLE PRECISION,
    result_max DOUBLE PRECISION,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    modified_at TEXT,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id),
    FOREIGN KEY (district_id, class_id) REFERENCES classes (district_id, id),
    FOREIGN KEY (district_id, category_id) REFERENCES categories (district_id, id),
    FOREIGN KEY (district_id, grading_period_id) REFERENCES academic_sessions (district_id, id)
);
CREATE INDEX line_items_class ON line_items (district_id, class_id);

CREATE TABLE results (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    line_item_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    score DOUBLE PRECISION,
    score_status TEXT NOT NULL,
    comment TEXT,
    score_date TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    modified_at TEXT,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, sourced_id),
    FOREIGN KEY (district_id, line_item_id) REFERENCES line_items (district_id, id),
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id)
);
CREATE INDEX results_person ON results (district_id, person_id);

CREATE TABLE attendance (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    person_id BIGINT NOT NULL,
    class_id BIGINT,
    date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('present', 'absent', 'tardy')),
    excused BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    modified_at TEXT,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, sourced_id),
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id),
    FOREIGN KEY (district_id, class_id) REFERENCES classes (district_id, id)
);
CREATE INDEX attendance_person ON attendance (district_id, person_id, date);

-- Core tables. Every table that holds a district's data carries district_id, and references
-- between such tables include it, so that rows of two districts can never be joined by mistake
-- (and so that district_id can be the distribution column when PostgreSQL is sharded).
-- Times are Unix seconds (UTC); dates are ISO 8601 text (YYYY-MM-DD); flags are booleans.

CREATE TABLE districts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    state TEXT NOT NULL,
    timezone TEXT NOT NULL,
    forgot_password BOOLEAN NOT NULL DEFAULT FALSE,
    forgot_username BOOLEAN NOT NULL DEFAULT FALSE,
    notifications BOOLEAN NOT NULL DEFAULT TRUE,
    linking BOOLEAN NOT NULL DEFAULT TRUE,
    captcha_after_failures INTEGER NOT NULL DEFAULT 3,
    captcha_after_address_failures INTEGER NOT NULL DEFAULT 20,
    password_min_length INTEGER NOT NULL DEFAULT 8,
    key_lifetime_days INTEGER NOT NULL DEFAULT 90,
    maintenance_message TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX districts_state ON districts (state, name_folded);

CREATE TABLE schools (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    name TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id)
);

CREATE TABLE people (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    sourced_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('student', 'guardian', 'staff', 'teacher')),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    school_id BIGINT,
    grade TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, sourced_id),
    UNIQUE (district_id, id),
    FOREIGN KEY (district_id, school_id) REFERENCES schools (district_id, id)
);
CREATE INDEX people_role ON people (district_id, role);

CREATE TABLE relationships (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    guardian_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    relation TEXT NOT NULL CHECK (relation IN ('parent', 'guardian', 'relative')),
    portal BOOLEAN NOT NULL DEFAULT TRUE,
    start_date TEXT,
    end_date TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (district_id, guardian_id, student_id),
    FOREIGN KEY (district_id, guardian_id) REFERENCES people (district_id, id),
    FOREIGN KEY (district_id, student_id) REFERENCES people (district_id, id)
);
CREATE INDEX relationships_student ON relationships (district_id, student_id);

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT
);
CREATE INDEX audit_log_district_at ON audit_log (district_id, at);

-- Conversations between a teacher and a family (the guardians of one student) or, where the
-- district allows it, the student. Nothing is ever deleted: a retracted message keeps its text
-- for the district and shows as retracted to everyone else.
ALTER TABLE districts ADD COLUMN student_messaging INTEGER NOT NULL DEFAULT 0;
-- Whether teachers may mark a message urgent: it is pushed even in quiet hours.
ALTER TABLE districts ADD COLUMN urgent_messages INTEGER NOT NULL DEFAULT 0;

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    -- The teacher's person record: the conversation outlives the teacher's account.
    teacher_id INTEGER NOT NULL,
    student_id INTEGER NOT NULL,
    -- family: the teacher and the student's guardians; student: the teacher and the student.
    audience TEXT NOT NULL CHECK (audience IN ('family', 'student')),
    -- The class it was first written about, when a teacher wrote to a class.
    subject TEXT,
    started_by INTEGER NOT NULL,
    blocked_at INTEGER,
    blocked_by INTEGER,
    created_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    UNIQUE (district_id, id),
    UNIQUE (district_id, teacher_id, student_id, audience),
    FOREIGN KEY (district_id, teacher_id) REFERENCES people (district_id, id),
    FOREIGN KEY (district_id, student_id) REFERENCES people (district_id, id),
    FOREIGN KEY (district_id, started_by) REFERENCES accounts (district_id, id)
);
CREATE INDEX conversations_student ON conversations (district_id, student_id, last_at);
CREATE INDEX conversations_last ON conversations (district_id, last_at);

CREATE TABLE conversation_messages (
    id INTEGER PRIMARY KEY NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    conversation_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retracted_at INTEGER,
    urgent INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (district_id, conversation_id) REFERENCES conversations (district_id, id),
    FOREIGN KEY (district_id, author_id) REFERENCES accounts (district_id, id)
);
CREATE INDEX conversation_messages_thread ON conversation_messages (district_id, conversation_id, id);
CREATE INDEX conversation_messages_author ON conversation_messages (district_id, author_id, created_at);

-- How far each participant has read: the last message id seen.
CREATE TABLE conversation_reads (
    district_id INTEGER NOT NULL REFERENCES districts (id),
    conversation_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    read_through INTEGER NOT NULL,
    PRIMARY KEY (district_id, conversation_id, account_id),
    FOREIGN KEY (district_id, conversation_id) REFERENCES conversations (district_id, id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);

-- A teacher's office hours: the weekdays (1 = Monday … 7 = Sunday, as a list like "1,2,3,4,5")
-- and the times, in the district's time zone.
CREATE TABLE office_hours (
    district_id INTEGER NOT NULL REFERENCES districts (id),
    account_id INTEGER NOT NULL,
    weekdays TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (district_id, account_id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);

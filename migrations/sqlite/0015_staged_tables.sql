-- Nothing refers to a result, so its key is the source's own (district, sourcedId): no
-- surrogate id, whose index PostgreSQL would maintain for each of millions of rows (the
-- PostgreSQL tree also drops the staged tables' foreign keys; SQLite keeps them). SQLite
-- cannot drop a primary key column, so the table is rebuilt.
CREATE TABLE results_keyed (
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
    late INTEGER NOT NULL DEFAULT 0,
    missing INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (district_id, sourced_id),
    FOREIGN KEY (district_id, line_item_id) REFERENCES line_items (district_id, id),
    FOREIGN KEY (district_id, person_id) REFERENCES people (district_id, id)
);
INSERT INTO results_keyed (district_id, sourced_id, line_item_id, person_id, score, score_status,
    comment, score_date, active, modified_at, updated_at, late, missing)
SELECT district_id, sourced_id, line_item_id, person_id, score, score_status,
    comment, score_date, active, modified_at, updated_at, late, missing
FROM results;
DROP TABLE results;
ALTER TABLE results_keyed RENAME TO results;
CREATE INDEX results_person ON results (district_id, person_id, line_item_id);

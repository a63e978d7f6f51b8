-- One row per import. The results and attendance a run writes carry its id, and so does the
-- job that tells families what it brought: that job finds exactly its own run's rows, however
-- close together two imports come (rows were found by the second they were written in, and
-- two imports within one second shared one job). Who ran an import is in the audit log, at
-- the same time.
CREATE TABLE import_runs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    started_at BIGINT NOT NULL
);

-- The run that last wrote the row; NULL for rows written before runs were counted. Neither
-- a foreign key nor an index: the merge sets it on millions of rows, and an index on it would
-- put every changed score into an index again. The news job reads the district's rows once
-- per import, as it did by time.
ALTER TABLE results ADD COLUMN import_run_id BIGINT;
ALTER TABLE attendance ADD COLUMN import_run_id BIGINT;

-- The tables an import fills from its staging tables (enrollments, line items, results,
-- attendance, term grades, days without school) hold millions of rows and only the import's
-- set-based merge writes them (store/staging.rs). Two changes make that write affordable:
--
-- * No foreign keys on them. PostgreSQL checks each key by a query per inserted row: for a
--   50,000-student district that was more than a third of the whole import. The merge turns
--   every reference into an id by a join in its own transaction and writes nothing when a
--   single reference is unknown, and the rows referred to (districts, schools, people,
--   classes, categories, sessions, line items) are deactivated, never deleted. SQLite checks
--   keys by an index probe and keeps them.
-- * Nothing refers to a result, so its key is the source's own (district, sourcedId) and it
--   carries no surrogate id, whose index cost a sixth of the results' merge.
ALTER TABLE enrollments
    DROP CONSTRAINT enrollments_district_id_fkey,
    DROP CONSTRAINT enrollments_district_id_class_id_fkey,
    DROP CONSTRAINT enrollments_district_id_person_id_fkey;
ALTER TABLE line_items
    DROP CONSTRAINT line_items_district_id_fkey,
    DROP CONSTRAINT line_items_district_id_class_id_fkey,
    DROP CONSTRAINT line_items_district_id_category_id_fkey,
    DROP CONSTRAINT line_items_district_id_grading_period_id_fkey;
ALTER TABLE results
    DROP CONSTRAINT results_district_id_fkey,
    DROP CONSTRAINT results_district_id_line_item_id_fkey,
    DROP CONSTRAINT results_district_id_person_id_fkey;
ALTER TABLE attendance
    DROP CONSTRAINT attendance_district_id_fkey,
    DROP CONSTRAINT attendance_district_id_class_id_fkey,
    DROP CONSTRAINT attendance_district_id_person_id_fkey;
ALTER TABLE term_grades
    DROP CONSTRAINT term_grades_district_id_fkey,
    DROP CONSTRAINT term_grades_district_id_class_id_fkey,
    DROP CONSTRAINT term_grades_district_id_person_id_fkey,
    DROP CONSTRAINT term_grades_district_id_session_id_fkey;
ALTER TABLE no_school_days
    DROP CONSTRAINT no_school_days_district_id_fkey,
    DROP CONSTRAINT no_school_days_district_id_school_id_fkey;

ALTER TABLE results DROP COLUMN id;
ALTER TABLE results DROP CONSTRAINT results_district_id_sourced_id_key;
ALTER TABLE results ADD PRIMARY KEY (district_id, sourced_id);

-- A delta changes scores in place. With room left on each page, PostgreSQL writes the new
-- version beside the old one and touches no index (none covers a score); on full pages every
-- changed score moved to another page and entered both indexes again.
ALTER TABLE results SET (fillfactor = 90);

-- Results are the one table of millions of rows (about 200 per student), and only an import
-- writes them. Two changes make that write affordable on PostgreSQL:
--
-- * Nothing refers to a result, so its key is the source's own (district, sourcedId) and it
--   carries no surrogate id: that id's index cost a sixth of a 50,000-student import's
--   results.
-- * No foreign keys. PostgreSQL checks each by a query per inserted row (a third of the whole
--   import). The import is the only writer; it turns every reference into an id by a join in
--   its own transaction and writes no row whose references it could not resolve, and the rows
--   referred to (districts, people, line items) are deactivated, never deleted. SQLite checks
--   keys by an index probe and keeps them.
ALTER TABLE results DROP CONSTRAINT results_district_id_fkey;
ALTER TABLE results DROP CONSTRAINT results_district_id_line_item_id_fkey;
ALTER TABLE results DROP CONSTRAINT results_district_id_person_id_fkey;
ALTER TABLE results DROP COLUMN id;
ALTER TABLE results DROP CONSTRAINT results_district_id_sourced_id_key;
ALTER TABLE results ADD PRIMARY KEY (district_id, sourced_id);

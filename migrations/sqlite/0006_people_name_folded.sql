-- A person's name as staff search it: Unicode lower case with single spaces, as
-- `domain::person_search_name` folds it (SQLite's LOWER folds ASCII alone, so the application
-- writes it with every name). NULL only for the rows this migration finds, until the store
-- fills them in right after migrating.
ALTER TABLE people ADD COLUMN name_folded TEXT;

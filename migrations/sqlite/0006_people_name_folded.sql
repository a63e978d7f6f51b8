-- A person's name as staff search it: Unicode lower case with single spaces, as
-- `domain::person_search_name` folds it (SQLite's LOWER folds ASCII alone, so the application
-- writes it). NULL until written: the store fills it in after migrating, for the rows this
-- migration finds. A write that changes a name without writing the folded one clears it, so
-- that it never holds an old name; searches read the plain name where it is NULL.
ALTER TABLE people ADD COLUMN name_folded TEXT;
CREATE TRIGGER people_name_folded_stale AFTER UPDATE OF given_name, family_name ON people
FOR EACH ROW
WHEN NEW.name_folded IS OLD.name_folded
  AND (NEW.given_name IS NOT OLD.given_name OR NEW.family_name IS NOT OLD.family_name)
BEGIN
    UPDATE people SET name_folded = NULL WHERE id = NEW.id;
END;

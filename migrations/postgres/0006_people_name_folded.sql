-- A person's name as staff search it: Unicode lower case with single spaces, as
-- `domain::person_search_name` folds it (the application writes it, so that both databases
-- fold alike whatever their locale). NULL until written: the store fills it in after
-- migrating, for the rows this migration finds. A write that changes a name without writing
-- the folded one clears it, so that it never holds an old name; searches read the plain name
-- where it is NULL.
ALTER TABLE people ADD COLUMN name_folded TEXT;
CREATE FUNCTION people_name_folded_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name_folded IS NOT DISTINCT FROM OLD.name_folded
       AND (NEW.given_name IS DISTINCT FROM OLD.given_name
            OR NEW.family_name IS DISTINCT FROM OLD.family_name) THEN
        NEW.name_folded := NULL;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER people_name_folded_stale BEFORE UPDATE OF given_name, family_name ON people
FOR EACH ROW EXECUTE FUNCTION people_name_folded_stale();

-- A student's scores are read by the student's results index alone: the index carries every
-- column a grade needs (all but the comment), so a first read of a student touches a few
-- index pages rather than one table page per score (the table keeps rows in the order the
-- import wrote them, by assignment). SQLite empties a connection's page cache whenever another
-- connection commits, so the pages a read touches are its cost.
DROP INDEX results_person;
CREATE INDEX results_person ON results (district_id, person_id, line_item_id, active, score,
    score_status, score_date, late, missing);

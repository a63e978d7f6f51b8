-- SQLite's results index now carries the columns a grade needs (see the SQLite migration of
-- the same number). PostgreSQL's shared buffers are not emptied by other connections'
-- commits, and an index-only scan needs pages marked all-visible, which a fresh import's are
-- not: its index stays as it is.
SELECT 1;

-- Counts the changes to what a district's families see besides their own access: settings,
-- tool switches and windows, and the records each import brings. Caches of those (in every
-- server process) are keyed by it, so a change anywhere is seen everywhere at the next request.
ALTER TABLE districts ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- A session's secret now carries its district in clear (`<district id>.<secret>`), and is
-- looked up within that district. Secrets given before cannot be presented in that form: those
-- sessions end here (their devices and push subscriptions with them), and families log in once.
-- (The keys that lead with the district are PostgreSQL's concern: see
-- migrations/postgres/0022_district_keys.sql.)
DELETE FROM sessions;

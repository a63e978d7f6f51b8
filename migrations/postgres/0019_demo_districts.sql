-- Which districts `serve --demo` made: it loads its well-known logins only into a database
-- that holds nothing else. Demo districts made before this column are known by their slug and
-- the demo logins the audit log saw made in them.
ALTER TABLE districts ADD COLUMN demo BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE districts SET demo = TRUE
WHERE slug IN ('cedar-valley', 'lakeshore', 'riverbend')
  AND EXISTS (SELECT 1 FROM audit_log a
              WHERE a.district_id = districts.id AND a.action = 'demo.account_created');

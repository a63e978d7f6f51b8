-- The language an account reads the portal and its mail in (`en`, `es`): set by the language
-- switch, or by the first login from the browser's language. NULL: not known yet.
ALTER TABLE accounts ADD COLUMN language TEXT CHECK (language IN ('en', 'es'));

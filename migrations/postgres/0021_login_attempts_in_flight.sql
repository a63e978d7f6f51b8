-- A login attempt is written before its password is checked (so that attempts made at once
-- cannot all see the same old count) and stays "in flight" until it is known: a failure then,
-- or taken back. Counts judge a username on its known failures; an attempt that the ones in
-- flight could push past the allowance waits for them.
ALTER TABLE login_failures ADD COLUMN in_flight BOOLEAN NOT NULL DEFAULT FALSE;

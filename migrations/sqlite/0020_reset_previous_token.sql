-- A reset mail sent twice (the worker died between the mail server's answer and its record of
-- it) carries a new link; the first copy's link keeps working too, until either is used.
ALTER TABLE password_resets ADD COLUMN previous_token_hash TEXT;
CREATE UNIQUE INDEX password_resets_previous_token ON password_resets (previous_token_hash);

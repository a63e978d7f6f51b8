-- Which address asked for a challenge, so that one address cannot fill the table.
ALTER TABLE captcha_challenges ADD COLUMN address TEXT;
CREATE INDEX captcha_challenges_address ON captcha_challenges (district_id, address, expires_at);

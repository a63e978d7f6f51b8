-- Keys that lead with the district, as a database distributed by district (Citus) requires
-- of every table it distributes: each district table's primary key becomes (district_id, id),
-- and the unique lookups of activation keys, CAPTCHA challenges and password resets are
-- unique within their district, where they are looked up. Foreign keys already name
-- (district_id, id). A schema test holds every table to the rule (tests/it/schema.rs).

ALTER TABLE schools DROP CONSTRAINT schools_pkey, ADD CONSTRAINT schools_pkey PRIMARY KEY (district_id, id);
ALTER TABLE people DROP CONSTRAINT people_pkey, ADD CONSTRAINT people_pkey PRIMARY KEY (district_id, id);
ALTER TABLE relationships DROP CONSTRAINT relationships_pkey, ADD CONSTRAINT relationships_pkey PRIMARY KEY (district_id, id);
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey, ADD CONSTRAINT audit_log_pkey PRIMARY KEY (district_id, id);
ALTER TABLE accounts DROP CONSTRAINT accounts_pkey, ADD CONSTRAINT accounts_pkey PRIMARY KEY (district_id, id);
ALTER TABLE sessions DROP CONSTRAINT sessions_pkey, ADD CONSTRAINT sessions_pkey PRIMARY KEY (district_id, id);
ALTER TABLE login_failures DROP CONSTRAINT login_failures_pkey, ADD CONSTRAINT login_failures_pkey PRIMARY KEY (district_id, id);
ALTER TABLE captcha_challenges DROP CONSTRAINT captcha_challenges_pkey, ADD CONSTRAINT captcha_challenges_pkey PRIMARY KEY (district_id, id);
ALTER TABLE activation_keys DROP CONSTRAINT activation_keys_pkey, ADD CONSTRAINT activation_keys_pkey PRIMARY KEY (district_id, id);
ALTER TABLE academic_sessions DROP CONSTRAINT academic_sessions_pkey, ADD CONSTRAINT academic_sessions_pkey PRIMARY KEY (district_id, id);
ALTER TABLE courses DROP CONSTRAINT courses_pkey, ADD CONSTRAINT courses_pkey PRIMARY KEY (district_id, id);
ALTER TABLE classes DROP CONSTRAINT classes_pkey, ADD CONSTRAINT classes_pkey PRIMARY KEY (district_id, id);
ALTER TABLE enrollments DROP CONSTRAINT enrollments_pkey, ADD CONSTRAINT enrollments_pkey PRIMARY KEY (district_id, id);
ALTER TABLE categories DROP CONSTRAINT categories_pkey, ADD CONSTRAINT categories_pkey PRIMARY KEY (district_id, id);
ALTER TABLE line_items DROP CONSTRAINT line_items_pkey, ADD CONSTRAINT line_items_pkey PRIMARY KEY (district_id, id);
ALTER TABLE attendance DROP CONSTRAINT attendance_pkey, ADD CONSTRAINT attendance_pkey PRIMARY KEY (district_id, id);
ALTER TABLE tool_settings DROP CONSTRAINT tool_settings_pkey, ADD CONSTRAINT tool_settings_pkey PRIMARY KEY (district_id, id);
ALTER TABLE tool_windows DROP CONSTRAINT tool_windows_pkey, ADD CONSTRAINT tool_windows_pkey PRIMARY KEY (district_id, id);
ALTER TABLE no_school_days DROP CONSTRAINT no_school_days_pkey, ADD CONSTRAINT no_school_days_pkey PRIMARY KEY (district_id, id);
ALTER TABLE term_grades DROP CONSTRAINT term_grades_pkey, ADD CONSTRAINT term_grades_pkey PRIMARY KEY (district_id, id);
ALTER TABLE jobs DROP CONSTRAINT jobs_pkey, ADD CONSTRAINT jobs_pkey PRIMARY KEY (district_id, id);
ALTER TABLE password_resets DROP CONSTRAINT password_resets_pkey, ADD CONSTRAINT password_resets_pkey PRIMARY KEY (district_id, id);
ALTER TABLE link_codes DROP CONSTRAINT link_codes_pkey, ADD CONSTRAINT link_codes_pkey PRIMARY KEY (district_id, id);
ALTER TABLE account_links DROP CONSTRAINT account_links_pkey, ADD CONSTRAINT account_links_pkey PRIMARY KEY (district_id, id);
ALTER TABLE notifications DROP CONSTRAINT notifications_pkey, ADD CONSTRAINT notifications_pkey PRIMARY KEY (district_id, id);
ALTER TABLE school_messages DROP CONSTRAINT school_messages_pkey, ADD CONSTRAINT school_messages_pkey PRIMARY KEY (district_id, id);
ALTER TABLE devices DROP CONSTRAINT devices_pkey, ADD CONSTRAINT devices_pkey PRIMARY KEY (district_id, id);
ALTER TABLE import_runs DROP CONSTRAINT import_runs_pkey, ADD CONSTRAINT import_runs_pkey PRIMARY KEY (district_id, id);
ALTER TABLE push_subscriptions DROP CONSTRAINT push_subscriptions_pkey, ADD CONSTRAINT push_subscriptions_pkey PRIMARY KEY (district_id, id);

ALTER TABLE captcha_challenges DROP CONSTRAINT captcha_challenges_public_id_key,
    ADD CONSTRAINT captcha_challenges_public_id_key UNIQUE (district_id, public_id);
ALTER TABLE activation_keys DROP CONSTRAINT activation_keys_key_hash_key,
    ADD CONSTRAINT activation_keys_key_hash_key UNIQUE (district_id, key_hash);
ALTER TABLE password_resets DROP CONSTRAINT password_resets_token_hash_key,
    ADD CONSTRAINT password_resets_token_hash_key UNIQUE (district_id, token_hash);
DROP INDEX password_resets_previous_token;
CREATE UNIQUE INDEX password_resets_previous_token ON password_resets (district_id, previous_token_hash);

-- Now the primary keys: no foreign key names these.
ALTER TABLE categories DROP CONSTRAINT categories_district_id_id_key;
ALTER TABLE line_items DROP CONSTRAINT line_items_district_id_id_key;

-- A session's secret now carries its district in clear (`<district id>.<secret>`), and is
-- looked up within that district. Secrets given before cannot be presented in that form: those
-- sessions end here (their devices and push subscriptions with them), and families log in once.
DELETE FROM sessions;
ALTER TABLE sessions DROP CONSTRAINT sessions_token_hash_key,
    ADD CONSTRAINT sessions_token_hash_key UNIQUE (district_id, token_hash);

-- A Linked Districts code begins with its district's number, and is found among its codes.
ALTER TABLE link_codes DROP CONSTRAINT link_codes_code_hash_key,
    ADD CONSTRAINT link_codes_code_hash_key UNIQUE (district_id, code_hash);

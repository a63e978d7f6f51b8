-- Signing in with the district's identity provider (OpenID Connect), per portal; and the
-- sign-ins under way, each known by a hash of its state, used once, for ten minutes.
CREATE TABLE sso_providers (
    district_id INTEGER NOT NULL REFERENCES districts (id),
    portal TEXT NOT NULL CHECK (portal IN ('staff', 'teacher', 'student')),
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    -- Sealed under the operator's secret_key when one is set.
    client_secret TEXT NOT NULL,
    claim TEXT NOT NULL CHECK (claim IN ('email', 'preferred_username', 'sub')),
    match_by TEXT NOT NULL CHECK (match_by IN ('sourcedId', 'email', 'username')),
    -- The provider's name on the login page's button ("Google", "Microsoft", "Clever").
    label TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (district_id, portal)
);

CREATE TABLE sso_attempts (
    district_id INTEGER NOT NULL REFERENCES districts (id),
    state_hash TEXT NOT NULL,
    portal TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    -- A sign-in from the mobile app: where its code goes (the app's own scheme), and the app's
    -- PKCE challenge that the exchange of that code must answer.
    app_redirect TEXT,
    app_challenge TEXT,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (district_id, state_hash)
);
CREATE INDEX sso_attempts_expiry ON sso_attempts (expires_at);

-- A one-time code the app exchanges for an API token, known by its hash, for two minutes.
CREATE TABLE sso_app_codes (
    district_id INTEGER NOT NULL REFERENCES districts (id),
    code_hash TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    challenge TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (district_id, code_hash),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
);

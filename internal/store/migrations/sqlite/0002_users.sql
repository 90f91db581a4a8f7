-- Users, their sessions and failed sign-ins (for the web app).
-- A user belongs to one account. Emails are unique across accounts (sign-in
-- finds the account by email) and stored trimmed and lower-cased.

CREATE TABLE app_user (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL DEFAULT '',
    -- PHC string of the password's argon2id hash; never the password
    password_hash   TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_sign_in_at TEXT
);
CREATE INDEX app_user_account ON app_user (account_id);

-- A session is found by the SHA-256 of its cookie token: the token itself
-- is never stored, so a copy of the database signs nobody in.
CREATE TABLE user_session (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    -- small JSON document: OAuth state and PKCE verifier, pending choices
    data         TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX user_session_user ON user_session (user_id);
CREATE INDEX user_session_expires ON user_session (expires_at);

-- One row per failed sign-in, keyed by what is limited ("email:..." or
-- "ip:..."), so every web process shares one limit.
CREATE TABLE login_failure (
    id  INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at  TEXT NOT NULL
);
CREATE INDEX login_failure_key_at ON login_failure (key, at);

-- The client addresses each email signed in from, and when last. The
-- per-account sign-in limit, which a botnet could otherwise run up to lock
-- the real user out, never holds back an address the user signed in from
-- lately (internal/web, doc/security.md). Rows of login_failure now also
-- stand for attempts in flight: an attempt is recorded before its password
-- is checked, so a burst of simultaneous guesses cannot pass the limit.
CREATE TABLE sign_in_client (
    email   TEXT NOT NULL,
    client  TEXT NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (email, client)
);
CREATE INDEX sign_in_client_last_at ON sign_in_client (last_at);

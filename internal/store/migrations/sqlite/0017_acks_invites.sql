-- Alerts a person marked "Dealt with" on the dashboard, per account: the
-- alert's key (an invoice's, or a problem's kind) and the fingerprint of
-- what it said then. The dashboard hides the alert while its fingerprint
-- is the same; a change or a recurrence (a new fingerprint) shows it again.
CREATE TABLE alert_ack (
    account_id  INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    alert_key   TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    user_id     INTEGER REFERENCES app_user (id) ON DELETE SET NULL,
    acked_at    TEXT NOT NULL,
    PRIMARY KEY (account_id, alert_key)
);

-- Invitations to join an account: found by the SHA-256 of the link's
-- token (the token itself is never stored), single use (used_at), and
-- expiring.
CREATE TABLE user_invite (
    token_hash  TEXT PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    invited_by  INTEGER REFERENCES app_user (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX user_invite_account ON user_invite (account_id);

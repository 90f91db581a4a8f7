-- Email notifications and password reset (doc/operations.md, "Email
-- notifications").

-- The problems (problems.Decide) open on each account, one row per kind.
-- A problem that clears keeps its row with cleared_at set; when it comes
-- back its episode goes up, which makes it new again for the notifier.
CREATE TABLE account_problem (
    account_id BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    episode    BIGINT NOT NULL,
    text       TEXT NOT NULL,
    action     TEXT NOT NULL,
    link       TEXT NOT NULL,
    opened_at  TIMESTAMPTZ NOT NULL,
    cleared_at TIMESTAMPTZ,
    PRIMARY KEY (account_id, kind)
);

-- One row per mail the notifier means to send, claimed before it is sent:
-- dedupe_key (account, user, problem kind and episode, or the digest's
-- day) is unique, so however many processes run the notifier, each mail
-- is sent once. sent_at stays empty until the SMTP server took it; a
-- claim whose send failed is deleted, so the next tick tries again.
CREATE TABLE notification (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    account_id  BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    claimed_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ
);
CREATE INDEX notification_user_claimed ON notification (user_id, claimed_at);
CREATE INDEX notification_claimed ON notification (claimed_at);

-- The kinds of problem a user chose not to be mailed about.
CREATE TABLE notification_optout (
    user_id BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Password reset links: only the SHA-256 of the token is kept, so a copy
-- of the database resets nobody's password. A link works once
-- (used_at) and until expires_at.
CREATE TABLE password_reset (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX password_reset_user ON password_reset (user_id);

-- What orderbridge last learned of each account's Xero day quota, so that
-- every process (serve, sync, a second worker) and the dashboard see the
-- same figure: X-DayLimit-Remaining of the latest answer and when it was
-- seen, and after a 429 for the day limit, the time before which no Xero
-- call is worth making.
CREATE TABLE xero_quota (
    account_id    INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    day_remaining INTEGER NOT NULL DEFAULT 0,
    seen_at       TEXT,
    blocked_until TEXT
);

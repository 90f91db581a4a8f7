-- Rate budgets shared by every orderbridge process on this database: one
-- row per limited key (a Xero organisation, the Xero app, a ShipStation key
-- pair, the last by a hash: never the key itself), holding the key's GCRA
-- "theoretical arrival time" in microseconds since the Unix epoch. A call
-- is admitted when tat_us minus the burst tolerance is not after now, and
-- then moves tat_us one emission interval on, in one statement; a 429 seen
-- by any process pushes tat_us past its Retry-After, so every process
-- waits (store.RateLimiter, doc/design.md "Rate limits").
CREATE TABLE rate_budget (
    key        TEXT PRIMARY KEY,
    tat_us     BIGINT NOT NULL,
    -- whether the last attempt was admitted: what the one statement returns
    admitted   BOOLEAN NOT NULL DEFAULT TRUE,
    -- the clock of the last attempt or penalty, for operators
    updated_us BIGINT NOT NULL
);

-- In-flight slots shared by every process: a Xero organisation allows 5
-- concurrent calls, so a call holds one of 5 rows (key, slot) for its
-- duration. lease names the holder, so only it frees the slot; expires_us
-- frees the slot of a process that died mid-call.
CREATE TABLE rate_slot (
    key        TEXT NOT NULL,
    slot       INTEGER NOT NULL,
    lease      TEXT NOT NULL,
    expires_us BIGINT NOT NULL,
    PRIMARY KEY (key, slot)
);

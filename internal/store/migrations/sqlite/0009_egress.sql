-- Egress and webhooks that went quiet.
--
-- xero_egress: the bytes Xero sent each account, per UTC day and endpoint
-- family (xero.Endpoint): Xero bills an app for the data it pulls beyond
-- its tier's monthly allowance, and every process adds to the same rows.
--
-- swept_change: invoice changes a run read that were made after the
-- account's last Xero webhook delivery: when they outlive a grace period
-- with still no delivery, Xero has most likely disabled the webhook
-- (store.WebhookHealth.MissedChanges).
CREATE TABLE xero_egress (
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    day        TEXT NOT NULL, -- UTC, 2006-01-02
    endpoint   TEXT NOT NULL,
    bytes      INTEGER NOT NULL DEFAULT 0,
    calls      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, day, endpoint)
);

CREATE TABLE swept_change (
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    source     TEXT NOT NULL CHECK (source IN ('xero', 'shipstation')),
    resource   TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    found_at   TEXT NOT NULL,
    PRIMARY KEY (account_id, source, resource, changed_at)
);
CREATE INDEX swept_change_found ON swept_change (found_at);

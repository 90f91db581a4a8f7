-- Webhooks: the events received (to drop repeats and, for ShipStation,
-- as the work the write-back does), the work an account asked for while
-- its job was running, each account's webhook health for the dashboard,
-- and the ShipStation subscription whose URL carries a per-account secret
-- (only its SHA-256 is kept).

CREATE TABLE webhook_event (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    source      TEXT NOT NULL CHECK (source IN ('xero', 'shipstation')),
    -- what makes a repeat a repeat: a hash of Xero's (tenant, category,
    -- type, resource, date), or of ShipStation's resource_url
    event_key   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    resource    TEXT NOT NULL DEFAULT '',
    received_at TIMESTAMPTZ NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'ignored')),
    detail      TEXT NOT NULL DEFAULT '',
    UNIQUE (account_id, source, event_key)
);
CREATE INDEX webhook_event_state ON webhook_event (account_id, source, state, id);
CREATE INDEX webhook_event_received ON webhook_event (received_at);

CREATE TABLE work_demand (
    account_id   BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, kind)
);

CREATE TABLE webhook_health (
    account_id       BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    source           TEXT NOT NULL CHECK (source IN ('xero', 'shipstation')),
    last_delivery_at TIMESTAMPTZ,
    deliveries       BIGINT NOT NULL DEFAULT 0,
    events           BIGINT NOT NULL DEFAULT 0,
    duplicates       BIGINT NOT NULL DEFAULT 0,
    last_failure_at  TIMESTAMPTZ,
    last_failure     TEXT NOT NULL DEFAULT '',
    failures         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, source)
);

CREATE TABLE shipstation_hook (
    account_id  BIGINT PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL UNIQUE,
    webhook_id  BIGINT NOT NULL DEFAULT 0,
    store_id    BIGINT NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- Xero webhooks name a tenant: find the accounts connected to it.
CREATE INDEX account_connection_tenant ON account_connection ((metadata ->> 'tenant_id')) WHERE kind = 'xero';

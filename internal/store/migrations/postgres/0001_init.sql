-- orderbridge schema, PostgreSQL dialect. Times are timestamptz (UTC,
-- microsecond precision); settings and metadata are jsonb.
-- Every table but account is keyed by account_id first: each query is
-- scoped to one account, and deleting an account deletes its rows.

CREATE TABLE account (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE account_connection (
    account_id    BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('xero', 'shipstation')),
    status        TEXT NOT NULL CHECK (status IN ('connected', 'reconnect_needed', 'disconnected')),
    status_reason TEXT NOT NULL DEFAULT '',
    -- sealed secret (seal package format); NULL once disconnected
    secret        TEXT,
    metadata      JSONB NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, kind)
);

CREATE TABLE account_settings (
    account_id BIGINT PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    settings   JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE invoice_link (
    account_id     BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    invoice_id     TEXT NOT NULL,
    invoice_number TEXT NOT NULL DEFAULT '',
    order_key      TEXT NOT NULL DEFAULT '',
    order_id       BIGINT NOT NULL DEFAULT 0,
    order_status   TEXT NOT NULL DEFAULT '',
    decision       TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '',
    content_hash   TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, invoice_id)
);
CREATE INDEX invoice_link_order_key ON invoice_link (account_id, order_key);
CREATE INDEX invoice_link_number ON invoice_link (account_id, invoice_number);
CREATE INDEX invoice_link_updated ON invoice_link (account_id, updated_at);

CREATE TABLE contact_cache (
    account_id         BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    contact_id         TEXT NOT NULL,
    contact            TEXT NOT NULL,
    contact_updated_at TIMESTAMPTZ NOT NULL,
    fetched_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, contact_id)
);

CREATE TABLE transaction_log (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    at             TIMESTAMPTZ NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('xero_to_shipstation', 'shipstation_to_xero')),
    outcome        TEXT NOT NULL CHECK (outcome IN ('success', 'skipped', 'failed', 'warning')),
    invoice_id     TEXT NOT NULL DEFAULT '',
    invoice_number TEXT NOT NULL DEFAULT '',
    order_number   TEXT NOT NULL DEFAULT '',
    message        TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX transaction_log_account_at ON transaction_log (account_id, at, id);
CREATE INDEX transaction_log_invoice_number ON transaction_log (account_id, invoice_number);

CREATE TABLE sync_cursor (
    account_id BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE written_shipment (
    account_id  BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    shipment_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('note', 'line')),
    invoice_id  TEXT NOT NULL DEFAULT '',
    written_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, shipment_id, kind)
);
CREATE INDEX written_shipment_invoice ON written_shipment (account_id, invoice_id);

-- orderbridge schema, SQLite dialect. Times are TEXT in UTC, formatted with
-- a fixed width (2006-01-02T15:04:05.000000Z) so they sort as text.
-- Every table but account is keyed by account_id first: each query is
-- scoped to one account, and deleting an account deletes its rows.

CREATE TABLE account (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE account_connection (
    account_id    INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('xero', 'shipstation')),
    status        TEXT NOT NULL CHECK (status IN ('connected', 'reconnect_needed', 'disconnected')),
    status_reason TEXT NOT NULL DEFAULT '',
    -- sealed secret (seal package format); NULL once disconnected
    secret        TEXT,
    metadata      TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (account_id, kind)
);

CREATE TABLE account_settings (
    account_id INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    settings   TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE invoice_link (
    account_id     INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    invoice_id     TEXT NOT NULL,
    invoice_number TEXT NOT NULL DEFAULT '',
    order_key      TEXT NOT NULL DEFAULT '',
    order_id       INTEGER NOT NULL DEFAULT 0,
    order_status   TEXT NOT NULL DEFAULT '',
    decision       TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '',
    content_hash   TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (account_id, invoice_id)
);
CREATE INDEX invoice_link_order_key ON invoice_link (account_id, order_key);
CREATE INDEX invoice_link_number ON invoice_link (account_id, invoice_number);
CREATE INDEX invoice_link_updated ON invoice_link (account_id, updated_at);

CREATE TABLE contact_cache (
    account_id         INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    contact_id         TEXT NOT NULL,
    contact            TEXT NOT NULL,
    contact_updated_at TEXT NOT NULL,
    fetched_at         TEXT NOT NULL,
    PRIMARY KEY (account_id, contact_id)
);

CREATE TABLE transaction_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    at             TEXT NOT NULL,
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
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE written_shipment (
    account_id  INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    shipment_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('note', 'line')),
    invoice_id  TEXT NOT NULL DEFAULT '',
    written_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, shipment_id, kind)
);
CREATE INDEX written_shipment_invoice ON written_shipment (account_id, invoice_id);

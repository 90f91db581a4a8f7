-- Write-back: the two void actions and line_settled (no cost line work is
-- left for the event) join the note and the line, and a
-- marker says a write to Xero was attempted for an event, so that a retry
-- after a crash (between Xero's answer and our commit) looks at the
-- invoice's History before writing a note again. SQLite cannot alter a
-- CHECK constraint: the table is rebuilt.
CREATE TABLE written_shipment_new (
    account_id  INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    shipment_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('note', 'line', 'void_note', 'line_removed', 'line_settled')),
    invoice_id  TEXT NOT NULL DEFAULT '',
    written_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, shipment_id, kind)
);
INSERT INTO written_shipment_new (account_id, shipment_id, kind, invoice_id, written_at)
    SELECT account_id, shipment_id, kind, invoice_id, written_at FROM written_shipment;
DROP TABLE written_shipment;
ALTER TABLE written_shipment_new RENAME TO written_shipment;
CREATE INDEX written_shipment_invoice ON written_shipment (account_id, invoice_id);

CREATE TABLE write_back_attempt (
    account_id   INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    shipment_id  TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    PRIMARY KEY (account_id, shipment_id)
);

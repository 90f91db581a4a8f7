-- Write-back: "rechecked" records that ShipStation was asked for an order's
-- status after one of its labels was voided, and the invoice decided again
-- with it, so a re-read of the void does not ask again. SQLite cannot alter
-- a CHECK constraint: the table is rebuilt.
CREATE TABLE written_shipment_new (
    account_id  INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    shipment_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('note', 'line', 'void_note', 'line_removed', 'line_settled', 'rechecked')),
    invoice_id  TEXT NOT NULL DEFAULT '',
    written_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, shipment_id, kind)
);
INSERT INTO written_shipment_new (account_id, shipment_id, kind, invoice_id, written_at)
    SELECT account_id, shipment_id, kind, invoice_id, written_at FROM written_shipment;
DROP TABLE written_shipment;
ALTER TABLE written_shipment_new RENAME TO written_shipment;
CREATE INDEX written_shipment_invoice ON written_shipment (account_id, invoice_id);

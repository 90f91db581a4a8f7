-- Write-back: "rechecked" records that ShipStation was asked for an order's
-- status after one of its labels was voided, and the invoice decided again
-- with it, so a re-read of the void does not ask again.
ALTER TABLE written_shipment DROP CONSTRAINT written_shipment_kind_check;
ALTER TABLE written_shipment ADD CONSTRAINT written_shipment_kind_check
    CHECK (kind IN ('note', 'line', 'void_note', 'line_removed', 'line_settled', 'rechecked'));

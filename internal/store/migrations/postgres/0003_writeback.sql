-- Write-back: the two void actions and line_settled (no cost line work is
-- left for the event) join the note and the line, and a
-- marker says a write to Xero was attempted for an event, so that a retry
-- after a crash (between Xero's answer and our commit) looks at the
-- invoice's History before writing a note again.
ALTER TABLE written_shipment DROP CONSTRAINT written_shipment_kind_check;
ALTER TABLE written_shipment ADD CONSTRAINT written_shipment_kind_check
    CHECK (kind IN ('note', 'line', 'void_note', 'line_removed', 'line_settled'));

CREATE TABLE write_back_attempt (
    account_id   BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    shipment_id  TEXT NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, shipment_id)
);

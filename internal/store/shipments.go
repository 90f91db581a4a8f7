package store

import (
	"context"
	"fmt"
	"time"
)

// WriteBackKind is what was written to Xero for a shipment.
type WriteBackKind string

// Write-back kinds.
const (
	WriteBackNote        WriteBackKind = "note"         // a History note on the invoice
	WriteBackLine        WriteBackKind = "line"         // a shipping-cost line on the invoice
	WriteBackVoidNote    WriteBackKind = "void_note"    // a "label voided" History note
	WriteBackLineRemoved WriteBackKind = "line_removed" // the shipping-cost line removed after a void
	// WriteBackLineSettled records that the cost line needs no more work
	// for the shipment as it stands (Xero locked the invoice, or there is
	// no cost): later re-reads then cost no Xero call.
	WriteBackLineSettled WriteBackKind = "line_settled"
	// WriteBackRechecked records that, after this void, ShipStation was
	// asked for the order's status and the invoice decided again with it:
	// a later re-read of the void asks no more (the order stays shipped
	// while another label lives, and asking on every re-read would cost
	// two calls a run for ever).
	WriteBackRechecked WriteBackKind = "rechecked"
)

// Label names the write-back for a merchant, as the invoice page lists
// it: the one place a kind gets its words. A kind without words shows as
// itself rather than as another kind.
func (k WriteBackKind) Label() string {
	switch k {
	case WriteBackNote:
		return "history note"
	case WriteBackLine:
		return "shipping line"
	case WriteBackVoidNote:
		return "label voided note"
	case WriteBackLineRemoved:
		return "shipping line removed"
	case WriteBackLineSettled:
		return "no shipping line written (no cost, or Xero locked the invoice)"
	case WriteBackRechecked:
		return "order status checked in ShipStation after the void"
	}
	return string(k)
}

// valid reports whether k is a kind the schema accepts.
func (k WriteBackKind) valid() bool {
	switch k {
	case WriteBackNote, WriteBackLine, WriteBackVoidNote, WriteBackLineRemoved, WriteBackLineSettled, WriteBackRechecked:
		return true
	}
	return false
}

// WrittenShipment records that a shipment's write-back of one kind is
// done, so a retry never writes it twice.
type WrittenShipment struct {
	AccountID  int64
	ShipmentID string // ShipStation shipmentId (or a fulfillment's id, prefixed by the caller)
	Kind       WriteBackKind
	InvoiceID  string
	WrittenAt  time.Time // zero: now
}

// MarkShipmentWritten records a write-back and reports whether it is new;
// false means it was recorded before (the caller's retry wrote nothing new
// — or must not).
func (q *Queries) MarkShipmentWritten(ctx context.Context, w WrittenShipment) (bool, error) {
	if w.AccountID == 0 || w.ShipmentID == "" {
		return false, fmt.Errorf("store: mark shipment written: account and shipment id are required")
	}
	if !w.Kind.valid() {
		return false, fmt.Errorf("store: mark shipment written: unknown kind %q", w.Kind)
	}
	at := w.WrittenAt
	if at.IsZero() {
		at = q.now()
	}
	n, err := q.w.exec(ctx, `INSERT INTO written_shipment (account_id, shipment_id, kind, invoice_id, written_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, shipment_id, kind) DO NOTHING`,
		w.AccountID, w.ShipmentID, string(w.Kind), w.InvoiceID, q.t(at))
	if err != nil {
		return false, fmt.Errorf("store: mark shipment %s written: %w", w.ShipmentID, err)
	}
	return n == 1, nil
}

// ShipmentWritten reports whether a shipment's write-back of kind is done.
func (q *Queries) ShipmentWritten(ctx context.Context, accountID int64, shipmentID string, kind WriteBackKind) (bool, error) {
	var n int
	err := q.r.queryRow(ctx, "SELECT count(*) FROM written_shipment WHERE account_id = $1 AND shipment_id = $2 AND kind = $3",
		accountID, shipmentID, string(kind)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: shipment %s written: %w", shipmentID, err)
	}
	return n > 0, nil
}

// WrittenShipments returns the write-backs recorded for an invoice, oldest
// first.
func (q *Queries) WrittenShipments(ctx context.Context, accountID int64, invoiceID string) ([]WrittenShipment, error) {
	rs, err := q.r.query(ctx, `SELECT account_id, shipment_id, kind, invoice_id, written_at FROM written_shipment
		WHERE account_id = $1 AND invoice_id = $2 ORDER BY written_at, shipment_id, kind`, accountID, invoiceID)
	if err != nil {
		return nil, fmt.Errorf("store: written shipments: %w", err)
	}
	defer rs.Close()
	var out []WrittenShipment
	for rs.Next() {
		var w WrittenShipment
		var kind string
		if err := rs.Scan(&w.AccountID, &w.ShipmentID, &kind, &w.InvoiceID, timeCol{&w.WrittenAt}); err != nil {
			return nil, fmt.Errorf("store: written shipments: %w", err)
		}
		w.Kind = WriteBackKind(kind)
		out = append(out, w)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: written shipments: %w", err)
	}
	return out, nil
}

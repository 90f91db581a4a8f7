package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Queries of the write-back (ShipStation shipments back onto Xero
// invoices). The records themselves are in shipments.go.

// OrderStatusShipped is the order status MarkInvoiceShipped records; it is
// ShipStation's word, which the export reads from the link.
const OrderStatusShipped = "shipped"

// InvoiceLinkByOrderID returns the link whose ShipStation order id is
// orderID (how a fulfillment, which carries no orderKey, finds its
// invoice), or ErrNotFound.
func (q *Queries) InvoiceLinkByOrderID(ctx context.Context, accountID, orderID int64) (InvoiceLink, error) {
	if orderID == 0 {
		return InvoiceLink{}, fmt.Errorf("store: invoice link by order id 0: %w", ErrNotFound)
	}
	l, err := scanLink(q.r.queryRow(ctx, "SELECT "+linkColumns+" FROM invoice_link WHERE account_id = $1 AND order_id = $2 ORDER BY updated_at DESC LIMIT 1",
		accountID, orderID))
	if errors.Is(err, sql.ErrNoRows) {
		return InvoiceLink{}, fmt.Errorf("store: invoice link by order id %d: %w", orderID, ErrNotFound)
	}
	if err != nil {
		return InvoiceLink{}, fmt.Errorf("store: invoice link by order id %d: %w", orderID, err)
	}
	return l, nil
}

// MarkInvoiceShipped records that an invoice's order shipped, touching
// only the order status (never the decision or hash the export keeps), and
// reports whether it changed. The export never re-sends a shipped order,
// so the write-back's own edit of the invoice cannot bounce back to
// ShipStation.
func (q *Queries) MarkInvoiceShipped(ctx context.Context, accountID int64, invoiceID string) (bool, error) {
	n, err := q.w.exec(ctx, `UPDATE invoice_link SET order_status = $3, updated_at = $4
		WHERE account_id = $1 AND invoice_id = $2 AND order_status <> $3`,
		accountID, invoiceID, OrderStatusShipped, q.t(q.now()))
	if err != nil {
		return false, fmt.Errorf("store: mark invoice %s shipped: %w", invoiceID, err)
	}
	return n == 1, nil
}

// ShipmentActions returns the write-back kinds recorded for a shipment
// (or fulfillment) id, in no particular order.
func (q *Queries) ShipmentActions(ctx context.Context, accountID int64, shipmentID string) ([]WriteBackKind, error) {
	rs, err := q.r.query(ctx, "SELECT kind FROM written_shipment WHERE account_id = $1 AND shipment_id = $2", accountID, shipmentID)
	if err != nil {
		return nil, fmt.Errorf("store: shipment %s actions: %w", shipmentID, err)
	}
	defer rs.Close()
	var out []WriteBackKind
	for rs.Next() {
		var k string
		if err := rs.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: shipment %s actions: %w", shipmentID, err)
		}
		out = append(out, WriteBackKind(k))
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: shipment %s actions: %w", shipmentID, err)
	}
	return out, nil
}

// MarkShipmentAttempted records that a write to Xero is about to be made
// for a shipment. It is written before the write, outside any
// transaction: a later attempt that finds it, and finds the write not
// recorded as done, cannot know whether Xero got it, so it reads the
// invoice's History first. A repeat keeps the first time.
func (q *Queries) MarkShipmentAttempted(ctx context.Context, accountID int64, shipmentID string) error {
	_, err := q.w.exec(ctx, `INSERT INTO write_back_attempt (account_id, shipment_id, attempted_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, shipment_id) DO NOTHING`, accountID, shipmentID, q.t(q.now()))
	if err != nil {
		return fmt.Errorf("store: mark shipment %s attempted: %w", shipmentID, err)
	}
	return nil
}

// ShipmentAttempted reports whether MarkShipmentAttempted was called for
// the shipment.
func (q *Queries) ShipmentAttempted(ctx context.Context, accountID int64, shipmentID string) (bool, error) {
	var n int
	err := q.r.queryRow(ctx, "SELECT count(*) FROM write_back_attempt WHERE account_id = $1 AND shipment_id = $2",
		accountID, shipmentID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: shipment %s attempted: %w", shipmentID, err)
	}
	return n > 0, nil
}

// ClearShipmentAttempt forgets the attempt marker once what was attempted
// is recorded (in the same transaction), so the next write for the
// shipment, such as its void note, costs no History read.
func (q *Queries) ClearShipmentAttempt(ctx context.Context, accountID int64, shipmentID string) error {
	_, err := q.w.exec(ctx, "DELETE FROM write_back_attempt WHERE account_id = $1 AND shipment_id = $2", accountID, shipmentID)
	if err != nil {
		return fmt.Errorf("store: clear shipment %s attempt: %w", shipmentID, err)
	}
	return nil
}

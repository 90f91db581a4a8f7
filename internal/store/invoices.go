package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Decision is what the export did with an invoice the last time it looked.
type Decision string

// Decisions the worker records. The column is free text, so the worker may
// add more; these are the ones the UI knows.
const (
	DecisionExported  Decision = "exported"  // an order was created or updated
	DecisionUnchanged Decision = "unchanged" // the content hash matched: nothing sent
	DecisionSkipped   Decision = "skipped"   // not eligible; Reason says why
	DecisionCancelled Decision = "cancelled" // voided or deleted in Xero; order cancelled
	DecisionFailed    Decision = "failed"    // an error a person must fix; Reason says how
	DecisionAlert     Decision = "alert"     // needs attention (e.g. voided after shipping)
)

// InvoiceLink ties a Xero invoice to its ShipStation order and remembers
// the last decision about it.
type InvoiceLink struct {
	AccountID     int64
	InvoiceID     string // Xero InvoiceID
	InvoiceNumber string
	OrderKey      string // ShipStation orderKey (derived from tenant and InvoiceID)
	OrderID       int64  // ShipStation orderId; 0 until an order exists
	OrderStatus   string // as last known: awaiting_shipment, shipped, cancelled, ...
	Decision      Decision
	Reason        string // for a person: why skipped or failed, and what to do
	// ReasonCode is Reason as the mapper's stable code (bridge.Cause), for
	// counting and listing without matching words; empty when the order
	// was sent.
	ReasonCode  string
	ContentHash string // hash of what was last sent, to skip unchanged invoices
	// What the merchant knows the invoice by, as the export last read it
	// (empty for a link written before migration 0016 until then).
	Customer    string // the contact's name
	InvoiceDate string // YYYY-MM-DD, Xero's Date
	Currency    string // Xero's CurrencyCode
	TotalCents  int64  // Xero's Total in hundredths of Currency
	ShipCity    string // the order's ship-to city
	ShipCountry string // the order's ship-to country code
	// Tracking and WrittenBack are the write-back's (RecordInvoiceShipment):
	// UpsertInvoiceLink never changes them. Tracking is the tracking
	// numbers of the live labels, space-separated.
	Tracking    string
	WrittenBack bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const linkColumns = `account_id, invoice_id, invoice_number, order_key, order_id, order_status,
	decision, reason, content_hash, created_at, updated_at, reason_code,
	customer, invoice_date, currency, total_cents, ship_city, ship_country, tracking, written_back`

// scanLink scans linkColumns, then into extra any columns a query selects
// after them (the invoices page's state and sort key).
func scanLink(r row, extra ...any) (InvoiceLink, error) {
	var l InvoiceLink
	var decision string
	var written int
	err := r.Scan(append([]any{&l.AccountID, &l.InvoiceID, &l.InvoiceNumber, &l.OrderKey, &l.OrderID, &l.OrderStatus,
		&decision, &l.Reason, &l.ContentHash, timeCol{&l.CreatedAt}, timeCol{&l.UpdatedAt}, &l.ReasonCode,
		&l.Customer, &l.InvoiceDate, &l.Currency, &l.TotalCents, &l.ShipCity, &l.ShipCountry, &l.Tracking, &written}, extra...)...)
	l.Decision, l.WrittenBack = Decision(decision), written != 0
	return l, err
}

// UpsertInvoiceLink creates or replaces the link of (AccountID, InvoiceID)
// with every field of l but the write-back's (Tracking, WrittenBack: a
// write-back between the export's read of the link and this write must
// not be undone); UpdatedAt is set to now, CreatedAt kept.
func (q *Queries) UpsertInvoiceLink(ctx context.Context, l InvoiceLink) error {
	if l.AccountID == 0 || strings.TrimSpace(l.InvoiceID) == "" {
		return errors.New("store: upsert invoice link: account and invoice id are required")
	}
	now := q.t(q.now())
	_, err := q.w.exec(ctx, `INSERT INTO invoice_link (account_id, invoice_id, invoice_number, order_key, order_id, order_status,
		decision, reason, content_hash, created_at, updated_at, reason_code,
		customer, invoice_date, currency, total_cents, ship_city, ship_country, search_text)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (account_id, invoice_id) DO UPDATE SET
		invoice_number = excluded.invoice_number, order_key = excluded.order_key,
		order_id = excluded.order_id, order_status = excluded.order_status,
		decision = excluded.decision, reason = excluded.reason, reason_code = excluded.reason_code,
		content_hash = excluded.content_hash, updated_at = excluded.updated_at,
		customer = excluded.customer, invoice_date = excluded.invoice_date, currency = excluded.currency,
		total_cents = excluded.total_cents, ship_city = excluded.ship_city, ship_country = excluded.ship_country,
		search_text = excluded.search_text || lower(invoice_link.tracking)`,
		l.AccountID, l.InvoiceID, l.InvoiceNumber, l.OrderKey, l.OrderID, l.OrderStatus,
		string(l.Decision), l.Reason, l.ContentHash, now, l.ReasonCode,
		l.Customer, l.InvoiceDate, l.Currency, l.TotalCents, l.ShipCity, l.ShipCountry, searchText(l.InvoiceNumber, l.Customer, ""))
	if err != nil {
		return fmt.Errorf("store: upsert invoice link %s: %w", l.InvoiceID, err)
	}
	return nil
}

// InvoiceLink returns the link of one invoice, or ErrNotFound.
func (q *Queries) InvoiceLink(ctx context.Context, accountID int64, invoiceID string) (InvoiceLink, error) {
	l, err := scanLink(q.r.queryRow(ctx, "SELECT "+linkColumns+" FROM invoice_link WHERE account_id = $1 AND invoice_id = $2",
		accountID, invoiceID))
	if errors.Is(err, sql.ErrNoRows) {
		return InvoiceLink{}, fmt.Errorf("store: invoice link %s: %w", invoiceID, ErrNotFound)
	}
	if err != nil {
		return InvoiceLink{}, fmt.Errorf("store: invoice link %s: %w", invoiceID, err)
	}
	return l, nil
}

// InvoiceLinkByOrderKey returns the link whose order has orderKey (how a
// shipment finds its invoice), or ErrNotFound.
func (q *Queries) InvoiceLinkByOrderKey(ctx context.Context, accountID int64, orderKey string) (InvoiceLink, error) {
	if orderKey == "" {
		return InvoiceLink{}, fmt.Errorf("store: invoice link by empty order key: %w", ErrNotFound)
	}
	l, err := scanLink(q.r.queryRow(ctx, "SELECT "+linkColumns+" FROM invoice_link WHERE account_id = $1 AND order_key = $2 ORDER BY updated_at DESC LIMIT 1",
		accountID, orderKey))
	if errors.Is(err, sql.ErrNoRows) {
		return InvoiceLink{}, fmt.Errorf("store: invoice link by order key %s: %w", orderKey, ErrNotFound)
	}
	if err != nil {
		return InvoiceLink{}, fmt.Errorf("store: invoice link by order key %s: %w", orderKey, err)
	}
	return l, nil
}

// InvoiceLinksByNumber returns the links of invoices numbered number
// (usually one; Xero lets a number be reused after a deletion), newest
// first.
func (q *Queries) InvoiceLinksByNumber(ctx context.Context, accountID int64, number string) ([]InvoiceLink, error) {
	return q.listLinks(ctx, "store: invoice links by number",
		"SELECT "+linkColumns+" FROM invoice_link WHERE account_id = $1 AND invoice_number = $2 ORDER BY updated_at DESC, invoice_id",
		accountID, number)
}

// LinkFilter narrows ListInvoiceLinks.
type LinkFilter struct {
	Decision Decision // empty: any
	Limit    int      // 0: 100
	Offset   int
}

// ListInvoiceLinks returns an account's links, most recently updated first.
func (q *Queries) ListInvoiceLinks(ctx context.Context, accountID int64, f LinkFilter) ([]InvoiceLink, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	return q.listLinks(ctx, "store: list invoice links",
		"SELECT "+linkColumns+" FROM invoice_link WHERE account_id = $1 AND ($2 = '' OR decision = $2) ORDER BY updated_at DESC, invoice_id LIMIT $3 OFFSET $4",
		accountID, string(f.Decision), limit, max(f.Offset, 0))
}

func (q *Queries) listLinks(ctx context.Context, op, query string, args ...any) ([]InvoiceLink, error) {
	rs, err := q.r.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rs.Close()
	var out []InvoiceLink
	for rs.Next() {
		l, err := scanLink(rs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, l)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// InvoiceState is where an invoice stands now, from its link: the one
// answer the dashboard's counts and lists give for it.
type InvoiceState string

// Invoice states. An invoice is in the first that holds: a failure or an
// alert first (a person must act whatever its order is), then waiting for
// the merchant, then its order's state, then not sent.
const (
	StateFailed        InvoiceState = "failed"         // the last try failed; Reason says what to fix
	StateAttention     InvoiceState = "attention"      // a person must act (voided after shipping)
	StateWaiting       InvoiceState = "waiting"        // skipped for a reason the merchant fixes in Xero
	StateWrittenBack   InvoiceState = "written_back"   // its order shipped and the shipment is on the Xero invoice
	StateShipped       InvoiceState = "shipped"        // its order shipped (not written back to Xero yet, or write-back is off)
	StateInShipStation InvoiceState = "in_shipstation" // its order is open in ShipStation
	StateCancelled     InvoiceState = "cancelled"      // its order was cancelled
	StateNotSent       InvoiceState = "not_sent"       // never sent, and nothing to fix (a draft, not tracked, ...)
)

// stateExpr is the SQL of an invoice link's InvoiceState, the one place
// that decides it. waiting are the reason codes of a skip the merchant
// fixes; their values are appended to args. The order statuses are
// ShipStation's.
func stateExpr(waiting []string, args *[]any) string {
	wait := "1 = 0"
	if len(waiting) > 0 {
		wait = "reason_code IN (" + placeholders(len(*args)+1, waiting, args) + ")"
	}
	return `CASE
		WHEN decision = 'failed' THEN 'failed'
		WHEN decision = 'alert' THEN 'attention'
		WHEN decision = 'skipped' AND ` + wait + ` THEN 'waiting'
		WHEN order_status = 'shipped' AND written_back <> 0 THEN 'written_back'
		WHEN order_status = 'shipped' THEN 'shipped'
		WHEN order_status = 'cancelled' OR decision = 'cancelled' THEN 'cancelled'
		WHEN order_id <> 0 THEN 'in_shipstation'
		ELSE 'not_sent' END`
}

// CountInvoiceStates counts an account's invoices by their state now
// (each once), for the dashboard; waiting are the reason codes of a skip
// the merchant fixes (bridge says which). States without invoices are
// absent.
func (q *Queries) CountInvoiceStates(ctx context.Context, accountID int64, waiting []string) (map[InvoiceState]int, error) {
	args := []any{accountID}
	return q.countStates(ctx, "store: count invoice states",
		"SELECT "+stateExpr(waiting, &args)+" AS state, count(*) FROM invoice_link WHERE account_id = $1 GROUP BY state", args...)
}

// countStates runs query, which selects (state, count) rows, and returns
// the counts by state; what prefixes its errors.
func (q *Queries) countStates(ctx context.Context, what, query string, args ...any) (map[InvoiceState]int, error) {
	rs, err := q.r.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rs.Close()
	out := map[InvoiceState]int{}
	for rs.Next() {
		var st string
		var n int
		if err := rs.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out[InvoiceState(st)] = n
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// InvoicesInState lists an account's invoices in state now, most
// recently looked at first, at most limit (0: 100): exactly those
// CountInvoiceStates counts in it, given the same waiting codes.
func (q *Queries) InvoicesInState(ctx context.Context, accountID int64, state InvoiceState, waiting []string, limit int) ([]InvoiceLink, error) {
	if limit <= 0 {
		limit = 100
	}
	args := []any{accountID, string(state), limit}
	return q.listLinks(ctx, "store: invoices in state",
		"SELECT "+linkColumns+" FROM invoice_link WHERE account_id = $1 AND "+stateExpr(waiting, &args)+
			" = $2 ORDER BY updated_at DESC, invoice_id LIMIT $3", args...)
}

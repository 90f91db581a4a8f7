package xero

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const apiPath = "/api.xro/2.0"

// MaxPageSize is the largest pageSize Xero accepts.
const MaxPageSize = 1000

// InvoiceQuery filters GET /Invoices. Paging is always on (Page defaults to
// 1) because only paged responses carry line items.
type InvoiceQuery struct {
	Page     int // 1-based; 0 means 1
	PageSize int // 1..1000; 0 means Xero's default of 100

	Statuses       []string
	IDs            []string // keep to 50 or fewer: longer URLs get 404s
	InvoiceNumbers []string
	ContactIDs     []string
	Where          string // e.g. Type=="ACCREC"
	Order          string // e.g. "UpdatedDateUTC ASC"
	SearchTerm     string
	// ModifiedSince sends If-Modified-Since (UTC, ISO-8601).
	ModifiedSince   time.Time
	IncludeArchived bool
	SummaryOnly     bool
	UnitDP          int // 4 for four-decimal unit amounts; 0 leaves Xero's 2
}

func (q InvoiceQuery) values() url.Values {
	v := url.Values{}
	v.Set("page", strconv.Itoa(max(q.Page, 1)))
	if q.PageSize > 0 {
		v.Set("pageSize", strconv.Itoa(min(q.PageSize, MaxPageSize)))
	}
	setList(v, "Statuses", q.Statuses)
	setList(v, "IDs", q.IDs)
	setList(v, "InvoiceNumbers", q.InvoiceNumbers)
	setList(v, "ContactIDs", q.ContactIDs)
	setNonEmpty(v, "where", q.Where)
	setNonEmpty(v, "order", q.Order)
	setNonEmpty(v, "searchTerm", q.SearchTerm)
	if q.IncludeArchived {
		v.Set("includeArchived", "true")
	}
	if q.SummaryOnly {
		v.Set("summaryOnly", "true")
	}
	if q.UnitDP > 0 {
		v.Set("unitdp", strconv.Itoa(q.UnitDP))
	}
	return v
}

func setList(v url.Values, key string, list []string) {
	if len(list) > 0 {
		v.Set(key, strings.Join(list, ","))
	}
}

func setNonEmpty(v url.Values, key, val string) {
	if val != "" {
		v.Set(key, val)
	}
}

// modifiedSince returns the If-Modified-Since header for t: UTC ISO-8601,
// as Xero's docs ask (not the RFC 1123 form HTTP usually uses).
func modifiedSince(t time.Time) http.Header {
	if t.IsZero() {
		return nil
	}
	return http.Header{"If-Modified-Since": {t.UTC().Format("2006-01-02T15:04:05")}}
}

// InvoicePage is one page of invoices.
type InvoicePage struct {
	Page       int        // the page asked for
	Pagination Pagination // as Xero sent it (zero when absent)
	Invoices   []Invoice
	Warnings   []Message
	// At is when Xero answered, by Xero's clock (the envelope's
	// DateTimeUTC; zero when absent): how far a read reached is judged on
	// the clock that stamps UpdatedDateUTC, not on ours.
	At time.Time
}

// invoicesEnvelope is Xero's response wrapper for invoices.
type invoicesEnvelope struct {
	DateTimeUTC *Time       `json:"DateTimeUTC,omitempty"` // only in answers
	Pagination  *Pagination `json:"pagination,omitempty"`
	Warnings    []Message   `json:"Warnings,omitempty"`
	Invoices    []Invoice   `json:"Invoices"`
}

// Invoices returns one page of invoices.
func (c *Client) Invoices(ctx context.Context, tenantID string, q InvoiceQuery) (*InvoicePage, error) {
	var env invoicesEnvelope
	err := c.do(ctx, &request{op: "list invoices", method: http.MethodGet, path: apiPath + "/Invoices",
		query: q.values(), tenantID: tenantID, tenanted: true, header: modifiedSince(q.ModifiedSince),
		ok: []int{http.StatusOK, http.StatusNotModified}}, &env)
	if err != nil {
		return nil, err
	}
	p := &InvoicePage{Page: max(q.Page, 1), Invoices: env.Invoices, Warnings: env.Warnings}
	if env.DateTimeUTC != nil {
		p.At = env.DateTimeUTC.Time
	}
	if env.Pagination != nil {
		p.Pagination = *env.Pagination
	}
	return p, nil
}

// InvoicePages walks the pages of q from q.Page on. It stops after a page
// with fewer than pageSize invoices or when page reaches pageCount, and
// after yielding an error.
func (c *Client) InvoicePages(ctx context.Context, tenantID string, q InvoiceQuery) iter.Seq2[*InvoicePage, error] {
	return func(yield func(*InvoicePage, error) bool) {
		q.Page = max(q.Page, 1)
		for {
			p, err := c.Invoices(ctx, tenantID, q)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(p, nil) || lastPage(p.Page, len(p.Invoices), q.PageSize, p.Pagination) {
				return
			}
			q.Page++
		}
	}
}

// lastPage decides whether a page ends the walk.
func lastPage(page, n, asked int, pg Pagination) bool {
	size := asked
	if size <= 0 {
		size = 100 // Xero's default
	}
	if pg.PageSize > 0 {
		size = pg.PageSize
	}
	if n == 0 || n < size {
		return true
	}
	return pg.PageCount > 0 && page >= pg.PageCount
}

// Invoice returns one invoice with its full contact and line items. id may
// also be an InvoiceNumber.
func (c *Client) Invoice(ctx context.Context, tenantID, id string) (*Invoice, error) {
	if id == "" {
		return nil, errors.New("xero: get invoice: empty id")
	}
	var env invoicesEnvelope
	op := "get invoice " + id
	if err := c.do(ctx, &request{op: op, method: http.MethodGet, path: apiPath + "/Invoices/" + url.PathEscape(id),
		tenantID: tenantID, tenanted: true}, &env); err != nil {
		return nil, err
	}
	if len(env.Invoices) == 0 {
		return nil, &NotFoundError{Op: op, Message: "empty Invoices in response"}
	}
	return &env.Invoices[0], nil
}

// CreateInvoice creates inv (PUT /Invoices) and returns it as Xero stored
// it. idempotencyKey (optional) makes a retry safe.
func (c *Client) CreateInvoice(ctx context.Context, tenantID string, inv Invoice, idempotencyKey string) (*Invoice, error) {
	return c.writeInvoice(ctx, tenantID, http.MethodPut, apiPath+"/Invoices", "create invoice", inv, idempotencyKey)
}

// UpdateInvoice updates the invoice inv.InvoiceID with the fields set in
// inv (POST /Invoices/{id}). Omitted fields stay as they are, except
// LineItems: when set it is the complete new list (see UpdateLines).
func (c *Client) UpdateInvoice(ctx context.Context, tenantID string, inv Invoice, idempotencyKey string) (*Invoice, error) {
	if inv.InvoiceID == "" {
		return nil, errors.New("xero: update invoice: InvoiceID is required")
	}
	return c.writeInvoice(ctx, tenantID, http.MethodPost, apiPath+"/Invoices/"+url.PathEscape(inv.InvoiceID),
		"update invoice "+inv.InvoiceID, inv, idempotencyKey)
}

func (c *Client) writeInvoice(ctx context.Context, tenantID, method, path, op string, inv Invoice, key string) (*Invoice, error) {
	var env invoicesEnvelope
	err := c.do(ctx, &request{op: op, method: method, path: path, tenantID: tenantID, tenanted: true,
		body: invoicesEnvelope{Invoices: []Invoice{inv}}, header: withIdempotency(key)}, &env)
	if err != nil {
		return nil, err
	}
	if len(env.Invoices) == 0 {
		return nil, &ResponseError{Op: op, Status: http.StatusOK, Err: errors.New("no invoice in response")}
	}
	out := &env.Invoices[0]
	if out.HasErrors || len(out.ValidationErrors) > 0 {
		ve := &ValidationError{Op: op, Status: http.StatusOK, Type: out.StatusAttributeString}
		for _, m := range out.ValidationErrors {
			ve.Messages = append(ve.Messages, m.Message)
			ve.EditLocked = ve.EditLocked || isEditLock(m.Message)
		}
		return nil, ve
	}
	return out, nil
}

// UpdateLines rewrites an invoice's line items without losing any: it
// reads the invoice, passes a copy of every existing line (all fields, as
// Xero returned them) to edit, and sends back the complete list edit
// returns. Xero deletes any line an update leaves out, so edit must return
// the lines to keep. An invoice that is not Editable is refused before any
// write with a *ValidationError that is ErrEditLocked.
func (c *Client) UpdateLines(ctx context.Context, tenantID, invoiceID string, edit func(lines []LineItem) ([]LineItem, error), idempotencyKey string) (*Invoice, error) {
	inv, err := c.Invoice(ctx, tenantID, invoiceID)
	if err != nil {
		return nil, err
	}
	op := "update lines of invoice " + invoiceID
	if !inv.Editable() {
		return nil, &ValidationError{Op: op, Status: 0, Type: "EditLocked", EditLocked: inv.Status != StatusVoided && inv.Status != StatusDeleted,
			Message: fmt.Sprintf("invoice is %s with %.2f paid and %.2f credited; Xero would refuse the edit", inv.Status, inv.AmountPaid, inv.AmountCredited)}
	}
	lines := make([]LineItem, len(inv.LineItems))
	for i, l := range inv.LineItems {
		lines[i] = l.clone()
	}
	lines, err = edit(lines)
	if err != nil {
		return nil, fmt.Errorf("xero: %s: %w", op, err)
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("xero: %s: refusing to remove every line", op)
	}
	return c.UpdateInvoice(ctx, tenantID, Invoice{InvoiceID: inv.InvoiceID, LineItems: lines}, idempotencyKey)
}

// AddLine appends line to the invoice, re-sending every existing line.
func (c *Client) AddLine(ctx context.Context, tenantID, invoiceID string, line LineItem, idempotencyKey string) (*Invoice, error) {
	return c.UpdateLines(ctx, tenantID, invoiceID, func(lines []LineItem) ([]LineItem, error) {
		return append(lines, line), nil
	}, idempotencyKey)
}

// RemoveLines removes the lines for which drop returns true, re-sending
// every other line. It changes nothing (and makes no write) when no line
// matches, returning the invoice as read.
func (c *Client) RemoveLines(ctx context.Context, tenantID, invoiceID string, drop func(LineItem) bool, idempotencyKey string) (*Invoice, error) {
	errNothing := errors.New("nothing to remove")
	inv, err := c.UpdateLines(ctx, tenantID, invoiceID, func(lines []LineItem) ([]LineItem, error) {
		kept := lines[:0]
		for _, l := range lines {
			if !drop(l) {
				kept = append(kept, l)
			}
		}
		if len(kept) == len(lines) {
			return nil, errNothing
		}
		return kept, nil
	}, idempotencyKey)
	if errors.Is(err, errNothing) {
		return c.Invoice(ctx, tenantID, invoiceID)
	}
	return inv, err
}

// clone deep-copies a line so edits to the copy leave the read invoice
// alone.
func (l LineItem) clone() LineItem {
	if l.Item != nil {
		it := *l.Item
		l.Item = &it
	}
	l.Tracking = append([]LineItemTracking(nil), l.Tracking...)
	l.TaxBreakdown = append([]TaxBreakdown(nil), l.TaxBreakdown...)
	return l
}

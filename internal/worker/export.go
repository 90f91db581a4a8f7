package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// Cursor names this package keeps besides store.CursorXeroInvoices.
const (
	// CursorXeroContacts is the UpdatedDateUTC up to which a bulk contact
	// sweep has cached every contact.
	CursorXeroContacts = "xero_contacts"
	// CursorShippedOrders is when ShipStation was last asked which orders
	// shipped.
	CursorShippedOrders = "shipstation_shipped_orders"
	// CursorSweepEnqueued is when the periodic sweep last enqueued an
	// export for the account (the per-account interval counts from it).
	CursorSweepEnqueued = "export_sweep_enqueued"
)

// Exporter runs exports: one account's invoices changed since its cursor
// (Export), or one invoice (Resync), decided by bridge and sent to
// ShipStation. It is safe for concurrent use; runs of one account must not
// overlap (River's unique jobs ensure it for the workers). New builds it.
type Exporter struct {
	c        *Clients
	st       *store.Store
	log      *slog.Logger
	now      func() time.Time
	overlap  time.Duration
	backfill time.Duration
	pageSize int
	maxAge   time.Duration
	progress func(jobID int64, sum Summary)
}

// RunOptions changes one run.
type RunOptions struct {
	// Since reads invoices changed since then instead of since the cursor
	// minus the overlap.
	Since time.Time
	// RunID is the run (River job id) the log lines are recorded under, so
	// the run's page lists what it did; 0 outside a job.
	RunID int64
	// DryRun decides and reports but sends nothing to ShipStation, writes
	// no link or log line and moves no invoice cursor. (Contacts it fetches
	// are still cached, with the contact cursor.)
	DryRun bool
	// OnInvoice, when set, is called with each invoice's result, before
	// the page that holds it commits.
	OnInvoice func(InvoiceResult)
	// Force sends an open order again even when its content hash says
	// ShipStation has it already (the "Re-sync" button: the order may have
	// been deleted or edited in ShipStation). Shipped and cancelled orders
	// are still left alone, once ShipStation confirms them (Force implies
	// Confirm). Its decisions are logged even when they repeat the
	// link's: a person asked, and the log is where the answer is.
	Force bool
	// Confirm reads the order's status from ShipStation (one GET) before
	// deciding an invoice whose link says the order shipped or was
	// cancelled: voiding its labels or restoring it in ShipStation opens
	// it again, and the link must follow. The write-back uses it after a
	// void (bridge.ReopensOrder).
	Confirm bool
	// WebhooksOnly reads only what the account's pending Xero webhook
	// events announce (the invoices by ID, the cached contacts), instead of
	// every invoice changed since the cursor: a run a webhook asked for,
	// when the sweep asked for none. An account's first run (no cursors
	// yet) reads the window regardless.
	WebhooksOnly bool
	// AfterPage, when set, is called after each page has committed, with
	// the counts so far (tests use it to stop a run between pages). Not
	// called in a dry run.
	AfterPage func(Summary)
}

// Outcome is what happened to one invoice in a run.
type Outcome string

// Outcomes. In a dry run they say what would have happened.
const (
	OutcomeExported  Outcome = "exported"  // a new order
	OutcomeUpdated   Outcome = "updated"   // the open order replaced
	OutcomeCancelled Outcome = "cancelled" // the order cancelled
	OutcomeUnchanged Outcome = "unchanged" // nothing to send
	OutcomeSkipped   Outcome = "skipped"   // not sent; Reason says why
	OutcomeAlert     Outcome = "alert"     // not sent; a person must act
	OutcomeFailed    Outcome = "failed"    // ShipStation refused it; Reason says why
)

// InvoiceResult is one invoice's result in a run.
type InvoiceResult struct {
	InvoiceID      string
	InvoiceNumber  string
	UpdatedDateUTC time.Time
	Outcome        Outcome
	// Reason is why, in words a merchant understands.
	Reason string
	// Decision is bridge.Decide's answer; Decision.Order is the order sent
	// (or that would be sent).
	Decision bridge.Decision
	// Invoice is the invoice as Xero has it now (its status, due date and
	// total for the invoice page); set by Resync only.
	Invoice *xero.Invoice
	// OrgShortCode is the organisation's Xero short code, for the deep link
	// to the invoice in Xero; set by Resync from the connection (read from
	// Xero once per connection, ReadOrganisation), empty when not known.
	OrgShortCode string
}

// Summary counts what a run did.
type Summary struct {
	AccountID int64
	DryRun    bool
	// Since is where the run started reading.
	Since time.Time
	// Cursor is the invoice cursor after the run (zero when none).
	Cursor time.Time
	// Pages is how many invoice pages were read.
	Pages int
	// Invoices is how many invoices were decided; the next seven fields
	// split them by outcome.
	Invoices  int
	Exported  int
	Updated   int
	Cancelled int
	Unchanged int
	Skipped   int
	Alerts    int
	Failed    int
	// SilentRepeats counts invoices decided as their link already said:
	// no new log line was written for them.
	SilentRepeats int
	// XeroCalls and ShipStationCalls count the API calls the run made
	// (token refreshes aside).
	XeroCalls        int
	ShipStationCalls int
	// ContactsFetched counts contacts fetched from Xero and cached.
	ContactsFetched int
	// Passes counts the runs a job made: more than one when webhooks asked
	// for more while it ran.
	Passes int `json:",omitempty"`
	// Stopped is why the job stopped before its end, as a code
	// (StopReconnect, StopNotConnected; empty otherwise): the job's worker
	// sets it, so a run's page names the cause without matching error text.
	Stopped string `json:",omitempty"`
	// Resync is what became of the invoice of a Re-sync run (nil for an
	// export): a Re-sync that sent nothing did not do what was asked, and
	// its run page says so (RunOf).
	Resync *ResyncOutput `json:",omitempty"`
}

// String is the summary on one line, for the log and the sync command.
func (s Summary) String() string {
	return fmt.Sprintf("%d invoices in %d pages: %d exported, %d updated, %d cancelled, %d unchanged, %d skipped, %d alerts, %d failed; %d Xero calls, %d ShipStation calls",
		s.Invoices, s.Pages, s.Exported, s.Updated, s.Cancelled, s.Unchanged, s.Skipped, s.Alerts, s.Failed, s.XeroCalls, s.ShipStationCalls)
}

func (s *Summary) count(o Outcome) {
	s.Invoices++
	switch o {
	case OutcomeExported:
		s.Exported++
	case OutcomeUpdated:
		s.Updated++
	case OutcomeCancelled:
		s.Cancelled++
	case OutcomeUnchanged:
		s.Unchanged++
	case OutcomeSkipped:
		s.Skipped++
	case OutcomeAlert:
		s.Alerts++
	case OutcomeFailed:
		s.Failed++
	}
}

// run is one export run's state.
type run struct {
	acct     int64
	tenant   string
	xc       *xero.Client
	ss       *shipstation.Client
	ssKey    string // the ShipStation API key (caches are per key)
	settings bridge.Settings
	opts     RunOptions
	sum      *Summary
	// shortCode is the organisation's short code (empty: not known).
	shortCode string

	start          time.Time // when the run began
	readAt         time.Time // when Xero answered the run's first invoice read (Xero's clock)
	unsettled      bool      // the run left a bulk second unread again (see pages)
	contactCursor  bool      // the contact cursor exists
	shippedChecked bool
	shippedAt      time.Time
	shipped        map[string]int64 // orderKey -> orderId of orders ShipStation shipped
}

// Export runs one export of an account now. The error is nil, a
// *RetryLaterError, or wraps ErrNotConnected, ErrReconnectNeeded or
// another failure; the Summary counts what was done before it.
func (e *Exporter) Export(ctx context.Context, accountID int64, opts RunOptions) (Summary, error) {
	sum := Summary{AccountID: accountID, DryRun: opts.DryRun}
	r, err := e.c.prepare(ctx, accountID, opts, &sum)
	if err != nil {
		return sum, err
	}
	defer e.c.afterRun(ctx, r)
	since, err := e.since(ctx, accountID, opts)
	if err != nil {
		return sum, err
	}
	sum.Since = since
	announced := false
	if opts.WebhooksOnly && opts.Since.IsZero() {
		announced, err = e.announcedOnly(ctx, r)
		if err != nil {
			return sum, err
		}
	}
	if announced {
		err = e.exportAnnounced(ctx, r)
		announced = !errors.Is(err, errManyAnnounced)
	}
	if !announced {
		err = e.contactChanges(ctx, r)
		if err == nil {
			err = e.pages(ctx, r, since)
		}
		if err == nil {
			err = e.finishCoveredXeroEvents(ctx, r)
		}
	}
	if err == nil && !opts.DryRun && !r.readAt.IsZero() && !r.unsettled {
		// Everything Xero showed from since on was recorded, and what it
		// changed before readAt minus the overlap it showed: the next run
		// need not read that again.
		if werr := e.st.WithTx(ctx, func(tx *store.Tx) error {
			return tx.AdvanceCursor(ctx, accountID, store.CursorXeroInvoicesRead, r.readAt)
		}); werr != nil {
			err = fmt.Errorf("worker: export: %w", werr)
		}
	}
	if cur, ok, cerr := e.st.Cursor(ctx, accountID, store.CursorXeroInvoices); cerr == nil && ok {
		sum.Cursor = cur
	}
	// A run that found nothing new is routine: keep it out of the info log.
	level := runLogLevel(ctx, err, sum.Exported+sum.Updated+sum.Cancelled+sum.Failed+sum.Alerts > 0 || sum.Invoices > sum.SilentRepeats)
	e.log.Log(ctx, level, "export run", "account", accountID, "dry_run", opts.DryRun, "summary", sum.String(), "error", err)
	return sum, err
}

// announcedOnly reports whether a run a webhook asked for may read only
// what the webhooks announced: once the account's first run has set both
// cursors, whose windows the sweep keeps reading as the safety net.
func (e *Exporter) announcedOnly(ctx context.Context, r *run) (bool, error) {
	for _, c := range []string{store.CursorXeroInvoices, CursorXeroContacts} {
		_, ok, err := e.st.Cursor(ctx, r.acct, c)
		if err != nil {
			return false, fmt.Errorf("worker: export: %w", err)
		}
		if !ok {
			return false, nil
		}
	}
	r.contactCursor = true
	return true, nil
}

// since is where a run starts reading: opts.Since when set; else the
// invoice cursor minus the overlap, or, when later, the start of the last
// complete read minus the overlap (store.CursorXeroInvoicesRead); else
// the backfill window.
//
// The overlap is there for invoices Xero shows late, after newer ones.
// Measured from the cursor alone it would re-read, on every run, the
// invoices changed in the overlap before the newest change, which for a
// merchant with no changes is the same invoices all day long (a bulk
// approval: a whole page). A read that began at readAt (Xero's clock) saw
// what was changed before readAt minus the overlap, so the next read
// starts there and an idle merchant's run downloads empty lists.
func (e *Exporter) since(ctx context.Context, accountID int64, opts RunOptions) (time.Time, error) {
	if !opts.Since.IsZero() {
		return opts.Since, nil
	}
	cur, ok, err := e.st.Cursor(ctx, accountID, store.CursorXeroInvoices)
	if err != nil {
		return time.Time{}, fmt.Errorf("worker: export: %w", err)
	}
	if !ok {
		return e.now().Add(-e.backfill), nil
	}
	since := cur.Add(-e.overlap)
	read, ok, err := e.st.Cursor(ctx, accountID, store.CursorXeroInvoicesRead)
	if err != nil {
		return time.Time{}, fmt.Errorf("worker: export: %w", err)
	}
	if ok && read.Add(-e.overlap).After(since) {
		since = read.Add(-e.overlap)
	}
	return since, nil
}

// BridgeSettings maps an account's stored settings and connections to the
// mapping's settings.
func BridgeSettings(s store.Settings, xeroMeta, shipMeta store.ConnectionMetadata) bridge.Settings {
	b := bridge.Settings{
		TenantID:         xeroMeta.TenantID,
		StoreID:          s.ShipStationStoreID,
		TrackingRule:     s.TrackingRuleEnabled,
		TrackingOption:   s.TrackingOptionName,
		TrackingCategory: s.TrackingCategoryName,
		Statuses:         append([]string(nil), s.InvoiceStatuses...),
		ShippingItemCode: s.ShippingItemCode,
	}
	b.StoreID = storeIDOf(s, shipMeta)
	if strings.TrimSpace(b.ShippingItemCode) == "" {
		b.ShippingItemCode = DefaultShippingItemCode
	}
	return b
}

// storeIDOf is the ShipStation store an account's orders go to: the
// settings' choice, else the connection's.
func storeIDOf(s store.Settings, shipMeta store.ConnectionMetadata) int64 {
	if s.ShipStationStoreID != 0 {
		return s.ShipStationStoreID
	}
	return shipMeta.StoreID
}

// ErrInvoiceNotFound means Xero does not know the invoice asked for.
var ErrInvoiceNotFound = errors.New("worker: invoice not found in Xero")

// Resync decides one invoice again now, from Xero's current invoice and
// contact, and sends or cancels its order as needed, recording its link
// and log line; it moves no cursor. With opts.DryRun it is the invoice's
// preview: the decision and the exact order, with nothing sent or written.
// opts.Force re-sends an open order even when it looks unchanged.
func (e *Exporter) Resync(ctx context.Context, accountID int64, invoiceID string, opts RunOptions) (InvoiceResult, Summary, error) {
	sum := Summary{AccountID: accountID, DryRun: opts.DryRun}
	var res InvoiceResult
	found := false
	inner := opts.OnInvoice
	opts.OnInvoice = func(r InvoiceResult) {
		res, found = r, true
		if inner != nil {
			inner(r)
		}
	}
	r, err := e.c.prepare(ctx, accountID, opts, &sum)
	if err != nil {
		return res, sum, err
	}
	defer e.c.afterRun(ctx, r)
	inv, err := r.xc.Invoice(ctx, r.tenant, invoiceID)
	sum.XeroCalls++
	if errors.Is(err, xero.ErrNotFound) {
		return res, sum, fmt.Errorf("worker: resync %s: %w", invoiceID, ErrInvoiceNotFound)
	}
	if err != nil {
		return res, sum, e.c.xeroFailed(ctx, r, "get invoice", err)
	}
	if inv.Type != xero.InvoiceTypeSales {
		return res, sum, fmt.Errorf("worker: resync %s: not a sales invoice: %w", invoiceID, ErrInvoiceNotFound)
	}
	// A single invoice comes with its full contact: cache it, so the
	// decision uses the contact as it is now.
	if inv.Contact != nil && inv.Contact.ContactID != "" && len(inv.Contact.Addresses) > 0 {
		if err := e.cache(ctx, r, []xero.Contact{*inv.Contact}); err != nil {
			return res, sum, err
		}
	}
	r.contactCursor = true // one invoice: fetch a missing contact by id
	if err := e.page(ctx, r, []xero.Invoice{*inv}, time.Time{}); err != nil {
		return res, sum, err
	}
	if !found {
		return res, sum, fmt.Errorf("worker: resync %s: no decision was reached", invoiceID)
	}
	res.Invoice, res.OrgShortCode = inv, r.shortCode
	return res, sum, nil
}

package worker

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
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

// Defaults of Options.
const (
	DefaultOverlap       = 5 * time.Minute
	DefaultBackfill      = 30 * 24 * time.Hour
	DefaultPageSize      = 1000
	DefaultContactMaxAge = 7 * 24 * time.Hour
	// DefaultShippingItemCode is the shipping item code used when the
	// account's settings name none.
	DefaultShippingItemCode = "SHIPPING"
)

// Errors the export returns; the River workers turn them into a job
// cancellation (a person must act) rather than a retry.
var (
	// ErrNotConnected means the account lacks a connected Xero or
	// ShipStation connection.
	ErrNotConnected = errors.New("worker: account is not connected")
	// ErrReconnectNeeded means a connection's credentials stopped working:
	// the account is marked "reconnect needed" and a person must connect
	// again.
	ErrReconnectNeeded = errors.New("worker: reconnect needed")
)

// RetryLaterError is a transient failure (a 429 or a 5xx, a network error)
// that a retry can fix. After is how long the service asked us to wait (0
// when it did not say).
type RetryLaterError struct {
	After time.Duration
	Err   error
}

// Error describes the failure.
func (e *RetryLaterError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("worker: retry in %s: %v", e.After, e.Err)
	}
	return "worker: retry later: " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *RetryLaterError) Unwrap() error { return e.Err }

// Options configures an Exporter. Store and Xero are required.
type Options struct {
	Store *store.Store
	// Xero is the app registration; one per process, so that its pacing
	// state covers every account's calls.
	Xero *xero.App
	// ShipStationBaseURL is the ShipStation API root; empty means the real
	// one.
	ShipStationBaseURL string
	// HTTPClient makes ShipStation calls; nil means the client's default.
	HTTPClient *http.Client
	// Logger receives one line per run; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Overlap is subtracted from the cursor, so that an invoice whose
	// UpdatedDateUTC lands just behind a run is still read. Default 5m.
	Overlap time.Duration
	// Backfill is how far back the first run of an account reads. Default
	// 30 days.
	Backfill time.Duration
	// PageSize is the invoices per Xero call (1..1000). Default 1000.
	PageSize int
	// ContactMaxAge re-fetches a cached contact older than this even when
	// no change was seen: a safety net behind the changed-contacts refresh.
	// Default 7 days.
	ContactMaxAge time.Duration
	// ShipStationRateLimit is the calls per minute of one ShipStation key
	// pair (default shipstation.DefaultRateLimit).
	ShipStationRateLimit int
	// Progress, when set, receives an export job's counts so far after
	// each committed page, with the job's id: the web app's progress bar
	// (the job's output is recorded only when it ends).
	Progress func(jobID int64, sum Summary)
	// WebhookBaseURL is the app's public base URL, which ShipStation's
	// webhook posts to (BaseURL + HookPath + secret); empty subscribes
	// none.
	WebhookBaseURL string
}

// Exporter runs exports. It is safe for concurrent use; runs of one account
// must not overlap (River's unique jobs ensure it for the workers).
type Exporter struct {
	st       *store.Store
	xero     *xero.App
	ssURL    string
	http     *http.Client
	log      *slog.Logger
	now      func() time.Time
	overlap  time.Duration
	backfill time.Duration
	pageSize int
	maxAge   time.Duration
	ssLimit  int
	progress func(jobID int64, sum Summary)
	hookBase string

	mu      sync.Mutex
	budgets map[string]*shipstation.MemoryBudget
	tokens  map[int64]*xero.TokenSource // one per account: see XeroTokens
	// carriers caches each ShipStation key's carrier names (a note names
	// the carrier), keyed by API key.
	carriers map[string]carrierNames
}

// NewExporter checks opts and returns an Exporter.
func NewExporter(opts Options) (*Exporter, error) {
	if opts.Store == nil || opts.Xero == nil {
		return nil, errors.New("worker: new exporter: Store and Xero are required")
	}
	e := &Exporter{
		st: opts.Store, xero: opts.Xero, ssURL: opts.ShipStationBaseURL, http: opts.HTTPClient,
		log: opts.Logger, now: opts.Now, overlap: opts.Overlap, backfill: opts.Backfill,
		pageSize: opts.PageSize, maxAge: opts.ContactMaxAge, ssLimit: opts.ShipStationRateLimit,
		progress: opts.Progress, hookBase: strings.TrimRight(opts.WebhookBaseURL, "/"), budgets: map[string]*shipstation.MemoryBudget{},
		carriers: map[string]carrierNames{},
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.overlap <= 0 {
		e.overlap = DefaultOverlap
	}
	if e.backfill <= 0 {
		e.backfill = DefaultBackfill
	}
	if e.pageSize <= 0 || e.pageSize > xero.MaxPageSize {
		e.pageSize = DefaultPageSize
	}
	if e.maxAge <= 0 {
		e.maxAge = DefaultContactMaxAge
	}
	if e.ssLimit <= 0 {
		e.ssLimit = shipstation.DefaultRateLimit
	}
	return e, nil
}

// budget returns the one Budget of a ShipStation key pair in this process.
func (e *Exporter) budget(apiKey string) *shipstation.MemoryBudget {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.budgets[apiKey]
	if b == nil {
		b = shipstation.NewMemoryBudget(e.ssLimit)
		e.budgets[apiKey] = b
	}
	return b
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

	start          time.Time // when the run began
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
	r, err := e.prepare(ctx, accountID, opts, &sum)
	if err != nil {
		return sum, err
	}
	since := opts.Since
	if since.IsZero() {
		cur, ok, err := e.st.Cursor(ctx, accountID, store.CursorXeroInvoices)
		if err != nil {
			return sum, fmt.Errorf("worker: export: %w", err)
		}
		if ok {
			since = cur.Add(-e.overlap)
		} else {
			since = e.now().Add(-e.backfill)
		}
	}
	sum.Since = since
	err = e.contactChanges(ctx, r)
	if err == nil {
		err = e.pages(ctx, r, since)
	}
	if cur, ok, cerr := e.st.Cursor(ctx, accountID, store.CursorXeroInvoices); cerr == nil && ok {
		sum.Cursor = cur
	}
	// A run that found nothing new is routine: keep it out of the info log.
	level := slog.LevelDebug
	switch {
	case err != nil:
		level = slog.LevelWarn
	case sum.Exported+sum.Updated+sum.Cancelled+sum.Failed+sum.Alerts > 0 || sum.Invoices > sum.SilentRepeats:
		level = slog.LevelInfo
	}
	e.log.Log(ctx, level, "export run", "account", accountID, "dry_run", opts.DryRun, "summary", sum.String(), "error", err)
	return sum, err
}

// prepare loads the account's connections and settings and builds its
// clients.
func (e *Exporter) prepare(ctx context.Context, acct int64, opts RunOptions, sum *Summary) (*run, error) {
	xc, err := e.st.Connection(ctx, acct, store.KindXero)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("worker: account %d has no Xero connection: %w", acct, ErrNotConnected)
	}
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	switch xc.Status {
	case store.StatusConnected:
	case store.StatusReconnectNeeded:
		return nil, fmt.Errorf("worker: account %d: Xero %s: %w", acct, xc.StatusReason, ErrReconnectNeeded)
	default:
		return nil, fmt.Errorf("worker: account %d: Xero is %s: %w", acct, xc.Status, ErrNotConnected)
	}
	if xc.Metadata.TenantID == "" {
		return nil, fmt.Errorf("worker: account %d: Xero connection has no tenant: %w", acct, ErrNotConnected)
	}
	src, err := e.XeroTokens(ctx, acct)
	if err != nil {
		return nil, err
	}
	sc, err := e.st.Connection(ctx, acct, store.KindShipStation)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("worker: account %d has no ShipStation connection: %w", acct, ErrNotConnected)
	}
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	switch sc.Status {
	case store.StatusConnected:
	case store.StatusReconnectNeeded:
		return nil, fmt.Errorf("worker: account %d: ShipStation %s: %w", acct, sc.StatusReason, ErrReconnectNeeded)
	default:
		return nil, fmt.Errorf("worker: account %d: ShipStation is %s: %w", acct, sc.Status, ErrNotConnected)
	}
	ss, ssKey, err := e.shipStationClient(ctx, acct)
	if err != nil {
		return nil, err
	}
	st, err := e.st.Settings(ctx, acct)
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	return &run{
		acct: acct, tenant: xc.Metadata.TenantID, xc: e.xero.Client(src), ss: ss, ssKey: ssKey, start: e.now(),
		settings: BridgeSettings(st, xc.Metadata, sc.Metadata), opts: opts, sum: sum,
		shipped: map[string]int64{},
	}, nil
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

// shipStationClient builds a client on the account's sealed key pair,
// sharing the key's rate budget in this process, and returns the key
// (caches are per key).
func (e *Exporter) shipStationClient(ctx context.Context, acct int64) (*shipstation.Client, string, error) {
	creds, err := e.st.ShipStationCredentials(ctx, acct)
	if err != nil {
		return nil, "", fmt.Errorf("worker: shipstation key of account %d: %w", acct, err)
	}
	ss, err := shipstation.New(shipstation.Config{
		BaseURL: e.ssURL, APIKey: creds.APIKey, APISecret: creds.APISecret, HTTPClient: e.http,
		Logger: e.log, Budget: e.budget(creds.APIKey),
	})
	if err != nil {
		return nil, "", fmt.Errorf("worker: shipstation: %w", err)
	}
	return ss, creds.APIKey, nil
}

// maxRewalks bounds the re-reads of one run (see pages).
const maxRewalks = 3

// pages walks the invoices changed since since, oldest change first.
//
// It pages by keyset: after a page it asks again from the page's newest
// UpdatedDateUTC, so an invoice edited during the run (which moves to the
// end of the order) can never shift an unread invoice onto a page already
// read. Xero's If-Modified-Since has whole seconds and is inclusive, so
// invoices already handled in this run are recognised and passed over.
//
// Keyset needs the timestamps to move: when more than a page of invoices
// share one second (a bulk import), the walk must page by number within
// that second, and there an edit of an invoice already read does shift
// the unread ones back by one, past the page boundary. The edited invoice
// shows up again at the end of the walk, which is how the run notices;
// it then reads that second once more (at most maxRewalks times) and
// picks up what was shifted past it.
func (e *Exporter) pages(ctx context.Context, r *run, since time.Time) error {
	// Every status is read, not only those that sync: VOIDED and DELETED
	// cancel orders, and a draft's log line ("approve it in Xero") is how
	// a merchant learns why it has no order yet. They cost no extra call.
	q := xero.InvoiceQuery{PageSize: e.pageSize, Where: `Type=="ACCREC"`, Order: "UpdatedDateUTC ASC"}
	seen := map[string]time.Time{} // handled in this run, at or after the current second
	bulk := map[string]time.Time{} // handled while paging by number within one second
	rewalk := map[time.Time]bool{} // seconds to read again
	var pass time.Time             // during a re-read: the second being re-read
	cur, page, rewalks := since, 1, 0
	for {
		q.ModifiedSince, q.Page = cur, page
		p, err := r.xc.Invoices(ctx, r.tenant, q)
		r.sum.XeroCalls++
		if err != nil {
			return e.xeroFailed(ctx, r, "list invoices", err)
		}
		r.sum.Pages++
		sec := cur.Truncate(time.Second)
		var fresh []xero.Invoice
		var newest time.Time
		for _, inv := range p.Invoices {
			u := inv.UpdatedDateUTC.Time
			if u.After(newest) {
				newest = u
			}
			if t, ok := seen[inv.InvoiceID]; ok && t.Equal(u) {
				continue
			}
			if t, ok := bulk[inv.InvoiceID]; ok {
				if t.Equal(u) {
					continue
				}
				// Edited since it was read within a bulk second: the
				// invoices after it in that second moved back by one.
				rewalk[t.Truncate(time.Second)] = true
			}
			fresh = append(fresh, inv)
		}
		if len(fresh) > 0 {
			if err := e.page(ctx, r, fresh, newest); err != nil {
				return err
			}
			for _, inv := range fresh {
				seen[inv.InvoiceID] = inv.UpdatedDateUTC.Time
				if page > 1 || !pass.IsZero() {
					bulk[inv.InvoiceID] = inv.UpdatedDateUTC.Time
				}
			}
		}
		short := len(p.Invoices) < e.pageSize
		leaving := newest.Truncate(time.Second).After(sec)
		switch {
		case !pass.IsZero() && (short || leaving):
			pass = time.Time{} // the re-read of that second is done
		case short:
		case leaving:
			cur, page = newest, 1
			floor := cur.Truncate(time.Second)
			for id, t := range seen {
				if t.Before(floor) {
					delete(seen, id)
				}
			}
			continue
		default:
			page++ // a whole page within one second: go deeper
			continue
		}
		if len(rewalk) == 0 {
			return nil
		}
		if rewalks == maxRewalks {
			e.log.Warn("invoices kept changing during a bulk re-read; the next run's overlap will catch up",
				"account", r.acct)
			return nil
		}
		var next time.Time
		for s := range rewalk {
			if next.IsZero() || s.Before(next) {
				next = s
			}
		}
		delete(rewalk, next)
		rewalks++
		cur, page, pass = next, 1, next
	}
}

// item is one invoice on its way through a page.
type item struct {
	inv     xero.Invoice
	link    store.InvoiceLink
	hasLink bool
	d       bridge.Decision
	// Result of sending.
	outcome  Outcome
	reason   string
	orderID  int64
	status   string
	hash     string
	failed   bool
	detail   string
	transErr error // a transient failure: the invoice is not recorded
	// seen is the order's status as ShipStation gave it during this run
	// (RunOptions.Confirm), "" when not read. It outranks the link's.
	seen string
}

// previous is what Decide knows of the order sent before.
func (it *item) previous(shipped map[string]int64, force bool) *bridge.Previous {
	if !it.hasLink || (it.link.OrderID == 0 && it.link.ContentHash == "") {
		return nil
	}
	p := &bridge.Previous{OrderID: it.link.OrderID, OrderStatus: it.link.OrderStatus, Hash: it.link.ContentHash}
	if force {
		p.Hash = "" // send the order again even if it looks unchanged
	}
	if it.seen != "" {
		p.OrderStatus = it.seen
	}
	if _, ok := shipped[strings.ToLower(it.link.OrderKey)]; ok && p.OrderStatus != shipstation.StatusCancelled {
		p.OrderStatus = shipstation.StatusShipped
	}
	return p
}

// locked reports whether ShipStation refuses changes to an order in this
// status (bridge.Decide never sends one).
func locked(status string) bool {
	return status == shipstation.StatusShipped || status == shipstation.StatusCancelled
}

// confirmStatus reads the order's status from ShipStation when the link
// says it is locked: the link learns a status only from what orderbridge
// does or sees, and a void or a restore in ShipStation says nothing.
func (e *Exporter) confirmStatus(ctx context.Context, r *run, it *item) error {
	if !it.hasLink || it.link.OrderID == 0 || !locked(it.link.OrderStatus) {
		return nil
	}
	o, err := r.ss.GetOrder(ctx, it.link.OrderID)
	r.sum.ShipStationCalls++
	switch {
	case err == nil:
		it.seen = o.OrderStatus
		return nil
	case errors.Is(err, shipstation.ErrNotFound):
		return nil // deleted there: the decision says what the link knows
	}
	return e.shipStationFailed(ctx, r, "get order", err)
}

// sends reports whether the decision upserts an order over one sent
// before, which is when ShipStation may have shipped it meanwhile.
func (it *item) overwrites() bool {
	return it.d.Update && (it.d.Kind == bridge.Export || it.d.Kind == bridge.Cancel)
}

// page handles one page of invoices: contacts, decisions, sends, then one
// transaction with the links, the log lines and the cursor.
func (e *Exporter) page(ctx context.Context, r *run, invs []xero.Invoice, newest time.Time) error {
	items := make([]*item, len(invs))
	for i, inv := range invs {
		it := &item{inv: inv}
		l, err := e.st.InvoiceLink(ctx, r.acct, inv.InvoiceID)
		switch {
		case err == nil:
			it.link, it.hasLink = l, true
		case errors.Is(err, store.ErrNotFound):
		default:
			return fmt.Errorf("worker: export: %w", err)
		}
		items[i] = it
		if r.opts.Confirm || r.opts.Force {
			if err := e.confirmStatus(ctx, r, it); err != nil {
				return err
			}
		}
	}
	contacts, err := e.contacts(ctx, r, invs)
	if err != nil {
		return err
	}
	decide := func(it *item) {
		var c *xero.Contact
		if it.inv.Contact != nil {
			c = contacts[strings.ToLower(it.inv.Contact.ContactID)]
		}
		it.d = bridge.Decide(it.inv, c, r.settings, it.previous(r.shipped, r.opts.Force))
	}
	var overwrites bool
	for _, it := range items {
		decide(it)
		overwrites = overwrites || it.overwrites()
	}
	// Never re-send an order ShipStation has shipped: before replacing or
	// cancelling orders sent earlier, ask once per run which orders shipped
	// since the last check, and decide those invoices again.
	if overwrites && !r.opts.DryRun && !r.shippedChecked {
		if err := e.checkShipped(ctx, r); err != nil {
			return err
		}
		for _, it := range items {
			if it.overwrites() {
				decide(it)
			}
		}
	}
	// A cancel that could not rebuild the order cancels ShipStation's copy.
	for _, it := range items {
		if it.d.Kind == bridge.Cancel && it.d.Order == nil && !r.opts.DryRun {
			if err := e.fetchForCancel(ctx, r, it); err != nil {
				return err
			}
		}
	}
	if err := e.send(ctx, r, items); err != nil {
		return err
	}
	return e.commit(ctx, r, items, newest)
}

// fetchForCancel fills it.d.Order from the order as ShipStation has it.
func (e *Exporter) fetchForCancel(ctx context.Context, r *run, it *item) error {
	if it.link.OrderID == 0 {
		it.failed, it.reason = true, it.d.Reason+"; but its ShipStation order id is not known, so cancel the order in ShipStation by hand"
		return nil
	}
	o, err := r.ss.GetOrder(ctx, it.link.OrderID)
	r.sum.ShipStationCalls++
	switch {
	case err == nil:
		c := bridge.Cancelled(o)
		it.d.Order, it.d.Hash = &c, bridge.Hash(&c)
		return nil
	case errors.Is(err, shipstation.ErrNotFound):
		it.d.Kind, it.d.Reason = bridge.Skip, it.d.Reason+"; but the order is no longer in ShipStation (deleted there), so there is nothing to cancel"
		return nil
	}
	return e.shipStationFailed(ctx, r, "get order", err)
}

// checkShipped records which orders ShipStation shipped since the last
// check (one list call per page of 500 shipped orders).
func (e *Exporter) checkShipped(ctx context.Context, r *run) error {
	r.shippedChecked = true
	r.shippedAt = e.now()
	from, ok, err := e.st.Cursor(ctx, r.acct, CursorShippedOrders)
	if err != nil {
		return fmt.Errorf("worker: export: %w", err)
	}
	if ok {
		from = from.Add(-e.overlap)
	} else {
		from = r.shippedAt.Add(-e.backfill)
	}
	f := shipstation.OrderFilter{OrderStatus: shipstation.StatusShipped, ModifyDateStart: from, StoreID: r.settings.StoreID}
	for p, err := range r.ss.OrderPages(ctx, f) {
		r.sum.ShipStationCalls++
		if err != nil {
			return e.shipStationFailed(ctx, r, "list shipped orders", err)
		}
		for _, o := range p.Items {
			if o.OrderKey != "" {
				r.shipped[strings.ToLower(o.OrderKey)] = o.OrderID
			}
		}
	}
	return nil
}

// contacts returns the page's contacts, by lower-cased ContactID. The
// cache is exact from the contact cursor on (see contactChanges), so only
// contacts not cached (or cached longer ago than ContactMaxAge, a safety
// net) are fetched, 50 IDs a call. An account's first run, with no cursor
// yet and many contacts missing, pages through all contacts, 1,000 a call.
func (e *Exporter) contacts(ctx context.Context, r *run, invs []xero.Invoice) (map[string]*xero.Contact, error) {
	var want []store.ContactWant
	var ids []string
	for _, inv := range invs {
		if inv.Contact == nil || inv.Contact.ContactID == "" {
			continue
		}
		want = append(want, store.ContactWant{ContactID: inv.Contact.ContactID, UpdatedDateUTC: inv.Contact.UpdatedDateUTC.Time})
		ids = append(ids, inv.Contact.ContactID)
	}
	fetchedAfter := e.now().Add(-e.maxAge)
	stale, err := e.st.StaleContacts(ctx, r.acct, want, fetchedAfter)
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	if len(stale) > 2*xero.MaxIDsPerCall && !r.contactCursor {
		if _, err := e.sweepContacts(ctx, r, time.Time{}); err != nil {
			return nil, err
		}
		if stale, err = e.st.StaleContacts(ctx, r.acct, want, fetchedAfter); err != nil {
			return nil, fmt.Errorf("worker: export: %w", err)
		}
	}
	if len(stale) > 0 {
		got, err := r.xc.ContactsByIDs(ctx, r.tenant, stale)
		r.sum.XeroCalls += (len(stale) + xero.MaxIDsPerCall - 1) / xero.MaxIDsPerCall
		if err != nil {
			return nil, e.xeroFailed(ctx, r, "fetch contacts", err)
		}
		if err := e.cache(ctx, r, got); err != nil {
			return nil, err
		}
	}
	if !r.contactCursor {
		// Everything cached now was fetched during this run, so changes
		// from the run's start on are what later runs must fetch.
		if err := e.advanceContactCursor(ctx, r, r.start); err != nil {
			return nil, err
		}
	}
	cached, err := e.st.Contacts(ctx, r.acct, ids)
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	out := make(map[string]*xero.Contact, len(cached))
	for id, c := range cached {
		var xc xero.Contact
		if err := json.Unmarshal(c.JSON, &xc); err != nil {
			// A cache row we cannot read is as good as missing: forget it
			// so the next run fetches it again.
			e.log.Warn("unreadable cached contact", "account", r.acct, "contact", id, "error", err)
			_ = e.st.ForgetContacts(ctx, r.acct, []string{id})
			continue
		}
		out[strings.ToLower(id)] = &xc
	}
	return out, nil
}

// sweepContacts caches every contact Xero changed since since (zero: all
// of them) and moves the contact cursor to the newest change seen.
func (e *Exporter) sweepContacts(ctx context.Context, r *run, since time.Time) (changed []string, err error) {
	var newest time.Time
	for p, err := range r.xc.ContactPages(ctx, r.tenant, xero.ContactQuery{PageSize: xero.MaxPageSize, ModifiedSince: since}) {
		r.sum.XeroCalls++
		if err != nil {
			return nil, e.xeroFailed(ctx, r, "fetch changed contacts", err)
		}
		ids := make([]string, 0, len(p.Contacts))
		for _, c := range p.Contacts {
			if c.UpdatedDateUTC.After(newest) {
				newest = c.UpdatedDateUTC.Time
			}
			ids = append(ids, c.ContactID)
		}
		before, err := e.st.Contacts(ctx, r.acct, ids)
		if err != nil {
			return nil, fmt.Errorf("worker: export: %w", err)
		}
		for _, c := range p.Contacts {
			old, ok := before[c.ContactID]
			if !ok {
				continue
			}
			if b, err := json.Marshal(c); err == nil && !bytes.Equal(b, old.JSON) {
				changed = append(changed, c.ContactID)
			}
		}
		if err := e.cache(ctx, r, p.Contacts); err != nil {
			return nil, err
		}
	}
	if since.IsZero() && newest.IsZero() {
		newest = r.start // an organisation without contacts yet
	}
	if newest.IsZero() {
		return changed, nil
	}
	return changed, e.advanceContactCursor(ctx, r, newest)
}

// contactChanges refreshes the contacts Xero changed since the contact
// cursor, and decides again the recent invoices of those whose details
// changed: editing a contact's address in Xero is how a merchant changes
// where an order goes, and the invoice itself does not change. Invoices
// whose order comes out the same cost nothing more; the others replace
// their open order. The invoice cursor does not move for them.
func (e *Exporter) contactChanges(ctx context.Context, r *run) error {
	cur, ok, err := e.st.Cursor(ctx, r.acct, CursorXeroContacts)
	if err != nil {
		return fmt.Errorf("worker: export: %w", err)
	}
	r.contactCursor = ok
	if !ok {
		return nil // the first run: nothing cached to go stale
	}
	changed, err := e.sweepContacts(ctx, r, cur.Add(-e.overlap))
	if err != nil || len(changed) == 0 {
		return err
	}
	for start := 0; start < len(changed); start += xero.MaxIDsPerCall {
		q := xero.InvoiceQuery{
			ContactIDs: changed[start:min(start+xero.MaxIDsPerCall, len(changed))],
			Where:      `Type=="ACCREC"`, ModifiedSince: r.start.Add(-e.backfill), PageSize: e.pageSize,
		}
		for p, err := range r.xc.InvoicePages(ctx, r.tenant, q) {
			r.sum.XeroCalls++
			if err != nil {
				return e.xeroFailed(ctx, r, "list invoices of changed contacts", err)
			}
			r.sum.Pages++
			if len(p.Invoices) == 0 {
				continue
			}
			if err := e.page(ctx, r, p.Invoices, time.Time{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// advanceContactCursor records how far the contact cache is exact. A dry
// run does it too: the cache is not the merchant's data, and a dry run that
// cached contacts without the cursor would leave them unwatched.
func (e *Exporter) advanceContactCursor(ctx context.Context, r *run, t time.Time) error {
	err := e.st.WithTx(ctx, func(tx *store.Tx) error {
		return tx.AdvanceCursor(ctx, r.acct, CursorXeroContacts, t)
	})
	if err != nil {
		return fmt.Errorf("worker: export: %w", err)
	}
	r.contactCursor = true
	return nil
}

func (e *Exporter) cache(ctx context.Context, r *run, cs []xero.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	rows := make([]store.CachedContact, 0, len(cs))
	for _, c := range cs {
		b, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("worker: cache contact: %w", err)
		}
		rows = append(rows, store.CachedContact{ContactID: c.ContactID, JSON: b, UpdatedDateUTC: c.UpdatedDateUTC.Time})
	}
	r.sum.ContactsFetched += len(rows)
	if err := e.st.PutContacts(ctx, r.acct, rows); err != nil {
		return fmt.Errorf("worker: export: %w", err)
	}
	return nil
}

// send upserts the page's orders in bulk and records each result on its
// item. A transient failure of a call is kept on its items; the page then
// commits what succeeded and keeps the cursor where it was.
func (e *Exporter) send(ctx context.Context, r *run, items []*item) error {
	var orders []shipstation.Order
	var sent []*item
	for _, it := range items {
		if it.failed {
			it.outcome = OutcomeFailed
			continue
		}
		switch it.d.Kind {
		case bridge.Export, bridge.Cancel:
			if it.d.Order == nil {
				if r.opts.DryRun {
					it.outcome, it.reason = OutcomeCancelled, it.d.Reason
					continue
				}
				it.outcome, it.failed, it.reason = OutcomeFailed, true, it.d.Reason
				continue
			}
			if r.opts.DryRun {
				it.outcome, it.reason = sentOutcome(it.d), it.d.Reason
				continue
			}
			orders = append(orders, *it.d.Order)
			sent = append(sent, it)
		case bridge.Unchanged:
			it.outcome, it.reason = OutcomeUnchanged, it.d.Reason
		case bridge.Alert:
			it.outcome, it.reason = OutcomeAlert, it.d.Reason
		default:
			it.outcome, it.reason = OutcomeSkipped, it.d.Reason
		}
	}
	if len(orders) == 0 {
		return nil
	}
	results, _ := r.ss.CreateOrders(ctx, orders)
	r.sum.ShipStationCalls += (len(orders) + shipstation.MaxBulkOrders - 1) / shipstation.MaxBulkOrders
	for i, res := range results {
		it := sent[i]
		var oe *shipstation.OrderError
		switch {
		case res.Err == nil:
			it.outcome, it.reason = sentOutcome(it.d), it.d.Reason
			it.orderID, it.status, it.hash = res.OrderID, it.d.Order.OrderStatus, it.d.Hash
		case errors.As(res.Err, &oe):
			if err := e.refused(ctx, r, it, res, oe); err != nil {
				return err
			}
		case transient(res.Err):
			it.transErr = res.Err
		case errors.Is(res.Err, shipstation.ErrAuth):
			return e.shipStationFailed(ctx, r, "create orders", res.Err)
		default:
			// The call was refused as written (a 400 for the whole body):
			// retrying it cannot help.
			it.outcome, it.failed = OutcomeFailed, true
			it.reason = "ShipStation refused the order: " + res.Err.Error()
		}
	}
	return nil
}

// refused handles ShipStation refusing one order of a bulk call. When the
// order is locked because it shipped or was cancelled in ShipStation (our
// link was stale), the invoice is decided again with that status, so the
// decision and its words are bridge's, the same a later re-read makes
// (which then logs nothing new), and the link learns the status; anything
// else is a failure a person must look at.
func (e *Exporter) refused(ctx context.Context, r *run, it *item, res shipstation.OrderResult, oe *shipstation.OrderError) error {
	id := res.OrderID
	if id == 0 {
		id = it.link.OrderID
	}
	if id != 0 {
		o, err := r.ss.GetOrder(ctx, id)
		r.sum.ShipStationCalls++
		switch {
		case err == nil && locked(o.OrderStatus):
			it.orderID, it.status = o.OrderID, o.OrderStatus
			it.hash = it.link.ContentHash
			// Decide settles a locked order before it looks at the
			// contact, so none is needed.
			it.d = bridge.Decide(it.inv, nil, r.settings, &bridge.Previous{OrderID: o.OrderID, OrderStatus: o.OrderStatus, Hash: it.hash})
			it.reason = it.d.Reason
			switch it.d.Kind {
			case bridge.Alert:
				it.outcome = OutcomeAlert
			case bridge.Unchanged:
				it.outcome = OutcomeUnchanged
			default:
				it.outcome = OutcomeSkipped
			}
			return nil
		case err != nil && transient(err):
			it.transErr = err
			return nil
		}
	}
	it.outcome, it.failed = OutcomeFailed, true
	it.reason = "ShipStation refused the order: " + oe.Message
	return nil
}

func sentOutcome(d bridge.Decision) Outcome {
	switch {
	case d.Kind == bridge.Cancel:
		return OutcomeCancelled
	case d.Update:
		return OutcomeUpdated
	}
	return OutcomeExported
}

// transient reports whether a retry may succeed.
func transient(err error) bool {
	if errors.Is(err, shipstation.ErrRateLimited) || errors.Is(err, shipstation.ErrServer) ||
		errors.Is(err, shipstation.ErrUnexpectedStatus) || errors.Is(err, shipstation.ErrMalformedResponse) {
		return true
	}
	var ae *shipstation.APIError
	if errors.As(err, &ae) {
		return false
	}
	// Network errors and cancelled contexts.
	return !errors.Is(err, shipstation.ErrAuth) && !errors.Is(err, shipstation.ErrValidation) && !errors.Is(err, shipstation.ErrNotFound)
}

// decisionOf is the stored decision of an item's outcome.
func decisionOf(o Outcome) store.Decision {
	switch o {
	case OutcomeExported, OutcomeUpdated:
		return store.DecisionExported
	case OutcomeCancelled:
		return store.DecisionCancelled
	case OutcomeUnchanged:
		return store.DecisionUnchanged
	case OutcomeAlert:
		return store.DecisionAlert
	case OutcomeFailed:
		return store.DecisionFailed
	}
	return store.DecisionSkipped
}

func logOutcome(it *item) store.Outcome {
	switch it.outcome {
	case OutcomeExported, OutcomeUpdated, OutcomeCancelled:
		if len(it.d.Warnings) > 0 {
			return store.OutcomeWarning
		}
		return store.OutcomeSuccess
	case OutcomeAlert:
		return store.OutcomeWarning
	case OutcomeFailed:
		return store.OutcomeFailed
	}
	return store.OutcomeSkipped
}

// reasonCode is the stable code of the item's reason, stored on its link
// and log line: none for an order sent (an alert always has one, so a
// warning line without a code is an order sent with warnings).
func reasonCode(it *item) string {
	switch it.outcome {
	case OutcomeExported, OutcomeUpdated, OutcomeCancelled:
		return ""
	}
	return string(it.d.Cause)
}

// message is the item's log line, saying so when ShipStation opened an
// order the link had as locked: the invoice's changes reach it again.
func message(it *item) string {
	if it.seen != "" && locked(it.link.OrderStatus) && !locked(it.seen) {
		return decisionMessage(it) + fmt.Sprintf(" (the order was %s and is %s again in ShipStation)", it.link.OrderStatus, it.seen)
	}
	return decisionMessage(it)
}

// decisionMessage is the log line of the item's decision and outcome.
func decisionMessage(it *item) string {
	d := it.d
	switch it.outcome {
	case OutcomeFailed:
		return d.Invoice + " failed: " + it.reason
	case OutcomeSkipped:
		if d.Kind != bridge.Skip {
			return d.Invoice + " left alone: " + it.reason
		}
	case OutcomeAlert:
		if d.Kind != bridge.Alert {
			return d.Invoice + " needs attention: " + it.reason
		}
	}
	return d.Summary()
}

// silent reports whether an item repeats what its link already says, so
// that re-reading an invoice (the overlap window, a sweep) adds no log
// line: "unchanged" is logged at most once per content change. An order
// status the link does not have yet is news, whatever the decision.
func silent(it *item) bool {
	if !it.hasLink {
		return false
	}
	status := it.status
	if status == "" {
		status = it.seen
	}
	if status != "" && status != it.link.OrderStatus {
		return false
	}
	switch it.outcome {
	case OutcomeExported, OutcomeUpdated, OutcomeCancelled:
		return false
	case OutcomeUnchanged:
		switch it.link.Decision {
		case store.DecisionExported, store.DecisionUnchanged, store.DecisionCancelled:
			return true
		}
	}
	// The code too: a link written before codes were stored gets its own.
	return it.link.Decision == decisionOf(it.outcome) && it.link.Reason == it.reason &&
		it.link.ReasonCode == reasonCode(it)
}

// commit records the page in one transaction: links, log lines, and the
// cursor when every invoice of the page was handled.
func (e *Exporter) commit(ctx context.Context, r *run, items []*item, newest time.Time) error {
	var retry error
	var links []store.InvoiceLink
	var entries []store.LogEntry
	for _, it := range items {
		if it.transErr != nil {
			if retry == nil {
				retry = it.transErr
			}
			continue
		}
		res := InvoiceResult{
			InvoiceID: it.inv.InvoiceID, InvoiceNumber: it.inv.InvoiceNumber, UpdatedDateUTC: it.inv.UpdatedDateUTC.Time,
			Outcome: it.outcome, Reason: it.reason, Decision: it.d,
		}
		if r.opts.OnInvoice != nil {
			r.opts.OnInvoice(res)
		}
		if !r.opts.Force && silent(it) {
			r.sum.SilentRepeats++
			r.sum.count(it.outcome)
			continue
		}
		r.sum.count(it.outcome)
		l := it.link
		if !it.hasLink {
			l = store.InvoiceLink{AccountID: r.acct, InvoiceID: it.inv.InvoiceID, OrderKey: bridge.OrderKey(r.tenant, it.inv.InvoiceID)}
		}
		l.InvoiceNumber = it.inv.InvoiceNumber
		l.Decision, l.Reason, l.ReasonCode = decisionOf(it.outcome), it.reason, reasonCode(it)
		if it.orderID != 0 {
			l.OrderID = it.orderID
		}
		if it.seen != "" {
			l.OrderStatus = it.seen
		}
		if it.status != "" {
			l.OrderStatus = it.status
		}
		if it.hash != "" {
			l.ContentHash = it.hash
		}
		if _, ok := r.shipped[strings.ToLower(l.OrderKey)]; ok && l.OrderStatus != shipstation.StatusCancelled {
			l.OrderStatus = shipstation.StatusShipped
		}
		links = append(links, l)
		orderNumber := ""
		if it.d.Order != nil {
			orderNumber = it.d.Order.OrderNumber
		}
		detail := it.detail
		if len(it.d.Warnings) > 0 {
			detail = strings.TrimSpace(detail + "\nwarnings: " + strings.Join(it.d.Warnings, "; "))
		}
		entries = append(entries, store.LogEntry{
			AccountID: r.acct, Direction: store.XeroToShipStation, Outcome: logOutcome(it),
			InvoiceID: it.inv.InvoiceID, InvoiceNumber: it.inv.InvoiceNumber, OrderNumber: orderNumber,
			Message: message(it), Detail: detail, RunID: r.opts.RunID, ReasonCode: reasonCode(it),
		})
	}
	if r.opts.DryRun {
		return nil
	}
	err := e.st.WithTx(ctx, func(tx *store.Tx) error {
		for _, l := range links {
			if err := tx.UpsertInvoiceLink(ctx, l); err != nil {
				return err
			}
		}
		if len(entries) > 0 {
			if _, err := tx.AppendLog(ctx, entries...); err != nil {
				return err
			}
		}
		if retry == nil && !newest.IsZero() {
			if err := tx.AdvanceCursor(ctx, r.acct, store.CursorXeroInvoices, newest); err != nil {
				return err
			}
		}
		if r.shippedChecked && retry == nil {
			return tx.AdvanceCursor(ctx, r.acct, CursorShippedOrders, r.shippedAt)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker: export: commit page: %w", err)
	}
	if retry != nil {
		return e.shipStationFailed(ctx, r, "create orders", retry)
	}
	if r.opts.AfterPage != nil {
		r.opts.AfterPage(*r.sum)
	}
	return nil
}

// xeroFailed classifies a Xero error: a lost grant marks the account.
func (e *Exporter) xeroFailed(ctx context.Context, r *run, op string, err error) error {
	switch {
	case errors.Is(err, xero.ErrReconnectNeeded):
		if !r.opts.DryRun {
			e.markReconnect(ctx, r.acct, store.KindXero, cmp.Or(xero.ReconnectReason(err),
				"the Xero connection has expired or was revoked; connect Xero again on the configure page"))
		}
		return fmt.Errorf("worker: %s: %w: %w", op, ErrReconnectNeeded, err)
	case xero.Retryable(err) || ctx.Err() == nil && !isPermanentXero(err):
		after, _ := xero.RetryAfter(err)
		return &RetryLaterError{After: after, Err: fmt.Errorf("worker: %s: %w", op, err)}
	}
	return fmt.Errorf("worker: %s: %w", op, err)
}

func isPermanentXero(err error) bool {
	return errors.Is(err, xero.ErrValidation) || errors.Is(err, xero.ErrUnauthorized) ||
		errors.Is(err, xero.ErrNotFound) || errors.Is(err, xero.ErrBadResponse) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

// shipStationFailed classifies a ShipStation error of a whole call.
func (e *Exporter) shipStationFailed(ctx context.Context, r *run, op string, err error) error {
	if errors.Is(err, shipstation.ErrAuth) {
		if !r.opts.DryRun {
			e.markReconnect(ctx, r.acct, store.KindShipStation,
				"ShipStation refused the API key; enter a valid key pair on the configure page")
		}
		return fmt.Errorf("worker: %s: %w: %w", op, ErrReconnectNeeded, err)
	}
	if transient(err) && ctx.Err() == nil {
		var after time.Duration
		var ae *shipstation.APIError
		if errors.As(err, &ae) {
			after = ae.RetryAfter
		}
		return &RetryLaterError{After: after, Err: fmt.Errorf("worker: %s: %w", op, err)}
	}
	return fmt.Errorf("worker: %s: %w", op, err)
}

// markReconnect flags a connection and says so in the log. It runs outside
// any transaction.
func (e *Exporter) markReconnect(ctx context.Context, acct int64, kind store.ConnectionKind, reason string) {
	ctx = context.WithoutCancel(ctx)
	if err := e.st.SetConnectionStatus(ctx, acct, kind, store.StatusReconnectNeeded, reason); err != nil {
		e.log.Error("mark reconnect needed", "account", acct, "kind", kind, "error", err)
	}
	_, err := e.st.AppendLog(ctx, store.LogEntry{
		AccountID: acct, Direction: store.XeroToShipStation, Outcome: store.OutcomeFailed,
		Message: "export stopped: " + reason,
	})
	if err != nil {
		e.log.Error("log reconnect needed", "account", acct, "error", err)
	}
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
	r, err := e.prepare(ctx, accountID, opts, &sum)
	if err != nil {
		return res, sum, err
	}
	inv, err := r.xc.Invoice(ctx, r.tenant, invoiceID)
	sum.XeroCalls++
	if errors.Is(err, xero.ErrNotFound) {
		return res, sum, fmt.Errorf("worker: resync %s: %w", invoiceID, ErrInvoiceNotFound)
	}
	if err != nil {
		return res, sum, e.xeroFailed(ctx, r, "get invoice", err)
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
	return res, sum, nil
}

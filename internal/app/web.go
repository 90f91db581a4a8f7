package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// quotaWarnAt is the Xero day quota left (of 5,000 calls per organisation)
// below which the dashboard warns that syncing will soon pause.
const quotaWarnAt = 500

// stuckAfter is the number of failed attempts after which a retrying export
// is shown on the dashboard as stuck.
const stuckAfter = 3

// listenWeb opens the web app's listener before anything else is built:
// with port 0 the address is known only then, and the base URL (and so the
// Xero redirect URL) is made from it when the configuration has none.
func listenWeb(ctx context.Context, cfg *config.Config, opts Options) (net.Listener, error) {
	ln := opts.HTTPListener
	if ln == nil {
		if !opts.ServeWeb || cfg.HTTPAddr == "" {
			return nil, nil
		}
		var lc net.ListenConfig
		var err error
		if ln, err = lc.Listen(ctx, "tcp", cfg.HTTPAddr); err != nil {
			return nil, fmt.Errorf("app: web: listen on %s: %w", cfg.HTTPAddr, err)
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	return ln, nil
}

// buildWeb makes the web app on top of the store, the Xero app, River and
// the metrics the instrumented HTTP client and River's events update.
func (a *App) buildWeb(opts Options) error {
	srv, err := web.New(web.Config{
		Store:  a.Store,
		Logger: a.Logger,
		Xero:   a.Xero,
		NewShipStation: func(key, secret string) (web.ShipStation, error) {
			return shipstation.New(shipstation.Config{
				BaseURL: a.Config.ShipStationBaseURL, APIKey: key, APISecret: secret, HTTPClient: a.http, Logger: a.Logger,
			})
		},
		Jobs:               webJobs{a},
		Webhooks:           webhookWork{a},
		XeroWebhookKey:     a.Config.XeroWebhookKey,
		ShipStationBaseURL: a.Config.ShipStationBaseURL,
		Invoices:           webInvoices{a},
		Status:             webStatus{a},
		BaseURL:            a.Config.BaseURL,
		SecureCookies:      a.Config.SecureCookies,
		Now:                opts.Now,
		Metrics:            a.Metrics,
		AllowSignUp:        a.Config.AllowSignUp,
		Argon2:             opts.Argon2,
	})
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	a.Web = srv
	return nil
}

// WebURL is where the web app is served ("" without a listener).
func (a *App) WebURL() string { return a.webURL }

// serveWeb serves the web app on the listener until stop is called, and
// purges expired sessions hourly. stop shuts the server down gracefully.
func (a *App) serveWeb(ctx context.Context) (stop func()) {
	if a.listener == nil {
		return func() {}
	}
	srv := &http.Server{
		Handler: a.Web.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln := a.listener
	a.listener = nil // served: Close leaves it to Shutdown
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Logger.Error("web: serve", "err", err)
		}
	}()
	purgeCtx, cancelPurge := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-purgeCtx.Done():
				return
			case <-t.C:
				if err := a.Web.Purge(purgeCtx); err != nil {
					a.Logger.Warn("web: purge sessions", "err", err)
				}
			}
		}
	}()
	a.Logger.Info("web app listening", "url", a.Config.BaseURL, "addr", ln.Addr().String())
	return func() {
		cancelPurge()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			_ = srv.Close()
		}
		<-done
	}
}

// watchJobs counts finished jobs, and the orders each export sent, from
// River's events into the metrics, until the returned func is called.
func (a *App) watchJobs() (stop func()) {
	events, cancel := a.River.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			if ev == nil || ev.Job == nil {
				continue
			}
			outcome := map[river.EventKind]string{
				river.EventKindJobCompleted: "completed", river.EventKindJobFailed: "failed",
				river.EventKindJobCancelled: "cancelled", river.EventKindJobSnoozed: "snoozed",
			}[ev.Kind]
			a.Metrics.Jobs.WithLabelValues(ev.Job.Kind, outcome).Inc()
			a.countOutput(ev.Job)
			a.progress.forget(ev.Job.ID)
		}
	}()
	return func() { cancel(); <-done }
}

// countOutput adds what a finished run did (its Summary, kept as the
// job's output) to the orders and write-back counters.
func (a *App) countOutput(job *rivertype.JobRow) {
	out := job.Output()
	if len(out) == 0 {
		return
	}
	add := func(c interface{ Add(float64) }, n int) {
		if n > 0 {
			c.Add(float64(n))
		}
	}
	switch job.Kind {
	case worker.KindExportInvoices:
		var sum worker.Summary
		if json.Unmarshal(out, &sum) != nil {
			return
		}
		add(a.Metrics.OrdersExported.WithLabelValues("created"), sum.Exported)
		add(a.Metrics.OrdersExported.WithLabelValues("updated"), sum.Updated)
		add(a.Metrics.OrdersExported.WithLabelValues("cancelled"), sum.Cancelled)
		add(a.Metrics.OrdersExported.WithLabelValues("failed"), sum.Failed)
	case worker.KindWriteBack:
		var sum worker.WriteBackSummary
		if json.Unmarshal(out, &sum) != nil {
			return
		}
		add(a.Metrics.WriteBacks.WithLabelValues("note", "written"), sum.Notes)
		add(a.Metrics.WriteBacks.WithLabelValues("line", "written"), sum.Lines+sum.LinesRemoved)
		// The summary does not split failures by kind.
		add(a.Metrics.WriteBacks.WithLabelValues("any", "failed"), sum.Failed)
	}
}

// instrument wraps the HTTP client every Xero and ShipStation call goes
// through, so that /metrics counts calls by service and status and shows
// the rate-limit headers' remaining calls. Nothing is labelled by account
// or URL, to keep the series few.
func instrument(hc *http.Client, m *web.Metrics, cfg config.Config) *http.Client {
	out := &http.Client{Timeout: 60 * time.Second}
	if hc != nil {
		c := *hc
		out = &c
	}
	base := out.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	out.Transport = &countingTransport{base: base, m: m, xero: hostsOf(cfg.XeroBaseURL, "api.xero.com", "identity.xero.com", "login.xero.com"),
		shipstation: hostsOf(cfg.ShipStationBaseURL, "ssapi.shipstation.com")}
	return out
}

func hostsOf(base string, real ...string) []string {
	if base == "" {
		return real
	}
	u, err := url.Parse(base)
	if err != nil {
		return real
	}
	return []string{u.Host}
}

type countingTransport struct {
	base              http.RoundTripper
	m                 *web.Metrics
	xero, shipstation []string
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	service := ""
	switch {
	case slices.Contains(t.xero, req.URL.Host):
		service = "xero"
	case slices.Contains(t.shipstation, req.URL.Host):
		service = "shipstation"
	}
	resp, err := t.base.RoundTrip(req)
	if service == "" {
		return resp, err
	}
	if err != nil {
		t.m.APICalls.WithLabelValues(service, "error").Inc()
		return resp, err
	}
	t.m.APICalls.WithLabelValues(service, strconv.Itoa(resp.StatusCode)).Inc()
	gauge := func(header, window string) {
		if n, err := strconv.Atoi(resp.Header.Get(header)); err == nil {
			t.m.RateLimitRemaining.WithLabelValues(service, window).Set(float64(n))
		}
	}
	if service == "xero" {
		gauge("X-MinLimit-Remaining", "minute")
		gauge("X-DayLimit-Remaining", "day")
	} else {
		gauge("X-Rate-Limit-Remaining", "minute")
	}
	return resp, nil
}

// progressBoard keeps the counts of the export jobs this process is
// running, page by page, for RunStatus: River keeps a job's output only
// once it ends. A run worked by another process shows no counts until then.
type progressBoard struct {
	mu   sync.Mutex
	runs map[int64]worker.Summary
}

func (b *progressBoard) record(jobID int64, sum worker.Summary) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.runs == nil {
		b.runs = map[int64]worker.Summary{}
	}
	b.runs[jobID] = sum
}

func (b *progressBoard) get(jobID int64) (worker.Summary, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.runs[jobID]
	return s, ok
}

func (b *progressBoard) forget(jobID int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.runs, jobID)
}

// webJobs is web.Jobs over River: the job id is the run id.
type webJobs struct{ a *App }

func (j webJobs) EnqueueExport(ctx context.Context, tx *store.Tx, accountID int64) (int64, error) {
	return worker.Enqueue(ctx, j.a.River, tx, accountID)
}

func (j webJobs) EnqueueBackfill(ctx context.Context, tx *store.Tx, accountID int64, since time.Time) (int64, error) {
	return worker.EnqueueBackfill(ctx, j.a.River, tx, accountID, since)
}

func (j webJobs) EnqueueResync(ctx context.Context, tx *store.Tx, accountID int64, invoiceID string) (int64, error) {
	return worker.EnqueueResync(ctx, j.a.River, tx, accountID, invoiceID)
}

// RunStatus reads the job; a job of another kind or account is not found,
// exactly like a missing one.
func (j webJobs) RunStatus(ctx context.Context, accountID, runID int64) (web.RunStatus, error) {
	row, err := j.a.River.JobGet(ctx, runID)
	if errors.Is(err, river.ErrNotFound) {
		return web.RunStatus{}, web.ErrRunNotFound
	}
	if err != nil {
		return web.RunStatus{}, fmt.Errorf("app: run status: %w", err)
	}
	if acct, ok := jobAccount(row); !ok || acct != accountID {
		return web.RunStatus{}, web.ErrRunNotFound
	}
	rs := web.RunStatus{ID: row.ID}
	switch row.State {
	case rivertype.JobStateRunning:
		rs.State = web.RunRunning
		if sum, ok := j.a.progress.get(row.ID); ok {
			rs.Done = sum.Invoices
		}
	case rivertype.JobStateCompleted:
		rs.State = web.RunSucceeded
		var sum worker.Summary
		if row.Kind == worker.KindResyncInvoice {
			rs.Done, rs.Total = 1, 1 // one invoice, by definition
		} else if out := row.Output(); len(out) > 0 && json.Unmarshal(out, &sum) == nil {
			rs.Done, rs.Total = sum.Invoices, sum.Invoices
		}
	case rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		rs.State = web.RunFailed
		rs.Error = runError(row)
	default: // available, scheduled (also a snoozed run), pending, retryable
		rs.State = web.RunPending
		if row.State == rivertype.JobStateRetryable {
			rs.State = web.RunRunning // it will be tried again on its own
		}
	}
	return rs, nil
}

// jobAccount reads the account a run belongs to from its arguments.
func jobAccount(row *rivertype.JobRow) (int64, bool) {
	if row.Kind != worker.KindExportInvoices && row.Kind != worker.KindResyncInvoice {
		return 0, false
	}
	var args struct {
		AccountID int64 `json:"account_id"`
	}
	if err := json.Unmarshal(row.EncodedArgs, &args); err != nil {
		return 0, false
	}
	return args.AccountID, true
}

// runError says what stopped a run, for a person: the worker's errors
// already say what to do (reconnect, not connected).
func runError(row *rivertype.JobRow) string {
	switch {
	case len(row.Errors) == 0:
		return "The run was stopped."
	case strings.Contains(row.Errors[len(row.Errors)-1].Error, worker.ErrReconnectNeeded.Error()):
		return "Xero or ShipStation needs reconnecting; see Connections."
	case strings.Contains(row.Errors[len(row.Errors)-1].Error, worker.ErrNotConnected.Error()):
		return "Connect both Xero and ShipStation first; see Connections."
	}
	return "The run failed after several tries; see the transaction log for the invoices it could not send."
}

// webhookWork is web.WebhookWork over River and the engine.
type webhookWork struct{ a *App }

func (w webhookWork) EnqueueExport(ctx context.Context, tx *store.Tx, accountID int64) error {
	return worker.EnqueueWebhookExport(ctx, w.a.River, tx, accountID)
}

func (w webhookWork) EnqueueWriteBack(ctx context.Context, tx *store.Tx, accountID int64) error {
	return worker.EnqueueWebhookWriteBack(ctx, w.a.River, tx, accountID)
}

func (w webhookWork) EnqueueSubscribe(ctx context.Context, tx *store.Tx, accountID int64) error {
	return worker.EnqueueSubscribe(ctx, w.a.River, tx, accountID)
}

func (w webhookWork) Unsubscribe(ctx context.Context, accountID int64) error {
	return w.a.Engine.Subscriber.Unsubscribe(ctx, accountID)
}

// webInvoices fetches an invoice and its contact with the account's Xero
// grant, for the invoice page's preview.
type webInvoices struct{ a *App }

func (w webInvoices) Invoice(ctx context.Context, accountID int64, invoiceID string) (*xero.Invoice, *xero.Contact, error) {
	a := w.a
	xc, err := a.Store.Connection(ctx, accountID, store.KindXero)
	if err != nil {
		return nil, nil, fmt.Errorf("app: invoice preview: %w", err)
	}
	if xc.Status != store.StatusConnected || xc.Metadata.TenantID == "" {
		return nil, nil, fmt.Errorf("app: invoice preview: %w", worker.ErrNotConnected)
	}
	src, err := a.Engine.Clients.XeroTokens(ctx, accountID)
	if err != nil {
		return nil, nil, fmt.Errorf("app: invoice preview: %w", err)
	}
	c := a.Xero.Client(src)
	inv, err := c.Invoice(ctx, xc.Metadata.TenantID, invoiceID)
	if err != nil {
		return nil, nil, fmt.Errorf("app: invoice preview: %w", err)
	}
	if inv.Contact == nil || inv.Contact.ContactID == "" {
		return inv, nil, nil
	}
	contact, err := c.Contact(ctx, xc.Metadata.TenantID, inv.Contact.ContactID)
	if err != nil {
		a.Logger.WarnContext(ctx, "app: invoice preview: contact", "account", accountID, "err", err)
		return inv, nil, nil
	}
	return inv, contact, nil
}

// webStatus is the dashboard's view of the worker: run times from River's
// jobs and the sweep's schedule, and the problems only the worker sees.
type webStatus struct{ a *App }

func (s webStatus) AccountStatus(ctx context.Context, accountID int64) (web.AccountStatus, error) {
	a := s.a
	var st web.AccountStatus
	res, err := a.River.JobList(ctx, river.NewJobListParams().Kinds(worker.KindExportInvoices).
		States(rivertype.JobStateCompleted).OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(200))
	if err != nil {
		return st, fmt.Errorf("app: account status: %w", err)
	}
	for _, row := range res.Jobs {
		if acct, _ := jobAccount(row); acct == accountID && row.FinalizedAt != nil {
			st.LastRunAt = *row.FinalizedAt
			break
		}
	}
	open, err := a.River.JobList(ctx, river.NewJobListParams().Kinds(worker.KindExportInvoices).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning).First(200))
	if err != nil {
		return st, fmt.Errorf("app: account status: %w", err)
	}
	for _, row := range open.Jobs {
		if acct, _ := jobAccount(row); acct != accountID {
			continue
		}
		if row.State != rivertype.JobStateRunning {
			st.NextRunAt = row.ScheduledAt
		}
		if row.State == rivertype.JobStateRetryable && row.Attempt >= stuckAfter {
			st.Problems = append(st.Problems, web.Problem{
				Text:   fmt.Sprintf("Exports keep failing (%d tries so far); orders are waiting. It will try again on its own.", row.Attempt),
				Action: "See the log", Link: "/log?outcome=failed",
			})
		}
	}
	settings, err := a.Store.Settings(ctx, accountID)
	if err != nil {
		return st, fmt.Errorf("app: account status: %w", err)
	}
	if st.NextRunAt.IsZero() && settings.SyncEnabled {
		last, ok, err := a.Store.Cursor(ctx, accountID, worker.CursorSweepEnqueued)
		if err != nil {
			return st, fmt.Errorf("app: account status: %w", err)
		}
		// The sweep queues a run once the account's interval has passed
		// since it last queued one (runs queued by hand do not move that),
		// and at its next tick for an account it never queued.
		st.NextRunAt = a.now()
		if due := last.Add(settings.SyncInterval); ok && due.After(st.NextRunAt) {
			st.NextRunAt = due
		}
	}
	if xc, err := a.Store.Connection(ctx, accountID, store.KindXero); err == nil && xc.Metadata.TenantID != "" {
		if b := a.Xero.Budget(xc.Metadata.TenantID); b.DayRemaining >= 0 && b.DayRemaining < quotaWarnAt {
			st.Problems = append(st.Problems, web.Problem{
				Text: fmt.Sprintf("Xero's daily API quota is nearly spent (%d calls left today); syncing pauses when it runs out, until the quota resets.",
					b.DayRemaining),
				Action: "Sync less often", Link: "/configure",
			})
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return st, fmt.Errorf("app: account status: %w", err)
	}
	noAddress, err := s.contactsToFix(ctx, accountID)
	if err != nil {
		return st, err
	}
	if noAddress > 0 {
		st.Problems = append(st.Problems, web.Problem{
			Text:   fmt.Sprintf("%d invoice(s) wait for a contact's address or country in Xero; fix the contact and they sync on the next run.", noAddress),
			Action: "See which", Link: "/log?outcome=skipped",
		})
	}
	return st, nil
}

// contactsToFix counts recent invoices held back by a contact's address.
// The link keeps the bridge's reason text, not its cause code, so the
// reason's wording is matched (bridge/address.go): an unknown wording is
// only missed on the dashboard, never mis-exported.
func (s webStatus) contactsToFix(ctx context.Context, accountID int64) (int, error) {
	n := 0
	for _, d := range []store.Decision{store.DecisionSkipped, store.DecisionFailed} {
		links, err := s.a.Store.ListInvoiceLinks(ctx, accountID, store.LinkFilter{Decision: d, Limit: 500})
		if err != nil {
			return 0, fmt.Errorf("app: account status: %w", err)
		}
		for _, l := range links {
			if strings.Contains(l.Reason, "has no address") || strings.Contains(l.Reason, "has no country") ||
				strings.Contains(l.Reason, "is not one we recognise") {
				n++
			}
		}
	}
	return n, nil
}

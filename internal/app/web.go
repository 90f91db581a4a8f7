package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

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

// listenMetrics opens the metrics listener (Config.MetricsAddr) of a
// process that serves (Options.ServeWeb): /metrics, /healthz and /readyz,
// with or without the web app.
func listenMetrics(ctx context.Context, cfg config.Config, opts Options) (net.Listener, error) {
	if !opts.ServeWeb || cfg.MetricsAddr == "" {
		return nil, nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("app: metrics: listen on %s: %w", cfg.MetricsAddr, err)
	}
	return ln, nil
}

// buildWeb makes the web app on top of the store, the Xero app, River and
// the metrics the instrumented HTTP client and River's events update.
func (a *App) buildWeb(opts Options) error {
	proxies, err := a.Config.TrustedProxyPrefixes()
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
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
		XeroQuota:          a.quota,
		BaseURL:            a.Config.BaseURL,
		SecureCookies:      a.Config.SecureCookies,
		Now:                opts.Now,
		Metrics:            a.Metrics,
		AllowSignUp:        a.Config.AllowSignUp,
		Argon2:             opts.Argon2,
		Mail:               a.webMailer(),
		TrustedProxies:     proxies,
		PasswordHashes:     password.NewGate(a.Config.PasswordHashes, 0),
	})
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	a.Web = srv
	return nil
}

// webMailer is the Mailer as the web app takes it: nil, not a typed nil,
// when mail is off.
func (a *App) webMailer() web.Mailer {
	if a.Mailer == nil {
		return nil
	}
	return a.Mailer
}

// WebURL is where the web app is served ("" without a listener).
func (a *App) WebURL() string { return a.webURL }

// MetricsURL is where /metrics, /healthz and /readyz are served on their
// own listener (Config.MetricsAddr; "" without one).
func (a *App) MetricsURL() string { return a.metricsURL }

// serveMetrics serves the metrics listener until stop is called.
func (a *App) serveMetrics(ctx context.Context) (stop func()) {
	if a.metricsListener == nil {
		return func() {}
	}
	ln := a.metricsListener
	a.metricsListener = nil // served: Close leaves it to Shutdown
	a.Logger.Info("metrics listening", "url", a.metricsURL, "addr", ln.Addr().String())
	return serveHTTP(ctx, a.Logger, "metrics", ln, web.NewHTTPServer(a.Web.OpsHandler(), a.serverLimits))
}

// serveHTTP serves srv (made by web.NewHTTPServer, so every listener has
// the same timeouts and header limit) on ln until stop is called, which
// shuts the server down gracefully (10 seconds, then closes it).
func serveHTTP(ctx context.Context, logger *slog.Logger, name string, ln net.Listener, srv *http.Server) (stop func()) {
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error(name+": serve", "err", err)
		}
	}()
	return func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			_ = srv.Close()
		}
		<-done
	}
}

// serveWeb serves the web app on the listener until stop is called, and
// purges expired sessions hourly. stop shuts the server down gracefully.
func (a *App) serveWeb(ctx context.Context) (stop func()) {
	if a.listener == nil {
		return func() {}
	}
	ln := a.listener
	a.listener = nil // served: Close leaves it to Shutdown
	stopServer := serveHTTP(ctx, a.Logger, "web", ln, web.NewHTTPServer(a.Web.Handler(), a.serverLimits))
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
		stopServer()
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
			// An export's or write-back's output adds up every attempt of
			// the job (it continues in slices), so it is counted once,
			// when the job ends.
			if ended(ev.Job) {
				a.countOutput(ev.Job)
			}
			a.progress.Forget(ev.Job.ID)
		}
	}()
	return func() { cancel(); <-done }
}

// ended reports whether the job will not run again: completed, cancelled
// or discarded (not snoozed, not waiting for a retry).
func ended(job *rivertype.JobRow) bool {
	switch job.State {
	case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		return true
	}
	return false
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
// through, so that /metrics counts calls by service and status, Xero's
// response bytes by endpoint family, and shows the rate-limit headers'
// remaining calls. Nothing is labelled by account or URL, to keep the
// series few.
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
	if service == "xero" && resp.Body != nil {
		resp.Body = &byteCounter{ReadCloser: resp.Body, c: t.m.XeroBytes.WithLabelValues(xero.Endpoint(req.URL.Path))}
	}
	// Only the app-wide window is one figure; the per-organisation and
	// per-key ones are per merchant (see web.Metrics.Accounts).
	if n, err := strconv.Atoi(resp.Header.Get("X-AppMinLimit-Remaining")); err == nil && service == "xero" {
		t.m.XeroAppMinuteRemaining.Set(float64(n))
	}
	return resp, nil
}

// byteCounter adds what is read of a response body to a counter.
type byteCounter struct {
	io.ReadCloser
	c prometheus.Counter
}

func (b *byteCounter) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.c.Add(float64(n))
	}
	return n, err
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

// RunStatus is worker.RunOf in the web app's words.
func (j webJobs) RunStatus(ctx context.Context, accountID, runID int64) (web.RunStatus, error) {
	run, err := worker.RunOf(ctx, j.a.River, accountID, runID, j.a.progress.Get)
	if errors.Is(err, worker.ErrRunNotFound) {
		return web.RunStatus{}, web.ErrRunNotFound
	}
	if err != nil {
		return web.RunStatus{}, fmt.Errorf("app: run status: %w", err)
	}
	rs := web.RunStatus{ID: run.ID, Done: run.Done, Total: run.Total, Error: run.Error, State: map[worker.RunState]web.RunState{
		worker.RunPending: web.RunPending, worker.RunRunning: web.RunRunning,
		worker.RunSucceeded: web.RunSucceeded, worker.RunFailed: web.RunFailed,
	}[run.State]}
	if sum := run.Export; sum != nil {
		rs.Summary = &web.RunSummary{New: sum.Exported, Updated: sum.Updated, Cancelled: sum.Cancelled, Unchanged: sum.Unchanged,
			Skipped: sum.Skipped, Alerts: sum.Alerts, Failed: sum.Failed}
	}
	if sum := run.WriteBack; sum != nil {
		rs.Summary = &web.RunSummary{Skipped: sum.Skipped, Failed: sum.Failed, WrittenBack: sum.Written}
	}
	return rs, nil
}

// webhookWork is web.WebhookWork over River and the engine.
type webhookWork struct{ a *App }

func (w webhookWork) EnqueueExport(ctx context.Context, tx *store.Tx, accountID int64) error {
	return worker.EnqueueWebhookExport(ctx, w.a.River, tx, accountID, w.a.Config.WebhookExportDelay)
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

// webInvoices previews an invoice for the invoice page with the worker's
// own dry run of it: the same settings, link and decision as Re-sync, with
// nothing sent or written.
type webInvoices struct{ a *App }

func (w webInvoices) Preview(ctx context.Context, accountID int64, invoiceID string) (worker.InvoiceResult, error) {
	res, _, err := w.a.Engine.Exporter.Resync(ctx, accountID, invoiceID, worker.RunOptions{DryRun: true})
	if err != nil {
		return res, fmt.Errorf("app: invoice preview: %w", err)
	}
	return res, nil
}

// webStatus is the dashboard's view of the worker: run times from River's
// jobs and the sweep's schedule (worker.ScheduleOf), and the problems only
// the worker sees. What the invoices wait for is the store's to count, and
// the Xero day quota the store's to tell (the dashboard reads it).
type webStatus struct{ a *App }

func (s webStatus) AccountStatus(ctx context.Context, accountID int64) (web.AccountStatus, error) {
	a := s.a
	sched, err := worker.ScheduleOf(ctx, a.River, a.Store, a.quota, accountID, a.now())
	if err != nil {
		return web.AccountStatus{}, fmt.Errorf("app: account status: %w", err)
	}
	st := web.AccountStatus{LastRunAt: sched.LastRunAt, NextRunAt: sched.NextRunAt, StuckAttempts: sched.StuckAttempts}
	return st, nil
}

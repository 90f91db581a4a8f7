package worker

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/logging"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
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

// Options configures an Engine. Store and Xero are required.
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
	// Limiter, when set, is the rate budget every process on the database
	// shares (SharedLimits; nil on SQLite): each ShipStation key's budget
	// takes from it after the process's own. The Xero App is given the
	// same one (xero.Config.Limiter).
	Limiter *store.RateLimiter
	// XeroQuota is how each account's Xero day quota is spent: the export
	// sweep slows as it runs low and keeps a reserve for write-back
	// (PlanExportSweep). The zero value is the Starter tier, 20% kept.
	XeroQuota QuotaPolicy
	// JobSlice is how long an export or write-back job works before it
	// stops at its next committed progress and continues as a new attempt
	// (see JobSlice). Zero means JobSlice; tests make it tiny.
	JobSlice time.Duration
	// XeroAppSweepCalls is how many of the Xero app's calls a minute
	// (XeroAppMinuteLimit, shared by every organisation) the export sweep
	// may plan to spend; zero means half of them, leaving the rest to the
	// exports webhooks ask for and to write-back (SweepCap).
	XeroAppSweepCalls int
}

// Engine is the export and write-back engine of one process: the parts
// that run an account's work, built together so that they share one
// Clients. The River workers (Register) and the commands call them.
type Engine struct {
	// Clients builds the accounts' API clients and owns the per-process
	// caches the parts share (the web app's preview uses its XeroTokens).
	Clients *Clients
	// Exporter sends invoices to ShipStation as orders.
	Exporter *Exporter
	// WriteBacker writes ShipStation's shipments back to Xero.
	WriteBacker *WriteBacker
	// Subscriber keeps the accounts' ShipStation webhooks subscribed.
	Subscriber *Subscriber

	st    *store.Store
	log   *slog.Logger
	now   func() time.Time
	quota QuotaPolicy
	slice time.Duration
	// sweepCalls is Options.XeroAppSweepCalls.
	sweepCalls int
}

// New checks opts, fills in the defaults and builds the Engine.
func New(opts Options) (*Engine, error) {
	if opts.Store == nil || opts.Xero == nil {
		return nil, errors.New("worker: new engine: Store and Xero are required")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, ok := log.Handler().(*logging.ContextHandler); !ok {
		// A logger not made by logging.New still gets the job's identity
		// (ConfigureLogging) on every line.
		log = slog.New(logging.NewContextHandler(log.Handler()))
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	overlap := opts.Overlap
	if overlap <= 0 {
		overlap = DefaultOverlap
	}
	backfill := opts.Backfill
	if backfill <= 0 {
		backfill = DefaultBackfill
	}
	pageSize := opts.PageSize
	if pageSize <= 0 || pageSize > xero.MaxPageSize {
		pageSize = DefaultPageSize
	}
	maxAge := opts.ContactMaxAge
	if maxAge <= 0 {
		maxAge = DefaultContactMaxAge
	}
	ssLimit := opts.ShipStationRateLimit
	if ssLimit <= 0 {
		ssLimit = shipstation.DefaultRateLimit
	}
	c := &Clients{
		st: opts.Store, xero: opts.Xero, ssURL: opts.ShipStationBaseURL, http: opts.HTTPClient, log: log, now: now,
		ssLimit: ssLimit, limiter: opts.Limiter, budgets: map[string]shipstation.Budget{}, carriers: map[string]carrierNames{},
	}
	exp := &Exporter{
		c: c, st: opts.Store, log: log, now: now, overlap: overlap, backfill: backfill,
		pageSize: pageSize, maxAge: maxAge, progress: opts.Progress,
	}
	return &Engine{
		Clients:     c,
		Exporter:    exp,
		WriteBacker: &WriteBacker{c: c, exp: exp, st: opts.Store, log: log, now: now, overlap: overlap, backfill: backfill},
		Subscriber: &Subscriber{
			c: c, st: opts.Store, log: log,
			hookBase: strings.TrimRight(opts.WebhookBaseURL, "/"), ssURL: opts.ShipStationBaseURL,
		},
		st: opts.Store, log: log, now: now, quota: opts.XeroQuota, slice: opts.JobSlice,
		sweepCalls: opts.XeroAppSweepCalls,
	}, nil
}

package worker

import (
	"log/slog"
	"net/http"
	"time"

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

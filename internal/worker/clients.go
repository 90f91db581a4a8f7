package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// Clients builds an account's Xero and ShipStation clients and owns what
// must be one per process for them: a Xero token source per account (see
// XeroTokens), a ShipStation rate budget per API key (drawing, on
// PostgreSQL, from the one every process shares), and each key's
// carrier names. The export, the write-back and the subscription share
// one, so that their calls for one account or key are counted together.
// It also classifies their API errors, marking a connection that needs a
// person to reconnect it (errors.go). New builds it.
type Clients struct {
	st      *store.Store
	xero    *xero.App
	ssURL   string
	http    *http.Client
	log     *slog.Logger
	now     func() time.Time
	ssLimit int
	// limiter is the rate budget shared by every process (nil on SQLite).
	limiter *store.RateLimiter

	mu      sync.Mutex
	budgets map[string]shipstation.Budget
	tokens  map[int64]*xero.TokenSource // one per account: see XeroTokens
	// carriers caches each ShipStation key's carrier names (a note names
	// the carrier), keyed by API key.
	carriers map[string]carrierNames
	// grantRetry is when the keep-alive may try an account's idle grant
	// again after a failure (KeepXeroGrantsAlive).
	grantRetry map[int64]time.Time
}

// budget returns the one Budget of a ShipStation key pair in this process:
// its MemoryBudget, which follows the response headers, and on PostgreSQL
// behind it the key's budget shared by every process.
func (c *Clients) budget(apiKey string) shipstation.Budget {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.budgets[apiKey]
	if b == nil {
		local := shipstation.NewMemoryBudget(c.ssLimit)
		b = local
		if c.limiter != nil {
			b = shipstation.NewSharedBudget(local, c.limiter, apiKey, c.log)
		}
		c.budgets[apiKey] = b
	}
	return b
}

// The store's budgets are what the clients take.
var (
	_ xero.SharedLimiter  = (*store.RateLimiter)(nil)
	_ shipstation.Limiter = (*store.RateLimiter)(nil)
)

// Bursts of the shared budgets: Xero's in-flight limit for an
// organisation (a burst never exceeds it), a little for the app, and a
// tenth of ShipStation's minute.
const (
	xeroOrgBurst = xero.InFlightLimit
	xeroAppBurst = 50
	ssBurst      = 4
)

// jitterShare is the share of a window allowed for the spread of delays
// between a call's admission and the API receiving it (store.WindowRate):
// three seconds of Xero's and ShipStation's minute, at the cost of about
// 5% of the sustained rate.
const jitterShare = 20

// SharedLimits builds the rate budgets that every process on st's
// PostgreSQL database shares (store.RateLimiter, GCRA): each Xero
// organisation (xero.MinuteLimit a minute window, bursts of at most
// xero.InFlightLimit, and xero.InFlightLimit in-flight slots through
// Pacing.MaxInFlight), the Xero app (xero.AppMinuteLimit) and each
// ShipStation key pair (ssLimit a minute, less the one call
// shipstation.MemoryBudget keeps in reserve). xeroMinute is the pacer's
// minute (xero.Pacing.MinuteWindow: shorter at an emulator's time scale).
// On SQLite it returns nil: one process owns the file, and its in-memory
// budgets are the whole budget.
func SharedLimits(st *store.Store, xeroMinute time.Duration, ssLimit int) (*store.RateLimiter, error) {
	if st.Dialect() != store.Postgres {
		return nil, nil
	}
	if ssLimit <= 0 {
		ssLimit = shipstation.DefaultRateLimit
	}
	l, err := st.NewRateLimiter(store.RateLimiterOptions{Rates: map[string]store.Rate{
		xero.LimitOrg:          store.WindowRate(xero.MinuteLimit, xeroMinute, xeroOrgBurst, xeroMinute/jitterShare),
		xero.LimitApp:          store.WindowRate(xero.AppMinuteLimit, xeroMinute, xeroAppBurst, xeroMinute/jitterShare),
		shipstation.LimitClass: store.WindowRate(max(ssLimit-1, 1), time.Minute, ssBurst, time.Minute/jitterShare),
	}})
	if err != nil {
		return nil, fmt.Errorf("worker: shared rate limits: %w", err)
	}
	return l, nil
}

// prepare loads the account's connections and settings and builds its
// clients.
func (c *Clients) prepare(ctx context.Context, acct int64, opts RunOptions, sum *Summary) (*run, error) {
	xc, err := c.st.Connection(ctx, acct, store.KindXero)
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
	// Xero refuses the organisation's calls for the rest of its day: wait
	// without spending a call, whichever process saw the 429.
	if err := c.xeroBlocked(ctx, acct); err != nil {
		return nil, err
	}
	src, err := c.XeroTokens(ctx, acct)
	if err != nil {
		return nil, err
	}
	sc, err := c.st.Connection(ctx, acct, store.KindShipStation)
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
	ss, ssKey, err := c.shipStationClient(ctx, acct)
	if err != nil {
		return nil, err
	}
	st, err := c.st.Settings(ctx, acct)
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	r := &run{
		acct: acct, tenant: xc.Metadata.TenantID, xc: c.xero.Client(src).Metered(c.egressMeter(acct)), ss: ss, ssKey: ssKey, start: c.now(),
		settings: BridgeSettings(st, xc.Metadata, sc.Metadata), opts: opts, sum: sum,
		shipped: map[string]int64{}, shortCode: xc.Metadata.ShortCode,
	}
	if r.shortCode == "" {
		// A connection made before the organisation was kept with it.
		r.shortCode = c.fillOrganisation(ctx, r, xc.Metadata)
	}
	return r, nil
}

// egressMeter records the bytes of every Xero response of the account's
// calls in the store, where every process adds to the same daily rows: Xero
// bills an app for what it pulls. A failure to record is logged, never the
// call's failure; it runs outside any transaction of ours, like saving a
// refreshed token, and outlives a cancelled call so a response read is
// counted.
func (c *Clients) egressMeter(acct int64) xero.Meter {
	return func(ctx context.Context, _, endpoint string, n int64) {
		if err := c.st.AddXeroEgress(context.WithoutCancel(ctx), acct, c.now(), endpoint, n); err != nil {
			c.log.WarnContext(ctx, "xero egress not recorded", "account", acct, "endpoint", endpoint, "bytes", n, "error", err)
		}
	}
}

// shipStationClient builds a client on the account's sealed key pair,
// sharing the key's rate budget in this process, and returns the key
// (caches are per key).
func (c *Clients) shipStationClient(ctx context.Context, acct int64) (*shipstation.Client, string, error) {
	creds, err := c.st.ShipStationCredentials(ctx, acct)
	if err != nil {
		return nil, "", fmt.Errorf("worker: shipstation key of account %d: %w", acct, secretError(err))
	}
	ss, err := shipstation.New(shipstation.Config{
		BaseURL: c.ssURL, APIKey: creds.APIKey, APISecret: creds.APISecret, HTTPClient: c.http,
		Logger: c.log, Budget: c.budget(creds.APIKey),
	})
	if err != nil {
		return nil, "", fmt.Errorf("worker: shipstation: %w", err)
	}
	return ss, creds.APIKey, nil
}

// shipStationOf builds the account's ShipStation client and says which
// store its orders go to.
func (c *Clients) shipStationOf(ctx context.Context, acct int64) (*shipstation.Client, int64, error) {
	sc, err := c.st.Connection(ctx, acct, store.KindShipStation)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !sc.HasSecret) {
		return nil, 0, fmt.Errorf("worker: account %d has no ShipStation key: %w", acct, ErrNotConnected)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("worker: shipstation: %w", err)
	}
	ss, _, err := c.shipStationClient(ctx, acct)
	if err != nil {
		return nil, 0, err
	}
	settings, err := c.st.Settings(ctx, acct)
	if err != nil {
		return nil, 0, fmt.Errorf("worker: shipstation: %w", err)
	}
	return ss, storeIDOf(settings, sc.Metadata), nil
}

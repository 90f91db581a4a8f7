package xeroemu

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
)

// Options configures an emulator. The zero value is a working emulator with
// one organisation, generated credentials and Xero's real-time rate limits.
type Options struct {
	// ClientID and ClientSecret are the one app's credentials; generated
	// when empty.
	ClientID, ClientSecret string
	// OrgNames names the organisations; default one, "Demo Company (Global)".
	OrgNames []string
	// OrgTimezone is the Timezone every organisation reports, a value of
	// Xero's TimeZone enum (NEWZEALANDSTANDARDTIME); default UTC.
	// SetOrgTimezone changes one organisation's.
	OrgTimezone string
	// AccessTokenTTL is an access token's lifetime (default 30m, as Xero).
	AccessTokenTTL time.Duration
	// RefreshGrace is how long a superseded refresh token still works
	// (default 30m, as Xero).
	RefreshGrace time.Duration
	// RateLimit is the zero value for real-time limits; emukit.NoRateLimit
	// disables them; a Scale shrinks the windows (and webhook retry delays).
	RateLimit emukit.RateLimit
	// Tier is the app's developer tier (default TierCore): it sets the day
	// limit per organisation and the cap on connected organisations.
	Tier Tier
	// DayLimit overrides the tier's daily call cap per organisation when
	// positive (benchmarks lift it out of the way).
	DayLimit int
	// Faults injects errors, latency or an offline organisation.
	Faults emukit.FaultConfig
	// WebhookURL receives webhook deliveries when set; WebhookKey signs
	// them (generated when empty).
	WebhookURL, WebhookKey string
	// AppCreated is when the app was registered with Xero. Apps created on
	// or after 2 March 2026 may request only granular scopes
	// (accounting.invoices...), never the broad accounting.transactions;
	// older apps may request both and mix them. The zero value is such a
	// new app, so everything run against the emulator meets the new rules.
	AppCreated time.Time
	// Now is the clock for tokens, dates and rate windows; default time.Now.
	Now func() time.Time
	// Logger receives the emulator's own log lines; default discards.
	Logger *slog.Logger
	// AdminToken opens the admin API under /_emulator (counters, request
	// log, seeding); generated when empty.
	AdminToken string
	// RequestLogSize is how many recent requests the admin API keeps
	// (default emukit.DefaultRequestLogSize).
	RequestLogSize int
}

// Emulator is an in-memory Xero (identity, connections and the parts of the
// Accounting API orderbridge uses) served as one http.Handler on one host.
// It is safe for concurrent use. Call Close to stop webhook deliveries.
type Emulator struct {
	// orgTimezone is the Timezone a new organisation reports.
	orgTimezone            string
	clientID, clientSecret string
	accessTTL, grace       time.Duration
	dayLimit               int
	tier                   Tier
	appCreated             time.Time
	now                    func() time.Time
	log                    *slog.Logger
	mux                    *http.ServeMux
	counters               *emukit.Counters
	egress                 *emukit.Counters
	tally                  *emukit.Tally
	reqLog                 *emukit.RequestLog
	admin                  *emukit.Admin
	faults                 *emukit.Faults

	urlMu sync.RWMutex
	url   string

	idemMu sync.Mutex

	limMu    sync.Mutex
	limits   *limiter
	rateCfg  emukit.RateLimit
	inFlight map[string]int

	// mu guards all state below: organisations, tokens, idempotency.
	mu       sync.RWMutex
	orgs     map[string]*org
	orgOrder []*org
	auth     authState

	hooks *webhooks
}

// New returns an emulator; it serves nothing until mounted on a server.
func New(opts Options) *Emulator {
	e := &Emulator{
		clientID:     opts.ClientID,
		clientSecret: opts.ClientSecret,
		accessTTL:    opts.AccessTokenTTL,
		grace:        opts.RefreshGrace,
		dayLimit:     opts.DayLimit,
		tier:         opts.Tier,
		appCreated:   opts.AppCreated,
		now:          opts.Now,
		log:          opts.Logger,
		counters:     emukit.NewCounters(),
		egress:       emukit.NewCounters(),
		tally:        emukit.NewTally(),
		reqLog:       emukit.NewRequestLog(opts.RequestLogSize),
		faults:       emukit.NewFaults(opts.Faults),
		orgs:         make(map[string]*org),
		inFlight:     make(map[string]int),
		orgTimezone:  opts.OrgTimezone,
	}
	if e.orgTimezone == "" {
		e.orgTimezone = "UTC"
	}
	if e.clientID == "" {
		e.clientID = strings.ToUpper(randomHex(16))
	}
	if e.clientSecret == "" {
		e.clientSecret = randomHex(24)
	}
	if e.accessTTL <= 0 {
		e.accessTTL = 30 * time.Minute
	}
	if e.grace <= 0 {
		e.grace = 30 * time.Minute
	}
	if e.tier == "" {
		e.tier = TierCore
	}
	if e.dayLimit <= 0 {
		e.dayLimit = e.tier.DayLimit()
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e.auth.init()
	e.SetRateLimit(opts.RateLimit)
	key := opts.WebhookKey
	if key == "" {
		key = randomHex(32)
	}
	e.hooks = newWebhooks(e, opts.WebhookURL, key)
	names := opts.OrgNames
	if len(names) == 0 {
		names = []string{"Demo Company (Global)"}
	}
	for _, n := range names {
		e.AddOrg(n)
	}
	e.routes()
	e.adminRoutes(cmp.Or(opts.AdminToken, emukit.NewAdminToken()))
	return e
}

// ServeHTTP makes the emulator an http.Handler. The admin API under
// /_emulator is neither counted nor logged: it is not Xero.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if emukit.IsAdminPath(r.URL.Path) {
		e.admin.ServeHTTP(w, r)
		return
	}
	e.mux.ServeHTTP(w, r)
}

// URL is the base URL every endpoint lives under (identity, connections and
// /api.xro/2.0 share one host, unlike the real Xero).
func (e *Emulator) URL() string {
	e.urlMu.RLock()
	defer e.urlMu.RUnlock()
	return e.url
}

// SetURL sets the base URL, for when the emulator is served by a server the
// caller runs (the CLI).
func (e *Emulator) SetURL(u string) {
	e.urlMu.Lock()
	e.url = strings.TrimRight(u, "/")
	e.urlMu.Unlock()
}

// GranularOnly reports whether the app may request only granular scopes
// (it was created on or after 2 March 2026).
func (e *Emulator) GranularOnly() bool { return granularOnly(e.appCreated) }

// ClientID is the app's client id.
func (e *Emulator) ClientID() string { return e.clientID }

// ClientSecret is the app's client secret.
func (e *Emulator) ClientSecret() string { return e.clientSecret }

// Counters counts requests per endpoint, keyed "METHOD /route", e.g.
// "GET /api.xro/2.0/Invoices" or "PUT /api.xro/2.0/Invoices/{id}/History".
func (e *Emulator) Counters() *emukit.Counters { return e.counters }

// SetFaults replaces the fault configuration.
func (e *Emulator) SetFaults(c emukit.FaultConfig) { e.faults.Set(c) }

// SetRateLimit replaces the rate-limit configuration; counts start afresh.
func (e *Emulator) SetRateLimit(rl emukit.RateLimit) {
	if !rl.Off && rl.Scale == 0 {
		rl = emukit.RealRateLimit
	}
	e.limMu.Lock()
	defer e.limMu.Unlock()
	e.rateCfg = rl
	if rl.Off {
		e.limits = nil
		return
	}
	e.limits = &limiter{
		minute: emukit.NewWindow(60, rl.Window(time.Minute), e.now),
		day:    emukit.NewWindow(e.dayLimit, rl.Window(24*time.Hour), e.now),
		app:    emukit.NewWindow(10000, rl.Window(time.Minute), e.now),
		conc:   emukit.NewConcurrency(5),
	}
}

func (e *Emulator) rateLimit() emukit.RateLimit {
	e.limMu.Lock()
	defer e.limMu.Unlock()
	return e.rateCfg
}

// Close stops webhook deliveries and waits for them to end.
func (e *Emulator) Close() { e.hooks.close() }

// TenantIDs lists the organisations' tenant ids in creation order.
func (e *Emulator) TenantIDs() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	ids := make([]string, len(e.orgOrder))
	for i, o := range e.orgOrder {
		ids[i] = o.id
	}
	return ids
}

// DefaultTenantID is the first organisation's tenant id; client-credentials
// tokens are bound to it.
func (e *Emulator) DefaultTenantID() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if len(e.orgOrder) == 0 {
		return ""
	}
	return e.orgOrder[0].id
}

// OrgName returns an organisation's name.
func (e *Emulator) OrgName(tenantID string) string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if o := e.orgs[tenantID]; o != nil {
		return o.name
	}
	return ""
}

// AddOrg adds an organisation and returns its tenant id. Grants made before
// it was added are not connected to it, as a real user would have to
// consent again.
func (e *Emulator) AddOrg(name string) (tenantID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := newOrg(name, e.now())
	o.timezone = e.orgTimezone
	e.orgs[o.id] = o
	e.orgOrder = append(e.orgOrder, o)
	return o.id
}

// SetOrgTimezone sets the Timezone an organisation reports (a value of
// Xero's TimeZone enum, which the emulator does not check: a value Xero
// adds later must reach the app as it would from Xero).
func (e *Emulator) SetOrgTimezone(tenantID, timezone string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orgs[tenantID]
	if o == nil {
		return fmt.Errorf("xeroemu: set timezone: unknown tenant %q", tenantID)
	}
	o.timezone = timezone
	return nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// callInfo is what the checks learnt about a call: its organisation
// (nil for tenantless calls) and its token.
type callInfo struct {
	org *org
	tok *accessToken
}

type routeKind int

const (
	routeOAuth      routeKind = iota // no bearer token
	routeTenantless                  // bearer token, no tenant (connections)
	routeAPI                         // bearer token and tenant
)

type apiHandler func(w http.ResponseWriter, r *http.Request, c *callInfo)

func (e *Emulator) handle(pattern string, kind routeKind, h apiHandler) {
	e.handleAs(pattern, pattern, kind, h)
}

// handleAs serves pattern, counting its calls under counter (another
// spelling of the same route).
func (e *Emulator) handleAs(pattern, counter string, kind routeKind, h apiHandler) {
	var guard scopeGuard
	if kind == routeAPI {
		guard = newScopeGuard(pattern)
	}
	e.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		e.counters.Inc(counter)
		start := time.Now()
		sw := &emukit.StatusWriter{ResponseWriter: w}
		ew := &egressWriter{ResponseWriter: sw}
		defer e.record(r, counter, start, sw, ew)
		if kind == routeOAuth {
			h(ew, r, nil)
			return
		}
		e.serveAuthed(ew, r, kind, guard, ew.attribute(h))
	})
}

// serveAuthed runs the checks every API call passes, in the order Xero
// appears to apply them: bearer token, the token's scopes, tenant, Accept, rate limits (a
// refused call is not counted), injected latency and faults (which count
// against the limits, as real failures do), then the handler.
func (e *Emulator) serveAuthed(w http.ResponseWriter, r *http.Request, kind routeKind, guard scopeGuard, h apiHandler) {
	d := e.faults.Decide()
	tok, problem := e.checkBearer(r)
	if problem != "" {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeProblem(w, http.StatusUnauthorized, "Unauthorized", problem)
		return
	}
	c := &callInfo{tok: tok}
	if kind == routeAPI {
		// A token whose grant lacks the endpoint's scope gets Xero's 401
		// AuthorizationUnsuccessful (permission), not the
		// AuthenticationUnsuccessful of an unknown token.
		if !guard.allows(tok.grant.scopes) {
			writeProblem(w, http.StatusUnauthorized, "Unauthorized", "AuthorizationUnsuccessful")
			return
		}
		o, ok := e.checkTenant(tok, r.Header.Get("Xero-Tenant-Id"))
		if !ok {
			writeProblem(w, http.StatusForbidden, "Forbidden", "AuthenticationUnsuccessful")
			return
		}
		c.org = o
		// The real API answers XML without this header; refusing is how we
		// catch clients that forget it.
		if !strings.Contains(r.Header.Get("Accept"), "application/json") {
			writeProblem(w, http.StatusNotAcceptable, "Not Acceptable", "send Accept: application/json (without it Xero answers XML)")
			return
		}
	}
	orgKey := ""
	if c.org != nil {
		orgKey = c.org.id
	}
	release, ok := e.takeRate(w, orgKey)
	if !ok {
		return
	}
	defer release()
	// Latency counts as time in flight, so it holds a concurrency slot.
	if d.Latency > 0 {
		t := time.NewTimer(d.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if d.Offline && kind == routeAPI {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "Organisation offline")
		return
	}
	if d.Status != 0 {
		if d.Status == http.StatusTooManyRequests {
			// Xero's 429 always says why and for how long (xero-api.md
			// §8.3); an injected one must too, or it teaches clients
			// nothing a real limit would.
			tooMany(w, "minute", e.minuteReset(orgKey))
			return
		}
		if d.Status == http.StatusServiceUnavailable {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(d.Status)
			io.WriteString(w, "The Xero API is currently offline for maintenance")
			return
		}
		writeProblem(w, d.Status, "An error occurred", "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.")
		return
	}
	h(w, r, c)
}

// writeProblem writes the RFC-7807-like body Xero's gateway uses for
// 401/403 and other non-validation failures.
func writeProblem(w http.ResponseWriter, status int, title, detail string) {
	writeJSONBody(w, status, map[string]any{
		"Type": nil, "Title": title, "Status": status, "Detail": detail,
		"Instance": newID(), "Extensions": map[string]any{},
	})
}

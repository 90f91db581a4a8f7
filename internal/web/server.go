package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"iter"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Jobs is what the web app asks of the worker. The app implements it over
// River; tests use a fake. Each Enqueue runs inside the transaction that
// records what triggered it (Save and sync saves the settings in tx), so
// the job and its cause commit together: insert the job with River's
// InsertTx on tx, and write only through tx (see doc/storage.md).
type Jobs interface {
	// EnqueueExport asks for an export run of the account now (Save and
	// sync) and returns the run's id for RunStatus.
	EnqueueExport(ctx context.Context, tx *store.Tx, accountID int64) (runID int64, err error)
	// EnqueueBackfill asks for every invoice changed since since to be
	// looked at again (the export cursor moved back), as one run.
	EnqueueBackfill(ctx context.Context, tx *store.Tx, accountID int64, since time.Time) (runID int64, err error)
	// EnqueueResync asks for one invoice to be exported again now, whatever
	// the cursor says.
	EnqueueResync(ctx context.Context, tx *store.Tx, accountID int64, invoiceID string) (runID int64, err error)
	// RunStatus reports a run's progress. A run of another account is
	// ErrRunNotFound.
	RunStatus(ctx context.Context, accountID, runID int64) (RunStatus, error)
}

// ErrRunNotFound is what Jobs.RunStatus returns for a run it does not know
// (or one of another account).
var ErrRunNotFound = errors.New("web: run not found")

// RunState is where a run is.
type RunState string

// Run states.
const (
	RunPending   RunState = "pending"   // queued, not started
	RunRunning   RunState = "running"   // a worker has it
	RunSucceeded RunState = "succeeded" // finished
	RunFailed    RunState = "failed"    // finished with an error (Error says what)
)

// RunStatus is a run's progress as the page shows it.
type RunStatus struct {
	ID    int64
	State RunState
	// Done and Total count invoices looked at and to look at, when known
	// (Total 0: unknown).
	Done, Total int
	// Error is for a person: what went wrong and what to do.
	Error string
	// Summary is what the run did, invoice by invoice; nil while not
	// known (a run not started, or worked by another process).
	Summary *RunSummary
}

// RunSummary counts what one run did with the invoices it looked at, and
// the shipments it wrote back to Xero.
type RunSummary struct {
	New, Updated, Cancelled, Unchanged, Skipped, Alerts, Failed int
	WrittenBack                                                 int
}

// Finished reports whether the run is over.
func (r RunStatus) Finished() bool { return r.State == RunSucceeded || r.State == RunFailed }

// ShipStation is what the web app calls on ShipStation: listing stores,
// which also proves a key pair works, and an order and its shipments
// (labels) for the invoice page.
type ShipStation interface {
	Stores(ctx context.Context, showInactive bool) ([]shipstation.Store, error)
	Shipments(ctx context.Context, f shipstation.ShipmentFilter) iter.Seq2[shipstation.Shipment, error]
	GetOrder(ctx context.Context, orderID int64) (shipstation.Order, error)
}

// InvoiceSource previews an invoice for the invoice page. The app
// implements it with the worker's own dry run of the invoice
// (worker.Exporter.Resync with RunOptions.DryRun), so the preview is the
// order Re-sync or the next export sends, decided with the same settings,
// never a second opinion.
type InvoiceSource interface {
	// Preview decides the account's invoice now, as Xero has it, sending
	// and writing nothing. The error wraps worker.ErrInvoiceNotFound for
	// an invoice Xero does not know, worker.ErrNotConnected or
	// worker.ErrReconnectNeeded when a connection is missing or broken.
	Preview(ctx context.Context, accountID int64, invoiceID string) (worker.InvoiceResult, error)
}

// StatusSource tells the dashboard what only the worker knows about an
// account. The app implements it; nil leaves those parts out.
type StatusSource interface {
	AccountStatus(ctx context.Context, accountID int64) (AccountStatus, error)
}

// AccountStatus is the worker's view of an account.
type AccountStatus struct {
	// LastRunAt is when the last export run finished (zero: never).
	LastRunAt time.Time
	// NextRunAt is when the next scheduled run is due (zero: none).
	NextRunAt time.Time
	// StuckAttempts is the attempts so far of an export that keeps
	// failing (0: none is stuck); problems.Decide says what it means.
	StuckAttempts int
}

// Problem is one thing that needs a person, with what to do about it
// (problems.Decide decides them).
type Problem = problems.Problem

// WebhookWork is what the webhook receivers and the ShipStation connect
// flow ask of the worker. The app implements it over River. Each Enqueue
// runs inside the transaction that records its cause (the events of a
// delivery, a saved connection), so both commit together; write only
// through tx.
type WebhookWork interface {
	// EnqueueExport asks for an export of the account because Xero said
	// an invoice or contact changed: now, or right after the run going on,
	// if one is.
	EnqueueExport(ctx context.Context, tx *store.Tx, accountID int64) error
	// EnqueueWriteBack asks for the account's pending ShipStation events
	// (recorded in tx) to be read and written back to Xero, likewise.
	EnqueueWriteBack(ctx context.Context, tx *store.Tx, accountID int64) error
	// EnqueueSubscribe asks for the account's SHIP_NOTIFY webhook to be
	// subscribed for its chosen store (replacing an older subscription):
	// after ShipStation is connected or another store is chosen.
	EnqueueSubscribe(ctx context.Context, tx *store.Tx, accountID int64) error
	// Unsubscribe deletes the account's webhook at ShipStation, with the
	// account's key, and forgets it: before ShipStation is disconnected
	// (the key is erased then). An error leaves the subscription recorded.
	Unsubscribe(ctx context.Context, accountID int64) error
}

// Config is what New needs.
type Config struct {
	// Store is the database. Required.
	Store *store.Store
	// Logger receives request and error lines; nil discards.
	Logger *slog.Logger
	// Xero is the Xero app registration for the connect flow; nil disables
	// connecting Xero (the page says so).
	Xero *xero.App
	// NewShipStation makes a ShipStation client for a key pair; nil
	// disables connecting ShipStation.
	NewShipStation func(apiKey, apiSecret string) (ShipStation, error)
	// Jobs queues runs; nil disables Save and sync and Re-sync.
	Jobs Jobs
	// Webhooks queues the work webhooks ask for and manages the
	// ShipStation subscription; nil turns both webhook receivers off (they
	// answer 404) and subscribes nothing.
	Webhooks WebhookWork
	// XeroWebhookKey is the signing key of the Xero app's webhook (from
	// Xero's developer portal); empty turns POST /webhooks/xero off (404).
	XeroWebhookKey string
	// ShipStationBaseURL is the ShipStation API the app talks to (the
	// emulator's URL in tests and demos); empty means
	// https://ssapi.shipstation.com. A ShipStation webhook whose
	// resource_url has another scheme or host (port included) is refused
	// on arrival, so the account's key is never sent where a payload says.
	ShipStationBaseURL string
	// Invoices previews invoices; nil disables the preview.
	Invoices InvoiceSource
	// Status adds the worker's view to the dashboard; nil leaves it out.
	Status StatusSource
	// XeroQuota is how the worker spends each organisation's Xero day
	// quota (the app passes the engine's); the dashboard shows the plan
	// the export sweep follows with it (worker.ExportSweepPlan).
	XeroQuota worker.QuotaPolicy
	// BaseURL is where users reach the app, for absolute links (the Xero
	// redirect URL the app registers is BaseURL + "/connections/xero/callback").
	// New checks that it is absolute; it may be empty in tests.
	BaseURL string
	// SecureCookies marks cookies Secure and sends HSTS: on whenever the
	// app is served over HTTPS.
	SecureCookies bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Metrics is exported on /metrics of OpsHandler (never of Handler, the
	// public listener); nil makes a new set.
	Metrics *Metrics
	// SessionTTL is how long a session lives without use (sliding); 14
	// days when zero.
	SessionTTL time.Duration
	// SessionMaxAge is how long a session lives at most, however much it
	// is used: then its user signs in again (NIST SP 800-63B-4 asks for
	// at least every 30 days with a password alone); 30 days when zero.
	SessionMaxAge time.Duration
	// SignInLimit failed sign-ins for one email from one client address
	// within SignInWindow hold that pair back until the window passes; 5
	// and 15 minutes when zero. The pair gets four times as many in a
	// day, and a client address ten times as many over all emails in the
	// window (doc/security.md).
	SignInLimit  int
	SignInWindow time.Duration
	// SignInAccountLimit failed sign-ins for one email within a day, from
	// addresses its user has not signed in from in the last 30 days, hold
	// back every such address for that email (NIST SP 800-63B caps
	// failures per account at 100); 100 when zero. An address the user
	// signed in from is never held back by it, so nobody can lock a user
	// out from elsewhere.
	SignInAccountLimit int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (config.EnvTrustedProxies). Without them every request
	// is from its peer address, and behind a proxy all clients share it.
	TrustedProxies []netip.Prefix
	// PasswordHashes bounds how many password hashes run at once; nil
	// means password.NewGate(0, 0) (one per CPU, a 2 s wait).
	PasswordHashes *password.Gate
	// Argon2 is the password hashing cost; zero means DefaultArgon2Params.
	// Tests lower it.
	Argon2 password.Params
	// AllowSignUp lets anyone create an account; the demo and tests turn
	// it on, an operator may leave it off after creating their users.
	AllowSignUp bool
	// Mail sends password reset links; nil (no ORDERBRIDGE_SMTP_URL) turns
	// the reset off, and the notification settings say mail is off.
	Mail Mailer
	// ResetTTL is how long a password reset link works; zero means
	// DefaultResetTTL.
	ResetTTL time.Duration
}

// Server is the web app.
type Server struct {
	cfg     Config
	st      *store.Store
	log     *slog.Logger
	now     func() time.Time
	metrics *Metrics
	pages   map[string]*template.Template
	static  fs.FS
	handler http.Handler
	hashes  *password.Gate
}

// New builds the web app.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("web: config: Store is required")
	}
	s := &Server{cfg: cfg, st: cfg.Store, log: cfg.Logger, now: cfg.Now, metrics: cfg.Metrics}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	if s.cfg.SessionTTL <= 0 {
		s.cfg.SessionTTL = 14 * 24 * time.Hour
	}
	if s.cfg.SessionMaxAge <= 0 {
		s.cfg.SessionMaxAge = 30 * 24 * time.Hour
	}
	if s.cfg.SignInLimit <= 0 {
		s.cfg.SignInLimit = 5
	}
	if s.cfg.SignInWindow <= 0 {
		s.cfg.SignInWindow = 15 * time.Minute
	}
	if s.cfg.SignInAccountLimit <= 0 {
		s.cfg.SignInAccountLimit = 100
	}
	s.hashes = s.cfg.PasswordHashes
	if s.hashes == nil {
		s.hashes = password.NewGate(0, 0)
	}
	if cfg.BaseURL != "" {
		if u, err := url.Parse(cfg.BaseURL); err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("web: config: BaseURL %q is not an absolute URL", cfg.BaseURL)
		}
	}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.static, err = fs.Sub(staticFS, "static"); err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the app's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Metrics returns the metric families the server exports, for the worker
// to update.
func (s *Server) Metrics() *Metrics { return s.metrics }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if st := stateOf(r.Context()); st != nil {
				st.pattern = r.Pattern
			}
			h(w, r)
		})
	}
	authed := func(pattern string, h func(http.ResponseWriter, *http.Request, *sessionState)) {
		handle(pattern, s.requireSession(h))
	}

	handle("GET /static/", http.StripPrefix("/static/", s.staticHandler()).ServeHTTP)
	handle("GET /favicon.ico", s.favicon)
	handle("GET /healthz", s.healthz)
	handle("GET /readyz", s.readyz)
	// /metrics is not here: this listener faces the internet (webhooks),
	// and the metrics tell about every account's traffic. OpsHandler
	// serves them on the metrics listener (ORDERBRIDGE_METRICS_ADDR).

	handle("GET /{$}", s.home)
	handle("GET /signup", s.signUpForm)
	handle("POST /signup", s.signUp)
	handle("GET /signin", s.signInForm)
	handle("POST /signin", s.signIn)
	handle("POST /signout", s.signOut)

	authed("GET /dashboard", s.dashboard)
	authed("POST /dashboard/dealt-with", s.dealtWith)
	authed("GET /status", s.statusPage)
	authed("GET /account", s.accountPage)
	authed("POST /account/password", s.changePassword)
	authed("POST /account/invites", s.invite)
	handle("GET /invite/{token}", s.inviteForm)
	handle("POST /invite/{token}", s.acceptInvite)
	authed("GET /connections", s.connections)
	authed("POST /connections/shipstation", s.connectShipStation)
	authed("POST /connections/shipstation/store", s.chooseShipStationStore)
	authed("POST /connections/shipstation/disconnect", s.disconnectShipStation)
	authed("GET /connections/xero/start", s.xeroStart)
	authed("GET /connections/xero/callback", s.xeroCallback)
	authed("GET /connections/xero/organisation", s.xeroChooseForm)
	authed("POST /connections/xero/organisation", s.xeroChoose)
	authed("POST /connections/xero/disconnect", s.disconnectXero)
	authed("GET /configure", s.configureForm)
	authed("POST /configure", s.configure)
	authed("GET /configure/export", s.exportForm)
	authed("POST /configure/export", s.configureExport)
	authed("POST /configure/backfill", s.backfill)
	authed("GET /runs/{id}", s.runPage)
	authed("GET /runs/{id}/status", s.runStatusJSON)
	authed("GET /log", s.logPage)
	authed("GET /log.csv", s.logCSV)
	authed("GET /invoices", s.invoicesPage)
	authed("GET /invoices.csv", s.invoicesCSV)
	authed("GET /invoices/{id}", s.invoicePage)
	authed("POST /invoices/{id}/resync", s.resync)
	s.mailRoutes(handle, authed)

	handle("/", func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusNotFound, "Page not found", "There is no page at this address.")
	})

	var h http.Handler = mux
	h = s.csrf(h)
	h = s.loadSession(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.securityHeaders(h)

	// The webhook receivers skip the session, CSRF and cross-origin
	// layers: Xero and ShipStation have no session or token, are
	// cross-origin by nature, and must get no cookie. They prove who they
	// are by signature (Xero) or by the secret in the URL (ShipStation).
	// Every other path under /webhooks/shipstation/ answers 404 here too,
	// so a URL secret never reaches the other layers' log lines.
	top := http.NewServeMux()
	hook := func(pattern string, h http.HandlerFunc) {
		top.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if st := stateOf(r.Context()); st != nil {
				st.pattern = r.Pattern
			}
			h(w, r)
		})
	}
	hook("POST /webhooks/xero", s.xeroWebhook)
	hook("POST /webhooks/shipstation/{secret}", s.shipStationWebhook())
	hook("/webhooks/shipstation/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })
	top.Handle("/", h)

	// One logging and one recovering layer for both, so every request is
	// logged and counted once, as before.
	var outer http.Handler = top
	outer = s.recoverer(outer)
	outer = s.limitBodies(outer)
	outer = s.logRequests(outer)
	return outer
}

func (s *Server) staticHandler() http.Handler {
	files := http.FileServerFS(s.static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// favicon serves the icon browsers ask for at /favicon.ico whatever the
// page says (the pages link the SVG one), cached for a week: it never
// changes between releases.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(s.static, "favicon.ico")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=604800")
	_, _ = w.Write(b)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if sessionOf(r.Context()) != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// OpsHandler serves only /healthz, /readyz and /metrics: the handler of
// the metrics listener (ORDERBRIDGE_METRICS_ADDR), which gives a
// worker-only process its health checks and is the only place the
// metrics are served (Handler, the public listener, does not serve them).
func (s *Server) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.Handler())
	return mux
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz reports whether the database answers with an up-to-date schema
// and the process's secret key opens its secrets (store.VerifySealer);
// a load balancer sends no traffic until both hold.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.st.CheckSchema(ctx); err != nil {
		s.log.WarnContext(ctx, "web: not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: database unavailable or schema out of date\n"))
		return
	}
	if err := s.st.VerifySealer(ctx); err != nil {
		s.log.ErrorContext(ctx, "web: not ready: the secret key cannot open the database's secrets", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: the secret key cannot open the database's secrets (see the log)\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

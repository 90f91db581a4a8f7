// Package app is orderbridge's composition root: it turns a config.Config
// into a running process (store, Xero app, ShipStation settings, the export
// engine and River with its workers and periodic sweep). The commands in
// internal/cli call it; nothing else imports it.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/logging"
	"github.com/orderbridge/orderbridge/internal/mailer"
	"github.com/orderbridge/orderbridge/internal/notify"
	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// Options are what a test or a command sets beyond the Config.
type Options struct {
	// Logger receives everything the process logs; nil builds a text
	// logger on stderr at Config.LogLevel.
	Logger *slog.Logger
	// HTTPClient makes Xero and ShipStation calls; nil means each client's
	// default.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// XeroPacing overrides Xero's real limits (tests at a time scale).
	XeroPacing xero.Pacing
	// XeroAppSweepCalls is the engine's share of the Xero app's calls a
	// minute for the export sweep (worker.Options; zero: half of them). A
	// simulation of fewer accounts than it stands for scales it down.
	XeroAppSweepCalls int
	// Store, when set, is used instead of opening Config.Database() (a test
	// holding a PostgreSQL schema); the App then does not close it. The
	// App's sealer is attached with WithSealer.
	Store *store.Store
	// Migrate runs the migrations on start. SQLite always migrates (it is
	// the embedded default: one process owns the file); on PostgreSQL,
	// without Migrate an out-of-date schema refuses to start.
	Migrate bool
	// NoSweep leaves out the periodic sweep (tests that trigger exports
	// themselves).
	NoSweep bool
	// PageSize is the Xero invoice page size (default 1000).
	PageSize int
	// ShipStationRateLimit is the calls per minute of one ShipStation key
	// pair (default ShipStation's 40).
	ShipStationRateLimit int
	// FetchPollInterval is how often River looks for new jobs when it gets
	// no notification (SQLite has none). Zero means Config.JobPoll.
	FetchPollInterval time.Duration
	// ServeWeb makes Run serve the web app on Config.HTTPAddr and the
	// metrics listener on Config.MetricsAddr (serve, the end-to-end tests);
	// without it only HTTPListener is served, so that a one-off command
	// (sync) never takes the web app's port or the metrics one.
	ServeWeb bool
	// HTTPListener, when set, serves the web app instead of listening on
	// Config.HTTPAddr (the demo opens it first to know its port).
	HTTPListener net.Listener
	// Argon2 is the web app's password hashing cost (tests lower it).
	Argon2 password.Params
	// NotifyEvery is how often the email notifier ticks when mail is on;
	// zero means notify.DefaultEvery (the demo and tests shorten it).
	NotifyEvery time.Duration
	// ServerLimits are the timeouts and header limit of the web and
	// metrics listeners; zero fields take web.DefaultServerLimits (tests
	// shorten them).
	ServerLimits web.ServerLimits
}

// App is a built process: everything wired, nothing started.
type App struct {
	Config config.Config
	Logger *slog.Logger
	Store  *store.Store
	Xero   *xero.App
	// Engine exports, writes back and subscribes; its River workers run
	// it, and ExportNow and WriteBackNow call it directly.
	Engine *worker.Engine
	// River works the engine's jobs (Engine.Register) and its sweeps.
	River *river.Client[*store.Tx]
	// Web is the web app; Run serves it when a listener is configured.
	Web *web.Server
	// Metrics are shared by the web app (/metrics), the API clients'
	// transport and River's job events.
	Metrics *web.Metrics
	// Mailer sends the problem notifications and password reset links;
	// nil when ORDERBRIDGE_SMTP_URL is not set (no mail at all).
	Mailer *mailer.Sender

	listener net.Listener
	// metricsListener serves /metrics, /healthz and /readyz on their own
	// (Config.MetricsAddr); metricsURL is fixed in New like webURL.
	metricsListener net.Listener
	metricsURL      string
	// webURL is fixed in New, so WebURL never reads listener, which Run
	// hands over to the HTTP server concurrently.
	webURL   string
	progress worker.ProgressBoard
	// quota is how the accounts' Xero day quota is spent (ORDERBRIDGE_XERO_TIER
	// and ORDERBRIDGE_XERO_RESERVE_PERCENT): the sweep's and the dashboard's.
	quota worker.QuotaPolicy

	now       func() time.Time
	http      *http.Client
	ownsStore bool
	// unlock releases the SQLite database's lock (lockDatabase); a no-op
	// on PostgreSQL and for a Store given in Options.
	unlock func() error
	// serverLimits is Options.ServerLimits.
	serverLimits web.ServerLimits
}

// New builds the App: it checks cfg, opens (and migrates) the database,
// and builds the clients and River. It starts nothing; call Run.
func New(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	if err := cfg.Validate(true); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = logging.New(os.Stderr, cfg.LogFormat, cfg.LogLevel)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	st, owns, unlock, err := openStore(ctx, cfg, opts, logger)
	if err != nil {
		return nil, err
	}
	ln, err := listenWeb(ctx, &cfg, opts) // before the Xero app: the redirect URL may need its port
	if err != nil {
		if owns {
			_ = st.Close()
		}
		_ = unlock()
		return nil, err
	}
	mln, err := listenMetrics(ctx, cfg, opts)
	if err != nil {
		if ln != nil {
			_ = ln.Close()
		}
		if owns {
			_ = st.Close()
		}
		_ = unlock()
		return nil, err
	}
	a := &App{Config: cfg, Logger: logger, Store: st, now: now, http: opts.HTTPClient, ownsStore: owns, listener: ln, unlock: unlock,
		serverLimits: opts.ServerLimits}
	if ln != nil {
		a.webURL = cfg.BaseURL
	}
	if mln != nil {
		a.metricsListener, a.metricsURL = mln, "http://"+mln.Addr().String()
	}
	if err := a.build(cfg, opts); err != nil {
		_ = a.Close()
		return nil, err
	}
	return a, nil
}

// openStore opens the database with the installation's sealer, brings its
// schema up to date (or checks it) and proves the sealer's keys open what
// the database holds. On a SQLite file it opens itself, it first takes the
// file's lock (lockDatabase); unlock releases it.
func openStore(ctx context.Context, cfg config.Config, opts Options, logger *slog.Logger) (st *store.Store, owns bool, unlock func() error, err error) {
	unlock = func() error { return nil }
	postgres := cfg.IsPostgres()
	if opts.Store != nil {
		postgres = opts.Store.Dialect() == store.Postgres
	}
	if postgres && strings.TrimSpace(cfg.SecretKey) == "" {
		// Checked before seal.FromEnv, which would generate a key file
		// that only this process knows.
		return nil, false, unlock, errNoSharedKey
	}
	if err := os.MkdirAll(cfg.DataDir, store.PrivateDirMode); err != nil {
		return nil, false, unlock, fmt.Errorf("app: data dir: %w", err)
	}
	// An existing data directory keeps the mode it was made with, and the
	// files in it theirs (an older version, a restore, a copy): owner-only,
	// before anything is read or written there.
	fixed, err := store.MakePrivate(cfg.DataDir)
	if err != nil {
		return nil, false, unlock, fmt.Errorf("app: data dir: %w", err)
	}
	if len(fixed) > 0 {
		logger.Warn("tightened the permissions under the data directory to owner-only (files 0600, directories 0700)",
			"dir", cfg.DataDir, "paths", fixed)
	}
	if opts.Store == nil && !postgres {
		// Before anything else touches the file: a second process must
		// stop here, not after it has requeued the first one's jobs.
		if unlock, err = lockDatabase(cfg.Database()); err != nil {
			return nil, false, func() error { return nil }, err
		}
	}
	defer func() {
		if err != nil {
			if owns {
				_ = st.Close()
			}
			_ = unlock() // after the store: the next owner finds the file closed
			st, owns = nil, false
		}
	}()
	sealer, created, err := seal.FromEnv(cfg.Getenv, cfg.DataDir)
	if err != nil {
		return nil, false, unlock, fmt.Errorf("app: secret key: %w", err)
	}
	if created {
		logger.Warn("generated a new secret key; back it up with the database", "dir", cfg.DataDir)
	}
	st = opts.Store
	if st != nil {
		st = st.WithSealer(sealer)
	} else {
		st, err = store.Open(ctx, cfg.Database(), &store.Options{Logger: logger, Sealer: sealer, Now: opts.Now})
		if err != nil {
			return nil, false, unlock, fmt.Errorf("app: %w", err)
		}
		owns = true
	}
	if opts.Migrate || st.Dialect() == store.SQLite {
		err = st.Migrate(ctx)
	} else {
		err = st.CheckSchema(ctx)
	}
	if errors.Is(err, store.ErrSchemaOutOfDate) {
		return st, owns, unlock, fmt.Errorf("app: %w (run `orderbridge migrate` first)", err)
	}
	if err != nil {
		return st, owns, unlock, fmt.Errorf("app: %w", err)
	}
	if err = st.CheckSealer(ctx); errors.Is(err, store.ErrWrongSecretKey) && created {
		// The key file was generated just now, for a database sealed with
		// another: the old file is lost. The new one goes again (this
		// process holds the database's lock, so no other uses it): left
		// in place it would look like the key, and stop the next start
		// the same way.
		keyPath := filepath.Join(cfg.DataDir, seal.KeyFileName)
		if rmErr := os.Remove(keyPath); rmErr != nil {
			logger.Error("could not remove the key file generated for a database sealed with another key", "file", keyPath, "err", rmErr)
		}
		return st, owns, unlock, fmt.Errorf("app: %w: the key file %s that sealed this database is missing: "+
			"restore it from your backup (or set %s to its key)", err, keyPath, config.EnvSecretKey)
	}
	if err != nil {
		return st, owns, unlock, keyCheckError(err)
	}
	return st, owns, unlock, nil
}

// errNoSharedKey refuses a process on PostgreSQL without an environment
// key: a key file it generated would seal secrets no other process opens.
var errNoSharedKey = errors.New("app: on PostgreSQL " + config.EnvSecretKey + " must be set, to the same key in every " +
	"orderbridge process: generate one with `orderbridge keys generate` and give it to each of them " +
	"(a key generated by one process could not open what another saves)")

func (a *App) build(cfg config.Config, opts Options) error {
	var err error
	a.Metrics = web.NewMetrics()
	a.http = instrument(a.http, a.Metrics, cfg)
	scopes, err := cfg.XeroScopeList()
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	pacing := opts.XeroPacing
	pacing.TimeScale = cmp.Or(pacing.TimeScale, cfg.XeroTimeScale) // ORDERBRIDGE_XERO_TIME_SCALE: emulators only
	// On PostgreSQL every process draws from one rate budget per Xero
	// organisation, the Xero app and ShipStation key; on SQLite, nil.
	limiter, err := worker.SharedLimits(a.Store, pacing.MinuteWindow(), opts.ShipStationRateLimit)
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	var shared xero.SharedLimiter
	if limiter != nil { // not a typed nil in the interface
		shared = limiter
	}
	a.Xero, err = xero.New(xero.Config{
		ClientID: cfg.XeroClientID, ClientSecret: cfg.XeroClientSecret, RedirectURL: cfg.XeroRedirect(),
		Scopes: scopes, BaseURL: cfg.XeroBaseURL, HTTPClient: a.http, Logger: a.Logger,
		Pacing: pacing, Limiter: shared, Now: opts.Now,
	})
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	tier, err := xero.ParseTier(cfg.XeroTier)
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	a.quota = worker.QuotaPolicy{Tier: tier, ReservePercent: cfg.XeroReservePercent}
	a.Engine, err = worker.New(worker.Options{
		Store: a.Store, Xero: a.Xero, ShipStationBaseURL: cfg.ShipStationBaseURL, HTTPClient: a.http,
		Logger: a.Logger, Now: opts.Now, Overlap: cfg.Overlap, Backfill: cfg.Backfill, PageSize: opts.PageSize,
		ShipStationRateLimit: opts.ShipStationRateLimit, Progress: a.progress.Record, WebhookBaseURL: cfg.BaseURL,
		XeroQuota: a.quota, Limiter: limiter, XeroAppSweepCalls: opts.XeroAppSweepCalls,
	})
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	workers := river.NewWorkers()
	periodic, err := a.Engine.Register(workers, cfg.SweepEvery)
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	notifyJob, err := a.buildMail(cfg, opts, workers)
	if err != nil {
		return err
	}
	if notifyJob != nil {
		periodic = append(periodic, notifyJob)
	}
	poll := opts.FetchPollInterval
	if poll == 0 {
		poll = cfg.JobPoll
	}
	rc := &river.Config{
		Logger:            a.Logger,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		FetchPollInterval: poll,
	}
	// Short attempts and a short rescue window: a process that dies
	// holds its accounts for about 35 seconds, not the 35 minutes it used to
	// (worker.ConfigureRecovery, worker.RunRecovery, doc/design.md "Recovery").
	worker.ConfigureRecovery(rc)
	// The job's id, kind and account on every line its work logs; River's
	// own lines demoted or rate-limited (worker.FailureLevel's policy).
	a.Engine.ConfigureLogging(rc)
	if !opts.NoSweep {
		rc.PeriodicJobs = periodic
	}
	a.River, err = a.Store.NewRiverClient(rc)
	if err != nil {
		return fmt.Errorf("app: river: %w", err)
	}
	return a.buildWeb(opts)
}

// buildMail makes the Mailer and registers the notifier's job, whose
// periodic tick it returns, when an SMTP URL is set; it says once which.
func (a *App) buildMail(cfg config.Config, opts Options, workers *river.Workers) (*river.PeriodicJob, error) {
	set, on := cfg.SMTP()
	if !on {
		a.Logger.Info("email notifications and password reset are off: " + config.EnvSMTPURL + " is not set")
		return nil, nil
	}
	a.Mailer = mailer.New(set, a.Logger)
	a.Logger.Info("email notifications on", "smtp", set.Redacted())
	if cfg.BaseURL == "" {
		a.Logger.Warn("email links need " + config.EnvBaseURL + ": the mails carry paths without a host until it is set")
	}
	n, err := notify.New(notify.Options{
		Store: a.Store, Problems: a.problemSource(), Sender: a.Mailer, BaseURL: cfg.BaseURL, Logger: a.Logger, Now: opts.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &notify.Worker{Notifier: n}); err != nil {
		return nil, fmt.Errorf("app: add notify worker: %w", err)
	}
	return notify.PeriodicJob(cmp.Or(opts.NotifyEvery, notify.DefaultEvery)), nil
}

// problemSource reads an account's problems for the notifier, as the
// dashboard does, with the stuck exports only River knows of.
func (a *App) problemSource() problems.Source {
	return problems.Source{Store: a.Store, Quota: a.quota, XeroWebhooks: a.Config.XeroWebhookKey != "",
		Stuck: func(ctx context.Context, accountID int64, now time.Time) (int, error) {
			sched, err := worker.ScheduleOf(ctx, a.River, a.Store, a.quota, accountID, now)
			return sched.StuckAttempts, err
		}}
}

// Run works jobs (exports, the periodic sweep) until ctx ends, then stops
// River, letting running jobs finish for up to 10 seconds before
// cancelling them. A job cancelled that way is retried later: its cursor
// only moved for pages already committed. Cancelling ctx is a clean stop
// at any point, during start-up too: Run then returns nil.
func (a *App) Run(ctx context.Context) error {
	// River cancels running jobs at once when its start context ends; a
	// graceful stop is ours to run below, so River gets a context that the
	// caller's cancellation does not reach.
	if err := a.requeueOrphanedJobs(ctx); err != nil {
		if ctx.Err() != nil {
			// Cancelled while starting: the caller asked for a stop
			// before there was anything to stop, which is not a failure.
			return nil
		}
		return err
	}
	if err := a.River.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("app: start river: %w", err)
	}
	stopWatch := a.watchJobs()
	defer stopWatch()
	// Jobs a dead process left running come back within seconds of the
	// rescue window, whichever process leads (worker.RunRecovery).
	rescueCtx, stopRescue := context.WithCancel(context.WithoutCancel(ctx))
	rescued := make(chan struct{})
	go func() {
		defer close(rescued)
		worker.RunRecovery(rescueCtx, a.Store, a.Logger)
	}()
	defer func() {
		stopRescue()
		<-rescued
	}()
	// The metrics listener answers from before the web app until after
	// River has drained: health checks and metrics cover the whole run.
	stopMetrics := a.serveMetrics(ctx)
	defer stopMetrics()
	stopHealth := a.watchHealth(ctx)
	defer stopHealth()
	stopWeb := a.serveWeb(ctx)
	a.Logger.Info("orderbridge running", "config", a.Config)
	<-ctx.Done()
	stopWeb() // first: no new runs are queued while River drains
	return a.stop()
}

func (a *App) stop() error {
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.River.Stop(stopCtx); err != nil {
		hard, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel2()
		if err2 := a.River.StopAndCancel(hard); err2 != nil {
			return fmt.Errorf("app: stop river: %w", errors.Join(err, err2))
		}
	}
	return nil
}

// Close releases the database (when the App opened it) and its lock. Call
// it after Run returns; calling it again does nothing.
func (a *App) Close() error {
	if a.listener != nil { // never served
		_ = a.listener.Close()
	}
	if a.metricsListener != nil {
		_ = a.metricsListener.Close()
	}
	var errs []error
	if a.ownsStore && a.Store != nil {
		if err := a.Store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("app: close: %w", err))
		}
		a.ownsStore = false // Close may be called again
	}
	if a.unlock != nil {
		// After the store: the next owner must find the file closed.
		errs = append(errs, a.unlock())
		a.unlock = nil
	}
	return errors.Join(errs...)
}

// ExportNow runs one export of the account in this goroutine, outside
// River (the `sync` command, tests). It must not overlap a River job of
// the same account; the `sync` command is meant for when no worker runs,
// or as a one-off.
func (a *App) ExportNow(ctx context.Context, accountID int64, opts worker.RunOptions) (worker.Summary, error) {
	return a.Engine.Exporter.Export(ctx, accountID, opts)
}

// Enqueue asks River for an export of the account (coalesced with one
// already pending) and returns the job's id.
func (a *App) Enqueue(ctx context.Context, accountID int64) (int64, error) {
	var id int64
	err := a.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = worker.Enqueue(ctx, a.River, tx, accountID)
		return err
	})
	return id, err
}

// Resync decides one invoice again now and sends its order even if it
// looks unchanged (opts.Force); with opts.DryRun it is the preview.
func (a *App) Resync(ctx context.Context, accountID int64, invoiceID string, opts worker.RunOptions) (worker.InvoiceResult, error) {
	res, _, err := a.Engine.Exporter.Resync(ctx, accountID, invoiceID, opts)
	return res, err
}

// Migrate brings the database's schema up to date (orderbridge's
// migrations, then River's) and closes it. It needs no Xero settings.
func Migrate(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	if err := cfg.Validate(false); err != nil {
		return err
	}
	if !cfg.IsPostgres() {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("app: data dir: %w", err)
		}
		// Not under a running serve: its schema would change beneath it.
		unlock, err := lockDatabase(cfg.Database())
		if err != nil {
			return err
		}
		defer unlock()
	}
	st, err := store.Open(ctx, cfg.Database(), &store.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	if err := st.CheckSchema(ctx); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	return nil
}

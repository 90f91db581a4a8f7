// Package config is orderbridge's configuration: one Config read from the
// environment and then from command-line flags, so that a deployment sets
// everything in its environment and a person can override one value on the
// command line. Validate reports every problem at once; String and
// LogValue never show a secret.
package config

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/logging"
	"github.com/orderbridge/orderbridge/internal/mailer"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// Environment variable names. Each has a flag of the same meaning (see
// RegisterFlags).
const (
	EnvDatabaseURL        = "ORDERBRIDGE_DATABASE_URL"
	EnvDataDir            = "ORDERBRIDGE_DATA_DIR"
	EnvXeroClientID       = "ORDERBRIDGE_XERO_CLIENT_ID"
	EnvXeroClientSecret   = "ORDERBRIDGE_XERO_CLIENT_SECRET"
	EnvXeroRedirectURL    = "ORDERBRIDGE_XERO_REDIRECT_URL"
	EnvXeroBaseURL        = "ORDERBRIDGE_XERO_BASE_URL"
	EnvXeroScopes         = "ORDERBRIDGE_XERO_SCOPES"
	EnvShipStationBaseURL = "ORDERBRIDGE_SHIPSTATION_BASE_URL"
	EnvSecretKey          = "ORDERBRIDGE_SECRET_KEY"
	EnvSecretKeysPrevious = "ORDERBRIDGE_SECRET_KEYS_PREVIOUS"
	EnvSweepEvery         = "ORDERBRIDGE_SWEEP_EVERY"
	EnvOverlap            = "ORDERBRIDGE_OVERLAP"
	EnvBackfill           = "ORDERBRIDGE_BACKFILL"
	EnvWorkers            = "ORDERBRIDGE_WORKERS"
	EnvLogLevel           = "ORDERBRIDGE_LOG_LEVEL"
	EnvLogFormat          = "ORDERBRIDGE_LOG_FORMAT"
	EnvHTTPAddr           = "ORDERBRIDGE_HTTP_ADDR"
	EnvMetricsAddr        = "ORDERBRIDGE_METRICS_ADDR"
	EnvBaseURL            = "ORDERBRIDGE_BASE_URL"
	EnvSecureCookies      = "ORDERBRIDGE_SECURE_COOKIES"
	EnvAllowSignUp        = "ORDERBRIDGE_ALLOW_SIGNUP"
	EnvTrustedProxies     = "ORDERBRIDGE_TRUSTED_PROXIES"
	EnvPasswordHashes     = "ORDERBRIDGE_PASSWORD_HASHES"
	EnvXeroWebhookKey     = "ORDERBRIDGE_XERO_WEBHOOK_KEY"
	EnvXeroTier           = "ORDERBRIDGE_XERO_TIER"
	EnvXeroReserve        = "ORDERBRIDGE_XERO_RESERVE_PERCENT"
	EnvXeroTimeScale      = "ORDERBRIDGE_XERO_TIME_SCALE"
	EnvJobPoll            = "ORDERBRIDGE_JOB_POLL"
	EnvSMTPURL            = "ORDERBRIDGE_SMTP_URL"
	EnvWebhookExportDelay = "ORDERBRIDGE_WEBHOOK_EXPORT_DELAY"
)

// Defaults.
const (
	DefaultDataDir    = "data"
	DefaultSweepEvery = time.Minute
	DefaultOverlap    = 5 * time.Minute
	DefaultBackfill   = 30 * 24 * time.Hour
	DefaultWorkers    = 4
	// DefaultJobPoll is how often a worker looks for new jobs when the
	// database does not tell it (SQLite has no LISTEN/NOTIFY): a webhook's
	// job waits at most this long to start.
	DefaultJobPoll = 200 * time.Millisecond
	// DefaultWebhookExportDelay is how long the export a Xero webhook
	// asks for waits, so that the events of the next moments join it and
	// one read by IDs serves them all (doc/operations.md, "API calls per
	// invoice": measured, a trade of seconds of latency for Xero calls).
	// 3 s keeps a steady stream of one invoice every 2 s per organisation
	// at 1.5 Xero calls an invoice (2 s: 1.6) and an isolated invoice's
	// order at about 3 s.
	DefaultWebhookExportDelay = 3 * time.Second
	// MaxWebhookExportDelay bounds the setting: the product promises
	// orders within seconds of approval.
	MaxWebhookExportDelay = time.Minute
	// DefaultHTTPAddr is where `serve` and `demo` serve the web app when
	// ORDERBRIDGE_HTTP_ADDR is unset. Only those commands listen at all
	// (app.Options.ServeWeb): `sync` and tests never take the port.
	DefaultHTTPAddr = "127.0.0.1:8080"
	// DatabaseFile is the SQLite file under the data directory when no
	// database URL is given.
	DatabaseFile = "orderbridge.db"
)

// Config is everything a process of orderbridge needs to start.
type Config struct {
	// DatabaseURL is postgres://… for PostgreSQL; anything else is a SQLite
	// file path. Empty means <DataDir>/orderbridge.db.
	DatabaseURL string
	// DataDir holds the SQLite database and, without an environment key,
	// the secret key file.
	DataDir string

	// Xero app registration. BaseURL empty means Xero's real hosts; the
	// emulator's URL serves all three.
	XeroClientID     string
	XeroClientSecret string
	XeroRedirectURL  string
	XeroBaseURL      string
	// XeroScopes is what the app asks Xero for: "granular" (the default,
	// and the only choice for an app created on or after 2 March 2026),
	// "broad" (an older app still on accounting.transactions), or an
	// explicit list. XeroScopeList reads it.
	XeroScopes string
	// XeroWebhookKey is the signing key of the Xero app's webhook (Xero's
	// developer portal shows it); empty turns POST /webhooks/xero off.
	XeroWebhookKey string
	// XeroTier is the Xero app's developer tier (starter, core, plus,
	// advanced; empty: starter), which sets each organisation's day limit
	// (1,000 calls on Starter, 5,000 on the others). xero.ParseTier reads
	// it; Validate checks it.
	XeroTier string
	// XeroReservePercent of the day limit is kept for write-back: the
	// export sweep stops when no more remains (0, unset: 20).
	XeroReservePercent int
	// XeroTimeScale, for runs against a Xero emulator only, shortens the
	// client's pacing minute to match the emulator's --rate-limit scale
	// (xero.Pacing.TimeScale); 0 is real time.
	XeroTimeScale float64

	// ShipStationBaseURL empty means the real V1 API.
	ShipStationBaseURL string

	// SecretKey is the current sealing key (base64 of 32 bytes); empty
	// means the key file in DataDir. SecretKeysPrevious are older keys,
	// comma-separated, that still open values sealed before a rotation.
	SecretKey          string
	SecretKeysPrevious string

	// SweepEvery is how often the periodic sweep looks for accounts whose
	// own sync interval has passed.
	SweepEvery time.Duration
	// Overlap is subtracted from the invoice cursor on every run.
	Overlap time.Duration
	// Backfill is how far back an account's first run reads.
	Backfill time.Duration
	// Workers is how many jobs one process works at once.
	Workers int
	// JobPoll is how often River looks for new jobs when no notification
	// comes (always on SQLite).
	JobPoll time.Duration
	// WebhookExportDelay is how long the export a Xero webhook asks for
	// waits before it runs, coalescing the events that arrive meanwhile
	// into one read; 0 runs it at once. The sweep, "Save and sync" and
	// Re-sync never wait.
	WebhookExportDelay time.Duration

	// LogLevel is debug, info, warn or error.
	LogLevel slog.Level
	// LogFormat is logfmt (key=value lines, the default) or json (one
	// object per line, for log shippers).
	LogFormat string

	// HTTPAddr is where the web app listens (host:port); empty serves no
	// web app (a worker-only process). Default: DefaultHTTPAddr.
	HTTPAddr string
	// MetricsAddr is a second listener (host:port) serving only /metrics,
	// /healthz and /readyz: the only listener serving the metrics (the web
	// app's, public for the webhooks, never does), and a worker-only
	// process's health checks. Empty: none.
	MetricsAddr string
	// BaseURL is where users reach the web app (https://… in production),
	// for absolute links; the Xero redirect URL defaults to BaseURL +
	// "/connections/xero/callback".
	BaseURL string
	// SecureCookies marks cookies Secure and sends HSTS: on whenever
	// BaseURL is https (the default follows it).
	SecureCookies bool
	// AllowSignUp lets anyone create an account on the web app.
	AllowSignUp bool

	// SMTPURL is the SMTP server notifications and password reset links
	// are sent through (smtp://user:password@host:587?from=…&tls=starttls;
	// mailer.Parse reads it). Empty: no mail is sent. It holds a password:
	// environment only, never logged.
	SMTPURL string

	// TrustedProxies lists, comma-separated, the reverse proxies (CIDRs or
	// single addresses) whose X-Forwarded-For names the client; the sign-in
	// limits count per client address. Empty: the header is ignored.
	TrustedProxies string
	// PasswordHashes is how many password hashes (19 MiB each) the web app
	// runs at once; 0 means one per CPU (password.DefaultGateSize).
	PasswordHashes int
}

// TrustedProxyPrefixes parses TrustedProxies.
func (c Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.TrustedProxies, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("config: %s: %q is not an address or CIDR (e.g. 10.0.0.0/8, 127.0.0.1)", EnvTrustedProxies, f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Default returns the defaults.
func Default() Config {
	return Config{
		DataDir:    DefaultDataDir,
		HTTPAddr:   DefaultHTTPAddr,
		SweepEvery: DefaultSweepEvery,
		Overlap:    DefaultOverlap,
		Backfill:   DefaultBackfill,
		Workers:    DefaultWorkers,
		JobPoll:    DefaultJobPoll,
		LogLevel:   slog.LevelInfo,
		LogFormat:  logging.FormatLogfmt,

		WebhookExportDelay: DefaultWebhookExportDelay,
	}
}

// FromEnv returns the defaults overridden by the environment, read through
// lookup (os.LookupEnv in a process). A variable set to an empty value is
// taken as unset, keeping its default, except the two listen addresses:
// ORDERBRIDGE_HTTP_ADDR="" means no web app and ORDERBRIDGE_METRICS_ADDR=""
// no metrics listener, as a flag given "" does. Values that do not parse
// are reported together.
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	var errs []error
	getenv := func(name string) string {
		v, _ := lookup(name)
		return v
	}
	// addr reads a listen address, for which empty is a value: off.
	addr := func(name string, dst *string) {
		if v, ok := lookup(name); ok {
			*dst = strings.TrimSpace(v)
		}
	}
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("config: %s: %q is not a duration (e.g. 5m, 720h)", name, v))
				return
			}
			*dst = d
		}
	}
	str(EnvDatabaseURL, &c.DatabaseURL)
	str(EnvDataDir, &c.DataDir)
	str(EnvXeroClientID, &c.XeroClientID)
	str(EnvXeroClientSecret, &c.XeroClientSecret)
	str(EnvXeroRedirectURL, &c.XeroRedirectURL)
	str(EnvXeroBaseURL, &c.XeroBaseURL)
	str(EnvXeroScopes, &c.XeroScopes)
	str(EnvXeroWebhookKey, &c.XeroWebhookKey)
	str(EnvXeroTier, &c.XeroTier)
	str(EnvShipStationBaseURL, &c.ShipStationBaseURL)
	str(EnvSecretKey, &c.SecretKey)
	str(EnvSecretKeysPrevious, &c.SecretKeysPrevious)
	addr(EnvHTTPAddr, &c.HTTPAddr)
	addr(EnvMetricsAddr, &c.MetricsAddr)
	str(EnvBaseURL, &c.BaseURL)
	str(EnvSMTPURL, &c.SMTPURL)
	str(EnvTrustedProxies, &c.TrustedProxies)
	boolean := func(name string, dst *bool) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("config: %s: %q is not a boolean (true or false)", name, v))
				return
			}
			*dst = b
		}
	}
	c.SecureCookies = strings.HasPrefix(strings.ToLower(c.BaseURL), "https://")
	boolean(EnvSecureCookies, &c.SecureCookies)
	boolean(EnvAllowSignUp, &c.AllowSignUp)
	dur(EnvSweepEvery, &c.SweepEvery)
	dur(EnvOverlap, &c.Overlap)
	dur(EnvBackfill, &c.Backfill)
	dur(EnvJobPoll, &c.JobPoll)
	dur(EnvWebhookExportDelay, &c.WebhookExportDelay)
	if v := strings.TrimSpace(getenv(EnvWorkers)); v != "" {
		var n int
		if _, err := fmt.Sscanf(v, "%d", &n); err != nil || fmt.Sprint(n) != v {
			errs = append(errs, fmt.Errorf("config: %s: %q is not a whole number", EnvWorkers, v))
		} else {
			c.Workers = n
		}
	}
	if v := strings.TrimSpace(getenv(EnvPasswordHashes)); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 1000 {
			errs = append(errs, fmt.Errorf("config: %s: %q is not a whole number from 1 to 1000", EnvPasswordHashes, v))
		} else {
			c.PasswordHashes = n
		}
	}
	if v := strings.TrimSpace(getenv(EnvXeroReserve)); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 90 {
			errs = append(errs, fmt.Errorf("config: %s: %q is not a percentage from 0 to 90", EnvXeroReserve, v))
		} else {
			c.XeroReservePercent = n
		}
	}
	if v := strings.TrimSpace(getenv(EnvXeroTimeScale)); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err != nil || !(f > 0) || math.IsInf(f, 0) {
			errs = append(errs, fmt.Errorf("config: %s: %q is not a positive time scale such as 60", EnvXeroTimeScale, v))
		} else {
			c.XeroTimeScale = f
		}
	}
	if err := c.LogFromEnv(lookup); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// LogFromEnv sets the log level and format from the environment
// (ORDERBRIDGE_LOG_LEVEL, ORDERBRIDGE_LOG_FORMAT), read through lookup.
// FromEnv does it; a command that builds the rest of its configuration
// itself, as the demo does, calls it so it logs as the operator asked.
func (c *Config) LogFromEnv(lookup func(string) (string, bool)) error {
	var errs []error
	if v, _ := lookup(EnvLogLevel); strings.TrimSpace(v) != "" {
		v = strings.TrimSpace(v)
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("config: %s: %q is not a level (debug, info, warn, error)", EnvLogLevel, v))
		}
	}
	if v, _ := lookup(EnvLogFormat); strings.TrimSpace(v) != "" {
		v = strings.TrimSpace(v)
		if err := logging.CheckFormat(v); err != nil {
			errs = append(errs, fmt.Errorf("config: %s: %q is not a log format (logfmt or json)", EnvLogFormat, v))
		} else {
			c.LogFormat = v
		}
	}
	return errors.Join(errs...)
}

// RegisterFlags adds flags to fs that override c's values (call it after
// FromEnv, so the environment gives the flags' defaults). Secrets have no
// flag: command lines are visible to every user of the machine.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "database `URL`: postgres://… or a SQLite file (default <data-dir>/"+DatabaseFile+"; env "+EnvDatabaseURL+")")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "`directory` for the SQLite database and the secret key file (env "+EnvDataDir+")")
	fs.StringVar(&c.XeroClientID, "xero-client-id", c.XeroClientID, "Xero app client `id` (env "+EnvXeroClientID+"; the secret only from "+EnvXeroClientSecret+")")
	fs.StringVar(&c.XeroRedirectURL, "xero-redirect-url", c.XeroRedirectURL, "Xero OAuth2 redirect `URL` (env "+EnvXeroRedirectURL+")")
	fs.StringVar(&c.XeroBaseURL, "xero-base-url", c.XeroBaseURL, "Xero `URL` serving login, identity and API (an emulator; default Xero's hosts; env "+EnvXeroBaseURL+")")
	fs.StringVar(&c.XeroTier, "xero-tier", c.XeroTier, "the Xero app's developer `tier`: starter (default; 1,000 calls a day per organisation), core, plus or advanced (5,000) (env "+EnvXeroTier+")")
	fs.StringVar(&c.XeroScopes, "xero-scopes", c.XeroScopes, "Xero OAuth2 `scopes`: granular (default; apps created from 2 March 2026), broad (older apps on accounting.transactions) or a list (env "+EnvXeroScopes+")")
	fs.StringVar(&c.ShipStationBaseURL, "shipstation-base-url", c.ShipStationBaseURL, "ShipStation API `URL` (default the real one; env "+EnvShipStationBaseURL+")")
	fs.DurationVar(&c.SweepEvery, "sweep-every", c.SweepEvery, "how often the sweep looks for accounts that are due (env "+EnvSweepEvery+")")
	fs.DurationVar(&c.Overlap, "overlap", c.Overlap, "overlap window subtracted from the invoice cursor (env "+EnvOverlap+")")
	fs.DurationVar(&c.Backfill, "backfill", c.Backfill, "how far back an account's first export reads (env "+EnvBackfill+")")
	fs.IntVar(&c.Workers, "workers", c.Workers, "jobs worked at once by this process (env "+EnvWorkers+")")
	fs.DurationVar(&c.JobPoll, "job-poll", c.JobPoll, "how often workers look for new jobs without a notification (env "+EnvJobPoll+")")
	fs.DurationVar(&c.WebhookExportDelay, "webhook-export-delay", c.WebhookExportDelay, "how long a Xero webhook's export waits for more events to read with it; 0 for none (env "+EnvWebhookExportDelay+")")
	fs.StringVar(&c.HTTPAddr, "http", c.HTTPAddr, "`host:port` serve runs the web app on; empty for none (env "+EnvHTTPAddr+")")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "`host:port` serving only /metrics, /healthz and /readyz; empty for none (env "+EnvMetricsAddr+")")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "`URL` users reach the web app at (env "+EnvBaseURL+")")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark cookies Secure and send HSTS; on when the base URL is https (env "+EnvSecureCookies+")")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated `CIDRs` of reverse proxies whose X-Forwarded-For names the client (env "+EnvTrustedProxies+")")
	fs.BoolVar(&c.AllowSignUp, "allow-signup", c.AllowSignUp, "let anyone create an account on the web app (env "+EnvAllowSignUp+")")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "log `level`: debug, info, warn, error (env "+EnvLogLevel+")")
	fs.Func("log-format", "log line `format`: logfmt or json (default "+c.LogFormat+"; env "+EnvLogFormat+")", func(v string) error {
		if err := logging.CheckFormat(v); err != nil {
			return err
		}
		c.LogFormat = cmp.Or(v, logging.FormatLogfmt)
		return nil
	})
}

// Database returns the database URL, defaulting to the SQLite file in the
// data directory.
func (c Config) Database() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, DatabaseFile)
}

// DatabaseRedacted is Database with any password hidden, for output.
func (c Config) DatabaseRedacted() string { return redactURL(c.Database()) }

// IsPostgres reports whether the database is PostgreSQL.
func (c Config) IsPostgres() bool {
	u := strings.ToLower(c.Database())
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// XeroRedirect is the Xero OAuth2 redirect URL: XeroRedirectURL, or the
// web app's callback under BaseURL.
func (c Config) XeroRedirect() string {
	if c.XeroRedirectURL != "" || c.BaseURL == "" {
		return c.XeroRedirectURL
	}
	return strings.TrimSuffix(c.BaseURL, "/") + "/connections/xero/callback"
}

// Getenv serves the configuration's secret key settings under their
// environment names, for seal.FromEnv.
func (c Config) Getenv(name string) string {
	switch name {
	case EnvSecretKey:
		return c.SecretKey
	case EnvSecretKeysPrevious:
		return c.SecretKeysPrevious
	}
	return ""
}

// XeroScopeList is the scopes the Xero app requests, read from XeroScopes
// by the xero package, which owns the scope sets.
func (c Config) XeroScopeList() ([]string, error) {
	scopes, err := xero.ParseScopes(c.XeroScopes)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", EnvXeroScopes, err)
	}
	return scopes, nil
}

// Validate reports every problem at once. needXero is false for commands
// that never call Xero (migrate).
func (c Config) Validate(needXero bool) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf("config: "+format, args...)) }
	if strings.TrimSpace(c.DataDir) == "" {
		add("the data directory is empty (set %s or --data-dir)", EnvDataDir)
	}
	if needXero {
		if c.XeroClientID == "" {
			add("the Xero client id is missing (set %s)", EnvXeroClientID)
		}
		if c.XeroClientSecret == "" {
			add("the Xero client secret is missing (set %s)", EnvXeroClientSecret)
		}
		if _, err := c.XeroScopeList(); err != nil {
			errs = append(errs, err)
		}
		if _, err := xero.ParseTier(c.XeroTier); err != nil {
			add("%s: %w", EnvXeroTier, err)
		}
		if c.XeroTimeScale > 0 && c.XeroBaseURL == "" {
			// Paced to a shortened minute, the real Xero would answer 429s.
			add("%s is for a Xero emulator only (set %s too)", EnvXeroTimeScale, EnvXeroBaseURL)
		}
	}
	for _, u := range []struct{ name, v string }{
		{EnvXeroBaseURL, c.XeroBaseURL}, {EnvShipStationBaseURL, c.ShipStationBaseURL}, {EnvXeroRedirectURL, c.XeroRedirectURL},
		{EnvBaseURL, c.BaseURL},
	} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			add("%s: %q is not an http(s) URL", u.name, u.v)
		}
	}
	if c.SMTPURL != "" {
		if _, err := mailer.Parse(c.SMTPURL); err != nil {
			add("%s: %w", EnvSMTPURL, err)
		}
	}
	if c.SweepEvery < time.Second {
		add("the sweep period %s is under a second", c.SweepEvery)
	}
	if c.Overlap < 0 {
		add("the overlap %s is negative", c.Overlap)
	}
	if c.Backfill <= 0 {
		add("the backfill %s must be positive", c.Backfill)
	}
	if c.JobPoll < 100*time.Millisecond || c.JobPoll > time.Minute {
		add("the job poll interval %s must be between 100ms and 1m", c.JobPoll)
	}
	if c.WebhookExportDelay < 0 || c.WebhookExportDelay > MaxWebhookExportDelay {
		add("the webhook export delay %s must be between 0 and %s", c.WebhookExportDelay, MaxWebhookExportDelay)
	}
	// Port 0 picks a free port for each listener, so two of them differ.
	if c.MetricsAddr != "" && c.MetricsAddr == c.HTTPAddr && !strings.HasSuffix(c.MetricsAddr, ":0") {
		add("the metrics address %s is the web app's too (give %s another port, or leave it empty)", c.MetricsAddr, EnvMetricsAddr)
	}
	if _, err := c.TrustedProxyPrefixes(); err != nil {
		errs = append(errs, err)
	}
	if c.Workers < 1 || c.Workers > 100 {
		add("workers %d must be between 1 and 100", c.Workers)
	}
	return errors.Join(errs...)
}

// SMTP returns the mail settings, and false when no SMTP URL is set
// (notifications off). Validate has checked the URL.
func (c Config) SMTP() (mailer.Settings, bool) {
	if c.SMTPURL == "" {
		return mailer.Settings{}, false
	}
	s, err := mailer.Parse(c.SMTPURL)
	return s, err == nil
}

// SMTPRedacted says where mail goes without the password ("off" when
// nowhere).
func (c Config) SMTPRedacted() string {
	if c.SMTPURL == "" {
		return "off"
	}
	s, err := mailer.Parse(c.SMTPURL)
	if err != nil {
		return "[invalid]"
	}
	return s.Redacted()
}

// redact shows whether a secret is set, never its value.
func redact(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// redactURL hides a database URL's password.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "redacted")
	}
	return u.String()
}

// LogValue is the configuration without secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("database", redactURL(c.Database())),
		slog.String("data_dir", c.DataDir),
		slog.String("xero_client_id", c.XeroClientID),
		slog.String("xero_client_secret", redact(c.XeroClientSecret)),
		slog.String("xero_redirect_url", c.XeroRedirectURL),
		slog.String("xero_base_url", c.XeroBaseURL),
		slog.String("xero_scopes", cmp.Or(c.XeroScopes, xero.ScopeSetGranular)),
		slog.String("xero_tier", cmp.Or(c.XeroTier, string(xero.TierStarter))),
		slog.String("xero_webhook_key", redact(c.XeroWebhookKey)),
		slog.String("shipstation_base_url", c.ShipStationBaseURL),
		slog.String("secret_key", redact(c.SecretKey)),
		slog.String("secret_keys_previous", redact(c.SecretKeysPrevious)),
		slog.Duration("sweep_every", c.SweepEvery),
		slog.Duration("overlap", c.Overlap),
		slog.Duration("backfill", c.Backfill),
		slog.Int("workers", c.Workers),
		slog.Duration("job_poll", c.JobPoll),
		slog.Duration("webhook_export_delay", c.WebhookExportDelay),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.String("base_url", c.BaseURL),
		slog.Bool("secure_cookies", c.SecureCookies),
		slog.Bool("allow_signup", c.AllowSignUp),
		slog.String("smtp", c.SMTPRedacted()),
		slog.String("trusted_proxies", c.TrustedProxies),
		slog.Int("password_hashes", c.PasswordHashes),
	)
}

// String is the configuration without secrets, one "name=value" per field.
func (c Config) String() string {
	var b strings.Builder
	for i, a := range c.LogValue().Group() {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%s", a.Key, a.Value)
	}
	return b.String()
}

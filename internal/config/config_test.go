package config_test

import (
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/config"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFromEnvAndFlags(t *testing.T) {
	t.Parallel()
	c, err := config.FromEnv(envOf(map[string]string{
		config.EnvDataDir:          "/var/lib/ob",
		config.EnvXeroClientID:     "cid",
		config.EnvXeroClientSecret: "csecret",
		config.EnvOverlap:          "10m",
		config.EnvWorkers:          "8",
		config.EnvLogLevel:         "debug",
	}))
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--overlap", "2m", "--xero-base-url", "http://127.0.0.1:7001"}); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/var/lib/ob" || c.Overlap != 2*time.Minute || c.Workers != 8 || c.LogLevel != slog.LevelDebug ||
		c.XeroBaseURL != "http://127.0.0.1:7001" || c.SweepEvery != config.DefaultSweepEvery {
		t.Errorf("config = %+v", c)
	}
	if got, want := c.Database(), filepath.Join("/var/lib/ob", config.DatabaseFile); got != want {
		t.Errorf("Database() = %q, want %q", got, want)
	}
	if c.IsPostgres() {
		t.Error("IsPostgres on a SQLite default")
	}
	if err := c.Validate(true); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestFromEnvReportsEveryBadValue(t *testing.T) {
	t.Parallel()
	_, err := config.FromEnv(envOf(map[string]string{
		config.EnvOverlap: "soon", config.EnvWorkers: "many", config.EnvLogLevel: "loud",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{config.EnvOverlap, config.EnvWorkers, config.EnvLogLevel} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		edit     func(*config.Config)
		needXero bool
		want     []string
	}{
		{"defaults without xero", func(*config.Config) {}, false, nil},
		{"xero missing", func(*config.Config) {}, true, []string{"client id", "client secret"}},
		{"many", func(c *config.Config) {
			c.DataDir, c.XeroBaseURL, c.SweepEvery, c.Overlap, c.Backfill, c.Workers = "", "ftp://x", 0, -time.Second, 0, 0
		}, false, []string{"data directory", config.EnvXeroBaseURL, "sweep period", "overlap", "backfill", "workers"}},
		{"smtp url", func(c *config.Config) { c.SMTPURL = "smtp://ann:smtp-pass@mail.example.com?tls=maybe" }, false,
			[]string{config.EnvSMTPURL, "tls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := config.Default()
			tt.edit(&c)
			err := c.Validate(tt.needXero)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	c := config.Default()
	c.XeroClientSecret = "xero-secret-value"
	c.SecretKey = "c2VjcmV0LWtleS12YWx1ZQ=="
	c.SecretKeysPrevious = "b2xkLWtleS12YWx1ZQ=="
	c.DatabaseURL = "postgres://app:db-password-value@db:5432/ob"
	c.SMTPURL = "smtp://ann:smtp-password-value@mail.example.com?from=ob%40example.com"
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "config", c)
	for _, out := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v", c), logged.String()} {
		for _, secret := range []string{"xero-secret-value", c.SecretKey, c.SecretKeysPrevious, "db-password-value", "smtp-password-value"} {
			if strings.Contains(out, secret) {
				t.Errorf("output shows a secret: %s", out)
			}
		}
	}
	if !strings.Contains(c.String(), "[redacted]") || !c.IsPostgres() {
		t.Errorf("String() = %s", c.String())
	}
	if c.Getenv(config.EnvSecretKey) != c.SecretKey || c.Getenv("OTHER") != "" {
		t.Error("Getenv does not serve the secret key")
	}
}

// TestListenAddressesUnsetOrEmpty shows the two listen addresses read
// from the environment: unset keeps the default (the web app on
// 127.0.0.1:8080, no metrics listener), set but empty turns the listener
// off, as documented ("" is a worker-only process).
func TestListenAddressesUnsetOrEmpty(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name         string
		env          map[string]string
		web, metrics string
	}{
		{"unset", nil, config.DefaultHTTPAddr, ""},
		{"empty", map[string]string{config.EnvHTTPAddr: "", config.EnvMetricsAddr: ""}, "", ""},
		{"blank", map[string]string{config.EnvHTTPAddr: " "}, "", ""},
		{"worker only", map[string]string{config.EnvHTTPAddr: "", config.EnvMetricsAddr: "127.0.0.1:9090"}, "", "127.0.0.1:9090"},
		{"both", map[string]string{config.EnvHTTPAddr: ":8080", config.EnvMetricsAddr: "127.0.0.1:9090"}, ":8080", "127.0.0.1:9090"},
	} {
		c, err := config.FromEnv(envOf(tt.env))
		if err != nil {
			t.Fatal(err)
		}
		if c.HTTPAddr != tt.web || c.MetricsAddr != tt.metrics {
			t.Errorf("%s: http %q metrics %q, want %q and %q", tt.name, c.HTTPAddr, c.MetricsAddr, tt.web, tt.metrics)
		}
	}
	c := config.Default()
	c.DataDir = "d"
	c.MetricsAddr = c.HTTPAddr
	if err := c.Validate(false); err == nil || !strings.Contains(err.Error(), config.EnvMetricsAddr) {
		t.Errorf("one address for both listeners: Validate = %v", err)
	}
}

func TestWebSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		env          map[string]string
		secure       bool
		signUp       bool
		addr         string
		wantRedirect string
	}{
		{"defaults", nil, false, false, config.DefaultHTTPAddr, ""},
		{"https base URL makes cookies secure", map[string]string{config.EnvBaseURL: "https://ob.example/"}, true, false, config.DefaultHTTPAddr,
			"https://ob.example/connections/xero/callback"},
		{"explicit values win", map[string]string{
			config.EnvBaseURL: "https://ob.example", config.EnvSecureCookies: "false", config.EnvAllowSignUp: "true",
			config.EnvHTTPAddr: ":9000", config.EnvXeroRedirectURL: "https://other.example/cb",
		}, false, true, ":9000", "https://other.example/cb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.FromEnv(envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.SecureCookies != tt.secure || c.AllowSignUp != tt.signUp || c.HTTPAddr != tt.addr || c.XeroRedirect() != tt.wantRedirect {
				t.Errorf("got secure=%v signup=%v addr=%q redirect=%q", c.SecureCookies, c.AllowSignUp, c.HTTPAddr, c.XeroRedirect())
			}
		})
	}
	if _, err := config.FromEnv(envOf(map[string]string{config.EnvAllowSignUp: "perhaps"})); err == nil || !strings.Contains(err.Error(), config.EnvAllowSignUp) {
		t.Errorf("a bad boolean: err = %v", err)
	}
}

// TestXeroScopes: the app requests the granular scopes unless told it is
// an older app (broad) or given a list; a list orderbridge cannot work
// with is refused before anything starts.
func TestXeroScopes(t *testing.T) {
	t.Parallel()
	base := map[string]string{config.EnvXeroClientID: "cid", config.EnvXeroClientSecret: "s"}
	with := func(v string) config.Config {
		m := map[string]string{config.EnvXeroScopes: v}
		for k, x := range base {
			m[k] = x
		}
		c, err := config.FromEnv(envOf(m))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for setting, want := range map[string]string{
		"":      "offline_access accounting.invoices accounting.contacts.read accounting.settings.read",
		"broad": "offline_access accounting.transactions accounting.contacts.read accounting.settings.read",
		"offline_access accounting.invoices accounting.contacts": "offline_access accounting.invoices accounting.contacts",
	} {
		c := with(setting)
		got, err := c.XeroScopeList()
		if err != nil || strings.Join(got, " ") != want || c.Validate(true) != nil {
			t.Errorf("%q: scopes %q, %v (validate %v); want %q", setting, got, err, c.Validate(true), want)
		}
	}
	if s := with("").String(); !strings.Contains(s, "xero_scopes=granular") {
		t.Errorf("String() = %s", s)
	}
	err := with("accounting.transactions").Validate(true)
	if err == nil || !strings.Contains(err.Error(), config.EnvXeroScopes) || !strings.Contains(err.Error(), "offline_access") {
		t.Errorf("validate a list without offline_access = %v", err)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c := with("")
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--xero-scopes", "broad"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.XeroScopeList(); !strings.Contains(strings.Join(got, " "), "accounting.transactions") {
		t.Errorf("--xero-scopes broad: %q", got)
	}
}

// TestXeroQuotaSettings: the Xero tier (which sets each organisation's day
// limit) and the share of it kept for write-back come from the
// environment or a flag; values orderbridge cannot use are refused.
func TestXeroQuotaSettings(t *testing.T) {
	t.Parallel()
	env := map[string]string{config.EnvXeroClientID: "cid", config.EnvXeroClientSecret: "s",
		config.EnvXeroTier: "Core", config.EnvXeroReserve: "15"}
	c, err := config.FromEnv(envOf(env))
	if err != nil || c.XeroTier != "Core" || c.XeroReservePercent != 15 || c.Validate(true) != nil {
		t.Fatalf("tier %q reserve %d (%v, validate %v), want Core and 15", c.XeroTier, c.XeroReservePercent, err, c.Validate(true))
	}
	if s := c.String(); !strings.Contains(s, "xero_tier=Core") {
		t.Errorf("String() = %s", s)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--xero-tier", "starter"}); err != nil || c.XeroTier != "starter" {
		t.Errorf("--xero-tier starter: %q, %v", c.XeroTier, err)
	}
	env[config.EnvXeroReserve] = "95"
	if _, err := config.FromEnv(envOf(env)); err == nil || !strings.Contains(err.Error(), config.EnvXeroReserve) {
		t.Errorf("a 95%% reserve: %v, want refused", err)
	}
	env[config.EnvXeroReserve], env[config.EnvXeroTier] = "", "gold"
	c, err = config.FromEnv(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(true); err == nil || !strings.Contains(err.Error(), config.EnvXeroTier) {
		t.Errorf("tier gold: validate %v, want refused", err)
	}
}

// TestXeroTimeScale: the Xero pacer's time scale is for runs against an
// emulator only, so it is refused without a Xero base URL, and a value
// that is not a positive number is refused outright.
func TestXeroTimeScale(t *testing.T) {
	t.Parallel()
	env := map[string]string{config.EnvXeroClientID: "cid", config.EnvXeroClientSecret: "s",
		config.EnvXeroTimeScale: "60", config.EnvXeroBaseURL: "http://127.0.0.1:7001"}
	c, err := config.FromEnv(envOf(env))
	if err != nil || c.XeroTimeScale != 60 || c.Validate(true) != nil {
		t.Fatalf("time scale %v (%v, validate %v), want 60", c.XeroTimeScale, err, c.Validate(true))
	}
	env[config.EnvXeroBaseURL] = ""
	c, err = config.FromEnv(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(true); err == nil || !strings.Contains(err.Error(), config.EnvXeroTimeScale) {
		t.Errorf("a time scale against the real Xero: %v, want refused", err)
	}
	for _, bad := range []string{"0", "-1", "fast", "NaN"} {
		env[config.EnvXeroTimeScale] = bad
		if _, err := config.FromEnv(envOf(env)); err == nil || !strings.Contains(err.Error(), config.EnvXeroTimeScale) {
			t.Errorf("time scale %q: %v, want refused", bad, err)
		}
	}
}

// TestTrustedProxies: CIDRs and single addresses, from the environment or
// the flag; anything else is refused before the app starts.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
		bad  bool
	}{
		{"", "[]", false},
		{"127.0.0.1", "[127.0.0.1/32]", false},
		{" 10.0.0.0/8 , ::1 ,fd00::/8", "[10.0.0.0/8 ::1/128 fd00::/8]", false},
		{"10.1.2.3/8", "[10.0.0.0/8]", false},
		{"::ffff:10.0.0.1", "[10.0.0.1/32]", false},
		{"proxy.internal", "", true},
		{"10.0.0.0/33", "", true},
	} {
		c, err := config.FromEnv(envOf(map[string]string{config.EnvTrustedProxies: tc.in}))
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.TrustedProxyPrefixes()
		if (err != nil) != tc.bad || (!tc.bad && fmt.Sprint(got) != tc.want) {
			t.Errorf("%q: %v, %v; want %s (bad=%v)", tc.in, got, err, tc.want, tc.bad)
		}
		if verr := c.Validate(false); tc.bad && (verr == nil || !strings.Contains(verr.Error(), config.EnvTrustedProxies)) {
			t.Errorf("%q: Validate = %v, want it named", tc.in, verr)
		}
	}
	c := config.Default()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--trusted-proxies", "192.0.2.0/24"}); err != nil || c.TrustedProxies != "192.0.2.0/24" {
		t.Errorf("flag: %q, %v", c.TrustedProxies, err)
	}
}

// TestPasswordHashes: the bound on concurrent password hashes is a whole
// number from 1 to 1000, or unset for one per CPU.
func TestPasswordHashes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"": 0, "3": 3, " 16 ": 16} {
		c, err := config.FromEnv(envOf(map[string]string{config.EnvPasswordHashes: in}))
		if err != nil || c.PasswordHashes != want {
			t.Errorf("%q: %d, %v; want %d", in, c.PasswordHashes, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "many", "1001"} {
		if _, err := config.FromEnv(envOf(map[string]string{config.EnvPasswordHashes: in})); err == nil || !strings.Contains(err.Error(), config.EnvPasswordHashes) {
			t.Errorf("%q: err = %v, want it refused", in, err)
		}
	}
}

func TestLogFormat(t *testing.T) {
	t.Parallel()
	c, err := config.FromEnv(envOf(map[string]string{config.EnvLogFormat: "json"}))
	if err != nil || c.LogFormat != "json" {
		t.Errorf("json: format %q, err %v", c.LogFormat, err)
	}
	c, err = config.FromEnv(envOf(nil))
	if err != nil || c.LogFormat != "logfmt" {
		t.Errorf("default: format %q, err %v", c.LogFormat, err)
	}
	if _, err := config.FromEnv(envOf(map[string]string{config.EnvLogFormat: "xml"})); err == nil || !strings.Contains(err.Error(), config.EnvLogFormat) {
		t.Errorf("xml: err %v, want one naming %s", err, config.EnvLogFormat)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--log-format", "text"}); err == nil {
		t.Error("--log-format text accepted")
	}
}

// The webhook export delay: a default of seconds, 0 for none, read from
// the environment and the flag, and refused negative or over a minute.
func TestWebhookExportDelay(t *testing.T) {
	t.Parallel()
	if d := config.Default().WebhookExportDelay; d <= 0 || d > 10*time.Second {
		t.Errorf("default delay %s, want a few seconds", d)
	}
	for _, tc := range []struct {
		env  string
		want time.Duration
		bad  bool
	}{
		{"0", 0, false}, {"5s", 5 * time.Second, false}, {"-1s", 0, true}, {"2m", 0, true},
	} {
		c, err := config.FromEnv(envOf(map[string]string{config.EnvWebhookExportDelay: tc.env}))
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate(false)
		if tc.bad != (err != nil && strings.Contains(err.Error(), "webhook export delay")) {
			t.Errorf("%s=%s: Validate %v", config.EnvWebhookExportDelay, tc.env, err)
		}
		if !tc.bad && c.WebhookExportDelay != tc.want {
			t.Errorf("%s=%s: delay %s, want %s", config.EnvWebhookExportDelay, tc.env, c.WebhookExportDelay, tc.want)
		}
	}
	c := config.Default()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--webhook-export-delay", "0"}); err != nil || c.WebhookExportDelay != 0 {
		t.Errorf("--webhook-export-delay 0: %s, %v", c.WebhookExportDelay, err)
	}
}

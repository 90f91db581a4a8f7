package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/demo"
	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/smtpsink"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// demoMarker marks a data directory the demo created, so that a later
// demo may wipe its database and never touches anybody else's.
const demoMarker = ".orderbridge-demo"

func runDemo(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "demo", "demo [--data-dir DIR] [--http ADDR] [--xero-addr ADDR] [--shipstation-addr ADDR]",
		"Run the whole product in one process without real accounts: the Xero and ShipStation emulators\n"+
			"seeded with a demo organisation, orderbridge on SQLite under --data-dir, connected to both, with\n"+
			"the sweep exporting every 30 seconds, and the web app on --http with a demo user. Every URL and\n"+
			"credential is printed as 'label: value', the web UI's first and the demo sign-in second.\n"+
			"Its mail goes to an SMTP server inside the demo and is printed as it arrives.\n"+
			"Runs until interrupted. Each start begins afresh: the emulators live in memory, so the demo\n"+
			"replaces the database it left in --data-dir (it refuses a directory it did not create).")
	dataDir := fs.String("data-dir", filepath.Join("data", "demo"), "`directory` for the demo's SQLite database and key")
	httpAddr := fs.String("http", config.DefaultHTTPAddr, "`host:port` of the web app (0 or port 0 picks a free port)")
	xeroAddr := fs.String("xero-addr", "127.0.0.1:7001", "`host:port` of the Xero emulator (port 0 picks a free one)")
	shipAddr := fs.String("shipstation-addr", "127.0.0.1:7002", "`host:port` of the ShipStation emulator (port 0 picks a free one)")
	interval := fs.Duration("interval", 30*time.Second, "the demo account's sync interval")
	invoices := fs.Int("invoices", 0, "how many invoices and bills to seed (default the demo's 60)")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	// The demo's own settings are fixed, but it logs as the operator's
	// environment asks (format and level), as serve does.
	cfg := config.Default()
	if err := cfg.LogFromEnv(env.LookupEnv); err != nil {
		return err
	}
	if err := prepareDemoDir(*dataDir); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *httpAddr == "0" {
		*httpAddr = "127.0.0.1:0"
	}
	// The web app's port must be known before the Xero app is built: the
	// OAuth redirect URL points at its callback.
	var lc net.ListenConfig
	webLn, err := lc.Listen(ctx, "tcp", *httpAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *httpAddr, err)
	}
	defer webLn.Close() // after a served Run this is a no-op
	webURL := "http://" + webLn.Addr().String()

	xemu := xeroemu.New(xeroemu.Options{Logger: env.Logger, OrgNames: []string{demo.OrgName}, OrgTimezone: demo.OrgTimezone})
	defer xemu.Close()
	xeroURL, stopXero, err := serveHandler(ctx, *xeroAddr, xemu)
	if err != nil {
		return err
	}
	defer stopXero()
	xemu.SetURL(xeroURL)
	semu := shipstationemu.New(shipstationemu.Options{Logger: env.Logger})
	defer semu.Close()
	shipURL, stopShip, err := serveHandler(ctx, *shipAddr, semu)
	if err != nil {
		return err
	}
	defer stopShip()
	semu.SetURL(shipURL)

	tenant := xemu.DefaultTenantID()
	seedOpts := demo.Options{Invoices: *invoices}
	xsum, err := demo.SeedXero(xemu, tenant, seedOpts)
	if err != nil {
		return err
	}
	ssum, err := demo.SeedShipStation(semu, seedOpts)
	if err != nil {
		return err
	}

	// The demo's mail (problem notifications, password reset links) goes
	// to an SMTP server in this process, through the same mail path as in
	// production, and is printed as it arrives.
	out := env.Stdout
	sink, err := smtpsink.Start(smtpsink.Options{OnMessage: func(m smtpsink.Message) { printMail(out, m) }})
	if err != nil {
		return err
	}
	defer sink.Close()

	cfg.DataDir = *dataDir
	cfg.SMTPURL = sink.URL("orderbridge@example.com")
	cfg.XeroClientID, cfg.XeroClientSecret = xemu.ClientID(), xemu.ClientSecret()
	cfg.XeroBaseURL = xeroURL
	cfg.BaseURL = webURL
	cfg.XeroRedirectURL = webURL + "/connections/xero/callback"
	cfg.AllowSignUp = true
	cfg.ShipStationBaseURL = shipURL
	// Both emulators post webhooks to the app: an approved invoice is an
	// order, and a bought label a note, within seconds.
	cfg.XeroWebhookKey = xemu.WebhookKey()
	cfg.SweepEvery = min(*interval, 10*time.Second)
	// The demo's invoices reach back DefaultDays; read all of them.
	cfg.Backfill = time.Duration(demo.DefaultDays+30) * 24 * time.Hour
	log := logger(env, &cfg)
	a, err := app.New(ctx, cfg, app.Options{Logger: log, HTTPListener: webLn, NotifyEvery: cfg.SweepEvery})
	if err != nil {
		return err
	}
	defer a.Close()
	acct, err := a.Store.CreateAccount(ctx, xsum.OrgName)
	if err != nil {
		return err
	}
	if _, err := a.ConnectXeroAutoConsent(ctx, acct.ID, tenant); err != nil {
		return err
	}
	if _, err := a.ConnectShipStation(ctx, acct.ID, ssum.APIKey, ssum.APISecret, ssum.StoreID); err != nil {
		return err
	}
	xemu.SetWebhook(webURL+"/webhooks/xero", "")
	if err := a.SubscribeShipStation(ctx, acct.ID); err != nil {
		return err
	}
	settings := store.DefaultSettings()
	settings.SyncEnabled, settings.SyncInterval, settings.ShipStationStoreID = true, *interval, ssum.StoreID
	// With webhooks working the sweeps are the safety net; in the demo
	// they still come round often enough to show a void.
	settings.SafetySweepInterval = max(5*time.Minute, *interval)
	// The issue asks for "Update tracking and shipping information" on in
	// the demo: buying a label in the ShipStation emulator shows its note
	// on the Xero invoice.
	settings.WriteBackEnabled = true
	if _, err := a.Store.ChangeSettings(ctx, acct.ID, settings); err != nil {
		return err
	}

	password, err := createDemoUser(ctx, a.Store, acct.ID)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "Web UI: %s\n", webURL)
	fmt.Fprintf(out, "Sign in: %s / %s\n", demoEmail, password)
	fmt.Fprintf(out, "Xero base URL: %s\n", xeroURL)
	fmt.Fprintf(out, "Xero tenant id: %s (%s)\n", tenant, xsum.OrgName)
	fmt.Fprintf(out, "Xero client id: %s\n", xemu.ClientID())
	fmt.Fprintf(out, "Xero client secret: %s\n", xemu.ClientSecret())
	fmt.Fprintf(out, "Xero webhook key: %s\n", xemu.WebhookKey())
	fmt.Fprintf(out, "Xero webhook URL: %s/webhooks/xero\n", webURL)
	fmt.Fprintf(out, "ShipStation URL: %s\n", shipURL)
	fmt.Fprintf(out, "ShipStation API key: %s\n", ssum.APIKey)
	fmt.Fprintf(out, "ShipStation API secret: %s\n", ssum.APISecret)
	fmt.Fprintf(out, "ShipStation store: %d %s\n", ssum.StoreID, ssum.StoreName)
	fmt.Fprintf(out, "account: %d %s\n", acct.ID, acct.Name)
	fmt.Fprintf(out, "database: %s\n", cfg.Database())
	fmt.Fprintf(out, "data dir: %s\n", cfg.DataDir)
	fmt.Fprintf(out, "sync: every %s\n", *interval)
	fmt.Fprintf(out, "Mail: smtp://%s, an SMTP server inside the demo: every mail it sends (problem notifications, password reset links) is printed here as a \"mail to\" line\n", sink.Addr())
	for _, l := range xsum.Lines() {
		fmt.Fprintln(out, l)
	}
	fmt.Fprintf(out, "try: %s=%s %s=%s %s=%s %s=%s orderbridge sync --data-dir %s --dry-run\n",
		config.EnvXeroClientID, cfg.XeroClientID, config.EnvXeroClientSecret, cfg.XeroClientSecret,
		config.EnvXeroBaseURL, cfg.XeroBaseURL, config.EnvShipStationBaseURL, cfg.ShipStationBaseURL, cfg.DataDir)
	fmt.Fprintln(out, "running: press Ctrl-C to stop")
	return a.Run(ctx)
}

// printMail prints a mail the demo's SMTP server received: who it is for
// and its subject, then its text, indented.
func printMail(out io.Writer, m smtpsink.Message) {
	var b strings.Builder
	fmt.Fprintf(&b, "mail to %s: %s\n", strings.Join(m.To, ", "), m.Subject)
	for line := range strings.Lines(strings.TrimRight(m.Body, "\n")) {
		b.WriteString("  | " + line)
		if !strings.HasSuffix(line, "\n") {
			b.WriteString("\n")
		}
	}
	_, _ = io.WriteString(out, b.String())
}

// demoEmail is the demo user's sign-in.
const demoEmail = "demo@example.com"

// createDemoUser makes the demo account's user with a fresh random
// password (the database is new on every start) and returns the password.
func createDemoUser(ctx context.Context, st *store.Store, accountID int64) (string, error) {
	// 16 random bytes: 22 characters, past the policy's floor. The policy
	// is asked all the same, as on every path that sets a password; a
	// random draw it refuses (one containing "demo", say) is drawn again.
	var pw string
	for range 10 {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
		if pw = base64.RawURLEncoding.EncodeToString(b); password.Problem(pw, demoEmail) == "" {
			break
		}
	}
	if msg := password.Problem(pw, demoEmail); msg != "" {
		return "", fmt.Errorf("demo user: generated password refused: %s", msg)
	}
	hash, err := password.Hash(pw, password.Params{})
	if err != nil {
		return "", fmt.Errorf("demo user: %w", err)
	}
	if _, err := st.CreateUser(ctx, accountID, demoEmail, "Demo", hash); err != nil {
		return "", fmt.Errorf("demo user: %w", err)
	}
	return pw, nil
}

// prepareDemoDir makes dir ready for a fresh demo database: it creates it
// (with the marker), or, when it holds the marker, removes the old
// database. A non-empty directory without the marker is refused.
func prepareDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist) || err == nil && len(entries) == 0:
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("demo data dir: %w", err)
		}
		return os.WriteFile(filepath.Join(dir, demoMarker), []byte("created by orderbridge demo\n"), 0o600)
	case err != nil:
		return fmt.Errorf("demo data dir: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
		return fmt.Errorf("demo data dir %s is not empty and was not made by the demo; choose another --data-dir", dir)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(filepath.Join(dir, config.DatabaseFile+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("demo data dir: %w", err)
		}
	}
	return nil
}

// serveHandler serves h on addr until ctx ends and returns its base URL
// and a function that shuts it down.
func serveHandler(ctx context.Context, addr string, h http.Handler) (string, func(), error) {
	ln, base, err := listen(ctx, addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}
	return base, stop, nil
}

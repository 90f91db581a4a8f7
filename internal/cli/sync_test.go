package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// runCLIEnv runs the command line with an environment.
func runCLIEnv(t *testing.T, environ map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{
		Stdout: &out, Stderr: &errOut,
		LookupEnv: lookupIn(environ),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	code = run(t.Context(), env, args)
	return code, out.String(), errOut.String()
}

// syncFixture is a data directory with one account connected to both
// emulators, one tagged and one untagged invoice in Xero, and the
// environment that points the commands at it.
func syncFixture(t *testing.T) (environ map[string]string, semu *shipstationemu.Emulator) {
	t.Helper()
	return syncFixtureOn(t, map[string]string{config.EnvDataDir: t.TempDir()})
}

// syncFixtureOn is syncFixture on the database base names (dialects).
func syncFixtureOn(t *testing.T, base map[string]string) (environ map[string]string, semu *shipstationemu.Emulator) {
	t.Helper()
	ctx := t.Context()
	xemu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	semu = shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	key := generatedKey(t)
	environ = map[string]string{
		config.EnvSecretKey:    key,
		config.EnvXeroClientID: xemu.ClientID(), config.EnvXeroClientSecret: xemu.ClientSecret(),
		config.EnvXeroBaseURL: xemu.URL(), config.EnvXeroRedirectURL: "http://127.0.0.1:1/cb",
		config.EnvShipStationBaseURL: semu.URL(), config.EnvLogLevel: "error",
	}
	for k, v := range base {
		if k != config.EnvSecretKey {
			environ[k] = v
		}
	}
	cfg, err := config.FromEnv(lookupIn(environ))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: slog.New(slog.DiscardHandler), NoSweep: true, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	acct, err := a.Store.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := a.ConnectXeroAutoConsent(ctx, acct.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConnectShipStation(ctx, acct.ID, semu.APIKey(), semu.APISecret(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := xemu.SeedTrackingCategory(tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		t.Fatal(err)
	}
	c, err := xemu.SeedContact(tenant, xeroemu.Contact{Name: "Jane Receiver", Addresses: []xeroemu.Address{
		{AddressType: "STREET", AddressLine1: "1 Queen Street", City: "Auckland", PostalCode: "1010", Country: "New Zealand"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i, option := range []string{"ShipStation", "Retail"} {
		_, err := xemu.SeedInvoice(tenant, xeroemu.Invoice{
			InvoiceNumber: []string{"INV-0001", "INV-0002"}[i], Status: "AUTHORISED",
			Contact: xeroemu.Contact{ContactID: c.ContactID}, Date: time.Now().UTC(),
			LineItems: []xeroemu.LineItem{{ItemCode: "MUG", Description: "Mug", Quantity: 1, UnitAmount: 20, AccountCode: "200",
				Tracking: []xeroemu.LineItemTracking{{Name: "Sales Channel", Option: option}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s := store.DefaultSettings()
	s.SyncEnabled = true
	if _, err := a.Store.ChangeSettings(ctx, acct.ID, s); err != nil {
		t.Fatal(err)
	}
	return environ, semu
}

func TestSyncDryRunThenSync(t *testing.T) {
	t.Parallel()
	environ, semu := syncFixture(t)

	code, out, errOut := runCLIEnv(t, environ, "sync", "--dry-run")
	if code != 0 {
		t.Fatalf("sync --dry-run: exit %d, stderr %s", code, errOut)
	}
	for _, want := range []string{
		"INV-0001: would export: the invoice is eligible",
		`"orderNumber": "INV-0001"`,
		`INV-0002: would skip: no line carries the tracking option "ShipStation"`,
		"dry run of account 1 (Acme): 2 invoices",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if n := len(semu.Orders()); n != 0 {
		t.Fatalf("dry run created %d orders", n)
	}

	code, out, errOut = runCLIEnv(t, environ, "sync", "--account", "1", "--since", "2020-01-01")
	if code != 0 {
		t.Fatalf("sync: exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out, "account 1 (Acme): 2 invoices in 1 pages: 1 exported, 0 updated, 0 cancelled, 0 unchanged, 1 skipped") {
		t.Errorf("sync output: %s", out)
	}
	if n := len(semu.Orders()); n != 1 {
		t.Errorf("%d orders after sync, want 1", n)
	}
}

func TestSyncMistakes(t *testing.T) {
	t.Parallel()
	environ, _ := syncFixture(t)
	tests := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"sync", "--since", "yesterday"}, 2, `--since "yesterday"`},
		{[]string{"sync", "--account", "99"}, 1, "account 99 does not exist"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLIEnv(t, environ, tt.args...)
		if code != tt.wantCode || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.wantCode, tt.want)
		}
	}
	// Without Xero settings the configuration names every missing value.
	code, _, errOut := runCLIEnv(t, map[string]string{config.EnvDataDir: t.TempDir()}, "sync")
	if code != 1 || !strings.Contains(errOut, "client id") || !strings.Contains(errOut, "client secret") {
		t.Errorf("sync without config: exit %d, stderr %q", code, errOut)
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "fresh")
	for range 2 { // idempotent
		code, out, errOut := runCLIEnv(t, map[string]string{config.EnvDataDir: dir}, "migrate")
		if code != 0 || !strings.Contains(out, "schema: up to date") {
			t.Fatalf("migrate: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, config.DatabaseFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CheckSchema(context.Background()); err != nil {
		t.Errorf("schema after migrate: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "secret.key")); !os.IsNotExist(err) {
		t.Errorf("migrate created a secret key (stat: %v)", err)
	}
}

// TestServeExportsUntilInterrupted runs `serve` as a deployment would: the
// sweep runs at start and exports the account; an interrupt stops it.
func TestServeExportsUntilInterrupted(t *testing.T) {
	t.Parallel()
	environ, semu := syncFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	var out, errOut testkit.Buffer
	env := &Env{Stdout: &out, Stderr: &errOut, LookupEnv: lookupIn(environ),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	done := make(chan int, 1)
	go func() { done <- run(ctx, env, []string{"serve", "--log-level", "warn"}) }()
	waitWhileRunning(t, "serve to export an order", 30*time.Second, done, &out, &errOut, func() bool { return len(semu.Orders()) > 0 })
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit code %d after interrupt: %s", code, errOut.String())
	}
	if n := len(semu.Orders()); n != 1 {
		t.Errorf("%d orders, want 1 (the tagged invoice)", n)
	}
}

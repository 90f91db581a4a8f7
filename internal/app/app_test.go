package app_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
)

func testConfig(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.XeroClientID, cfg.XeroClientSecret = "client-id", "client-secret"
	return cfg
}

func newApp(t *testing.T, cfg config.Config, opts app.Options) *app.App {
	t.Helper()
	opts.Logger = slog.New(slog.DiscardHandler)
	a, err := app.New(t.Context(), cfg, opts)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	return a
}

func TestNewRejectsAnIncompleteConfig(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Workers = 0
	_, err := app.New(t.Context(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		t.Fatal("app.New accepted a config without Xero settings")
	}
	for _, want := range []string{"client id", "client secret", "workers"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestPostgresRefusesAnOldSchemaUnlessToldToMigrate(t *testing.T) {
	t.Parallel()
	st := storetest.OpenPostgres(t)
	cfg := testConfig(t)
	cfg.SecretKey = generatedKey(t) // PostgreSQL needs one (TestPostgresNeedsTheSecretKey)
	_, err := app.New(t.Context(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), Store: st})
	if !errors.Is(err, store.ErrSchemaOutOfDate) || !strings.Contains(err.Error(), "orderbridge migrate") {
		t.Fatalf("app.New on an empty schema: %v", err)
	}
	newApp(t, cfg, app.Options{Store: st, Migrate: true})
}

func TestConnectShipStation(t *testing.T) {
	t.Parallel()
	semu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	cfg := testConfig(t)
	cfg.ShipStationBaseURL = semu.URL()
	a := newApp(t, cfg, app.Options{NoSweep: true})
	ctx := t.Context()
	acct, err := a.Store.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConnectShipStation(ctx, acct.ID, semu.APIKey(), "wrong-secret", 0); err == nil {
		t.Error("a wrong key pair connected")
	} else if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("error shows the secret: %v", err)
	}
	if _, err := a.Store.Connection(ctx, acct.ID, store.KindShipStation); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused key pair was saved: %v", err)
	}
	s, err := a.ConnectShipStation(ctx, acct.ID, semu.APIKey(), semu.APISecret(), 0)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := a.Store.Connection(ctx, acct.ID, store.KindShipStation)
	if err != nil || conn.Metadata.StoreID != s.StoreID || conn.Status != store.StatusConnected || !conn.HasSecret {
		t.Fatalf("connection %+v, %v", conn, err)
	}
	if creds, err := a.Store.ShipStationCredentials(ctx, acct.ID); err != nil || creds.APISecret != semu.APISecret() {
		t.Errorf("stored credentials: %v", err)
	}
	if _, err := a.ConnectShipStation(ctx, acct.ID, semu.APIKey(), semu.APISecret(), 999999); err == nil {
		t.Error("an unknown store was accepted")
	}
}

func TestSaveSettings(t *testing.T) {
	t.Parallel()
	a := newApp(t, testConfig(t), app.Options{NoSweep: true})
	ctx := t.Context()
	acct, err := a.Store.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	setCursor := func() {
		t.Helper()
		if err := a.Store.ResetCursor(ctx, acct.ID, store.CursorXeroInvoices, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	hasCursor := func() bool {
		_, ok, err := a.Store.Cursor(ctx, acct.ID, store.CursorXeroInvoices)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	jobs := func() int {
		res, err := a.River.JobList(ctx, river.NewJobListParams().Kinds(worker.KindExportInvoices))
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Jobs)
	}
	s := store.DefaultSettings()
	setCursor()
	s.LogRetentionDays = 30 // does not change which invoices sync
	if err := a.SaveSettings(ctx, acct.ID, s); err != nil {
		t.Fatal(err)
	}
	if !hasCursor() || jobs() != 0 {
		t.Errorf("unrelated change: cursor kept %v, jobs %d; want kept and none (sync off)", hasCursor(), jobs())
	}
	s.TrackingRuleEnabled, s.SyncEnabled = false, true
	if err := a.SaveSettings(ctx, acct.ID, s); err != nil {
		t.Fatal(err)
	}
	if hasCursor() {
		t.Error("turning the tracking rule off kept the cursor: skipped invoices would never be read again")
	}
	if jobs() != 1 {
		t.Errorf("%d export jobs after save with sync on, want 1", jobs())
	}
	// Saving again while a job is pending coalesces.
	if err := a.SaveSettings(ctx, acct.ID, s); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Enqueue(ctx, acct.ID); err != nil {
		t.Fatal(err)
	}
	if jobs() != 1 {
		t.Errorf("%d export jobs after more triggers, want 1", jobs())
	}
}

// runApp runs a until the test ends, then stops it and reports an error
// Run returned.
func runApp(t *testing.T, a *app.App) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func TestRunStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	a := newApp(t, testConfig(t), app.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	// The sweep runs at start; with no account it has nothing to do.
	testkit.Eventually(t, "the sweep to complete", func() bool {
		res, err := a.River.JobList(t.Context(), river.NewJobListParams().Kinds(worker.KindSweep).States("completed"))
		return err == nil && len(res.Jobs) > 0
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestRunCancelledAtStartIsACleanStop shows that a context cancelled
// before or while Run starts (a test that skips right after starting the
// app, a Ctrl-C during start-up) ends Run without an error: the caller
// asked it to stop, and nothing failed.
func TestRunCancelledAtStartIsACleanStop(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.HTTPAddr = "127.0.0.1:0"
	a := newApp(t, cfg, app.Options{ServeWeb: true})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := a.Run(ctx); err != nil {
		t.Errorf("Run with a cancelled context: %v, want nil", err)
	}
}

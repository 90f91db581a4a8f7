package app_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

func generatedKey(t *testing.T) string {
	t.Helper()
	_, key, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func tryNew(t *testing.T, cfg config.Config, opts app.Options) error {
	t.Helper()
	opts.Logger = slog.New(slog.DiscardHandler)
	a, err := app.New(t.Context(), cfg, opts)
	if err == nil {
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	}
	return err
}

// TestPostgresNeedsTheSecretKey shows that a process on PostgreSQL
// without ORDERBRIDGE_SECRET_KEY is refused, with what to do, instead of
// generating a key of its own that no other process knows.
func TestPostgresNeedsTheSecretKey(t *testing.T) {
	t.Parallel()
	st := storetest.OpenPostgres(t)
	cfg := testConfig(t)
	err := tryNew(t, cfg, app.Options{Store: st, Migrate: true})
	if err == nil {
		t.Fatal("app.New on PostgreSQL without a secret key started")
	}
	for _, want := range []string{config.EnvSecretKey, "orderbridge keys generate", "every"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, seal.KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key file was generated in the data directory (stat: %v)", err)
	}
	cfg.SecretKey = generatedKey(t)
	if err := tryNew(t, cfg, app.Options{Store: st, Migrate: true}); err != nil {
		t.Fatalf("with a key: %v", err)
	}
}

// TestAWrongSecretKeyIsRefused shows that a process whose keys cannot open
// what the database holds does not start: another environment key, and a
// key file generated anew after the first was lost.
func TestAWrongSecretKeyIsRefused(t *testing.T) {
	t.Parallel()
	t.Run("environment key", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		first := generatedKey(t)
		cfg.SecretKey = first
		if err := tryNew(t, cfg, app.Options{}); err != nil {
			t.Fatal(err)
		}
		cfg.SecretKey = generatedKey(t)
		err := tryNew(t, cfg, app.Options{})
		if !errors.Is(err, store.ErrWrongSecretKey) {
			t.Fatalf("another key: %v, want ErrWrongSecretKey", err)
		}
		for _, want := range []string{config.EnvSecretKey, config.EnvSecretKeysPrevious} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		}
		// The rotation's first step: the new key, the old one previous.
		cfg.SecretKeysPrevious = first
		if err := tryNew(t, cfg, app.Options{}); err != nil {
			t.Fatalf("new key with the old one previous: %v", err)
		}
	})
	t.Run("key file lost", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		if err := tryNew(t, cfg, app.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(cfg.DataDir, seal.KeyFileName)); err != nil {
			t.Fatal(err)
		}
		if err := tryNew(t, cfg, app.Options{}); !errors.Is(err, store.ErrWrongSecretKey) {
			t.Fatalf("a new key file: %v, want ErrWrongSecretKey", err)
		}
	})
}

// TestOneProcessPerSQLiteFile shows that while one App holds a SQLite
// database, a second one (serve, sync) and a migrate on the same file are
// refused at once, naming the file and the process holding it; once the
// first closes, the file is free again.
func TestOneProcessPerSQLiteFile(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	first := newApp(t, cfg, app.Options{NoSweep: true})
	want := fmt.Sprintf("another orderbridge is using %s (pid %d)", cfg.Database(), os.Getpid())
	err := tryNew(t, cfg, app.Options{NoSweep: true})
	if !errors.Is(err, app.ErrDatabaseInUse) || !strings.Contains(err.Error(), want) {
		t.Fatalf("second app.New: %v, want %q", err, want)
	}
	err = app.Migrate(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if !errors.Is(err, app.ErrDatabaseInUse) {
		t.Fatalf("migrate beside a running app: %v, want ErrDatabaseInUse", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tryNew(t, cfg, app.Options{NoSweep: true}); err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
}

// TestWorkerOnlyProcessServesMetrics shows a process without the web app
// (HTTPAddr empty) serving /metrics, /healthz and /readyz on the metrics
// listener, and nothing else there.
func TestWorkerOnlyProcessServesMetrics(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.HTTPAddr = ""
	cfg.MetricsAddr = "127.0.0.1:0"
	a := newApp(t, cfg, app.Options{ServeWeb: true, NoSweep: true})
	if a.WebURL() != "" {
		t.Errorf("WebURL = %q with no web app", a.WebURL())
	}
	if a.MetricsURL() == "" {
		t.Fatal("no metrics listener")
	}
	runApp(t, a)
	hc := testkit.HTTPClient(t)
	for _, tt := range []struct {
		path, body string
		code       int
	}{
		{"/metrics", "orderbridge_webhook_deliveries_total", http.StatusOK},
		{"/healthz", "ok", http.StatusOK},
		{"/readyz", "ready", http.StatusOK},
		{"/signin", "", http.StatusNotFound},
	} {
		resp, err := hc.Get(a.MetricsURL() + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(string(body), tt.body) {
			t.Errorf("GET %s: %d %.80q, want %d with %q", tt.path, resp.StatusCode, body, tt.code, tt.body)
		}
	}
}

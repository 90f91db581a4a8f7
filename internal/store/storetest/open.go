package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/testenv"
)

// EnvDatabaseURL names the variable holding the PostgreSQL test database
// URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvDatabaseURL = "ORDERBRIDGE_TEST_DATABASE_URL"

// OpenSQLite is an Opener: a store on a new SQLite file in the test's temp
// dir, closed at cleanup.
func OpenSQLite(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "orderbridge.db"), nil)
	if err != nil {
		t.Fatalf("storetest: open sqlite: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	return st
}

// OpenPostgres is an Opener: a store in a fresh schema of the database at
// $ORDERBRIDGE_TEST_DATABASE_URL (so parallel tests never meet), dropped
// with everything in it, River's tables included, at cleanup. Without the
// variable the test stops through testenv.Missing: a skip locally, a
// failure under CI.
func OpenPostgres(t *testing.T) *store.Store {
	t.Helper()
	return OpenPostgresTB(t)
}

// OpenPostgresTB is OpenPostgres for a benchmark as well as a test.
func OpenPostgresTB(t testing.TB) *store.Store {
	t.Helper()
	url := os.Getenv(EnvDatabaseURL)
	if url == "" {
		testenv.Missing(t, "PostgreSQL", "set "+EnvDatabaseURL+", e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	ctx := t.Context()
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	schema := "storetest_" + hex.EncodeToString(suffix)
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("storetest: connect postgres: %v", err)
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close(context.Background())
		t.Fatalf("storetest: create schema: %v", err)
	}
	st, err := store.Open(ctx, url, &store.Options{Schema: schema, MaxConns: 4})
	if err != nil {
		admin.Close(context.Background())
		t.Fatalf("storetest: open postgres: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
		ctx := context.Background()
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("storetest: drop schema: %v", err)
		}
		admin.Close(ctx)
	})
	return st
}

// Migrated opens a store with open, gives it a sealer with a random key
// and migrates it: what other packages' tests (worker, web) start from.
//
//	st := storetest.Migrated(t, storetest.OpenSQLite)
func Migrated(t *testing.T, open Opener) *store.Store {
	t.Helper()
	st := open(t).WithSealer(NewSealer(t))
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	return st
}

// NewSealer is a sealer of a new random key: a process's own key, or, on
// a store sealed with another, the key of a process that cannot open
// its secrets.
func NewSealer(tb testing.TB) *seal.Sealer {
	tb.Helper()
	key, _, err := seal.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	s, err := seal.NewSealer(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// MigratedSQLite is a migrated store on a new SQLite file in tb's temp
// dir, with a sealer of a random key and now as its clock (nil:
// time.Now), closed at cleanup: the start of other packages' tests (web,
// notify) that set the time or run as a fuzz test or benchmark.
//
//	st := storetest.MigratedSQLite(t, clock.Now)
func MigratedSQLite(tb testing.TB, now func() time.Time) *store.Store {
	tb.Helper()
	st, err := store.Open(tb.Context(), filepath.Join(tb.TempDir(), "orderbridge.db"), &store.Options{Sealer: NewSealer(tb), Now: now})
	if err != nil {
		tb.Fatalf("storetest: open sqlite: %v", err)
	}
	tb.Cleanup(func() {
		if err := st.Close(); err != nil {
			tb.Errorf("storetest: close: %v", err)
		}
	})
	if err := st.Migrate(tb.Context()); err != nil {
		tb.Fatalf("storetest: migrate: %v", err)
	}
	return st
}

// OpenPostgresAgain opens a second Store on the database and schema of st
// (a store from OpenPostgres): another process's view of the same
// database, with its own connection pool, closed at cleanup.
func OpenPostgresAgain(t *testing.T, st *store.Store) *store.Store {
	t.Helper()
	url := os.Getenv(EnvDatabaseURL)
	if url == "" || st.Dialect() != store.Postgres {
		testenv.Missing(t, "PostgreSQL", "set "+EnvDatabaseURL+", e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	again, err := store.Open(t.Context(), url, &store.Options{Schema: st.Schema(), MaxConns: 4})
	if err != nil {
		t.Fatalf("storetest: open postgres again: %v", err)
	}
	t.Cleanup(func() {
		if err := again.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	return again
}

package store_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
)

// TestSQLite runs the conformance suite on SQLite, each subtest on its own
// file.
func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.OpenSQLite)
}

// The raw database files (main file and write-ahead log) never hold a
// secret in the clear: a stronger check than reading the rows back.
func TestSQLiteFilesHoldNoPlaintext(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	key, _, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "ob.db"), &store.Options{Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "PLAINTEXT-REFRESH-4b1d"
	for i := range 3 { // rotations leave old pages behind in the WAL
		tok := []byte(fmt.Sprintf(`{"refresh_token":"%s-%d"}`, secret, i))
		if i == 0 {
			err = st.SaveConnection(ctx, a.ID, store.KindXero, store.ConnectionMetadata{TenantID: "tenant"}, tok)
		} else {
			err = st.SaveXeroToken(ctx, a.ID, tok)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// Before and after the WAL is folded into the main file.
	scan := func(when string) {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(dir, "ob.db*"))
		sawMetadata := false
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s: %s holds the secret in the clear", when, filepath.Base(f))
			}
			sawMetadata = sawMetadata || bytes.Contains(data, []byte(`"tenant_id":"tenant"`))
		}
		// The scan reads the real rows: the plain metadata is there.
		if !sawMetadata {
			t.Errorf("%s: the connection's metadata is in no file of %v", when, files)
		}
	}
	scan("open")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	scan("closed")
}

// Two Stores on one file stand for two processes: with BEGIN IMMEDIATE and
// a busy timeout, their concurrent transactions wait instead of failing
// with SQLITE_BUSY.
func TestSQLiteTwoProcessesWrite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ob.db")
	var stores []*store.Store
	for range 2 {
		st, err := store.Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores = append(stores, st)
	}
	if err := stores[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stores[1].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := stores[0].CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i, st := range stores {
		wg.Go(func() {
			for j := range 20 {
				err := st.WithTx(ctx, func(tx *store.Tx) error {
					// Read first, then write: the pattern that upgrades a
					// deferred transaction's lock and fails with SQLITE_BUSY.
					if _, err := tx.ListLog(ctx, a.ID, store.LogQuery{PageSize: 1}); err != nil {
						return err
					}
					_, err := tx.AppendLog(ctx, store.LogEntry{AccountID: a.ID, Direction: store.XeroToShipStation,
						Outcome: store.OutcomeSuccess, Message: fmt.Sprintf("store %d run %d", i, j)})
					return err
				})
				if err != nil {
					t.Errorf("store %d run %d: %v", i, j, err)
				}
			}
		})
	}
	wg.Wait()
	p, err := stores[1].ListLog(ctx, a.ID, store.LogQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 40 {
		t.Errorf("log lines = %d, want 40", p.Total)
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		":memory:", "file::memory:?cache=shared", "file:x.db?mode=memory", "", // cannot serve the store and River
		"mysql://root@localhost/db", "sqlite://x.db", // not ours
		"postgres://postgres@127.0.0.1:1/test?connect_timeout=1", // nothing listens there
	} {
		if st, err := store.Open(t.Context(), u, nil); err == nil {
			st.Close()
			t.Errorf("Open(%q) succeeded", u)
		}
	}
	// Connection errors never echo the password.
	for _, u := range []string{"postgres://u:hunter2pw@127.0.0.1:1/test?connect_timeout=1", "postgres://u:hunter2pw@[bad"} {
		if _, err := store.Open(t.Context(), u, nil); err == nil || strings.Contains(err.Error(), "hunter2pw") {
			t.Errorf("Open(%q) error = %v", "postgres://u:***@...", err)
		}
	}
	// A bad schema name is refused before any connection is made.
	if _, err := store.Open(t.Context(), "postgres://postgres@127.0.0.1:1/test", &store.Options{Schema: "a; DROP"}); err == nil || !strings.Contains(err.Error(), "schema") {
		t.Errorf("Open with a bad schema name: %v", err)
	}
}

// file:// URLs and plain paths open the same file.
func TestOpenFileURL(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ob.db")
	st, err := store.Open(ctx, "file://"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAccount(ctx, "via URL"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema: %v", err)
	}
	if list, err := st.ListAccounts(ctx); err != nil || len(list) != 1 {
		t.Errorf("ListAccounts = %v, %v", list, err)
	}
}

// BenchmarkExportTx measures the export worker's write pattern on SQLite:
// per invoice, one transaction with a link upsert, a log line and the
// cursor (synchronous=FULL, so each commit is a sync to disk).
func BenchmarkExportTx(b *testing.B) {
	ctx := b.Context()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	a, err := st.CreateAccount(ctx, "Bench")
	if err != nil {
		b.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("inv-%d", i)
		err := st.WithTx(ctx, func(tx *store.Tx) error {
			if err := tx.UpsertInvoiceLink(ctx, store.InvoiceLink{AccountID: a.ID, InvoiceID: id, InvoiceNumber: id,
				OrderKey: "k-" + id, Decision: store.DecisionExported}); err != nil {
				return err
			}
			if _, err := tx.AppendLog(ctx, store.LogEntry{AccountID: a.ID, Direction: store.XeroToShipStation,
				Outcome: store.OutcomeSuccess, InvoiceID: id, Message: "exported"}); err != nil {
				return err
			}
			return tx.AdvanceCursor(ctx, a.ID, store.CursorXeroInvoices, base.Add(time.Duration(i)*time.Second))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "tx/s")
}

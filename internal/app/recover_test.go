package app

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
)

// TestRequeueOrphanedJobs shows that a job a dead process left "running" in
// the embedded database is back in the queue when the app starts, so an
// account's unique export slot is not held by a corpse.
func TestRequeueOrphanedJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key, _, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, t.TempDir()+"/ob.db", &store.Options{Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	err = st.WithTx(ctx, func(tx *store.Tx) error {
		_, err := tx.SQLTx().ExecContext(ctx, `INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at)
			VALUES ('{}', 'export_invoices', 25, 'default', 'running', 1, datetime('now'))`)
		return err
	})
	if err != nil {
		t.Fatalf("insert a running job: %v", err)
	}
	a := &App{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := a.requeueOrphanedJobs(ctx); err != nil {
		t.Fatal(err)
	}
	var running, available int
	err = st.WithTx(ctx, func(tx *store.Tx) error {
		return tx.SQLTx().QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE state = 'running'), count(*) FILTER (WHERE state = 'available') FROM river_job`).Scan(&running, &available)
	})
	if err != nil {
		t.Fatal(err)
	}
	if running != 0 || available != 1 {
		t.Errorf("after requeue: %d running, %d available; want 0 and 1", running, available)
	}
}

package app

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestRequeueOrphanedJobs shows that a job a dead process left "running" in
// the embedded database is back in the queue when the app starts, so an
// account's unique export slot is not held by a corpse.
func TestRequeueOrphanedJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.MigratedSQLite(t, nil)
	err := st.WithTx(ctx, func(tx *store.Tx) error {
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

// On PostgreSQL the app leaves a dead process's job to River's rescuer,
// configured so that it takes the job within about a minute
// (worker.ConfigureRecovery) instead of the 35 minutes it took before:
// a surviving process works it (here: the account is not connected, so
// the export cancels itself), and the account takes new jobs again.
func TestSurvivorRescuesADeadProcessJobOnPostgres(t *testing.T) {
	t.Parallel()
	st := storetest.OpenPostgres(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	_, key, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg.SecretKey = key // every process on PostgreSQL shares one (safe start)
	cfg.XeroClientID, cfg.XeroClientSecret = "client-id", "client-secret"
	ctx, cancel := context.WithCancel(t.Context())
	a, err := New(ctx, cfg, Options{Store: st, Migrate: true, NoSweep: true, Logger: slog.New(slog.DiscardHandler),
		FetchPollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := st.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	dead, err := a.Enqueue(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The process working it died 45 s ago.
	err = st.WithTx(ctx, func(tx *store.Tx) error {
		_, err := tx.PgxTx().Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1,
			attempted_by = ARRAY['dead-process'], attempted_at = now() - interval '45 seconds' WHERE id = $1`, dead)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		_ = a.Close()
	})
	testkit.WaitFor(t, "the dead process's job rescued and worked", 45*time.Second, func() bool {
		job, err := a.River.JobGet(ctx, dead)
		if err != nil {
			t.Fatal(err)
		}
		return job.State != rivertype.JobStateRunning && job.State != rivertype.JobStateRetryable &&
			job.State != rivertype.JobStateAvailable
	})
	next, err := a.Enqueue(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if next == dead {
		t.Errorf("a new export coalesced into the dead job %d", dead)
	}
}

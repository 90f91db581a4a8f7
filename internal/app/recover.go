package app

import (
	"context"
	"fmt"

	"github.com/orderbridge/orderbridge/internal/store"
)

// requeueOrphanedJobs returns to the queue every job a previous process left
// "running" when it died (a kill, a power cut). It is done only on SQLite:
// the embedded database belongs to one process at a time (New holds its
// lock, lockDatabase), so at start no job can be running anywhere else, and
// the job is back at once instead of after River's rescue window. On
// PostgreSQL several processes may work jobs at once, so the rescue alone
// decides (worker.RunRecovery, in every process): after
// worker.RescueStuckJobsAfter (30 seconds) and at most one
// worker.RescueEvery (5), a dead process's jobs are back, because no
// attempt runs longer than its Timeout (worker.ConfigureRecovery).
func (a *App) requeueOrphanedJobs(ctx context.Context) error {
	if a.Store.Dialect() != store.SQLite {
		return nil
	}
	var n int64
	err := a.Store.WithTx(ctx, func(tx *store.Tx) error {
		res, err := tx.SQLTx().ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("app: requeue jobs left running by a dead process: %w", err)
	}
	if n > 0 {
		a.Logger.Warn("requeued jobs left running by a process that died", "jobs", n)
	}
	return nil
}

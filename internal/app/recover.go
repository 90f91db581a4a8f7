package app

import (
	"context"
	"fmt"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

// rescueStuckJobsAfter is how long River waits before it returns a job
// left "running" by a dead process to the queue. It sits just above the
// longest job timeout, so a job that is merely slow is never worked twice
// at once. River's default is an hour; with jobs unique while running, a
// dead job would block its account's exports that long.
const rescueStuckJobsAfter = worker.DefaultJobTimeout + 5*time.Minute

// requeueOrphanedJobs returns to the queue every job a previous process left
// "running" when it died (a kill, a power cut). It is done only on SQLite:
// the embedded database belongs to one process at a time (New holds its
// lock, lockDatabase), so at start no job can be running anywhere else. Without it, a crashed export would hold its
// account's unique slot until River's rescuer runs. On PostgreSQL several
// processes may work jobs at once, so the rescuer alone decides, after
// rescueStuckJobsAfter.
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

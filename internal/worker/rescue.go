package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/store"
)

// The rescue. River's rescuer (river v0.51.2) runs only in the elected
// leader and every 30 seconds, and neither can be configured: a job left
// running by a dead process waited for RescueStuckJobsAfter, then up to
// a tick, and, when the leader itself died, up to 15 seconds more for a
// new leader (its TTL). Every process therefore also runs the same rescue
// every RescueEvery, with River's own queries (the driver's JobGetStuck
// and JobRescueMany, whose update only touches a job still running and
// started before the horizon, so processes rescuing at once cannot
// rescue a job twice or one that started again meanwhile) and River's
// rule (a job inside its own Timeout is left alone). The job goes back
// as available at once, not retryable: making a retryable job available
// is the leader's scheduler's work, and the leader may be the process
// that died. River's rescuer keeps the cases it decides differently: a
// job whose cancellation was asked, and one out of attempts.

// RescueEvery is how often every process looks for jobs a dead process
// left running (RescueStuckJobs): with RescueStuckJobsAfter, it bounds
// how long a dead process holds an account.
const RescueEvery = 5 * time.Second

// rescueBatch is how many stuck jobs one query reads.
const rescueBatch = 500

// attemptTimeout is the Timeout of the job's current attempt, as its
// worker answers it (River's rescuer asks the worker; this rescue has no
// worker at hand). A kind without its own is bounded by the client's
// JobTimeout, DefaultJobTimeout (ConfigureRecovery).
func attemptTimeout(row *rivertype.JobRow) time.Duration {
	switch row.Kind {
	case KindExportInvoices, KindWriteBack:
		return jobTimeoutOf(0, row)
	case KindSweep, KindSweepShipments:
		return SweepTimeout
	}
	return DefaultJobTimeout
}

// RescueStuckJobs returns to the queue, now, every job that has been
// running for longer than RescueStuckJobsAfter and its attempt's Timeout:
// the job of a process that died. It reports how many it rescued.
func RescueStuckJobs(ctx context.Context, st *store.Store, log *slog.Logger) (int, error) {
	exec := st.RiverDriver().GetExecutor()
	// River's clock: attempted_at is the worker's time.Now, never a
	// test's fake clock.
	now := time.Now().UTC()
	horizon := now.Add(-RescueStuckJobsAfter)
	rescued := 0
	var after int64
	for {
		stuck, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{
			AfterID: after, Max: rescueBatch, Schema: st.Schema(), StuckHorizon: horizon,
		})
		if err != nil {
			return rescued, fmt.Errorf("worker: rescue: find stuck jobs: %w", err)
		}
		p := riverdriver.JobRescueManyParams{Schema: st.Schema(), StuckHorizon: horizon}
		for _, job := range stuck {
			after = job.ID
			if !rescuable(job, now) {
				continue
			}
			e, err := json.Marshal(rivertype.AttemptError{
				At: now, Attempt: max(job.Attempt, 0),
				Error: "Stuck job rescued by orderbridge: its process stopped working it (see worker.RescueStuckJobs)",
			})
			if err != nil {
				return rescued, fmt.Errorf("worker: rescue: %w", err)
			}
			p.ID = append(p.ID, job.ID)
			p.Error = append(p.Error, e)
			p.FinalizedAt = append(p.FinalizedAt, nil)
			p.ScheduledAt = append(p.ScheduledAt, now)
			p.State = append(p.State, string(rivertype.JobStateAvailable))
		}
		if len(p.ID) > 0 {
			if _, err := exec.JobRescueMany(ctx, &p); err != nil {
				return rescued, fmt.Errorf("worker: rescue: %w", err)
			}
			rescued += len(p.ID)
			if log != nil {
				log.Warn("returned jobs left running by a process that died to the queue", "jobs", len(p.ID), "first", p.ID[0])
			}
		}
		if len(stuck) < rescueBatch {
			return rescued, nil
		}
	}
}

// rescuable reports whether this rescue returns the stuck job to the
// queue: past its attempt's Timeout, with attempts left, no cancellation
// asked (those River's rescuer finishes as it decides).
func rescuable(job *rivertype.JobRow, now time.Time) bool {
	if job.AttemptedAt == nil || job.AttemptedAt.Add(attemptTimeout(job)).After(now) {
		return false
	}
	if job.Attempt >= job.MaxAttempts {
		return false
	}
	var meta struct {
		CancelAttemptedAt *time.Time `json:"cancel_attempted_at"`
	}
	_ = json.Unmarshal(job.Metadata, &meta) // River's own object
	return meta.CancelAttemptedAt == nil
}

// ScheduleEvery is how often every process makes the jobs due within
// the next ScheduleEvery available (ScheduleDueJobs).
const ScheduleEvery = time.Second

// ScheduleDueJobs makes available the scheduled and retryable jobs due
// within ScheduleEvery (River's own JobSchedule query, which also
// settles unique conflicts), and reports how many. River's scheduler
// does the same, but only in the leader and every 5 seconds, looking 5
// seconds ahead: a job snoozed for 2 seconds (a webhook's export waiting
// for more events, a transient failure's retry) could run 3 seconds
// late, and wait for a new leader when the leader died.
func ScheduleDueJobs(ctx context.Context, st *store.Store) (int, error) {
	exec := st.RiverDriver().GetExecutor()
	tx, err := exec.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("worker: schedule due jobs: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // after Commit: nothing to undo
	ahead := time.Now().UTC().Add(ScheduleEvery)
	res, err := tx.JobSchedule(ctx, &riverdriver.JobScheduleParams{Max: rescueBatch, Now: &ahead, Schema: st.Schema()})
	if err != nil {
		return 0, fmt.Errorf("worker: schedule due jobs: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("worker: schedule due jobs: %w", err)
	}
	return len(res), nil
}

// RunRecovery runs, in every process, ScheduleDueJobs every
// ScheduleEvery and RescueStuckJobs every RescueEvery, until ctx ends. A
// failure is logged and tried again at the next tick: River's own
// scheduler and rescuer stay behind them.
func RunRecovery(ctx context.Context, st *store.Store, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(ScheduleEvery)
	defer t.Stop()
	var lastRescue time.Time
	for {
		if _, err := ScheduleDueJobs(ctx, st); err != nil && ctx.Err() == nil {
			log.Warn("making due jobs available failed", "error", err)
		}
		if time.Since(lastRescue) >= RescueEvery {
			lastRescue = time.Now()
			if _, err := RescueStuckJobs(ctx, st, log); err != nil && ctx.Err() == nil {
				log.Warn("rescue of jobs left running failed", "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package notify

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// KindNotify is the River job kind of a notifier tick.
const KindNotify = "notify_problems"

// Args asks for one notifier tick (Notifier.Tick).
type Args struct{}

// Kind is the River job kind.
func (Args) Kind() string { return KindNotify }

// Worker works notify_problems jobs.
type Worker struct {
	river.WorkerDefaults[Args]
	Notifier *Notifier
}

// Timeout bounds a tick: a stuck SMTP server must not hold the job for
// ever (each send has its own shorter timeout too).
func (w *Worker) Timeout(*river.Job[Args]) time.Duration { return 5 * time.Minute }

// Work runs one tick. The claims in the database, not River, keep a mail
// from going twice, so a retried or doubled tick is harmless.
func (w *Worker) Work(ctx context.Context, _ *river.Job[Args]) error {
	return w.Notifier.Tick(ctx)
}

// PeriodicJob runs a tick every every: pending at most once, and within
// one period only, so that a tick a dead process left running does not
// hold up the next.
func PeriodicJob(every time.Duration) *river.PeriodicJob {
	every = max(every, time.Second)
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return Args{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{
			ByArgs: true, ByPeriod: every,
			ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
				rivertype.JobStateScheduled, rivertype.JobStateRetryable},
		}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

package worker

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Recovery. Export and write-back jobs are unique per account while
// running, so a job a dead process left "running" holds its account until
// a rescue returns it to the queue (RescueStuckJobs, in every process
// every RescueEvery; River's own rescuer, in the leader every 30
// seconds, behind it), and a rescue only takes a job older than both
// RescueStuckJobsAfter and the job's own Timeout. Both are therefore
// short, and a job never runs longer than its Timeout: it works for a
// slice (JobSlice), stops after the first commit that moved it forward
// past the slice, and snoozes for a moment (river.JobSnooze(0)), so the
// same job, in any process, continues from the cursors it committed. A
// snooze does not count as an attempt in River (the attempt is given
// back, metadata "snoozes" counts them).
const (
	// JobSlice is how long an export or write-back job works before it
	// stops at its next committed progress and continues as a new
	// attempt of the same job.
	JobSlice = 15 * time.Second
	// DefaultJobTimeout is the hard bound of one attempt of an export or
	// write-back job (and River's client-wide JobTimeout): the slice plus
	// room for the page or event under way when the slice ends. An
	// attempt cut there loses only its uncommitted page or event, which
	// the next one does again; each attempt that hits it without progress
	// doubles the next one's (jobTimeoutOf), so a page slower than the
	// bound still finishes.
	DefaultJobTimeout = 25 * time.Second
	// RescueStuckJobsAfter is how long a job may be running before a
	// rescue takes it for the job of a dead process. It must exceed every
	// job's Timeout (a rescue ignores a job still inside its own, and
	// River refuses a client JobTimeout above it), and with RescueEvery
	// it bounds how long a dead process holds an account: 35 seconds,
	// then the job's next run. Shorter attempts would shorten it, but an
	// attempt must have room for a page or a label that waits on a
	// saturated ShipStation key (40 calls a minute): with 10-second slices
	// and 15-second attempts, write-backs under the chaos test's load cut
	// their window reads again and again and ran for minutes.
	RescueStuckJobsAfter = 30 * time.Second
	// SweepTimeout bounds one sweep job: it only reads the database,
	// inserts jobs and refreshes the odd idle grant.
	SweepTimeout = 20 * time.Second
	// maxJobTimeout caps the doubling of a job's Timeout.
	maxJobTimeout = 30 * time.Minute
)

// ConfigureRecovery sets the River client settings the recovery above
// relies on: the client-wide job timeout (which also bounds the kinds
// without their own Timeout: sweeps, re-syncs, subscriptions) and the
// rescue window.
func ConfigureRecovery(cfg *river.Config) {
	cfg.JobTimeout = DefaultJobTimeout
	cfg.RescueStuckJobsAfter = RescueStuckJobsAfter
}

// Metadata keys of a job (river.MetadataSet), kept across attempts.
const (
	// metaStalls counts the job's consecutive attempts that made no
	// progress and ended in a transient failure; progress resets it.
	metaStalls = "orderbridge_stalls"
	// metaOverruns counts the job's consecutive attempts cut by their
	// Timeout without progress; each doubles the next Timeout.
	metaOverruns = "orderbridge_overruns"
)

// jobMeta is what the recovery reads from a job's metadata.
type jobMeta struct {
	Stalls   int `json:"orderbridge_stalls"`
	Overruns int `json:"orderbridge_overruns"`
}

func metaOf(row *rivertype.JobRow) jobMeta {
	var m jobMeta
	if row != nil && len(row.Metadata) > 0 {
		_ = json.Unmarshal(row.Metadata, &m) // River wrote it: an object
	}
	return m
}

// jobTimeoutOf is the Timeout of one attempt of the job: base (or
// DefaultJobTimeout), doubled for each attempt before it that its
// Timeout cut without progress, at most maxJobTimeout. River's rescuer
// asks the same question, so a job given longer is not taken for dead.
func jobTimeoutOf(base time.Duration, row *rivertype.JobRow) time.Duration {
	if base <= 0 {
		base = DefaultJobTimeout
	}
	d := base
	for range min(metaOf(row).Overruns, 10) {
		d *= 2
	}
	return min(d, max(maxJobTimeout, base))
}

// Transient failures (5xx, timeouts, connection errors: a RetryLaterError
// without Retry-After) snooze for retryWait of the number of consecutive
// attempts without progress. Up to maxQuickStalls of them cost seconds;
// after that the failure is returned to River, so the attempt counts and
// the retry waits longer (NextRetry), as a long outage deserves.
const (
	quickWaitFirst = 2 * time.Second
	quickWaitMax   = time.Minute
	slowWaitFirst  = 2 * time.Minute
	slowWaitMax    = time.Hour
	maxQuickStalls = 5
)

// retryWait is how long to wait after a transient failure with stalls
// attempts in a row without progress (0: this attempt made progress):
// 1-2 s, then doubling to 30-60 s at maxQuickStalls, then from 1-2
// minutes doubling to at most an hour. The upper half of each step is
// drawn at random, so accounts failing together do not retry together.
func retryWait(stalls int, rnd func() float64) time.Duration {
	first, limit, n := quickWaitFirst, quickWaitMax, stalls
	if stalls > maxQuickStalls {
		first, limit, n = slowWaitFirst, slowWaitMax, stalls-maxQuickStalls-1
	}
	d := first
	for range min(n, 20) {
		d *= 2
	}
	d = min(d, limit)
	return d/2 + time.Duration(rnd()*float64(d/2))
}

// retryPolicy turns the end of one attempt into River's vocabulary and
// the metadata the next attempt starts from.
type retryPolicy struct {
	rnd func() float64 // nil: math/rand/v2
}

// attempt is how one attempt of a job ended.
type attempt struct {
	err error
	// progressed reports that the attempt committed work a later attempt
	// will not do again (a cursor moved, an order sent, a note written).
	progressed bool
	// sliceEnded reports that the attempt stopped itself at its slice.
	sliceEnded bool
	// timedOut reports that the attempt's Timeout cut it.
	timedOut bool
	// stopped reports that River cancelled the attempt (a shutdown).
	stopped bool
}

// decide returns the job's metadata for the next attempt and what Work
// returns for this one. A 429 snoozes for its Retry-After; a lost
// connection cancels; a transient failure snoozes for retryWait of the
// stalls so far (progress resets them), and after maxQuickStalls is an
// error River retries at NextRetry. An error River cannot retry usefully
// is returned as it is.
func (p retryPolicy) decide(prev jobMeta, a attempt) (jobMeta, error) {
	rnd := p.rnd
	if rnd == nil {
		rnd = rand.Float64
	}
	next := prev
	if a.progressed {
		next.Stalls, next.Overruns = 0, 0
	}
	if a.err == nil {
		return next, nil
	}
	if a.stopped {
		// The client is shutting down: River gives the attempt back.
		return next, a.err
	}
	if a.sliceEnded {
		// The slice ends only after progress: continue at once.
		return next, river.JobSnooze(0)
	}
	if errors.Is(a.err, ErrReconnectNeeded) || errors.Is(a.err, ErrNotConnected) {
		return next, river.JobCancel(a.err)
	}
	var rl *RetryLaterError
	if errors.As(a.err, &rl) && rl.After > 0 {
		// The service said when (a 429, Xero's day limit): that is not
		// the job's failure, and its stalls stay as they were.
		return next, river.JobSnooze(rl.After)
	}
	if !errors.As(a.err, &rl) && !a.timedOut {
		// Not transient (a database error, a bug): River's own backoff.
		return next, a.err
	}
	if a.timedOut && !a.progressed {
		next.Overruns++
	}
	if !a.progressed {
		next.Stalls++
	}
	if next.Stalls > maxQuickStalls {
		return next, a.err
	}
	return next, river.JobSnooze(retryWait(next.Stalls, rnd))
}

// nextRetry is the NextRetry of the export and write-back workers: a
// failure returned to River (after maxQuickStalls transient ones) waits
// retryWait of its stalls instead of River's attempt⁴ seconds, and a job
// rescued from a dead process, which made progress before it died, is
// retried within seconds.
func nextRetry(row *rivertype.JobRow) time.Time {
	return time.Now().Add(retryWait(metaOf(row).Stalls, rand.Float64))
}

// errSliceEnded is the cause with which a job's slice context is
// cancelled when the job stops to continue as a new attempt.
var errSliceEnded = errors.New("worker: job slice ended")

// slice is one attempt's share of work: step reports each unit of work
// committed (a page, an event) and, once the attempt has made progress,
// past the slice's length or when the next unit may not fit in the
// attempt's Timeout, cancels the attempt's context so that the run stops
// at its next call.
type slice struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	parent context.Context
	start  time.Time
	length time.Duration
	// budget is the attempt's Timeout (0: unknown).
	budget time.Duration
	// last is when the previous unit ended, longest the longest unit so
	// far: the estimate of the next one. Only the run's goroutine
	// touches them.
	last     time.Time
	longest  time.Duration
	progress atomic.Bool
}

// newSlice starts a slice of length (0: JobSlice; negative: no slice)
// for an attempt whose Timeout is budget.
func newSlice(ctx context.Context, length, budget time.Duration) *slice {
	if length == 0 {
		length = JobSlice
	}
	sctx, cancel := context.WithCancelCause(ctx)
	now := time.Now()
	return &slice{ctx: sctx, cancel: cancel, parent: ctx, start: now, last: now, length: length, budget: budget}
}

// step records the end of a unit of work, and whether it made progress.
// Once the attempt has made some, the slice ends here when it is over,
// or when another unit as long as the longest so far (and half again)
// would run past the Timeout: a unit cut by the Timeout is work done for
// nothing (a page's orders sent again by the next attempt). mayEnd false
// keeps the slice going past this unit (a void still to be rechecked).
func (s *slice) step(progress, mayEnd bool) {
	now := time.Now()
	s.longest = max(s.longest, now.Sub(s.last))
	s.last = now
	if progress {
		s.progress.Store(true)
	}
	if !mayEnd || s.length < 0 || !s.progress.Load() {
		return
	}
	elapsed := now.Sub(s.start)
	if elapsed >= s.length || s.budget > 0 && elapsed+s.longest*3/2 > s.budget {
		s.cancel(errSliceEnded)
	}
}

// ended reports whether the attempt stopped at its slice rather than for
// River (a timeout, a shutdown).
func (s *slice) ended() bool {
	return s.parent.Err() == nil && errors.Is(context.Cause(s.ctx), errSliceEnded)
}

// timedOut reports whether River's Timeout cut the attempt.
func (s *slice) timedOut() bool {
	return errors.Is(s.parent.Err(), context.DeadlineExceeded)
}

// finish ends the attempt: it records the metadata for the next attempt
// and returns what Work returns.
func (s *slice) finish(ctx context.Context, prev jobMeta, err error) error {
	defer s.cancel(nil)
	next, out := retryPolicy{}.decide(prev, attempt{
		err: err, progressed: s.progress.Load(), sliceEnded: err != nil && s.ended(), timedOut: s.timedOut(),
		stopped: s.parent.Err() != nil && !s.timedOut(),
	})
	if next != prev {
		// Outside a River worker (a test calling Work) there is no job
		// to record it on, which changes nothing else.
		_ = river.MetadataSet(ctx, metaStalls, next.Stalls)
		_ = river.MetadataSet(ctx, metaOverruns, next.Overruns)
	}
	return out
}

// runLogLevel is the level of a run's summary line: FailureLevel's when
// it stopped on an error (ERROR when a person must act, WARN for what a
// retry fixes), INFO when it did something, DEBUG for an idle run. A run
// stopped because its job's slice ended (the job goes on at once) did
// nothing wrong: INFO, or a long run would log a warning every slice.
func runLogLevel(ctx context.Context, err error, busy bool) slog.Level {
	switch {
	case err != nil && !errors.Is(context.Cause(ctx), errSliceEnded):
		return FailureLevel(err, false)
	case err != nil || busy:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// slicedJob is what the export and write-back workers share: an attempt
// kept short (Timeout), so that a rescue can take the job of a dead
// process within 35 seconds (RescueStuckJobsAfter), worked in slices that a
// new attempt continues, and retried by nextRetry instead of River's
// attempt⁴ backoff.
type slicedJob[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	// JobTimeout bounds one attempt (0: DefaultJobTimeout); it doubles
	// after an attempt it cut without progress (jobTimeoutOf).
	JobTimeout time.Duration
	// Slice is how long an attempt works before it stops, once it has made
	// progress, after its next unit of work, and continues as a new attempt
	// (0: JobSlice; negative: never).
	Slice time.Duration
}

// Timeout bounds one attempt (see slicedJob).
func (w *slicedJob[T]) Timeout(job *river.Job[T]) time.Duration {
	return jobTimeoutOf(w.JobTimeout, job.JobRow)
}

// NextRetry replaces River's attempt⁴ backoff (see nextRetry).
func (w *slicedJob[T]) NextRetry(job *river.Job[T]) time.Time {
	return nextRetry(job.JobRow)
}

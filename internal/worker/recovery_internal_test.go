package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// The retry policy: a transient failure (5xx, timeout, connection: no
// Retry-After) costs seconds after progress and grows, bounded, only over
// attempts in a row that made none; a 429 waits its Retry-After; a lost
// connection cancels. rnd is pinned to both ends of the jitter.
func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	transient := &RetryLaterError{Err: errors.New("xero: 503")}
	limited := &RetryLaterError{After: 42 * time.Second, Err: errors.New("xero: 429")}
	other := errors.New("store: disk full")
	type want struct {
		snooze     time.Duration // -1: not a snooze
		lo, hi     time.Duration // bounds of the snooze when jittered (hi 0: exactly snooze)
		cancel     bool
		err        bool // returned to River as an error (an attempt)
		nextStalls int
	}
	for _, tc := range []struct {
		name string
		prev jobMeta
		a    attempt
		want want
	}{
		{"5xx after progress: a second or two", jobMeta{Stalls: 4}, attempt{err: transient, progressed: true},
			want{snooze: -2, lo: time.Second, hi: 2 * time.Second, nextStalls: 0}},
		{"first 5xx without progress", jobMeta{}, attempt{err: transient},
			want{snooze: -2, lo: 2 * time.Second, hi: 4 * time.Second, nextStalls: 1}},
		{"third 5xx in a row", jobMeta{Stalls: 2}, attempt{err: transient},
			want{snooze: -2, lo: 8 * time.Second, hi: 16 * time.Second, nextStalls: 3}},
		{"fifth in a row: at most a minute", jobMeta{Stalls: 4}, attempt{err: transient},
			want{snooze: -2, lo: 30 * time.Second, hi: time.Minute, nextStalls: 5}},
		{"sixth in a row: River counts an attempt", jobMeta{Stalls: 5}, attempt{err: transient},
			want{snooze: -1, err: true, nextStalls: 6}},
		{"timeout without progress: a stall", jobMeta{}, attempt{err: context.DeadlineExceeded, timedOut: true},
			want{snooze: -2, lo: 2 * time.Second, hi: 4 * time.Second, nextStalls: 1}},
		{"429: its Retry-After", jobMeta{Stalls: 2}, attempt{err: limited},
			want{snooze: 42 * time.Second, nextStalls: 2}},
		{"429 after progress: Retry-After, stalls reset", jobMeta{Stalls: 2}, attempt{err: limited, progressed: true},
			want{snooze: 42 * time.Second, nextStalls: 0}},
		{"slice ended: continue at once", jobMeta{Stalls: 3}, attempt{err: context.Canceled, progressed: true, sliceEnded: true},
			want{snooze: 0, nextStalls: 0}},
		{"reconnect needed: cancel", jobMeta{}, attempt{err: fmt.Errorf("x: %w", ErrReconnectNeeded)},
			want{snooze: -1, cancel: true}},
		{"not transient: River's backoff", jobMeta{}, attempt{err: other},
			want{snooze: -1, err: true}},
		{"shutdown: River gives the attempt back", jobMeta{Stalls: 1}, attempt{err: context.Canceled, stopped: true},
			want{snooze: -1, err: true, nextStalls: 1}},
	} {
		for _, r := range []float64{0, 0.999999} {
			t.Run(fmt.Sprintf("%s/%v", tc.name, r), func(t *testing.T) {
				t.Parallel()
				next, got := retryPolicy{rnd: func() float64 { return r }}.decide(tc.prev, tc.a)
				if next.Stalls != tc.want.nextStalls {
					t.Errorf("stalls %d, want %d", next.Stalls, tc.want.nextStalls)
				}
				var snooze *rivertype.JobSnoozeError
				var cancel *rivertype.JobCancelError
				switch {
				case tc.want.cancel:
					if !errors.As(got, &cancel) {
						t.Errorf("got %v, want a cancel", got)
					}
				case tc.want.snooze == -1:
					if got == nil || errors.As(got, &snooze) || errors.As(got, &cancel) {
						t.Errorf("got %v, want the error returned to River", got)
					}
				case !errors.As(got, &snooze):
					t.Errorf("got %v, want a snooze", got)
				case tc.want.snooze >= 0 && snooze.Duration != tc.want.snooze:
					t.Errorf("snooze %s, want %s", snooze.Duration, tc.want.snooze)
				case tc.want.snooze == -2 && (snooze.Duration < tc.want.lo || snooze.Duration > tc.want.hi):
					t.Errorf("snooze %s, want within [%s, %s]", snooze.Duration, tc.want.lo, tc.want.hi)
				}
			})
		}
	}
}

// However long the failures last, a wait never exceeds an hour, and it
// never shrinks as they go on.
func TestRetryWaitIsBounded(t *testing.T) {
	t.Parallel()
	prev := time.Duration(0)
	for n := range 40 {
		hi := retryWait(n, func() float64 { return 0.999999 })
		lo := retryWait(n, func() float64 { return 0 })
		if hi > time.Hour || lo < time.Second || lo < prev/2 {
			t.Errorf("retryWait(%d) in [%s, %s]", n, lo, hi)
		}
		prev = lo
	}
}

// An attempt its Timeout cut without progress gives the next one twice
// the time (a page slower than the bound still finishes), up to a cap;
// progress, recorded as Overruns 0, brings it back.
func TestJobTimeoutDoublesAfterAnOverrun(t *testing.T) {
	t.Parallel()
	row := func(meta string) *rivertype.JobRow { return &rivertype.JobRow{Metadata: []byte(meta)} }
	for _, tc := range []struct {
		meta string
		want time.Duration
	}{
		{`{}`, DefaultJobTimeout},
		{`{"orderbridge_overruns":1}`, 2 * DefaultJobTimeout},
		{`{"orderbridge_overruns":3}`, 8 * DefaultJobTimeout},
		{`{"orderbridge_overruns":99}`, maxJobTimeout},
		{`{"orderbridge_overruns":0,"snoozes":7}`, DefaultJobTimeout},
	} {
		if got := jobTimeoutOf(0, row(tc.meta)); got != tc.want {
			t.Errorf("%s: timeout %s, want %s", tc.meta, got, tc.want)
		}
	}
	next, _ := retryPolicy{}.decide(jobMeta{}, attempt{err: context.DeadlineExceeded, timedOut: true})
	if next.Overruns != 1 {
		t.Errorf("overruns %d after a cut attempt without progress, want 1", next.Overruns)
	}
	next, _ = retryPolicy{}.decide(jobMeta{Overruns: 3}, attempt{err: context.DeadlineExceeded, timedOut: true, progressed: true})
	if next.Overruns != 0 {
		t.Errorf("overruns %d after a cut attempt with progress, want 0", next.Overruns)
	}
}

// A slice ends only after progress, and ends early when the next unit of
// work, as long as the longest so far, would not fit in the attempt's
// Timeout: a unit the Timeout cuts is work done for nothing.
func TestSliceEndsBeforeTheTimeoutCutsAUnit(t *testing.T) {
	t.Parallel()
	cut := func(s *slice) bool { return errors.Is(context.Cause(s.ctx), errSliceEnded) }

	s := newSlice(t.Context(), time.Hour, time.Second)
	s.step(false, true)
	if cut(s) {
		t.Fatal("the slice ended before any progress")
	}
	time.Sleep(700 * time.Millisecond) // a unit of at least 0.7 s: another would not fit in 1 s
	s.step(false, true)
	if cut(s) {
		t.Fatal("the slice ended without progress")
	}
	s.step(true, false)
	if cut(s) {
		t.Fatal("the slice ended at a unit that may not end it")
	}
	s.step(false, true)
	if !cut(s) || !s.ended() {
		t.Fatal("the slice went on although the next unit would outlast the Timeout")
	}

	long := newSlice(t.Context(), -1, time.Nanosecond)
	long.step(true, true)
	if cut(long) {
		t.Error("a slice of negative length (none) ended")
	}
	zero := newSlice(t.Context(), time.Nanosecond, 0)
	zero.step(true, true)
	if !cut(zero) {
		t.Error("a slice past its length did not end at progress")
	}
}

// TestRunLogLevel: a run stopped by its job's slice (the job goes on at
// once) logs at INFO; only a real failure is a warning.
func TestRunLogLevel(t *testing.T) {
	t.Parallel()
	sliced, cancel := context.WithCancelCause(t.Context())
	cancel(errSliceEnded)
	failed := errors.New("xero: 503")
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		busy bool
		want slog.Level
	}{
		{"idle", t.Context(), nil, false, slog.LevelDebug},
		{"did something", t.Context(), nil, true, slog.LevelInfo},
		{"failed", t.Context(), failed, true, slog.LevelWarn},
		{"reconnect needed", t.Context(), fmt.Errorf("worker: list invoices: %w", ErrReconnectNeeded), false, slog.LevelError},
		{"slice ended", sliced, context.Canceled, true, slog.LevelInfo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := runLogLevel(tc.ctx, tc.err, tc.busy); got != tc.want {
				t.Errorf("runLogLevel = %v, want %v", got, tc.want)
			}
		})
	}
}

// The rescue every process runs has no worker at hand: attemptTimeout
// must answer what each kind's worker answers River (0: the client's
// JobTimeout, DefaultJobTimeout), or it would take a live job for dead.
func TestAttemptTimeoutIsTheWorkers(t *testing.T) {
	t.Parallel()
	for _, overruns := range []int{0, 2} {
		row := func(kind string) *rivertype.JobRow {
			return &rivertype.JobRow{Kind: kind, Metadata: []byte(fmt.Sprintf(`{"orderbridge_overruns": %d}`, overruns))}
		}
		orClient := func(d time.Duration) time.Duration {
			if d == 0 {
				return DefaultJobTimeout
			}
			return d
		}
		for kind, workerSays := range map[string]time.Duration{
			KindExportInvoices:       (&ExportWorker{}).Timeout(&river.Job[ExportInvoicesArgs]{JobRow: row(KindExportInvoices)}),
			KindWriteBack:            (&WriteBackWorker{}).Timeout(&river.Job[WriteBackArgs]{JobRow: row(KindWriteBack)}),
			KindSweep:                (&SweepWorker{}).Timeout(&river.Job[SweepArgs]{JobRow: row(KindSweep)}),
			KindSweepShipments:       (&ShipmentSweepWorker{}).Timeout(&river.Job[SweepShipmentsArgs]{JobRow: row(KindSweepShipments)}),
			KindResyncInvoice:        (&ResyncWorker{}).Timeout(&river.Job[ResyncInvoiceArgs]{JobRow: row(KindResyncInvoice)}),
			KindSubscribeShipStation: (&SubscribeWorker{}).Timeout(&river.Job[SubscribeArgs]{JobRow: row(KindSubscribeShipStation)}),
		} {
			if got, want := attemptTimeout(row(kind)), orClient(workerSays); got != want {
				t.Errorf("%s with %d overruns: attemptTimeout %s, the worker's Timeout %s", kind, overruns, got, want)
			}
		}
	}
}

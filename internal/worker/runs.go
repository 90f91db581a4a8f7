package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/store"
)

// ErrRunNotFound is RunOf's answer for a run it does not know, and for a
// run of another account or of a kind that is not a run.
var ErrRunNotFound = errors.New("worker: run not found")

// RunState is where a run is.
type RunState string

// Run states.
const (
	RunPending   RunState = "pending"   // queued, not started (or snoozed)
	RunRunning   RunState = "running"   // a worker has it, or it waits for a retry
	RunSucceeded RunState = "succeeded" // finished
	RunFailed    RunState = "failed"    // cancelled or given up; Error says why
)

// Run is one run (a River job of an export, a re-sync or a write-back)
// as a person asks after it: where it is and what it did.
type Run struct {
	ID    int64
	Kind  string
	State RunState
	// Done and Total count the invoices looked at and to look at (Total
	// 0: not known until the run ends).
	Done, Total int
	// Export is what an export or re-sync did, from the job's output once
	// it ended (River keeps it in the job row, so any process reads it) or
	// from progress while this process works it. Nil when not known.
	Export *Summary
	// WriteBack is what a write-back run did, once it ended.
	WriteBack *WriteBackSummary
	// Error says, for a person, what stopped a failed run.
	Error string
}

// Progress reports the counts so far of a run this process is working
// (ok false when it works no such run).
type Progress func(runID int64) (sum Summary, ok bool)

// ProgressBoard keeps the counts of the export runs this process is
// working, page by page (Options.Progress records them; Get is a
// Progress for RunOf): River keeps a job's output only once it ends. A
// run worked by another process shows no counts until then. The zero
// value is ready; it is safe for concurrent use.
type ProgressBoard struct {
	mu   sync.Mutex
	runs map[int64]Summary
}

// Record keeps a run's counts so far.
func (b *ProgressBoard) Record(runID int64, sum Summary) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.runs == nil {
		b.runs = map[int64]Summary{}
	}
	b.runs[runID] = sum
}

// Get returns a run's counts so far.
func (b *ProgressBoard) Get(runID int64) (Summary, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.runs[runID]
	return s, ok
}

// Forget drops an ended run: its job's output holds its counts now.
func (b *ProgressBoard) Forget(runID int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.runs, runID)
}

// RunOf reads run runID of the account from River. A job of another
// account, or not a run, is ErrRunNotFound exactly like a missing one, so
// a run id tells nothing of other accounts.
func RunOf(ctx context.Context, client *river.Client[*store.Tx], accountID, runID int64, progress Progress) (Run, error) {
	row, err := client.JobGet(ctx, runID)
	if errors.Is(err, river.ErrNotFound) {
		return Run{}, ErrRunNotFound
	}
	if err != nil {
		return Run{}, fmt.Errorf("worker: run %d: %w", runID, err)
	}
	if acct, ok := runAccount(row); !ok || acct != accountID {
		return Run{}, ErrRunNotFound
	}
	run := Run{ID: row.ID, Kind: row.Kind}
	switch row.State {
	case rivertype.JobStateRunning:
		run.State = RunRunning
		if progress != nil {
			if sum, ok := progress(row.ID); ok {
				run.Done, run.Export = sum.Invoices, &sum
			}
		}
	case rivertype.JobStateCompleted:
		run.State = RunSucceeded
	case rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		run.State = RunFailed
	case rivertype.JobStateRetryable:
		run.State = RunRunning // it will be tried again on its own
	default: // available, scheduled (also a snoozed run), pending
		run.State = RunPending
	}
	if run.State == RunSucceeded || run.State == RunFailed {
		readOutput(row, &run)
	}
	resyncEnded(&run)
	if run.State == RunFailed {
		run.Error = runError(row, run.Export)
	}
	return run, nil
}

// resyncEnded reports a Re-sync that did not bring ShipStation in line
// with the invoice (the order shipped, the invoice is skipped) as not
// succeeded, with the worker's words: it finished its work but did not do
// what the person asked, and a green "Finished" would say the order was
// sent.
func resyncEnded(run *Run) {
	if run.State != RunSucceeded || run.Export == nil || run.Export.Resync == nil || run.Export.Resync.InSync() {
		return
	}
	run.State, run.Error = RunFailed, run.Export.Resync.String()
}

// readOutput fills what an ended run did from the Summary its worker kept
// as the job's output (a failed run keeps what it did before failing).
func readOutput(row *rivertype.JobRow, run *Run) {
	out := row.Output()
	if len(out) == 0 {
		return
	}
	if row.Kind == KindWriteBack {
		var sum WriteBackSummary
		if json.Unmarshal(out, &sum) == nil {
			run.WriteBack = &sum
		}
		return
	}
	var sum Summary
	if json.Unmarshal(out, &sum) == nil {
		run.Export = &sum
		run.Done, run.Total = sum.Invoices, sum.Invoices
	}
}

// runAccount reads the account a run belongs to from its arguments; ok
// is false for a job that is not a run.
func runAccount(row *rivertype.JobRow) (int64, bool) {
	switch row.Kind {
	case KindExportInvoices, KindResyncInvoice, KindWriteBack:
	default:
		return 0, false
	}
	var args struct {
		AccountID int64 `json:"account_id"`
	}
	if err := json.Unmarshal(row.EncodedArgs, &args); err != nil {
		return 0, false
	}
	return args.AccountID, true
}

// Codes of Summary.Stopped.
const (
	StopReconnect    = "reconnect"     // Xero or ShipStation needs reconnecting
	StopNotConnected = "not_connected" // a service was never connected
)

// stopCode is the Summary.Stopped code of a run's error.
func stopCode(err error) string {
	switch {
	case errors.Is(err, ErrReconnectNeeded):
		return StopReconnect
	case errors.Is(err, ErrNotConnected):
		return StopNotConnected
	}
	return ""
}

// runError says what stopped a run, for a person, from the code its
// worker recorded (sum may be nil: nothing recorded).
func runError(row *rivertype.JobRow, sum *Summary) string {
	switch {
	case sum != nil && sum.Stopped == StopReconnect:
		return "Xero or ShipStation needs reconnecting; see Connections."
	case sum != nil && sum.Stopped == StopNotConnected:
		return "Connect both Xero and ShipStation first; see Connections."
	case len(row.Errors) == 0:
		return "The run was stopped."
	}
	return "The run failed after several tries; see the transaction log for the invoices it could not send."
}

// stuckAfter is the number of failed attempts after which a retrying
// export is reported as stuck.
const stuckAfter = 3

// Schedule is what the dashboard shows of an account's export runs.
type Schedule struct {
	// LastRunAt is when the last export run finished (zero: never).
	LastRunAt time.Time
	// NextRunAt is when the next run is due (zero: none queued; see
	// NextSweep).
	NextRunAt time.Time
	// StuckAttempts is the attempts so far of an export that keeps
	// failing (0: none is stuck).
	StuckAttempts int
}

// ScheduleOf reads the account's export runs from River: the last that
// finished, the next queued and one stuck in retries. When none is
// queued and sync is on, the next run is when the sweep queues one, as
// the sweep's own plan says (ExportSweepPlan with policy): its interval
// after the sweep last queued it, or its next tick (now) for an account
// it never queued.
func ScheduleOf(ctx context.Context, client *river.Client[*store.Tx], st *store.Store, policy QuotaPolicy, accountID int64, now time.Time) (Schedule, error) {
	var s Schedule
	res, err := client.JobList(ctx, river.NewJobListParams().Kinds(KindExportInvoices).
		States(rivertype.JobStateCompleted).OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(200))
	if err != nil {
		return s, fmt.Errorf("worker: schedule: %w", err)
	}
	for _, row := range res.Jobs {
		if acct, _ := runAccount(row); acct == accountID && row.FinalizedAt != nil {
			s.LastRunAt = *row.FinalizedAt
			break
		}
	}
	open, err := client.JobList(ctx, river.NewJobListParams().Kinds(KindExportInvoices).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning).First(200))
	if err != nil {
		return s, fmt.Errorf("worker: schedule: %w", err)
	}
	for _, row := range open.Jobs {
		if acct, _ := runAccount(row); acct != accountID {
			continue
		}
		if row.State != rivertype.JobStateRunning {
			s.NextRunAt = row.ScheduledAt
		}
		if row.State == rivertype.JobStateRetryable && row.Attempt >= stuckAfter {
			s.StuckAttempts = row.Attempt
		}
	}
	settings, err := st.Settings(ctx, accountID)
	if err != nil {
		return s, fmt.Errorf("worker: schedule: %w", err)
	}
	if s.NextRunAt.IsZero() && settings.SyncEnabled {
		last, ok, err := st.Cursor(ctx, accountID, CursorSweepEnqueued)
		if err != nil {
			return s, fmt.Errorf("worker: schedule: %w", err)
		}
		plan, err := sweepPlan(ctx, st, store.SourceXero, &policy, accountID, settings, now)
		if err != nil {
			return s, fmt.Errorf("worker: schedule: %w", err)
		}
		// Runs queued by hand do not move the sweep's cursor.
		s.NextRunAt = plan.NextAt(last, ok, now)
	}
	return s, nil
}

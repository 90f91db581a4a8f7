package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/store"
)

// EndedRun is a run that ended, with when.
type EndedRun struct {
	Run
	At time.Time
}

// AccountRuns are an account's last ended export (or re-sync) and
// write-back runs; nil when River keeps none.
type AccountRuns struct {
	Export, WriteBack *EndedRun
}

// lastRunsScan is how many ended runs LastRuns reads, newest first: River
// deletes ended jobs after a day (its default retention), so this covers
// many accounts' last runs.
const lastRunsScan = 2000

// LastRuns reads from River the last ended export and write-back run of
// each account (`orderbridge accounts list`), with what each did and,
// for a failed one, what stopped it, in the dashboard's words.
func LastRuns(ctx context.Context, client *river.Client[*store.Tx]) (map[int64]AccountRuns, error) {
	res, err := client.JobList(ctx, river.NewJobListParams().
		Kinds(KindExportInvoices, KindResyncInvoice, KindWriteBack).
		States(rivertype.JobStateCompleted, rivertype.JobStateDiscarded, rivertype.JobStateCancelled).
		OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(lastRunsScan))
	if err != nil {
		return nil, fmt.Errorf("worker: last runs: %w", err)
	}
	out := map[int64]AccountRuns{}
	for _, row := range res.Jobs {
		acct, ok := runAccount(row)
		if !ok || row.FinalizedAt == nil {
			continue
		}
		runs := out[acct]
		slot := &runs.Export
		if row.Kind == KindWriteBack {
			slot = &runs.WriteBack
		}
		if *slot != nil {
			continue // a newer one was seen first
		}
		run := Run{ID: row.ID, Kind: row.Kind, State: RunSucceeded}
		if row.State != rivertype.JobStateCompleted {
			run.State = RunFailed
		}
		readOutput(row, &run)
		resyncEnded(&run)
		if run.State == RunFailed && run.Error == "" {
			run.Error = runError(row, run.Export)
		}
		*slot = &EndedRun{Run: run, At: *row.FinalizedAt}
		out[acct] = runs
	}
	return out, nil
}

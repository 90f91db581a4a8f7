package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/orderbridge/orderbridge/internal/store"
)

// Job kinds of the write-back. The strings are stored in River's job
// table: renaming one needs a migration of the queued jobs (0007 renamed
// import_shipments to write_back).
const (
	KindWriteBack      = "write_back"
	KindSweepShipments = "sweep_shipments"
)

// WriteBackArgs asks for one write-back run of an account: read its
// new shipments, voids and fulfillments and write them to Xero.
type WriteBackArgs struct {
	AccountID int64 `json:"account_id"`
}

// Kind is the River job kind.
func (WriteBackArgs) Kind() string { return KindWriteBack }

// InsertOpts makes the job unique per account while pending: a burst of
// SHIP_NOTIFY webhooks is one run.
func (WriteBackArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25, UniqueOpts: uniqueWhilePending}
}

// WriteBackWorker works write_back jobs. Its slice ends, once the attempt
// has written an event, after the next recorded event; a long backlog
// continues, slice after slice, from what is recorded.
type WriteBackWorker struct {
	slicedJob[WriteBackArgs]
	WriteBacker *WriteBacker
}

// Work runs the write-back, for one slice, and keeps its summary, over
// every attempt of the job, as the job's output. A run a webhook asked
// for reads only the webhook's batches; the windows are read when the
// sweep asked (or nobody said: a job inserted by hand). When more was
// asked for while a run went on, it runs again. Its error becomes River's
// vocabulary through retryPolicy: a written event is progress, so a 5xx
// after it costs a second or two, not an escalating backoff.
func (w *WriteBackWorker) Work(ctx context.Context, job *river.Job[WriteBackArgs]) error {
	wb, acct := w.WriteBacker, job.Args.AccountID
	total := WriteBackSummary{AccountID: acct}
	if out := job.Output(); len(out) > 0 {
		_ = json.Unmarshal(out, &total) // our own summary of earlier slices; unreadable: start again
	}
	kinds := []string{KindWriteBack, demandWriteBackWindows}
	sl := newSlice(ctx, w.Slice, w.Timeout(job))
	// The passes get the slice's context, the completion the job's: a slice
	// that ends with the last event still completes the job.
	err := runPasses(ctx, wb.st, job, acct, kinds, func(_ context.Context, requested map[string]bool) error {
		ctx := sl.ctx
		hooked, windows := requested[KindWriteBack], requested[demandWriteBackWindows]
		sum, err := wb.Run(ctx, acct, WriteBackOptions{
			WebhooksOnly: hooked && !windows,
			OnEvent: func(r WriteBackResult) {
				// A written event is recorded: no later attempt writes it
				// again. A void may still have its order decided again
				// (recheck) after this call, which a slice ending here
				// would cut short: it counts as progress, but the slice
				// may end only after another event.
				written := r.Outcome == WriteBackWritten
				sl.step(written, !(written && r.Event.Voided))
			},
		})
		total.add(sum)
		_ = river.RecordOutput(ctx, total) // a few numbers: cannot fail to encode
		return err
	})
	return sl.finish(ctx, metaOf(job.JobRow), err)
}

// SweepShipmentsArgs asks the write-back sweep to enqueue a write-back for
// every account that is due.
type SweepShipmentsArgs struct{}

// Kind is the River job kind.
func (SweepShipmentsArgs) Kind() string { return KindSweepShipments }

// InsertOpts keeps one sweep pending at a time (the periodic insert
// adds a period: sweepInsertOpts).
func (SweepShipmentsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: uniqueWhilePending}
}

// ShipmentSweepWorker works sweep_shipments jobs: voids fire no webhook
// and webhooks get lost, so every account with write-back on gets an
// write-back at least once per its sync interval.
type ShipmentSweepWorker struct {
	river.WorkerDefaults[SweepShipmentsArgs]
	Store  *store.Store
	Now    func() time.Time
	Logger *slog.Logger
}

// Timeout bounds a sweep (SweepTimeout), as the export sweep's.
func (w *ShipmentSweepWorker) Timeout(*river.Job[SweepShipmentsArgs]) time.Duration {
	return SweepTimeout
}

// Work enqueues the due accounts' write-backs in one transaction.
func (w *ShipmentSweepWorker) Work(ctx context.Context, job *river.Job[SweepShipmentsArgs]) error {
	return sweepDue(ctx, sweep{
		name: "shipment sweep", store: w.Store, now: w.Now, logger: w.Logger, cursor: CursorWriteBackSweepEnqueued,
		source: store.SourceShipStation, demand: demandWriteBackWindows,
		wanted: func(s store.Settings) bool { return s.WriteBackEnabled },
		args:   func(acct int64) river.JobArgs { return WriteBackArgs{AccountID: acct} },
	})
}

// EnqueueWriteBack inserts a write-back run of the account in tx (unique per
// account while one is pending) and returns the job's id: what a
// SHIP_NOTIFY webhook does.
func EnqueueWriteBack(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64) (int64, error) {
	res, err := client.InsertTx(ctx, tx, WriteBackArgs{AccountID: accountID}, nil)
	if err != nil {
		return 0, fmt.Errorf("worker: enqueue write-back of account %d: %w", accountID, err)
	}
	return res.Job.ID, nil
}

package worker

import (
	"context"
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

// WriteBackWorker works write_back jobs.
type WriteBackWorker struct {
	river.WorkerDefaults[WriteBackArgs]
	WriteBacker *WriteBacker
	// JobTimeout bounds one run; the next continues from the cursors.
	// Default 30m.
	JobTimeout time.Duration
}

// Timeout overrides River's one-minute default: a first run reads a
// month of shipments at ShipStation's 40 calls a minute.
func (w *WriteBackWorker) Timeout(*river.Job[WriteBackArgs]) time.Duration {
	return jobTimeout(w.JobTimeout)
}

// Work runs the write-back and keeps its summary as the job's output. A
// run a webhook asked for reads only the webhook's batches; the windows
// are read when the sweep asked (or nobody said: a job inserted by hand).
// When more was asked for while a run went on, it runs again.
func (w *WriteBackWorker) Work(ctx context.Context, job *river.Job[WriteBackArgs]) error {
	wb, acct := w.WriteBacker, job.Args.AccountID
	total := WriteBackSummary{AccountID: acct}
	kinds := []string{KindWriteBack, demandWriteBackWindows}
	return runPasses(ctx, wb.st, job, acct, kinds, func(ctx context.Context, requested map[string]bool) error {
		hooked, windows := requested[KindWriteBack], requested[demandWriteBackWindows]
		sum, err := wb.Run(ctx, acct, WriteBackOptions{WebhooksOnly: hooked && !windows})
		total.add(sum)
		_ = river.RecordOutput(ctx, total) // a few numbers: cannot fail to encode
		if err != nil && windows {
			// Read them on the retry too.
			_ = wb.st.RequestWork(context.WithoutCancel(ctx), acct, demandWriteBackWindows)
		}
		return RiverError(err)
	})
}

// SweepShipmentsArgs asks the write-back sweep to enqueue a write-back for
// every account that is due.
type SweepShipmentsArgs struct{}

// Kind is the River job kind.
func (SweepShipmentsArgs) Kind() string { return KindSweepShipments }

// InsertOpts keeps one sweep pending at a time.
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

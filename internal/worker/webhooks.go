package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// Webhooks turn minutes into seconds. A webhook receiver records the
// events and inserts the job in one transaction; the job is unique per
// account while pending, running included (River requires it), so a
// trigger that arrives while the account's job runs inserts nothing. It
// records a work request instead (store.RequestWork), and the job, before
// it completes, looks for one: it completes in the same transaction in
// which it finds none (river.JobCompleteTx), else runs again. Either the
// job sees the request, or the request's insert sees the job completed and
// inserts a new one: no trigger is lost between the two.

// Work request kinds besides the job kinds themselves (which a webhook
// requests).
const (
	// demandWriteBackWindows asks the write-back to read its windows
	// (shipments by create and void date, fulfillments): the sweep's work,
	// which a webhook-triggered run skips.
	demandWriteBackWindows = "write_back_windows"
	// demandExportFull asks the export to read every invoice changed since
	// its cursor (and the contacts changed since theirs): what the sweep,
	// a button or a backfill asks for, and a run a webhook asked for skips
	// (it reads what the webhooks announced).
	demandExportFull = "export_full"
)

// maxPasses bounds the runs one job makes in a row while requests keep
// coming; it then snoozes, so that other jobs get a turn, and runs again.
const maxPasses = 50

// EnqueueWebhookExport asks, in tx, for an export of the account because
// Xero sent an INVOICE or CONTACT event: a job delay from now, or another
// run of the job going on.
//
// The delay batches steady traffic. The job is unique per account while
// it waits, so the events of the next delay join it, and its run reads
// every invoice they announce in one call (50 IDs a call): invoices
// approved a second apart cost one read between them, not one each. An
// isolated invoice only waits delay longer. A job already waiting or
// queued (a sweep's, "Save and sync"'s) takes the event as it is; the
// sweep and the buttons insert theirs without a delay, so they never
// wait, except to join a webhook's job already waiting (at most delay).
func EnqueueWebhookExport(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64, delay time.Duration) error {
	var opts *river.InsertOpts
	if delay > 0 {
		opts = &river.InsertOpts{ScheduledAt: time.Now().Add(delay)}
	}
	return enqueueRequested(ctx, client, tx, accountID, ExportInvoicesArgs{AccountID: accountID}, opts)
}

// EnqueueWebhookWriteBack asks, in tx, for the account's pending
// ShipStation events (recorded in tx) to be written back.
func EnqueueWebhookWriteBack(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64) error {
	return enqueueRequested(ctx, client, tx, accountID, WriteBackArgs{AccountID: accountID}, nil)
}

// enqueueRequested records a request for a run of args' kind and inserts
// the job, in tx: the insert is refused while the account's job runs, and
// the request makes that job run again (completeUnlessRequested).
func enqueueRequested(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64, args river.JobArgs, opts *river.InsertOpts) error {
	if err := tx.RequestWork(ctx, accountID, args.Kind()); err != nil {
		return fmt.Errorf("worker: webhook %s: %w", args.Kind(), err)
	}
	if _, err := client.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("worker: webhook %s of account %d: %w", args.Kind(), accountID, err)
	}
	return nil
}

// runPasses runs pass until no request of kinds is left for the account:
// it clears the requests (pass learns which there were), runs pass, and
// completes the job in the transaction that finds no new one
// (completeUnlessRequested), else runs pass again. After maxPasses in a
// row it snoozes, so that other jobs get a worker. An error from pass is
// returned as it is, after the requests pass took are made again: the
// next attempt (a retry, or the continuation of a job that stopped at its
// slice) then does the same kind of run, not the default one.
func runPasses[T river.JobArgs](ctx context.Context, st *store.Store, job *river.Job[T], accountID int64, kinds []string,
	pass func(ctx context.Context, requested map[string]bool) error) error {
	for n := 1; ; n++ {
		requested := make(map[string]bool, len(kinds))
		for _, k := range kinds {
			took, err := st.TakeWork(ctx, accountID, k)
			if err != nil {
				return err
			}
			requested[k] = took
		}
		if err := pass(ctx, requested); err != nil {
			for _, k := range kinds {
				if !requested[k] {
					continue
				}
				if rerr := st.RequestWork(context.WithoutCancel(ctx), accountID, k); rerr != nil {
					return errors.Join(err, fmt.Errorf("worker: keep the work request %s: %w", k, rerr))
				}
			}
			return err
		}
		done, err := completeUnlessRequested(ctx, st, job, accountID, kinds...)
		if err != nil || done {
			return err
		}
		if n == maxPasses {
			return river.JobSnooze(0)
		}
	}
}

// errMoreWork rolls back a completion that found a request.
var errMoreWork = errors.New("worker: more work requested")

// completeUnlessRequested completes the job in a transaction that also
// finds no request of kinds for the account, and reports whether it did.
// Outside a River client (a test calling Work directly) it reports true.
func completeUnlessRequested[T river.JobArgs](ctx context.Context, st *store.Store, job *river.Job[T], accountID int64, kinds ...string) (bool, error) {
	if _, err := river.ClientFromContextSafely[*store.Tx](ctx); err != nil {
		return true, nil
	}
	err := st.WithTx(ctx, func(tx *store.Tx) error {
		// Complete first: on PostgreSQL this locks the job's row, so a
		// receiver whose insert conflicted with it commits its request
		// before the check below reads (or inserts a new job after).
		if _, err := river.JobCompleteTx[*store.RiverDriver](ctx, tx, job); err != nil {
			return err
		}
		for _, k := range kinds {
			more, err := tx.WorkRequested(ctx, accountID, k)
			if err != nil {
				return err
			}
			if more {
				return errMoreWork
			}
		}
		return nil
	})
	if errors.Is(err, errMoreWork) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("worker: complete job %d: %w", job.ID, err)
	}
	return true, nil
}

// add sums another pass's counts into s.
func (s *Summary) add(o Summary) {
	if s.Since.IsZero() {
		s.Since = o.Since
	}
	if !o.Cursor.IsZero() {
		s.Cursor = o.Cursor
	}
	s.Passes += max(o.Passes, 1)
	s.Pages += o.Pages
	s.Invoices += o.Invoices
	s.Exported += o.Exported
	s.Updated += o.Updated
	s.Cancelled += o.Cancelled
	s.Unchanged += o.Unchanged
	s.Skipped += o.Skipped
	s.Alerts += o.Alerts
	s.Failed += o.Failed
	s.SilentRepeats += o.SilentRepeats
	s.XeroCalls += o.XeroCalls
	s.ShipStationCalls += o.ShipStationCalls
	s.ContactsFetched += o.ContactsFetched
}

// add sums another pass's counts into s.
func (s *WriteBackSummary) add(o WriteBackSummary) {
	s.Passes += max(o.Passes, 1)
	s.WebhookEvents += o.WebhookEvents
	s.Shipments += o.Shipments
	s.Voids += o.Voids
	s.Fulfillments += o.Fulfillments
	s.Written += o.Written
	s.Done += o.Done
	s.Skipped += o.Skipped
	s.Failed += o.Failed
	s.Notes += o.Notes
	s.Lines += o.Lines
	s.LinesRemoved += o.LinesRemoved
	s.HistoryChecks += o.HistoryChecks
	s.Found += o.Found
	s.Warnings += o.Warnings
	s.XeroCalls += o.XeroCalls
	s.ShipStationCalls += o.ShipStationCalls
}

// webhookRetention is how long received events are kept to recognise
// repeats: Xero replays events for up to 31 days after a webhook was
// disabled.
const webhookRetention = 35 * 24 * time.Hour

// noteSwept hands the invoice changes a run read to the account's Xero
// webhook health (store.NoteSweptChanges). Xero disables a webhook after a
// day of failed deliveries and tells the app nothing; changes that a run
// finds and no webhook announces are how orderbridge notices, so the
// dashboard can say so and the sweep goes back to the sync interval. Not
// recording them costs only that notice: it is logged, not the run's
// failure.
func (e *Exporter) noteSwept(ctx context.Context, r *run, invs []xero.Invoice) {
	changes := make([]store.SweptChange, 0, len(invs))
	for _, inv := range invs {
		changes = append(changes, store.SweptChange{Resource: inv.InvoiceID, ChangedAt: inv.UpdatedDateUTC.Time})
	}
	if err := e.st.NoteSweptChanges(ctx, r.acct, store.SourceXero, changes); err != nil {
		e.log.WarnContext(ctx, "changes read not noted for the webhook health", "account", r.acct, "error", err)
	}
}

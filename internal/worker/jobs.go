package worker

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/store"
)

// Job kinds. The strings are stored in River's job table: never rename them.
const (
	KindExportInvoices = "export_invoices"
	KindResyncInvoice  = "resync_invoice"
	KindSweep          = "sweep_accounts"
)

// uniqueWhilePending coalesces a burst of triggers (webhooks, button
// presses, sweeps) into one job per account: a new job is refused while
// one is waiting, scheduled (snoozed), running or waiting for a retry.
// River requires running to be included; a trigger that arrives during a
// run is covered by the overlap window of the next sweep.
var uniqueWhilePending = river.UniqueOpts{
	ByArgs: true,
	ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable,
	},
}

// ExportInvoicesArgs asks for one export run of an account.
type ExportInvoicesArgs struct {
	AccountID int64 `json:"account_id"`
}

// Kind is the River job kind.
func (ExportInvoicesArgs) Kind() string { return KindExportInvoices }

// InsertOpts makes the job unique per account while pending.
func (ExportInvoicesArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25, UniqueOpts: uniqueWhilePending}
}

// ResyncInvoiceArgs asks for one invoice to be decided again and its
// order sent even if it looks unchanged (the "Re-sync" button).
type ResyncInvoiceArgs struct {
	AccountID int64  `json:"account_id"`
	InvoiceID string `json:"invoice_id"`
}

// Kind is the River job kind.
func (ResyncInvoiceArgs) Kind() string { return KindResyncInvoice }

// InsertOpts makes the job unique per invoice while pending.
func (ResyncInvoiceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: uniqueWhilePending}
}

// ResyncWorker works resync_invoice jobs.
type ResyncWorker struct {
	river.WorkerDefaults[ResyncInvoiceArgs]
	Exporter *Exporter
}

// Work re-syncs the invoice, its log line recorded under the job's id and
// its Summary kept as the job's output (as an export run's is), with what
// became of the invoice (Summary.Resync); an invoice Xero no longer has
// cancels the job.
//
// Its failures go through the same retry policy as an export's (a 5xx
// costs seconds, growing only while it repeats); it has no slice: one
// invoice is quick.
func (w *ResyncWorker) Work(ctx context.Context, job *river.Job[ResyncInvoiceArgs]) error {
	sl := newSlice(ctx, -1, 0)
	res, sum, err := w.Exporter.Resync(sl.ctx, job.Args.AccountID, job.Args.InvoiceID, RunOptions{Force: true, RunID: job.ID})
	sum.Stopped = stopCode(err)
	if err == nil {
		out := ResyncOutputOf(res)
		sum.Resync = &out
	}
	_ = river.RecordOutput(ctx, sum) // numbers and three strings: cannot fail to encode
	if errors.Is(err, ErrInvoiceNotFound) {
		sl.cancel(nil)
		return river.JobCancel(err)
	}
	return sl.finish(ctx, metaOf(job.JobRow), err)
}

// NextRetry replaces River's attempt⁴ backoff (see nextRetry).
func (w *ResyncWorker) NextRetry(job *river.Job[ResyncInvoiceArgs]) time.Time {
	return nextRetry(job.JobRow)
}

// ResyncOutput is what a resync_invoice job keeps in its output
// (Summary.Resync): the invoice's outcome and why. A Re-sync that sent nothing (the order
// shipped, the invoice is not eligible) finished its work but did not do
// what the person asked, and a run page must say so.
type ResyncOutput struct {
	InvoiceNumber string  `json:"invoice_number"`
	Outcome       Outcome `json:"outcome"`
	Reason        string  `json:"reason,omitempty"`
}

// ResyncOutputOf is the output of a Re-sync that ended in res.
func ResyncOutputOf(res InvoiceResult) ResyncOutput {
	return ResyncOutput{InvoiceNumber: res.InvoiceNumber, Outcome: res.Outcome, Reason: res.Reason}
}

// InSync reports whether ShipStation has the invoice's order as the
// invoice is now (sent, cancelled, or already so).
func (o ResyncOutput) InSync() bool {
	switch o.Outcome {
	case OutcomeExported, OutcomeUpdated, OutcomeCancelled, OutcomeUnchanged:
		return true
	}
	return false
}

// String says what the Re-sync did, for a person: "INV-0042 was not sent:
// order already shipped in ShipStation; ...".
func (o ResyncOutput) String() string {
	n := orDash(o.InvoiceNumber)
	switch o.Outcome {
	case OutcomeExported:
		return n + " was sent to ShipStation as a new order"
	case OutcomeUpdated:
		return n + " was sent to ShipStation again"
	case OutcomeCancelled:
		return n + ": its ShipStation order was cancelled"
	case OutcomeUnchanged:
		return n + " was not sent: " + o.Reason
	case OutcomeAlert:
		return n + " was not sent and needs attention: " + o.Reason
	case OutcomeFailed:
		return n + " failed: " + o.Reason
	}
	return n + " was not sent: " + o.Reason
}

// SweepArgs asks the sweep to enqueue an export for every account that is
// due.
type SweepArgs struct{}

// Kind is the River job kind.
func (SweepArgs) Kind() string { return KindSweep }

// InsertOpts keeps one sweep pending at a time. The periodic sweep's
// own insert adds a period to that (sweepInsertOpts), so that a sweep a
// dead process left running does not refuse the next.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: uniqueWhilePending}
}

// sweepInsertOpts are the periodic sweeps' insert options: unique while
// pending, as any sweep, but only within one period of every. River
// requires running among the unique states, so without a period a sweep
// left running by a dead process would refuse every periodic insert until
// the rescuer took it; with one, the next period's sweep goes in beside
// it. Two sweeps at once are harmless: the jobs they insert are unique
// per account and the cursor only records when.
func sweepInsertOpts(every time.Duration) *river.InsertOpts {
	u := uniqueWhilePending
	u.ByPeriod = max(every, time.Second) // River refuses a period under a second
	return &river.InsertOpts{MaxAttempts: 3, UniqueOpts: u}
}

// ExportWorker works export_invoices jobs. Its slice ends, once the
// attempt has made progress, after the next committed page; a long
// backfill continues, slice after slice, from the cursor its last
// committed page reached.
type ExportWorker struct {
	slicedJob[ExportInvoicesArgs]
	Exporter *Exporter
}

// Work runs the export, for one slice, and turns its error into River's
// vocabulary (retryPolicy). When a webhook asked for an export while a
// run went on, it runs again (see completeUnlessRequested). The runs'
// Summary, over every attempt of the job, is kept as the job's output
// (JobRow.Output reads it back as JSON), so a status page can show what
// they did.
func (w *ExportWorker) Work(ctx context.Context, job *river.Job[ExportInvoicesArgs]) error {
	e, acct := w.Exporter, job.Args.AccountID
	var total Summary
	if out := job.Output(); len(out) > 0 {
		_ = json.Unmarshal(out, &total) // our own Summary of earlier slices; unreadable: start again
	}
	start, _, err := e.st.Cursor(ctx, acct, store.CursorXeroInvoices)
	if err != nil {
		return fmt.Errorf("worker: export job: %w", err)
	}
	sl := newSlice(ctx, w.Slice, w.Timeout(job))
	kinds := []string{KindExportInvoices, demandExportFull}
	// The passes get the slice's context, the completion the job's: a slice
	// that ends as the last page commits still completes the job.
	err = runPasses(ctx, e.st, job, acct, kinds, func(_ context.Context, requested map[string]bool) error {
		ctx := sl.ctx
		// A run only webhooks asked for reads what they announced; any
		// other trigger (or none recorded: a job inserted by hand, a
		// retry) reads the window since the cursor.
		hooked, full := requested[KindExportInvoices], requested[demandExportFull]
		opts := RunOptions{RunID: job.ID, WebhooksOnly: hooked && !full}
		done := total
		opts.AfterPage = func(s Summary) {
			if p := e.progress; p != nil {
				sofar := done
				sofar.add(s)
				p(job.ID, sofar)
			}
			// Progress is what a later attempt will not do again: orders
			// sent, or the invoice cursor moved (a page of repeats that
			// leaves it where it was is none).
			moved := s.Exported+s.Updated+s.Cancelled > 0
			if !moved {
				cur, ok, err := e.st.Cursor(ctx, acct, store.CursorXeroInvoices)
				moved = err == nil && ok && cur.After(start)
			}
			sl.step(moved, true)
		}
		sum, err := e.Export(ctx, acct, opts)
		total.AccountID, total.DryRun = sum.AccountID, sum.DryRun
		total.add(sum)
		total.Stopped = stopCode(err)
		// An error (a slice ended, a failure) leaves the requests taken for
		// the next attempt (runPasses), so a full run stays a full run.
		_ = river.RecordOutput(ctx, total) // a few numbers: cannot fail to encode
		return err
	})
	return sl.finish(ctx, metaOf(job.JobRow), err)
}

// RiverError maps an error to what River should do: snooze for a rate
// limit's Retry-After, cancel when a person must act (reconnect, not
// connected), retry with backoff otherwise. The subscription job uses it;
// the export, write-back and re-sync jobs use retryPolicy, which also
// snoozes briefly on a transient failure and knows about progress.
func RiverError(err error) error {
	if err == nil {
		return nil
	}
	var rl *RetryLaterError
	if errors.As(err, &rl) && rl.After > 0 {
		return river.JobSnooze(rl.After)
	}
	if errors.Is(err, ErrReconnectNeeded) || errors.Is(err, ErrNotConnected) {
		return river.JobCancel(err)
	}
	return err
}

// SweepWorker works sweep_accounts jobs: it enqueues export_invoices for
// every account whose settings enable sync and whose interval has passed
// since the sweep last enqueued it.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Store  *store.Store
	Now    func() time.Time
	Logger *slog.Logger
	// Quota is how each account's Xero day quota is spent: the sweep
	// slows, then stops, as it runs low (PlanExportSweep).
	Quota QuotaPolicy
	// Clients, when set, keeps idle Xero grants alive on every tick
	// (KeepXeroGrantsAlive), whether the account syncs or not.
	Clients *Clients
	// MaxPerTick is how many exports one tick may enqueue (SweepCap);
	// zero means no cap.
	MaxPerTick int
}

// XeroAppMinuteLimit is Xero's limit on one app's calls a minute, across
// every organisation connected to it (xero-api.md §8.3). Every account of
// an installation shares it, since they share the app's client id.
const XeroAppMinuteLimit = 10000

// SweepPriority is the River priority of the jobs a sweep inserts: after
// River's default (1), which webhooks, buttons and continuations use. A
// tick's safety-net runs for thousands of accounts can queue for minutes
// when they meet a busy fleet (BenchmarkScale, scale.md), and a merchant's
// webhook must not wait behind them. A webhook for an account whose sweep
// job is already queued coalesces into it (unique per account) and waits
// at this priority; the job then also does the webhook's work.
const SweepPriority = 2

// IdleExportCalls is what a sweep's export of an account with nothing new
// costs in Xero calls: the changed-contacts list and the invoice list
// (design.md, "One run", step 3).
const IdleExportCalls = 2

// SweepCap is how many exports one tick of the export sweep, run every
// every, may enqueue so that they plan to spend at most appCalls of the
// Xero app's calls a minute (zero: half of XeroAppMinuteLimit). Each
// account's due time alone does not spread the load: every account is
// due at the first sweep after a start, and all switch to their shorter
// sync interval together when the app's webhook is disabled, so 10,000
// accounts would fall due in one minute and their 20,000 calls exceed the
// app's 10,000. A cap per tick, longest waiting first (sweepDue), spreads
// them over the next ticks; at least one a tick, so a tiny share still
// makes progress.
func SweepCap(appCalls int, every time.Duration) int {
	if appCalls <= 0 {
		appCalls = XeroAppMinuteLimit / 2
	}
	n := int(float64(appCalls) / IdleExportCalls * every.Minutes())
	return max(n, 1)
}

// Timeout bounds a sweep (SweepTimeout): the rescuer then takes a
// sweep a dead process left running as soon as any other job.
func (w *SweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return SweepTimeout }

// Work enqueues the due accounts' exports in one transaction, with the
// time each was enqueued, drops webhook events too old to be repeated,
// and refreshes Xero grants idle for a month. The exports go first: they
// are the sweep's purpose, and refreshing many grants could otherwise
// use up its Timeout before them.
func (w *SweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	err := sweepDue(ctx, sweep{
		name: "sweep", store: w.Store, now: w.Now, logger: w.Logger, cursor: CursorSweepEnqueued,
		source: store.SourceXero, quota: &w.Quota, demand: demandExportFull,
		wanted: func(s store.Settings) bool { return s.SyncEnabled },
		args:   func(acct int64) river.JobArgs { return ExportInvoicesArgs{AccountID: acct} },
		max:    w.MaxPerTick,
	})
	if err != nil {
		return err
	}
	if _, err := w.Store.PruneWebhookEvents(ctx, now().Add(-webhookRetention)); err != nil {
		return fmt.Errorf("worker: sweep: %w", err)
	}
	if w.Clients != nil {
		w.Clients.KeepXeroGrantsAlive(ctx)
	}
	return nil
}

// sweep describes one periodic sweep: which accounts want the job, the
// job to insert for each, and the cursor recording when it last was.
type sweep struct {
	name   string
	store  *store.Store
	now    func() time.Time
	logger *slog.Logger
	cursor string
	// source is the webhook source whose health lets the sweep run at the
	// account's SafetySweepInterval instead of its SyncInterval.
	source store.WebhookSource
	// quota, when set, stretches the sweep as the account's Xero day quota
	// runs low and stops it at the reserve (the export sweep: its runs
	// spend Xero calls even when nothing changed).
	quota *QuotaPolicy
	// demand, when set, is requested in the transaction that inserts the
	// job (the job may be running already: see completeUnlessRequested).
	demand string
	wanted func(store.Settings) bool
	args   func(acct int64) river.JobArgs
	// max, when above zero, caps the jobs one tick inserts (SweepCap);
	// the accounts waiting longest go first and the rest stay due.
	max int
}

// dueAccount is an account a sweep found due, with when the sweep last
// enqueued it (ok false: never).
type dueAccount struct {
	id   int64
	last time.Time
	ok   bool
}

// firstDue returns the ids of at most max accounts (max ≤ 0: all) of due,
// those never enqueued first, then those enqueued longest ago, so that an
// account left over by a capped tick is among the first of the next.
func firstDue(due []dueAccount, max int) []int64 {
	slices.SortStableFunc(due, func(a, b dueAccount) int {
		switch {
		case a.ok != b.ok:
			if !a.ok {
				return -1
			}
			return 1
		case !a.last.Equal(b.last):
			return a.last.Compare(b.last)
		}
		return cmp.Compare(a.id, b.id)
	})
	if max > 0 && len(due) > max {
		due = due[:max]
	}
	ids := make([]int64, len(due))
	for i, d := range due {
		ids[i] = d.id
	}
	return ids
}

// sweepDue inserts the sweep's job for every account that wants it, is
// connected, and whose sweep plan (PlanExportSweep) says it is due since
// the sweep last enqueued it, all in one transaction with the time each
// was enqueued. While an account's webhooks from the sweep's source are
// healthy, its SafetySweepInterval counts instead: the sweep is then only
// the safety net; with a quota policy, the interval stretches as the Xero
// day quota runs low.
func sweepDue(ctx context.Context, sw sweep) error {
	client, err := river.ClientFromContextSafely[*store.Tx](ctx)
	if err != nil {
		return fmt.Errorf("worker: %s: %w", sw.name, err)
	}
	now := time.Now
	if sw.now != nil {
		now = sw.now
	}
	accounts, err := sw.store.ListAccounts(ctx)
	if err != nil {
		return fmt.Errorf("worker: %s: %w", sw.name, err)
	}
	var found []dueAccount
	for _, a := range accounts {
		s, err := sw.store.Settings(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("worker: %s: %w", sw.name, err)
		}
		if !sw.wanted(s) {
			continue
		}
		// An account waiting for someone to reconnect would only start a
		// job that cancels itself.
		if ok, err := connected(ctx, sw.store, a.ID); err != nil {
			return fmt.Errorf("worker: %s: %w", sw.name, err)
		} else if !ok {
			continue
		}
		last, ok, err := sw.store.Cursor(ctx, a.ID, sw.cursor)
		if err != nil {
			return fmt.Errorf("worker: %s: %w", sw.name, err)
		}
		plan, err := sweepPlan(ctx, sw.store, sw.source, sw.quota, a.ID, s, now())
		if err != nil {
			return fmt.Errorf("worker: %s: %w", sw.name, err)
		}
		if !plan.Due(last, ok, now()) {
			continue
		}
		found = append(found, dueAccount{id: a.ID, last: last, ok: ok})
	}
	due := firstDue(found, sw.max)
	if len(due) == 0 {
		return nil
	}
	t := now()
	err = sw.store.WithTx(ctx, func(tx *store.Tx) error {
		for _, id := range due {
			if sw.demand != "" {
				if err := tx.RequestWork(ctx, id, sw.demand); err != nil {
					return err
				}
			}
			if _, err := client.InsertTx(ctx, tx, sw.args(id), &river.InsertOpts{Priority: SweepPriority}); err != nil {
				return err
			}
			if err := tx.AdvanceCursor(ctx, id, sw.cursor, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker: %s: %w", sw.name, err)
	}
	if sw.logger != nil {
		sw.logger.Debug(sw.name+" enqueued jobs", "accounts", len(due), "due", len(found))
	}
	return nil
}

// connected reports whether both of the account's connections are usable.
func connected(ctx context.Context, st *store.Store, accountID int64) (bool, error) {
	for _, kind := range []store.ConnectionKind{store.KindXero, store.KindShipStation} {
		c, err := st.Connection(ctx, accountID, kind)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if c.Status != store.StatusConnected {
			return false, nil
		}
	}
	return true, nil
}

// Enqueue inserts an export for the account in tx (unique per account
// while one is pending), so the trigger and the job commit together. It
// returns the job's id (the pending job's, when one was already there).
func Enqueue(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64) (int64, error) {
	// Recorded as well as inserted: when a job of the account runs or waits
	// already, the request makes it read the window, not only what
	// webhooks announced.
	if err := tx.RequestWork(ctx, accountID, demandExportFull); err != nil {
		return 0, fmt.Errorf("worker: enqueue export of account %d: %w", accountID, err)
	}
	res, err := client.InsertTx(ctx, tx, ExportInvoicesArgs{AccountID: accountID}, nil)
	if err != nil {
		return 0, fmt.Errorf("worker: enqueue export of account %d: %w", accountID, err)
	}
	return res.Job.ID, nil
}

// EnqueueBackfill moves the account's invoice cursor back to since and
// enqueues an export, in tx: the next run reads every invoice changed
// since then (minus the overlap). Invoices whose order is unchanged cost
// no ShipStation call.
func EnqueueBackfill(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64, since time.Time) (int64, error) {
	if since.IsZero() {
		return 0, errors.New("worker: enqueue backfill: no start date")
	}
	if err := tx.ResetCursor(ctx, accountID, store.CursorXeroInvoices, since); err != nil {
		return 0, fmt.Errorf("worker: enqueue backfill: %w", err)
	}
	return Enqueue(ctx, client, tx, accountID)
}

// EnqueueResync inserts a resync of one invoice in tx.
func EnqueueResync(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64, invoiceID string) (int64, error) {
	res, err := client.InsertTx(ctx, tx, ResyncInvoiceArgs{AccountID: accountID, InvoiceID: invoiceID}, nil)
	if err != nil {
		return 0, fmt.Errorf("worker: enqueue resync of %s: %w", invoiceID, err)
	}
	return res.Job.ID, nil
}

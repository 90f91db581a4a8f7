package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// onEachDatabase runs test, in a parallel subtest, on an engine over
// each store the recovery tests run on: River's rescuer is what recovers
// a dead process's jobs on PostgreSQL, where several processes share the
// queue (the SQLite app also requeues at start).
func onEachDatabase(t *testing.T, test func(t *testing.T, b *engineBundle)) {
	t.Helper()
	for _, db := range []struct {
		name string
		open storetest.Opener
	}{
		{"sqlite", storetest.OpenSQLite},
		{"postgres", storetest.OpenPostgres},
	} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			test(t, setupEngine(t, engineOptions{open: db.open}))
		})
	}
}

// recoveryClient starts a River client as the app configures it
// (worker.ConfigureRecovery), with the engine's workers and, when
// sweepEvery is set, its periodic sweeps; it stops at cleanup.
func recoveryClient(t *testing.T, b *engineBundle, sweepEvery time.Duration) *river.Client[*store.Tx] {
	t.Helper()
	workers := river.NewWorkers()
	every := sweepEvery
	if every <= 0 {
		every = time.Minute
	}
	periodic, err := b.eng.Register(workers, every)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 20 * time.Millisecond,
		Logger:            slog.New(slog.DiscardHandler),
	}
	if sweepEvery > 0 {
		cfg.PeriodicJobs = periodic
	}
	worker.ConfigureRecovery(cfg)
	client, err := b.st.NewRiverClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(b.ctx); err != nil {
		t.Fatal(err)
	}
	// As the app: every process rescues what dead ones left running.
	rescueCtx, stopRescue := context.WithCancel(b.ctx)
	rescued := make(chan struct{})
	go func() {
		defer close(rescued)
		worker.RunRecovery(rescueCtx, b.st, nil)
	}()
	t.Cleanup(func() {
		stopRescue()
		<-rescued
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})
	return client
}

// idleClient returns a River client on the engine's workers that is
// never started: it inserts and reads jobs and works none, as a process
// that died or one that only enqueues.
func idleClient(t *testing.T, b *engineBundle) *river.Client[*store.Tx] {
	t.Helper()
	workers := river.NewWorkers()
	if _, err := b.eng.Register(workers, time.Minute); err != nil {
		t.Fatal(err)
	}
	client, err := b.st.NewRiverClient(&river.Config{Workers: workers, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// insertJob inserts args with opts (nil for River's defaults) and returns
// the job's id.
func insertJob(t *testing.T, b *engineBundle, client *river.Client[*store.Tx], args river.JobArgs, opts *river.InsertOpts) int64 {
	t.Helper()
	var id int64
	err := b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		res, err := client.InsertTx(b.ctx, tx, args, opts)
		if err == nil {
			id = res.Job.ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// insertDead inserts args as a job a process died working: left running,
// attempted age ago by a worker that is gone. It returns the job's id.
func insertDead(t *testing.T, b *engineBundle, client *river.Client[*store.Tx], args river.JobArgs, age time.Duration) int64 {
	t.Helper()
	var id int64
	err := b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		res, err := client.InsertTx(b.ctx, tx, args, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
		if err != nil {
			return err
		}
		id = res.Job.ID
		if b.st.Dialect() == store.Postgres {
			_, err = tx.PgxTx().Exec(b.ctx, `UPDATE river_job SET state = 'running', attempt = 1,
				attempted_by = ARRAY['dead-process'], attempted_at = now() - make_interval(secs => $1) WHERE id = $2`,
				age.Seconds(), id)
			return err
		}
		_, err = tx.SQLTx().ExecContext(b.ctx, `UPDATE river_job SET state = 'running', attempt = 1,
			attempted_by = '["dead-process"]', attempted_at = strftime('%Y-%m-%d %H:%M:%f', 'now', ?) WHERE id = ?`,
			fmt.Sprintf("-%.3f seconds", age.Seconds()), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// The settings the recovery rests on: the rescue window is short and
// longer than any attempt of any job kind, or River's rescuer would skip
// a dead job while its Timeout lasts (and a live one could be worked
// twice).
func TestRecoveryConfiguration(t *testing.T) {
	t.Parallel()
	cfg := &river.Config{}
	worker.ConfigureRecovery(cfg)
	// A dead process holds an account until its job is past the rescue
	// window and the next rescue (RescueStuckJobs, in every process) runs;
	// the job then runs again within seconds. 40 s for both leaves 20 of
	// issue 14's minute for the job's next run (River's rescuer alone,
	// every 30 s, made it 60, and 75 when the leader died).
	if hold := cfg.RescueStuckJobsAfter + worker.RescueEvery; hold > 40*time.Second {
		t.Errorf("rescue window %s + rescue every %s: a dead process would hold its accounts for %s, want at most 40s",
			cfg.RescueStuckJobsAfter, worker.RescueEvery, hold)
	}
	for name, d := range map[string]time.Duration{
		"JobTimeout": cfg.JobTimeout, "export/write-back Timeout": worker.DefaultJobTimeout, "sweep Timeout": worker.SweepTimeout,
		"slice": worker.JobSlice,
	} {
		if d <= 0 || d >= cfg.RescueStuckJobsAfter {
			t.Errorf("%s %s, want above 0 and below the rescue window %s", name, d, cfg.RescueStuckJobsAfter)
		}
	}
	if worker.JobSlice >= worker.DefaultJobTimeout {
		t.Errorf("slice %s leaves no room within the Timeout %s for the page under way", worker.JobSlice, worker.DefaultJobTimeout)
	}
}

// A process died while working an account's export: the job is left
// running, and being unique while running it refuses every new trigger.
// Another process's River rescues it within the rescue window and the
// account's export runs (the order is sent), in the same job.
func TestDeadProcessJobIsRescued(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, b *engineBundle) {
		inv := b.invoice(b.contact("Acme Outdoor Ltd"), "AUTHORISED", true)
		// Not started yet, so that the dead job is in place first.
		inserter := idleClient(t, b)
		// Dead 45 s ago: past the rescue window (30 s), well short of
		// the 35 minutes River waited before.
		id := insertDead(t, b, inserter, worker.ExportInvoicesArgs{AccountID: b.acct}, 45*time.Second)
		// While it is "running", a new trigger coalesces into it.
		var (
			again int64
			err   error
		)
		err = b.st.WithTx(b.ctx, func(tx *store.Tx) error {
			again, err = worker.Enqueue(b.ctx, inserter, tx, b.acct)
			return err
		})
		if err != nil || again != id {
			t.Fatalf("enqueue beside the dead job: job %d, %v; want the dead job %d", again, err, id)
		}
		client := recoveryClient(t, b, 0)
		var job *rivertype.JobRow
		testkit.WaitFor(t, "the dead process's export rescued and run", 40*time.Second, func() bool {
			job, err = client.JobGet(b.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return job.State == rivertype.JobStateCompleted
		})
		if len(job.Errors) == 0 || !strings.Contains(job.Errors[0].Error, "rescued") {
			t.Errorf("job errors %+v, want the rescuer's", job.Errors)
		}
		if n := b.orders(inv); n != 1 {
			t.Errorf("%d orders after the rescued export, want 1", n)
		}
	})
}

// A sweep a dead process left running, too recent for the rescuer, does
// not hold up the next: the periodic sweep goes in beside it and enqueues
// the account's export.
func TestDeadSweepDoesNotBlockTheNext(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, b *engineBundle) {
		inserter := idleClient(t, b)
		dead := insertDead(t, b, inserter, worker.SweepArgs{}, 2*time.Second)
		client := recoveryClient(t, b, time.Second)
		testkit.WaitFor(t, "a sweep besides the dead one, and the export it enqueued", 30*time.Second, func() bool {
			res, err := client.JobList(b.ctx, river.NewJobListParams().Kinds(worker.KindSweep, worker.KindExportInvoices).
				States(rivertype.JobStateCompleted))
			if err != nil {
				t.Fatal(err)
			}
			var sweep, export bool
			for _, j := range res.Jobs {
				sweep = sweep || j.Kind == worker.KindSweep && j.ID != dead
				export = export || j.Kind == worker.KindExportInvoices
			}
			return sweep && export
		})
	})
}

// runJob inserts a job and waits until it completes.
func runJob(t *testing.T, b *engineBundle, client *river.Client[*store.Tx], args river.JobArgs) *rivertype.JobRow {
	t.Helper()
	id := insertJob(t, b, client, args, nil)
	var job *rivertype.JobRow
	testkit.WaitFor(t, args.Kind()+" job completed", 30*time.Second, func() bool {
		var err error
		job, err = client.JobGet(b.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		switch job.State {
		case rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
			t.Fatalf("job %s ended %s: %v", job.Kind, job.State, job.Errors)
		}
		return job.State == rivertype.JobStateCompleted
	})
	return job
}

// snoozes reads River's count of a job's snoozes from its metadata.
func snoozes(t *testing.T, job *rivertype.JobRow) int {
	t.Helper()
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	if err := json.Unmarshal(job.Metadata, &m); err != nil {
		t.Fatal(err)
	}
	return m.Snoozes
}

// slicedOutput checks that job, what (as the failure says it), went on
// in at least three slices (two snoozes) without spending a failed
// attempt, and returns its output.
func slicedOutput[T any](t *testing.T, job *rivertype.JobRow, what string) T {
	t.Helper()
	if n := snoozes(t, job); n < 2 {
		t.Errorf("%d snoozes, want %s to continue at least twice", n, what)
	}
	if job.Attempt != 1 || len(job.Errors) != 0 {
		t.Errorf("attempt %d, errors %v: a slice must not count as a failed attempt", job.Attempt, job.Errors)
	}
	var out T
	if err := json.Unmarshal(job.Output(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// An export longer than its slice stops after a committed page and
// continues in the same job (a snooze, no attempt spent): every invoice
// is sent once, and the job's output counts every slice.
func TestExportJobContinuesAfterItsSlice(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{pageSize: 2, jobSlice: time.Nanosecond})
	c := b.contact("Acme Outdoor Ltd")
	var invs []xeroemu.Invoice
	for range 5 {
		invs = append(invs, b.invoice(c, "AUTHORISED", true))
	}
	client := recoveryClient(t, b, 0)
	job := runJob(t, b, client, worker.ExportInvoicesArgs{AccountID: b.acct})
	sum := slicedOutput[worker.Summary](t, job, "the export of 3 pages")
	if sum.Exported != 5 {
		t.Errorf("output %s, want 5 exported over the slices", sum)
	}
	for _, inv := range invs {
		if n := b.orders(inv); n != 1 {
			t.Errorf("invoice %s: %d orders, want 1", inv.InvoiceNumber, n)
		}
	}
}

// failNote answers one Xero History write (a note) with a 503 after
// the first note went through: a transient fault in the middle of a
// write-back that has made progress.
type failNote struct {
	mu    sync.Mutex
	notes int
}

func (f *failNote) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet && strings.HasSuffix(r.URL.Path, "/History") {
		f.mu.Lock()
		f.notes++
		n := f.notes
		f.mu.Unlock()
		if n == 2 {
			return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable",
				Header: http.Header{"Content-Type": {"text/plain"}}, Body: io.NopCloser(strings.NewReader("unavailable")),
				Request: r}, nil
		}
	}
	return testHTTP.Transport.RoundTrip(r)
}

// labelled exports n invoices and buys a label for each order.
func labelled(b *engineBundle, n int) []xeroemu.Invoice {
	b.t.Helper()
	b.writeBackOn(false)
	c := b.contact("Acme Outdoor Ltd")
	var invs []xeroemu.Invoice
	for range n {
		invs = append(invs, b.invoice(c, "AUTHORISED", true))
	}
	if sum := b.export(); sum.Exported != n {
		b.t.Fatalf("export: %s", sum)
	}
	for _, inv := range invs {
		b.label(b.order(inv))
	}
	return invs
}

// oneNoteEach checks that every invoice of invs got exactly one note.
func oneNoteEach(b *engineBundle, invs []xeroemu.Invoice) {
	b.t.Helper()
	for _, inv := range invs {
		if notes := b.notes(inv); len(notes) != 1 {
			b.t.Errorf("invoice %s: notes %q, want one", inv.InvoiceNumber, notes)
		}
	}
}

// A 5xx after the write-back wrote a note costs a snooze of a second or
// two, not a failed attempt: the job's attempt counter does not climb, so
// the labels that follow are not held back by River's growing backoff,
// and every label gets its one note.
func TestWriteBackTransientFaultAfterProgressSnoozes(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{xeroTransport: &failNote{}})
	invs := labelled(b, 3)
	client := recoveryClient(t, b, 0)
	job := runJob(t, b, client, worker.WriteBackArgs{AccountID: b.acct})
	if job.Attempt != 1 || len(job.Errors) != 0 {
		t.Errorf("attempt %d, errors %v: a 5xx after progress must not count as a failed attempt", job.Attempt, job.Errors)
	}
	if n := snoozes(t, job); n != 1 {
		t.Errorf("%d snoozes, want 1 (the 503)", n)
	}
	oneNoteEach(b, invs)
}

// A write-back longer than its slice stops after a written event and
// continues in the same job: each label gets one note, the job spends no
// failed attempt, and its output counts every slice.
func TestWriteBackJobContinuesAfterItsSlice(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{jobSlice: time.Nanosecond})
	invs := labelled(b, 3)
	client := recoveryClient(t, b, 0)
	job := runJob(t, b, client, worker.WriteBackArgs{AccountID: b.acct})
	sum := slicedOutput[worker.WriteBackSummary](t, job, "the write-back of 3 labels")
	if sum.Notes != 3 {
		t.Errorf("output %s, want 3 notes over the slices", sum)
	}
	oneNoteEach(b, invs)
}

// setMetadata replaces a job's metadata (a JSON object).
func setMetadata(t *testing.T, b *engineBundle, id int64, meta string) {
	t.Helper()
	err := b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		if b.st.Dialect() == store.Postgres {
			_, err := tx.PgxTx().Exec(b.ctx, `UPDATE river_job SET metadata = $1::jsonb WHERE id = $2`, meta, id)
			return err
		}
		_, err := tx.SQLTx().ExecContext(b.ctx, `UPDATE river_job SET metadata = ? WHERE id = ?`, meta, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// River's own rescuer runs only in the elected leader and every 30
// seconds, whatever the settings; RescueStuckJobs, which every process
// runs every RescueEvery, returns at once to the queue a job a dead
// process left running past the rescue window, and leaves alone a job
// still inside it or inside its own (doubled) Timeout.
func TestRescueStuckJobs(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, b *engineBundle) {
		inserter := idleClient(t, b)
		past := worker.RescueStuckJobsAfter + 2*time.Second
		dead := insertDead(t, b, inserter, worker.ExportInvoicesArgs{AccountID: b.acct}, past)
		recent := insertDead(t, b, inserter, worker.WriteBackArgs{AccountID: b.acct}, worker.RescueStuckJobsAfter/4)
		// A job whose last attempt overran gets twice the Timeout: it
		// may still be working.
		long := insertDead(t, b, inserter, worker.ExportInvoicesArgs{AccountID: b.acct + 1000}, past)
		setMetadata(t, b, long, `{"orderbridge_overruns": 2}`)

		n, err := worker.RescueStuckJobs(b.ctx, b.st, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("rescued %d jobs, want 1", n)
		}
		for id, want := range map[int64]rivertype.JobState{
			dead: rivertype.JobStateAvailable, recent: rivertype.JobStateRunning, long: rivertype.JobStateRunning,
		} {
			job, err := inserter.JobGet(b.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if job.State != want {
				t.Errorf("job %d (%s, metadata %s) %s, want %s", id, job.Kind, job.Metadata, job.State, want)
			}
			if want == rivertype.JobStateAvailable && (len(job.Errors) == 0 || !strings.Contains(job.Errors[0].Error, "rescued")) {
				t.Errorf("rescued job's errors %+v, want the rescue recorded", job.Errors)
			}
		}
	})
}

// ScheduleDueJobs makes a job due within the next second available in
// any process, leader or not, and leaves a later one scheduled.
func TestScheduleDueJobs(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, b *engineBundle) {
		inserter := idleClient(t, b)
		insert := func(acct int64, in time.Duration) int64 {
			return insertJob(t, b, inserter, worker.ExportInvoicesArgs{AccountID: acct},
				&river.InsertOpts{ScheduledAt: time.Now().Add(in)})
		}
		soon := insert(b.acct, worker.ScheduleEvery/2)
		later := insert(b.acct+1000, time.Minute)
		if _, err := worker.ScheduleDueJobs(b.ctx, b.st); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[int64]rivertype.JobState{soon: rivertype.JobStateAvailable, later: rivertype.JobStateScheduled} {
			job, err := inserter.JobGet(b.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if job.State != want {
				t.Errorf("job %d due %s: %s, want %s", id, job.ScheduledAt.Format(time.RFC3339Nano), job.State, want)
			}
		}
	})
}

// A write-back whose ShipStation rate budget (shared by every process on
// PostgreSQL) says wait a minute, longer than the attempt's Timeout, does
// not sleep into the Timeout: the job snoozes for the wait at once, and
// the attempt is not counted as a stall (no orderbridge_stalls, no
// failed attempt).
func TestWriteBackRateBudgetWaitSnoozesWithoutAStall(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{open: storetest.OpenPostgres, sharedLimits: true, semuRate: emukit.RealRateLimit})
	labelled(b, 1)
	until := time.Now().Add(time.Minute)
	if err := b.limiter.Penalise(b.ctx, shipstation.LimitKey(b.semu.APIKey()), until); err != nil {
		t.Fatal(err)
	}
	client := recoveryClient(t, b, 0)
	var id int64
	err := b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		res, err := client.InsertTx(b.ctx, tx, worker.WriteBackArgs{AccountID: b.acct}, nil)
		if err == nil {
			id = res.Job.ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var job *rivertype.JobRow
	// The first attempt's end: a snooze or a failure, whichever it was
	// (before the fix it slept 25 s into the attempt's Timeout).
	testkit.WaitFor(t, "the write-back's first attempt to end", 45*time.Second, func() bool {
		if job, err = client.JobGet(b.ctx, id); err != nil {
			t.Fatal(err)
		}
		return job.State != rivertype.JobStateRunning && (snoozes(t, job) > 0 || len(job.Errors) > 0)
	})
	if job.State != rivertype.JobStateScheduled || snoozes(t, job) != 1 {
		t.Errorf("job %s after %d snoozes, want scheduled after one", job.State, snoozes(t, job))
	}
	if len(job.Errors) != 0 || job.Attempt != 0 && job.Attempt != 1 {
		t.Errorf("attempt %d, errors %v: a rate budget wait must not count as a failed attempt", job.Attempt, job.Errors)
	}
	var meta map[string]any
	if err := json.Unmarshal(job.Metadata, &meta); err != nil {
		t.Fatal(err)
	}
	if s, ok := meta["orderbridge_stalls"]; ok && s != float64(0) {
		t.Errorf("orderbridge_stalls = %v, want none: waiting for the budget is not a stall", s)
	}
	// Snoozed for the budget's wait (to within the GCRA's burst allowance
	// and the test's own time), not a stall's seconds.
	if d := job.ScheduledAt.Sub(until); d < -20*time.Second || d > 5*time.Second {
		t.Errorf("scheduled at %s, %s from the budget's end %s", job.ScheduledAt, d, until)
	}
}

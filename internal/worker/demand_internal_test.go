package worker

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// probeArgs is a job unique per account while pending, like the export
// and the write-back, whose worker runs their loop (runPasses).
type probeArgs struct {
	AccountID int64 `json:"account_id"`
}

const kindProbe = "demand_probe"

func (probeArgs) Kind() string { return kindProbe }

func (probeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: uniqueWhilePending}
}

// probe counts passes; hold, when set, is called at the start of each pass.
type probe struct {
	st     *store.Store
	passes atomic.Int64
	hold   func(pass int)
}

// work runs the workers' own loop (runPasses) with a pass that counts.
func (p *probe) work(ctx context.Context, job *river.Job[probeArgs]) error {
	pass := 0
	return runPasses(ctx, p.st, job, job.Args.AccountID, []string{kindProbe}, func(context.Context, map[string]bool) error {
		pass++
		p.passes.Add(1)
		if p.hold != nil {
			p.hold(pass)
		}
		return nil
	})
}

type demandBundle struct {
	ctx    context.Context
	st     *store.Store
	client *river.Client[*store.Tx]
	acct   int64
	probe  *probe
}

func newDemandBundle(t *testing.T, st *store.Store, hold func(int)) *demandBundle {
	t.Helper()
	ctx := t.Context()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	p := &probe{st: st, hold: hold}
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(p.work))
	client, err := st.NewRiverClient(&river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 20 * time.Millisecond,
		TestOnly:          true,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})
	return &demandBundle{ctx: ctx, st: st, client: client, acct: a.ID, probe: p}
}

// trigger does what a webhook receiver does: a request and the job, in
// one transaction. It reports whether the insert was skipped as a
// duplicate of a pending or running job.
func (b *demandBundle) trigger(t *testing.T) bool {
	t.Helper()
	var dup bool
	err := b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		if err := tx.RequestWork(b.ctx, b.acct, kindProbe); err != nil {
			return err
		}
		res, err := b.client.InsertTx(b.ctx, tx, probeArgs{AccountID: b.acct}, nil)
		if err != nil {
			return err
		}
		dup = res.UniqueSkippedAsDuplicate
		return nil
	})
	if err != nil {
		t.Fatalf("trigger: %v", err)
	}
	return dup
}

// settled waits until no probe job is waiting or running and reports
// whether a request is left over: a trigger nobody will ever work.
func (b *demandBundle) settled(t *testing.T) bool {
	t.Helper()
	testkit.WaitFor(t, "no probe job open", 30*time.Second, func() bool {
		res, err := b.client.JobList(b.ctx, river.NewJobListParams().Kinds(kindProbe).States(
			rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateScheduled,
			rivertype.JobStateRetryable, rivertype.JobStatePending))
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Jobs) == 0
	})
	left, err := b.st.WorkRequested(b.ctx, b.acct, kindProbe)
	if err != nil {
		t.Fatal(err)
	}
	return left
}

func demandStores(t *testing.T) map[string]func(t *testing.T) *store.Store {
	stores := map[string]func(t *testing.T) *store.Store{"SQLite": storetest.OpenSQLite}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		stores["PostgreSQL"] = storetest.OpenPostgres
	} else {
		stores["PostgreSQL"] = func(t *testing.T) *store.Store {
			testenv.Missing(t, "PostgreSQL", "set "+storetest.EnvDatabaseURL)
			return nil
		}
	}
	return stores
}

// A trigger that arrives while the account's job runs cannot insert a
// job; the running job must run again for it, and only then complete.
func TestTriggerDuringRunRunsAgain(t *testing.T) {
	t.Parallel()
	for name, open := range demandStores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			started, proceed := make(chan struct{}), make(chan struct{})
			var once sync.Once
			b := newDemandBundle(t, open(t), func(pass int) {
				once.Do(func() { // the first job's first pass only
					close(started)
					<-proceed
				})
			})
			if b.trigger(t) {
				t.Fatal("the first trigger was taken for a duplicate")
			}
			<-started
			if !b.trigger(t) {
				t.Fatal("a trigger during the run inserted a second job; want it coalesced into the running one")
			}
			close(proceed)
			if b.settled(t) {
				t.Fatal("a request was left with no job to work it")
			}
			if got := b.probe.passes.Load(); got != 2 {
				t.Errorf("passes = %d, want 2: one for each trigger", got)
			}
			// Once completed, a trigger inserts a new job.
			if b.trigger(t) {
				t.Fatal("a trigger after the run completed was taken for a duplicate")
			}
			if b.settled(t) {
				t.Fatal("a request was left with no job to work it")
			}
			if got := b.probe.passes.Load(); got != 3 {
				t.Errorf("passes = %d, want 3", got)
			}
		})
	}
}

// Many triggers at random moments, some landing just as a run completes:
// none is ever left without a run after it.
func TestNoTriggerLost(t *testing.T) {
	t.Parallel()
	for name, open := range demandStores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newDemandBundle(t, open(t), func(int) {
				time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
			})
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() {
					for range 50 {
						time.Sleep(time.Duration(rand.IntN(4)) * time.Millisecond)
						err := b.st.WithTx(b.ctx, func(tx *store.Tx) error {
							if err := tx.RequestWork(b.ctx, b.acct, kindProbe); err != nil {
								return err
							}
							_, err := b.client.InsertTx(b.ctx, tx, probeArgs{AccountID: b.acct}, nil)
							return err
						})
						if err != nil && !errors.Is(err, context.Canceled) {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("trigger: %v", err)
			}
			if b.settled(t) {
				t.Fatal("a trigger was lost: its request is left with no job to work it")
			}
			t.Logf("200 triggers, %d passes", b.probe.passes.Load())
		})
	}
}

// The real ShipStation cannot post to serve's default base URL: no
// subscription is made (and no call), and the job cancels with why.
func TestSubscribeNeedsAPublicBaseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ hookBase, ssURL string }{
		{"", ""},
		{"http://127.0.0.1:8080", ""},
		{"http://orderbridge.example.com", "https://ssapi.shipstation.com/"},
	} {
		s := &Subscriber{hookBase: tc.hookBase, ssURL: tc.ssURL} // no store: nothing may be read
		if err := s.Subscribe(t.Context(), 1); !errors.Is(err, ErrNoWebhookURL) {
			t.Errorf("base %q with ShipStation %q: err = %v, want ErrNoWebhookURL", tc.hookBase, tc.ssURL, err)
		}
	}
}

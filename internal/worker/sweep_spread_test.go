package worker_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

// The export sweep stays within its share of Xero's app-wide minute
// limit: when more accounts are due at once than that share pays for
// (a service starting with thousands of accounts, or every account's
// interval shortening together when the app's webhook is disabled), one
// tick enqueues only as many idle exports as fit, those waiting longest
// first, and the next tick the next ones. Here 7 accounts are due and
// the share is 6 calls a minute: 3 idle exports of 2 calls per one-minute
// tick.
func TestSweepSpreadsWithinTheAppMinuteLimit(t *testing.T) {
	t.Parallel()
	b, accts, client := sweepWorld(t, 6, 6)
	enqueued := func() map[int64]bool {
		out := map[int64]bool{}
		for _, id := range accts {
			_, ok, err := b.st.Cursor(b.ctx, id, worker.CursorSweepEnqueued)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				out[id] = true
			}
		}
		return out
	}
	runSweep(t, client)
	first := enqueued()
	if len(first) != 3 {
		t.Fatalf("first sweep enqueued %d of 7 due accounts, want 3 (6 app calls a minute, 2 a run)", len(first))
	}
	runSweep(t, client)
	second := enqueued()
	if len(second) != 6 {
		t.Fatalf("after two sweeps %d accounts enqueued, want 6: the second takes 3 not yet enqueued", len(second))
	}
	for id := range first {
		if !second[id] {
			t.Errorf("account %d lost its sweep cursor", id)
		}
	}
}

// The exports a sweep enqueues wait behind those a webhook asked for:
// with thousands of accounts a tick's safety-net runs can queue for
// minutes (BenchmarkScale at 1,000 merchants: p95 42 s), and a
// merchant's webhook must not wait behind them (MISSION.md: p95 under
// 5 s with webhooks). River takes the lower priority number first.
func TestSweepJobsYieldToWebhooks(t *testing.T) {
	t.Parallel()
	b, _, client := sweepWorld(t, 0, 0)
	webhook, err := client.Insert(b.ctx, worker.ExportInvoicesArgs{AccountID: b.acct + 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runSweep(t, client)
	res, err := client.JobList(b.ctx, river.NewJobListParams().Kinds(worker.KindExportInvoices).First(100))
	if err != nil {
		t.Fatal(err)
	}
	var swept int
	for _, j := range res.Jobs {
		if j.ID == webhook.Job.ID {
			continue
		}
		swept++
		if j.Priority <= webhook.Job.Priority {
			t.Errorf("the sweep's export job has priority %d, want after the webhook's %d", j.Priority, webhook.Job.Priority)
		}
	}
	if swept != 1 {
		t.Fatalf("%d export jobs from the sweep, want 1", swept)
	}
}

// sweepWorld is setupEngine's account plus extra accounts that only look
// connected and want sync, and a started River client whose export sweep
// may spend appCalls of the Xero app's minute (0: the default).
func sweepWorld(t *testing.T, extra, appCalls int) (*engineBundle, []int64, *river.Client[*store.Tx]) {
	t.Helper()
	b := setupEngine(t, engineOptions{sweepAppCalls: appCalls})
	accts := []int64{b.acct}
	for i := range extra {
		// The extra accounts only need to look connected and want sync:
		// the test is about what the sweep enqueues, not the exports.
		a, err := b.st.CreateAccount(b.ctx, fmt.Sprintf("Merchant %d Ltd", i+2))
		if err != nil {
			t.Fatal(err)
		}
		tok := &oauth2.Token{AccessToken: "a", RefreshToken: "r", Expiry: time.Now().Add(time.Hour)}
		if err := b.st.SaveXeroConnection(b.ctx, a.ID, store.ConnectionMetadata{TenantID: fmt.Sprintf("tenant-%d", i)}, tok); err != nil {
			t.Fatal(err)
		}
		creds := store.ShipStationCredentials{APIKey: "k", APISecret: "s"}
		if err := b.st.SaveShipStationConnection(b.ctx, a.ID, store.ConnectionMetadata{StoreID: int64(900001 + i)}, creds); err != nil {
			t.Fatal(err)
		}
		s := store.DefaultSettings()
		s.SyncEnabled = true
		if err := b.st.SaveSettings(b.ctx, a.ID, s); err != nil {
			t.Fatal(err)
		}
		accts = append(accts, a.ID)
	}
	client := b.startRiver(t, time.Minute, 1)
	return b, accts, client
}

// runSweep inserts one export sweep job and waits for it to complete.
func runSweep(t *testing.T, client *river.Client[*store.Tx]) {
	t.Helper()
	res, err := client.Insert(t.Context(), worker.SweepArgs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		job, err := client.JobGet(t.Context(), res.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if job.State == rivertype.JobStateCompleted {
			return
		}
		if job.State != rivertype.JobStateAvailable && job.State != rivertype.JobStateRunning || time.Now().After(deadline) {
			t.Fatalf("sweep job %s: %v", job.State, job.Errors)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

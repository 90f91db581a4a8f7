package e2e_test

import (
	"sync"
	"testing"

	"github.com/orderbridge/orderbridge/internal/worker"
)

// TestConcurrentJobsRefreshTheGrantOnce runs an export, a write-back run
// and an invoice preview of one account at the same moment with an expired
// access token. Xero rotates the refresh token on every refresh, so they
// must share one refresh: exactly one token call, and the pair it returned
// is the one stored.
func TestConcurrentJobsRefreshTheGrantOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	inv := w.invoice(w.contact("Kea Outfitters"), true)
	w.export() // loads the token source and exports once
	w.xemu.ExpireAccessTokens()
	before := w.xemu.Counters().Get("POST /connect/token")

	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Go(func() {
		_, err := w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{})
		errs <- err
	})
	wg.Go(func() {
		_, err := w.app.WriteBackNow(w.ctx, w.acct, worker.WriteBackOptions{})
		errs <- err
	})
	wg.Go(func() {
		_, _, err := w.app.Engine.Exporter.Resync(w.ctx, w.acct, inv.InvoiceID, worker.RunOptions{DryRun: true})
		errs <- err
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent run: %v", err)
		}
	}
	if got := w.xemu.Counters().Get("POST /connect/token") - before; got != 1 {
		t.Errorf("token endpoint called %d times by three concurrent runs of one account, want 1", got)
	}
	// The stored pair still works: a later run needs no reconnect.
	if _, err := w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{}); err != nil {
		t.Fatalf("export after the shared refresh: %v", err)
	}
}

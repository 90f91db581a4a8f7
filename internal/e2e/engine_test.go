package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

func TestPostgresTaggedInvoiceBecomesOneOrder(t *testing.T) {
	t.Parallel()
	st := storetest.OpenPostgres(t)
	checkTaggedInvoiceBecomesOneOrder(t, newWorld(t, worldOptions{store: st}))
}

// TestSweepRunsExportsThroughRiver runs the app as `serve` does: River
// with the periodic sweep, no direct export.
func TestSweepRunsExportsThroughRiver(t *testing.T) {
	t.Parallel()
	checkSweepRunsExports(t, newWorld(t, worldOptions{sweep: true}))
}

// TestPostgresSweepRunsExports is the same on PostgreSQL, where River is
// woken by LISTEN/NOTIFY.
func TestPostgresSweepRunsExports(t *testing.T) {
	t.Parallel()
	checkSweepRunsExports(t, newWorld(t, worldOptions{sweep: true, store: storetest.OpenPostgres(t)}))
}

func checkSweepRunsExports(t *testing.T, w *world) {
	c := w.contact("Acme Outdoor Ltd")
	first := w.invoice(c, true)
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- w.app.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	testkit.Eventually(t, "the first invoice's order", func() bool { _, ok := w.order(first); return ok })
	// An invoice raised later is picked up by a later sweep (the account's
	// interval is a second in this test).
	second := w.invoice(c, true)
	testkit.Eventually(t, "the second invoice's order", func() bool { _, ok := w.order(second); return ok })
	// A trigger coalesces with any pending job and runs too.
	third := w.invoice(c, true)
	if _, err := w.app.Enqueue(w.ctx, w.acct); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the third invoice's order", func() bool { _, ok := w.order(third); return ok })
	// Each run's summary is its job's output (River completes jobs in
	// batches, so wait for the last one).
	testkit.Eventually(t, "job outputs counting three exports", func() bool {
		res, err := w.app.River.JobList(w.ctx, river.NewJobListParams().Kinds(worker.KindExportInvoices).States(rivertype.JobStateCompleted))
		if err != nil {
			t.Fatal(err)
		}
		exported := 0
		for _, j := range res.Jobs {
			var sum worker.Summary
			if err := json.Unmarshal(j.Output(), &sum); err != nil {
				t.Fatalf("job %d output %q: %v", j.ID, j.Output(), err)
			}
			exported += sum.Exported
		}
		return exported == 3
	})
	for _, inv := range []xeroemu.Invoice{first, second, third} {
		if n := w.ordersFor(inv); n != 1 {
			t.Errorf("%s: %d orders, want 1", inv.InvoiceNumber, n)
		}
	}
}

func TestExpiredXeroConnectionMarksReconnectNeeded(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.invoice(w.contact("Acme Outdoor Ltd"), true)
	// A grant Xero no longer knows: the refresh answers invalid_grant.
	dead := &oauth2.Token{AccessToken: "expired", RefreshToken: "revoked-refresh-token", TokenType: "Bearer", Expiry: time.Now().Add(-time.Hour)}
	if err := w.app.ConnectXero(w.ctx, w.acct, dead, w.tenant, "Demo"); err != nil {
		t.Fatal(err)
	}
	_, err := w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{})
	if !errors.Is(err, worker.ErrReconnectNeeded) {
		t.Fatalf("export error = %v, want ErrReconnectNeeded", err)
	}
	var cancelErr *river.JobCancelError
	if !errors.As(worker.RiverError(err), &cancelErr) {
		t.Errorf("RiverError = %v, want a JobCancel", worker.RiverError(err))
	}
	conn, err := w.app.Store.Connection(w.ctx, w.acct, store.KindXero)
	if err != nil {
		t.Fatal(err)
	}
	if conn.Status != store.StatusReconnectNeeded || !strings.Contains(conn.StatusReason, "connect Xero again") {
		t.Errorf("connection = %+v", conn)
	}
	p, err := w.app.Store.ListLog(w.ctx, w.acct, store.LogQuery{Outcome: store.OutcomeFailed})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 1 || !strings.Contains(p.Entries[0].Message, "connect Xero again") {
		t.Errorf("log = %+v", p.Entries)
	}
	// Later runs stop at once, without calling Xero.
	before := w.xemu.Counters().Total()
	if _, err := w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{}); !errors.Is(err, worker.ErrReconnectNeeded) {
		t.Errorf("second export error = %v", err)
	}
	if after := w.xemu.Counters().Total(); after != before {
		t.Errorf("%d Xero calls after reconnect needed", after-before)
	}
}

// TestShipStationOutageKeepsTheCursor: a 5xx on the bulk upsert is
// transient, so the page's cursor does not move and the next run sends
// the order.
func TestShipStationOutageKeepsTheCursor(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	inv := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	w.semu.SetFaults(emukit.FaultConfig{ErrorRate: 1, ErrorStatuses: []int{503}})
	_, err := w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{})
	var rl *worker.RetryLaterError
	if !errors.As(err, &rl) {
		t.Fatalf("export error = %v, want a RetryLaterError", err)
	}
	if _, ok, err := w.app.Store.Cursor(w.ctx, w.acct, store.CursorXeroInvoices); err != nil || ok {
		t.Fatalf("cursor moved after a failed page (ok=%v, err=%v)", ok, err)
	}
	if _, err := w.app.Store.InvoiceLink(w.ctx, w.acct, inv.InvoiceID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a link was recorded for an invoice that was not sent: %v", err)
	}
	w.semu.SetFaults(emukit.FaultConfig{})
	if sum := w.export(); sum.Exported != 1 {
		t.Fatalf("export after the outage: %s", sum)
	}
	if _, ok, _ := w.app.Store.Cursor(w.ctx, w.acct, store.CursorXeroInvoices); !ok {
		t.Error("cursor did not move after a good run")
	}
	if n := w.ordersFor(inv); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	c := w.contact("Acme Outdoor Ltd")
	tagged, untagged := w.invoice(c, true), w.invoice(c, false)
	var results []worker.InvoiceResult
	sum, err := w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{DryRun: true, OnInvoice: func(r worker.InvoiceResult) {
		results = append(results, r)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Exported != 1 || sum.Skipped != 1 || sum.ShipStationCalls != 0 || !sum.DryRun {
		t.Errorf("dry run summary: %s", sum)
	}
	if len(results) != 2 {
		t.Fatalf("%d results, want 2", len(results))
	}
	for _, r := range results {
		switch r.InvoiceID {
		case tagged.InvoiceID:
			if r.Outcome != worker.OutcomeExported || r.Decision.Order == nil || r.Decision.Order.ShipTo.City != "Hamilton" {
				t.Errorf("tagged: %+v", r)
			}
		case untagged.InvoiceID:
			if r.Outcome != worker.OutcomeSkipped || !strings.Contains(r.Reason, "tracking option") {
				t.Errorf("untagged: %+v", r)
			}
		}
	}
	if len(w.semu.Orders()) != 0 {
		t.Error("a dry run created orders")
	}
	if _, ok, _ := w.app.Store.Cursor(w.ctx, w.acct, store.CursorXeroInvoices); ok {
		t.Error("a dry run moved the cursor")
	}
	if p, _ := w.app.Store.ListLog(w.ctx, w.acct, store.LogQuery{}); p.Total != 0 {
		t.Errorf("a dry run wrote %d log lines", p.Total)
	}
}

// TestBackfillCallBudget checks the API call budget of a first backfill:
// 1,100 invoices of 150 new contacts in pages of 1,000 cost a handful of
// Xero calls (not one per 50 contacts) and 11 bulk ShipStation calls.
func TestBackfillCallBudget(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	const invoices, contacts = 1100, 150
	var cs []xeroemu.Contact
	for i := range contacts {
		cs = append(cs, w.contact(fmt.Sprintf("Customer %03d", i)))
	}
	for i := range invoices {
		w.invoice(cs[i%contacts], true)
	}
	w.xemu.Counters().Reset()
	sum := w.export()
	if sum.Exported != invoices || sum.Failed != 0 {
		t.Fatalf("backfill: %s", sum)
	}
	if got := len(w.semu.Orders()); got != invoices {
		t.Errorf("%d orders, want %d", got, invoices)
	}
	// Two invoice pages (plus at most two re-reads at a page boundary) and
	// one contact page.
	if sum.XeroCalls > 5 {
		t.Errorf("%d Xero calls for %d invoices: %s", sum.XeroCalls, invoices, sum)
	}
	if got := w.xemu.Counters().Get("GET /api.xro/2.0/Contacts"); got != 1 {
		t.Errorf("%d contact calls, want 1 (a bulk sweep)", got)
	}
	// Bulk calls of 100 per page: a page's last call may be short, so each
	// page after the first may add one.
	if sum.ShipStationCalls < invoices/100 || sum.ShipStationCalls > invoices/100+sum.Pages-1 {
		t.Errorf("%d ShipStation calls over %d pages, want %d (+1 per extra page)", sum.ShipStationCalls, sum.Pages, invoices/100)
	}
	t.Logf("backfill of %d invoices: %s", invoices, sum)
}

// TestPagingLosesNothingWhenInvoicesChangeMidRun pages 35 invoices ten at
// a time, all changed within the same second, and edits invoices in Xero
// while the run is between pages: each edit moves an invoice to the end of
// Xero's UpdatedDateUTC order, which would shift an unread invoice onto a
// page already read if the run paged by page number alone.
func TestPagingLosesNothingWhenInvoicesChangeMidRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{page: 10})
	c := w.contact("Acme Outdoor Ltd")
	var invs []xeroemu.Invoice
	for range 35 {
		invs = append(invs, w.invoice(c, true))
	}
	edited := map[string]bool{}
	sum, err := w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{OnInvoice: func(r worker.InvoiceResult) {
		// Edit the first invoice of each of the first three pages once.
		for _, i := range []int{0, 10, 20} {
			if r.InvoiceID == invs[i].InvoiceID && !edited[r.InvoiceID] {
				edited[r.InvoiceID] = true
				w.edit(invs[i], func(inv *xeroemu.Invoice) { inv.LineItems[0].Quantity = 9 })
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Exported != 35 || sum.Updated != 3 || sum.Failed != 0 {
		t.Errorf("export: %s", sum)
	}
	for i, inv := range invs {
		o, ok := w.order(inv)
		if !ok {
			t.Errorf("invoice %d (%s) has no order", i, inv.InvoiceNumber)
			continue
		}
		if want := map[bool]int{true: 9, false: 2}[edited[inv.InvoiceID]]; o.Items[0].Quantity != want {
			t.Errorf("%s: quantity %d, want %d", inv.InvoiceNumber, o.Items[0].Quantity, want)
		}
	}
	// Nothing left over for the next run.
	if again := w.export(); again.Exported != 0 || again.Updated != 0 {
		t.Errorf("second run: %s", again)
	}
}

// TestShipStationRateLimitSnoozes: a 429 from ShipStation (its key's
// minute spent by another program) stops the run with Retry-After, which
// River turns into a snooze; nothing is recorded and the cursor stays.
func TestShipStationRateLimitSnoozes(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	w := newWorld(t, worldOptions{})
	w.invoice(w.contact("Acme Outdoor Ltd"), true)
	w.semu.SetRateLimit(emukit.RateLimit{}) // ShipStation's real 40 calls a minute
	for range 40 {
		req, err := http.NewRequestWithContext(w.ctx, http.MethodGet, w.semu.URL()+"/stores", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(w.semu.APIKey(), w.semu.APISecret())
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	_, err := w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{})
	var rl *worker.RetryLaterError
	if !errors.As(err, &rl) || rl.After <= 0 {
		t.Fatalf("export error = %v, want a RetryLaterError with a delay", err)
	}
	var snooze *river.JobSnoozeError
	if !errors.As(worker.RiverError(err), &snooze) || snooze.Duration != rl.After {
		t.Errorf("RiverError = %v, want a snooze of %s", worker.RiverError(err), rl.After)
	}
	if _, ok, _ := w.app.Store.Cursor(w.ctx, w.acct, store.CursorXeroInvoices); ok {
		t.Error("the cursor moved past an invoice that was not sent")
	}
	if len(w.semu.Orders()) != 0 {
		t.Error("an order was created despite the 429")
	}
}

// TestBadDataIsLoggedAndSkipped: a contact without an address skips its
// invoice with a reason naming the contact; the other invoices go on.
func TestBadDataIsLoggedAndSkipped(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	nowhere, err := w.xemu.SeedContact(w.tenant, xeroemu.Contact{Name: "Tui Gardens"})
	if err != nil {
		t.Fatal(err)
	}
	bad := w.invoice(nowhere, true)
	good := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	sum := w.export()
	if sum.Exported != 1 || sum.Skipped != 1 {
		t.Fatalf("export: %s", sum)
	}
	if _, ok := w.order(good); !ok {
		t.Error("the good invoice was not exported")
	}
	lines := w.logFor(bad)
	if len(lines) != 1 || !strings.Contains(lines[0].Message, `"Tui Gardens" has no address`) {
		t.Errorf("log = %+v", lines)
	}
	if l := w.link(bad); l.Decision != store.DecisionSkipped || l.OrderID != 0 {
		t.Errorf("link = %+v", l)
	}
	if _, ok, _ := w.app.Store.Cursor(w.ctx, w.acct, store.CursorXeroInvoices); !ok {
		t.Error("bad data held the cursor back")
	}
}

func TestRefusedShipStationKeyMarksReconnectNeeded(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	inv := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	conn, err := w.app.Store.Connection(w.ctx, w.acct, store.KindShipStation)
	if err != nil {
		t.Fatal(err)
	}
	// The merchant regenerated the key pair in ShipStation.
	stale := store.ShipStationCredentials{APIKey: w.semu.APIKey(), APISecret: "regenerated-elsewhere"}
	if err := w.app.Store.SaveShipStationConnection(w.ctx, w.acct, conn.Metadata, stale); err != nil {
		t.Fatal(err)
	}
	_, err = w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{})
	if !errors.Is(err, worker.ErrReconnectNeeded) {
		t.Fatalf("export error = %v, want ErrReconnectNeeded", err)
	}
	if strings.Contains(err.Error(), "regenerated-elsewhere") {
		t.Errorf("error shows the secret: %v", err)
	}
	conn, err = w.app.Store.Connection(w.ctx, w.acct, store.KindShipStation)
	if err != nil || conn.Status != store.StatusReconnectNeeded {
		t.Errorf("connection %+v, %v", conn, err)
	}
	if _, err := w.app.Store.InvoiceLink(w.ctx, w.acct, inv.InvoiceID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the unsent invoice got a link: %v", err)
	}
	if _, ok, _ := w.app.Store.Cursor(w.ctx, w.acct, store.CursorXeroInvoices); ok {
		t.Error("the cursor moved")
	}
}

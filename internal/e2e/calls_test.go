package e2e_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// quiet waits until every Xero event of the account is read and no export
// job is left, so that the emulator's counters hold all of a step's calls.
func (w *hookWorld) quiet(what string) {
	w.t.Helper()
	testkit.Eventually(w.t, what, func() bool {
		pending := slices.ContainsFunc(w.eventsFor(w.acct, store.SourceXero), func(e store.WebhookEvent) bool {
			return e.State == store.EventPending
		})
		return !pending && openExports(w.t, w.app, w.acct) == 0
	})
}

// invoiceEvent is the INVOICE event Xero sends for inv.
func (w *hookWorld) invoiceEvent(inv xeroemu.Invoice) map[string]string {
	return map[string]string{
		"resourceUrl": w.xemu.URL() + "/api.xro/2.0/Invoices/" + inv.InvoiceID, "resourceId": inv.InvoiceID,
		"eventDateUtc": time.Now().UTC().Format("2006-01-02T15:04:05.000"), "eventType": "CREATE",
		"eventCategory": "INVOICE", "tenantId": w.tenant, "tenantType": "ORGANISATION",
	}
}

// TestWebhookExportReadsAnnouncedInvoices: an export a webhook asked for
// reads exactly the invoices the events announce, by ID, and no contact it
// has cached: an invoice approved on its own costs one Xero call, and
// twenty announced in one delivery cost one call too (IDs of up to 50).
func TestWebhookExportReadsAnnouncedInvoices(t *testing.T) {
	t.Parallel()
	w := newHookWorld(t, hookWorldOptions{})
	c := w.contact("Acme Outdoor Ltd")
	first := w.invoice(c, true)
	// The account's first run reads the window and caches the contact.
	testkit.Eventually(t, "the first order", func() bool { _, ok := w.order(first); return ok })
	w.quiet("the first export")

	w.xemu.Counters().Reset()
	const oneByOne = 5
	for i := range oneByOne {
		inv := w.invoice(c, true)
		testkit.Eventually(t, "order "+inv.InvoiceNumber, func() bool { _, ok := w.order(inv); return ok })
		w.quiet("the export of invoice " + string(rune('1'+i)))
	}
	if n := w.xemu.Counters().Total(); n > oneByOne {
		t.Errorf("%d invoices approved one by one cost %d Xero calls (%v), want at most one each",
			oneByOne, n, w.xemu.Counters().Snapshot())
	}

	// Twenty invoices raised while their webhooks were held back, then
	// announced in one delivery.
	w.xemu.SetWebhookDelivery(1, 0)
	var invs []xeroemu.Invoice
	for range 20 {
		invs = append(invs, w.invoice(c, true))
	}
	w.xemu.SetWebhookDelivery(0, 0)
	w.xemu.Counters().Reset()
	var events []map[string]string
	for _, inv := range invs {
		events = append(events, w.invoiceEvent(inv))
	}
	if code := w.postXeroEvents(events); code != 200 {
		t.Fatalf("delivery answered %d", code)
	}
	for _, inv := range invs {
		testkit.Eventually(t, "order "+inv.InvoiceNumber, func() bool { _, ok := w.order(inv); return ok })
	}
	w.quiet("the export of the twenty")
	if n := w.xemu.Counters().Total(); n != 1 {
		t.Errorf("20 invoices announced together cost %d Xero calls (%v), want 1", n, w.xemu.Counters().Snapshot())
	}
}

// scheduledExports counts the account's export jobs waiting for their time
// (a webhook's export waiting for more events).
func scheduledExports(t *testing.T, w *hookWorld) int {
	t.Helper()
	res, err := w.app.River.JobList(t.Context(), river.NewJobListParams().Kinds(worker.KindExportInvoices).
		States(rivertype.JobStateScheduled).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range res.Jobs {
		var args worker.ExportInvoicesArgs
		if json.Unmarshal(j.EncodedArgs, &args) == nil && args.AccountID == w.acct {
			n++
		}
	}
	return n
}

// TestWebhookEventsWithinTheDelayShareOneRead: in steady webhook traffic,
// the export a webhook asks for waits (config.WebhookExportDelay), and an
// invoice approved while it waits is read with the first in one Xero call:
// two invoices, one read (and no other call: the contact is cached).
func TestWebhookEventsWithinTheDelayShareOneRead(t *testing.T) {
	t.Parallel()
	// Long enough for the second approval and its webhook on a busy
	// machine; the test waits for it once.
	w := newHookWorld(t, hookWorldOptions{webhookDelay: 2 * time.Second})
	c := w.contact("Acme Outdoor Ltd")
	first := w.invoice(c, true)
	testkit.Eventually(t, "the first order", func() bool { _, ok := w.order(first); return ok })
	w.quiet("the first export")

	w.xemu.Counters().Reset()
	a := w.invoice(c, true)
	// The webhook's export is waiting, or (without a delay) has run.
	testkit.Eventually(t, "the export of "+a.InvoiceNumber+" waiting or done", func() bool {
		if _, ok := w.order(a); ok {
			return true
		}
		return scheduledExports(t, w) > 0
	})
	b := w.invoice(c, true)
	for _, inv := range []xeroemu.Invoice{a, b} {
		testkit.Eventually(t, "order "+inv.InvoiceNumber, func() bool { _, ok := w.order(inv); return ok })
	}
	w.quiet("the export of both")
	if n := w.xemu.Counters().Total(); n != 1 {
		t.Errorf("two invoices approved within the webhook delay cost %d Xero calls (%v), want 1 (one read by IDs)",
			n, w.xemu.Counters().Snapshot())
	}
}

package worker_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// An approved invoice tagged for ShipStation becomes one order; an
// untagged one and a draft are skipped with a reason a merchant
// understands; a second run repeats nothing (no order call, no log line).
func TestExportEligibleAndIneligible(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	c := b.contact("Acme Outdoor Ltd")
	tagged := b.invoice(c, "AUTHORISED", true)
	retail := b.invoice(c, "AUTHORISED", false)
	draft := b.invoice(c, "DRAFT", true)

	sum := b.export()
	if sum.Invoices != 3 || sum.Exported != 1 || sum.Skipped != 2 || sum.Failed != 0 {
		t.Fatalf("first run: %s", sum)
	}
	o := b.order(tagged)
	if o.OrderNumber != tagged.InvoiceNumber || o.OrderStatus != shipstation.StatusAwaitingShipment {
		t.Errorf("order %s is %q, want %s awaiting shipment", o.OrderNumber, o.OrderStatus, tagged.InvoiceNumber)
	}
	if l, ok := b.link(tagged); !ok || l.OrderID != o.OrderID || l.Decision != store.DecisionExported || l.ContentHash == "" {
		t.Errorf("link of the exported invoice: %+v", l)
	}
	for _, inv := range []xeroemu.Invoice{retail, draft} {
		if n := b.orders(inv); n != 0 {
			t.Errorf("%s (%s) has %d orders", inv.InvoiceNumber, inv.Status, n)
		}
		logs := b.logFor(inv, store.XeroToShipStation)
		if len(logs) != 1 || logs[0].Outcome != store.OutcomeSkipped {
			t.Errorf("%s: log %+v, want one skip", inv.InvoiceNumber, logs)
		}
	}
	if logs := b.logFor(draft, store.XeroToShipStation); len(logs) == 1 && !strings.Contains(strings.ToLower(logs[0].Message), "approv") {
		t.Errorf("a draft's log line does not say it waits for approval: %q", logs[0].Message)
	}
	if got := b.cursor(store.CursorXeroInvoices); got.IsZero() {
		t.Error("the invoice cursor did not move")
	}

	again := b.export()
	if again.Exported+again.Updated+again.Cancelled != 0 || again.ShipStationCalls != 0 || again.SilentRepeats != again.Invoices {
		t.Errorf("second run: %s (%d silent)", again, again.SilentRepeats)
	}
	if n := len(b.logFor(tagged, store.XeroToShipStation)); n != 1 {
		t.Errorf("%d log lines after a repeat, want 1", n)
	}
}

// An edit replaces the open order (same order, new content); voiding the
// invoice cancels it.
func TestExportEditThenVoid(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	inv := b.invoice(b.contact("Acme Outdoor Ltd"), "AUTHORISED", true)
	b.export()
	first := b.order(inv)

	if _, err := b.xemu.UpdateInvoice(b.tenant, inv.InvoiceID, func(i *xeroemu.Invoice) {
		i.LineItems[0].Quantity = 5
	}); err != nil {
		t.Fatal(err)
	}
	sum := b.export()
	if sum.Updated != 1 || sum.Exported != 0 {
		t.Fatalf("after the edit: %s", sum)
	}
	edited := b.order(inv)
	if edited.OrderID != first.OrderID || len(edited.Items) == 0 || edited.Items[0].Quantity != 5 {
		t.Errorf("order after the edit: id %d (was %d), items %+v", edited.OrderID, first.OrderID, edited.Items)
	}

	if _, err := b.xemu.UpdateInvoice(b.tenant, inv.InvoiceID, func(i *xeroemu.Invoice) { i.Status = "VOIDED" }); err != nil {
		t.Fatal(err)
	}
	sum = b.export()
	if sum.Cancelled != 1 {
		t.Fatalf("after the void: %s", sum)
	}
	if o := b.order(inv); o.OrderStatus != shipstation.StatusCancelled {
		t.Errorf("order is %q after the void, want cancelled", o.OrderStatus)
	}
	if l, _ := b.link(inv); l.Decision != store.DecisionCancelled {
		t.Errorf("link decision %q, want cancelled", l.Decision)
	}
	if n := b.orders(inv); n != 1 {
		t.Errorf("%d orders for one invoice", n)
	}
}

// Small pages: every invoice is read once, the cursor ends at the newest
// change, and the next run starts from it or later (minus the overlap),
// sending nothing again.
func TestExportPagesAndCursor(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{pageSize: 2})
	c := b.contact("Acme Outdoor Ltd")
	var invs []xeroemu.Invoice
	for range 5 {
		invs = append(invs, b.invoice(c, "AUTHORISED", true))
	}
	var pages []worker.Summary
	sum, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{AfterPage: func(s worker.Summary) { pages = append(pages, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Exported != 5 || sum.Pages < 3 || len(pages) < 3 {
		t.Fatalf("run: %s; %d pages committed", sum, len(pages))
	}
	var newest time.Time
	for _, inv := range invs {
		if n := b.orders(inv); n != 1 {
			t.Errorf("%s has %d orders", inv.InvoiceNumber, n)
		}
		got, _ := b.xemu.Invoice(b.tenant, inv.InvoiceID)
		if got.UpdatedDateUTC.After(newest) {
			newest = got.UpdatedDateUTC
		}
	}
	if cur := b.cursor(store.CursorXeroInvoices); !cur.Equal(newest) || !sum.Cursor.Equal(newest) {
		t.Errorf("cursor %v (summary %v), want the newest change %v", cur, sum.Cursor, newest)
	}
	// It reads from the newest change minus the overlap, or from when the
	// first run's read began minus the overlap, which is no earlier.
	again := b.export()
	from := newest.Add(-worker.DefaultOverlap)
	if again.Since.Before(from) || again.Since.After(time.Now().Add(-worker.DefaultOverlap)) || again.Exported != 0 || again.ShipStationCalls != 0 {
		t.Errorf("second run from %v: %s", again.Since, again)
	}
}

// A ShipStation 5xx ends the run with a RetryLaterError before anything is
// recorded for the page; the retry sends each order once.
func TestExportShipStationServerErrorRetriesWithoutDoubling(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	c := b.contact("Acme Outdoor Ltd")
	invs := []xeroemu.Invoice{b.invoice(c, "AUTHORISED", true), b.invoice(c, "AUTHORISED", true)}
	b.semu.SetFaults(emukit.FaultConfig{ErrorRate: 1, ErrorStatuses: []int{500}})
	sum, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{})
	var rl *worker.RetryLaterError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want a RetryLaterError", err)
	}
	if got := worker.RiverError(err); got != err {
		t.Errorf("RiverError = %v, want the error itself (River retries with backoff)", got)
	}
	if sum.Exported != 0 {
		t.Errorf("failed run: %s", sum)
	}
	if cur := b.cursor(store.CursorXeroInvoices); !cur.IsZero() {
		t.Errorf("the cursor moved to %v past invoices not sent", cur)
	}
	for _, inv := range invs {
		if l, ok := b.link(inv); ok && l.OrderID != 0 {
			t.Errorf("%s recorded as sent: %+v", inv.InvoiceNumber, l)
		}
	}

	b.semu.SetFaults(emukit.FaultConfig{})
	if sum := b.export(); sum.Exported != 2 {
		t.Fatalf("retry: %s", sum)
	}
	for _, inv := range invs {
		if n := b.orders(inv); n != 1 {
			t.Errorf("%s has %d orders after the retry", inv.InvoiceNumber, n)
		}
	}
}

// A 429 from ShipStation says when to come back: the run returns a
// RetryLaterError with that wait, records nothing, and River snoozes the
// job for it.
func TestExportShipStationRateLimitSnoozes(t *testing.T) {
	t.Parallel()
	// ShipStation's real limit (40 calls a minute), so that the window
	// cannot reset between exhausting it and the export's call.
	b := setupEngine(t, engineOptions{semuRate: emukit.RealRateLimit})
	inv := b.invoice(b.contact("Acme Outdoor Ltd"), "AUTHORISED", true)
	exhaust(t, b)
	_, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{})
	var rl *worker.RetryLaterError
	if !errors.As(err, &rl) || rl.After <= 0 {
		t.Fatalf("err = %v, want a RetryLaterError with a wait", err)
	}
	var snooze *river.JobSnoozeError
	if got := worker.RiverError(err); !errors.As(got, &snooze) || snooze.Duration != rl.After {
		t.Errorf("RiverError = %v, want a snooze of %s", got, rl.After)
	}
	if n := b.orders(inv); n != 0 {
		t.Errorf("%d orders", n)
	}
	if l, ok := b.link(inv); ok {
		t.Errorf("link recorded: %+v", l)
	}
	if cur := b.cursor(store.CursorXeroInvoices); !cur.IsZero() {
		t.Errorf("the cursor moved to %v", cur)
	}
}

// exhaust spends the ShipStation key's calls of the current window.
func exhaust(t *testing.T, b *engineBundle) {
	t.Helper()
	for range 100 {
		req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, b.semu.URL()+"/stores", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(b.semu.APIKey(), b.semu.APISecret())
		resp, err := testHTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			return
		}
	}
	t.Fatal("the ShipStation emulator never said 429")
}

// A Xero failure on the second page keeps what the first page committed:
// the cursor stops there and the retry sends the rest, nothing twice.
func TestExportXeroFailureMidRunKeepsCommittedPages(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{pageSize: 2})
	c := b.contact("Acme Outdoor Ltd")
	var invs []xeroemu.Invoice
	for range 4 {
		invs = append(invs, b.invoice(c, "AUTHORISED", true))
	}
	first := true
	sum, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{AfterPage: func(worker.Summary) {
		if first {
			first = false
			b.xemu.SetFaults(emukit.FaultConfig{ErrorRate: 1})
		}
	}})
	var rl *worker.RetryLaterError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want a RetryLaterError", err)
	}
	if sum.Exported != 2 {
		t.Fatalf("interrupted run: %s", sum)
	}
	if cur := b.cursor(store.CursorXeroInvoices); cur.IsZero() {
		t.Error("the first page's cursor was not kept")
	}
	b.xemu.SetFaults(emukit.FaultConfig{})
	if sum := b.export(); sum.Exported != 2 {
		t.Fatalf("retry: %s", sum)
	}
	for _, inv := range invs {
		if n := b.orders(inv); n != 1 {
			t.Errorf("%s has %d orders", inv.InvoiceNumber, n)
		}
	}
}

// Resync previews one invoice without sending (DryRun) and, with Force,
// sends its order again although it looks unchanged; an unknown invoice
// is ErrInvoiceNotFound.
func TestResync(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	inv := b.invoice(b.contact("Acme Outdoor Ltd"), "AUTHORISED", true)
	res, _, err := b.eng.Exporter.Resync(b.ctx, b.acct, inv.InvoiceID, worker.RunOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != worker.OutcomeExported || res.Decision.Order == nil || res.Decision.Order.OrderNumber != inv.InvoiceNumber {
		t.Errorf("preview: %+v", res)
	}
	// The invoice page shows Xero's status and due date and links to the
	// invoice through the organisation's short code.
	if res.Invoice == nil || res.Invoice.InvoiceID != inv.InvoiceID || res.Invoice.Status != "AUTHORISED" || res.OrgShortCode == "" {
		t.Errorf("preview: invoice %+v, short code %q", res.Invoice, res.OrgShortCode)
	}
	if n := b.orders(inv); n != 0 {
		t.Fatalf("a preview sent %d orders", n)
	}
	if _, ok := b.link(inv); ok {
		t.Error("a preview recorded a link")
	}
	b.export()
	res, sum, err := b.eng.Exporter.Resync(b.ctx, b.acct, inv.InvoiceID, worker.RunOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != worker.OutcomeUpdated || sum.ShipStationCalls != 1 {
		t.Errorf("forced resync: %+v, %s", res.Outcome, sum)
	}
	if n := b.orders(inv); n != 1 {
		t.Errorf("%d orders after a forced resync", n)
	}
	if _, _, err := b.eng.Exporter.Resync(b.ctx, b.acct, "00000000-0000-0000-0000-000000000000", worker.RunOptions{}); !errors.Is(err, worker.ErrInvoiceNotFound) {
		t.Errorf("unknown invoice: %v", err)
	}
}

// A ShipStation key that stops working marks the connection and cancels
// the job; the next run stops at once, without a call.
func TestExportRefusedKeyNeedsReconnect(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	b.invoice(b.contact("Acme Outdoor Ltd"), "AUTHORISED", true)
	creds := store.ShipStationCredentials{APIKey: b.semu.APIKey(), APISecret: "revoked"}
	if err := b.st.SaveShipStationConnection(b.ctx, b.acct, store.ConnectionMetadata{StoreID: b.semu.DefaultStoreID()}, creds); err != nil {
		t.Fatal(err)
	}
	_, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{})
	if !errors.Is(err, worker.ErrReconnectNeeded) {
		t.Fatalf("err = %v, want ErrReconnectNeeded", err)
	}
	conn, err := b.st.Connection(b.ctx, b.acct, store.KindShipStation)
	if err != nil || conn.Status != store.StatusReconnectNeeded || conn.StatusReason == "" {
		t.Errorf("connection %+v, %v", conn, err)
	}
	sum, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{})
	if !errors.Is(err, worker.ErrReconnectNeeded) || sum.XeroCalls+sum.ShipStationCalls != 0 {
		t.Errorf("next run: %v, %s", err, sum)
	}
}

// announce records Xero INVOICE events for invs as the receiver does:
// pending until an export reads them.
func (b *engineBundle) announce(invs ...xeroemu.Invoice) {
	b.t.Helper()
	var evs []store.WebhookEvent
	for _, inv := range invs {
		evs = append(evs, store.WebhookEvent{AccountID: b.acct, Source: store.SourceXero,
			Key:  store.EventKey(b.tenant, "INVOICE", "UPDATE", inv.InvoiceID, time.Now().Format(time.RFC3339Nano)),
			Kind: xero.EventCategoryInvoice, Resource: inv.InvoiceID, ReceivedAt: time.Now(), State: store.EventPending})
	}
	err := b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		_, err := tx.RecordWebhookEvents(b.ctx, evs)
		return err
	})
	if err != nil {
		b.t.Fatal(err)
	}
}

// A run webhooks asked for reads the announced invoices by ID, 50 a call,
// and no cached contact; it finishes the events. A run of the window
// finishes the events received before it started.
func TestExportWebhooksOnlyReadsAnnouncedInvoices(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	c := b.contact("Acme Outdoor Ltd")
	b.invoice(c, "AUTHORISED", true)
	if sum := b.export(); sum.Exported != 1 {
		t.Fatalf("first export: %s", sum)
	}
	var invs []xeroemu.Invoice
	for range 75 {
		invs = append(invs, b.invoice(c, "AUTHORISED", true))
	}
	bill, err := b.xemu.SeedInvoice(b.tenant, xeroemu.Invoice{Type: "ACCPAY", Status: "AUTHORISED",
		Contact: xeroemu.Contact{ContactID: c.ContactID}, Date: time.Now().UTC(), CurrencyCode: "NZD",
		LineItems: []xeroemu.LineItem{{Description: "Tent poles", Quantity: 1, UnitAmount: 40, AccountCode: "300", TaxType: "INPUT2"}}})
	if err != nil {
		t.Fatal(err)
	}
	b.announce(append(invs[:20:20], bill)...)
	b.xemu.Counters().Reset()
	sum, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{WebhooksOnly: true})
	if err != nil {
		t.Fatalf("export: %v (%s)", err, sum)
	}
	if sum.Exported != 20 || sum.XeroCalls != 1 || b.xemu.Counters().Total() != 1 {
		t.Errorf("20 announced invoices and a bill: %s; the emulator counted %v, want 20 exported in 1 call", sum, b.xemu.Counters().Snapshot())
	}
	if pending, err := b.st.HasPendingWebhookEvents(b.ctx, b.acct, store.SourceXero); err != nil || pending {
		t.Errorf("events pending after the run (%v)", err)
	}

	// 55 announced: more than 50 IDs in one URL fail at Xero, so two calls.
	b.announce(invs[20:]...)
	b.xemu.Counters().Reset()
	sum, err = b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{WebhooksOnly: true})
	if err != nil || sum.Exported != 55 || b.xemu.Counters().Total() != 2 {
		t.Errorf("55 announced: %v %s; the emulator counted %v, want 2 calls", err, sum, b.xemu.Counters().Snapshot())
	}

	// More than 100 announced at once (a bulk import) are read as the
	// window: the changed contacts (and, the emulator's contact having
	// changed with its invoices, that contact's invoices) and one page of
	// 1,000, not 6 calls of 50 IDs.
	var bulk []xeroemu.Invoice
	for range 300 {
		bulk = append(bulk, b.invoice(c, "AUTHORISED", true))
	}
	b.announce(bulk...)
	b.xemu.Counters().Reset()
	sum, err = b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{WebhooksOnly: true})
	if err != nil || sum.Exported != 300 || b.xemu.Counters().Total() > 3 {
		t.Errorf("300 announced: %v %s; the emulator counted %v, want at most 3 calls", err, sum, b.xemu.Counters().Snapshot())
	}
	if pending, err := b.st.HasPendingWebhookEvents(b.ctx, b.acct, store.SourceXero); err != nil || pending {
		t.Errorf("events pending after the bulk run (%v)", err)
	}

	// The window's run reads everything and finishes what it covered.
	b.announce(invs[0])
	if sum := b.export(); sum.Exported != 0 {
		t.Errorf("window run: %s", sum)
	}
	if pending, err := b.st.HasPendingWebhookEvents(b.ctx, b.acct, store.SourceXero); err != nil || pending {
		t.Errorf("events pending after the window's run (%v)", err)
	}
}

// A ShipStation key pair the server's keys cannot open (its key dropped
// too early in a rotation) stops the run as "reconnect needed" at once,
// rather than failing it for retries with a seal error.
func TestExportUnreadableKeyNeedsReconnect(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	b.invoice(b.contact("Acme Outdoor Ltd"), "AUTHORISED", true)
	lost := storetest.NewSealer(t)
	creds := store.ShipStationCredentials{APIKey: b.semu.APIKey(), APISecret: b.semu.APISecret()}
	if err := b.st.WithSealer(lost).SaveShipStationConnection(b.ctx, b.acct, store.ConnectionMetadata{StoreID: b.semu.DefaultStoreID()}, creds); err != nil {
		t.Fatal(err)
	}
	sum, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{})
	if !errors.Is(err, worker.ErrReconnectNeeded) || !errors.Is(err, store.ErrSecretUnreadable) {
		t.Fatalf("err = %v, want ErrReconnectNeeded and ErrSecretUnreadable", err)
	}
	if sum.ShipStationCalls != 0 {
		t.Errorf("%d ShipStation calls without a key", sum.ShipStationCalls)
	}
	conn, err := b.st.Connection(b.ctx, b.acct, store.KindShipStation)
	if err != nil || conn.Status != store.StatusReconnectNeeded || conn.StatusReason != store.ReasonSecretUnreadable {
		t.Errorf("connection %+v, %v", conn, err)
	}
}

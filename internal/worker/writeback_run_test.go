package worker_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// writeBackOn turns the account's write-back on, and the cost line when
// asked.
func (b *engineBundle) writeBackOn(costLine bool) {
	b.t.Helper()
	s, err := b.st.Settings(b.ctx, b.acct)
	if err != nil {
		b.t.Fatal(err)
	}
	s.WriteBackEnabled = true
	s.ShippingLine = store.ShippingLineSettings{Enabled: costLine, ItemCode: "SHIPPING", AccountCode: "200", TaxType: "OUTPUT2"}
	if err := b.st.SaveSettings(b.ctx, b.acct, s); err != nil {
		b.t.Fatal(err)
	}
}

// exported seeds a tagged invoice, exports it and returns it with its
// order.
func (b *engineBundle) exported() (xeroemu.Invoice, shipstationemu.Order) {
	b.t.Helper()
	inv := b.invoice(b.contact("Acme Outdoor Ltd"), "AUTHORISED", true)
	if sum := b.export(); sum.Exported != 1 {
		b.t.Fatalf("export: %s", sum)
	}
	return inv, b.order(inv)
}

// label buys a label for the order, as a merchant does in ShipStation.
func (b *engineBundle) label(o shipstationemu.Order) shipstationemu.Shipment {
	b.t.Helper()
	s, err := b.semu.CreateLabel(o.OrderID, shipstationemu.LabelRequest{CarrierCode: "ups_walleted", ServiceCode: "ups_ground",
		Weight: &shipstationemu.Weight{Value: 2, Units: "pounds"}})
	if err != nil {
		b.t.Fatalf("create label: %v", err)
	}
	return s
}

// writeBack runs one write-back and fails the test on an error.
func (b *engineBundle) writeBack(opts worker.WriteBackOptions) worker.WriteBackSummary {
	b.t.Helper()
	sum, err := b.eng.WriteBacker.Run(b.ctx, b.acct, opts)
	if err != nil {
		b.t.Fatalf("write back: %v (%s)", err, sum)
	}
	return sum
}

// notes returns the invoice's History notes, oldest first.
func (b *engineBundle) notes(inv xeroemu.Invoice) []string {
	var out []string
	for _, h := range b.xemu.History(b.tenant, inv.InvoiceID) {
		if h.Changes == "Note" {
			out = append(out, h.Details)
		}
	}
	return out
}

// shippingLines counts the invoice's lines with the shipping item code.
func (b *engineBundle) shippingLines(inv xeroemu.Invoice) int {
	b.t.Helper()
	got, ok := b.xemu.Invoice(b.tenant, inv.InvoiceID)
	if !ok {
		b.t.Fatalf("invoice %s gone", inv.InvoiceNumber)
	}
	n := 0
	for _, l := range got.LineItems {
		if l.ItemCode == "SHIPPING" {
			n++
		}
	}
	return n
}

// A label becomes one note on its invoice, with the tracking number; the
// link learns the order shipped; a re-run (the overlap window) writes
// nothing and makes no Xero call.
func TestWriteBackLabelWritesOneNote(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	b.writeBackOn(false)
	inv, o := b.exported()
	s := b.label(o)

	var results []worker.WriteBackResult
	sum := b.writeBack(worker.WriteBackOptions{OnEvent: func(r worker.WriteBackResult) { results = append(results, r) }})
	if sum.Shipments != 1 || sum.Written != 1 || sum.Notes != 1 || sum.Failed != 0 {
		t.Fatalf("write back: %s", sum)
	}
	if len(results) != 1 || results[0].Outcome != worker.WriteBackWritten || results[0].InvoiceID != inv.InvoiceID {
		t.Errorf("results %+v", results)
	}
	notes := b.notes(inv)
	if len(notes) != 1 || !strings.Contains(notes[0], s.TrackingNumber) {
		t.Fatalf("notes %q, want one naming %s", notes, s.TrackingNumber)
	}
	if l, _ := b.link(inv); l.OrderStatus != store.OrderStatusShipped {
		t.Errorf("link status %q, want shipped", l.OrderStatus)
	}
	logs := b.logFor(inv, store.ShipStationToXero)
	if len(logs) != 1 || logs[0].Outcome != store.OutcomeSuccess || !strings.Contains(logs[0].Detail, s.TrackingNumber) {
		t.Errorf("log %+v", logs)
	}
	for _, c := range []string{store.CursorShipStationShipments, worker.CursorShipStationVoids, worker.CursorShipStationFulfillments} {
		if b.cursor(c).IsZero() {
			t.Errorf("cursor %s did not move", c)
		}
	}

	again := b.writeBack(worker.WriteBackOptions{})
	if again.Done != 1 || again.Written != 0 || again.XeroCalls != 0 {
		t.Errorf("re-run: %s", again)
	}
	if n := len(b.notes(inv)); n != 1 {
		t.Errorf("%d notes after a re-run", n)
	}
	if n := len(b.logFor(inv, store.ShipStationToXero)); n != 1 {
		t.Errorf("%d log lines after a re-run", n)
	}
	// The export never sends a shipped order again.
	if _, err := b.xemu.UpdateInvoice(b.tenant, inv.InvoiceID, func(i *xeroemu.Invoice) { i.Reference = "PO-78" }); err != nil {
		t.Fatal(err)
	}
	if sum := b.export(); sum.Updated != 0 || sum.Exported != 0 {
		t.Errorf("export after shipping: %s", sum)
	}
}

// With the cost line off a note needs nothing from the invoice: its text
// comes from the shipment and its link, so a label costs exactly one Xero
// call (the note), and so does a fulfillment, and a label's void.
func TestWriteBackNoteCostsOneXeroCall(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	b.writeBackOn(false)
	inv, o := b.exported()
	s := b.label(o)
	xeroCalls := func(run func() worker.WriteBackSummary) (worker.WriteBackSummary, int64) {
		t.Helper()
		b.xemu.Counters().Reset()
		sum := run()
		return sum, b.xemu.Counters().Total()
	}
	sum, calls := xeroCalls(func() worker.WriteBackSummary { return b.writeBack(worker.WriteBackOptions{}) })
	if sum.Notes != 1 || sum.XeroCalls != 1 || calls != 1 {
		t.Errorf("label: %s; the Xero emulator counted %d calls (%v), want 1", sum, calls, b.xemu.Counters().Snapshot())
	}
	notes := b.notes(inv)
	if len(notes) != 1 || !strings.Contains(notes[0], s.TrackingNumber) {
		t.Fatalf("notes %q, want one naming %s", notes, s.TrackingNumber)
	}
	if logs := b.logFor(inv, store.ShipStationToXero); len(logs) != 1 || !strings.Contains(logs[0].Message, inv.InvoiceNumber) {
		t.Errorf("log %+v, want one line naming %s", logs, inv.InvoiceNumber)
	}

	if err := b.semu.VoidLabel(s.ShipmentID); err != nil {
		t.Fatal(err)
	}
	sum, calls = xeroCalls(func() worker.WriteBackSummary { return b.writeBack(worker.WriteBackOptions{}) })
	// The void may reopen the order: that recheck reads the invoice (and
	// asks ShipStation), apart from the note.
	if sum.Notes != 1 || int64(sum.XeroCalls) != calls || calls != 1+int64(sum.Rechecks) {
		t.Errorf("void: %s; the Xero emulator counted %d calls (%v), want 1 + %d rechecks", sum, calls, b.xemu.Counters().Snapshot(), sum.Rechecks)
	}

	inv2 := b.invoice(b.contact("Bravo Supplies Ltd"), "AUTHORISED", true)
	if sum := b.export(); sum.Exported != 1 {
		t.Fatalf("export: %s", sum)
	}
	o2 := b.order(inv2)
	if _, err := b.semu.MarkAsShipped(o2.OrderID, "fedex", "FX123456789", time.Now()); err != nil {
		t.Fatal(err)
	}
	sum, calls = xeroCalls(func() worker.WriteBackSummary { return b.writeBack(worker.WriteBackOptions{}) })
	if sum.Notes != 1 || calls != 1 {
		t.Errorf("fulfillment: %s; the Xero emulator counted %d calls (%v), want 1", sum, calls, b.xemu.Counters().Snapshot())
	}
	if n := len(b.notes(inv2)); n != 1 {
		t.Errorf("%d notes on the fulfilled invoice", n)
	}
}

// The invoices whose orders voids may have reopened are decided again
// together: three voided labels cost their three notes and one read of
// the three invoices by ID, and each link follows ShipStation.
func TestWriteBackRechecksReadInvoicesTogether(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	b.writeBackOn(false)
	var invs []xeroemu.Invoice
	for _, name := range []string{"Acme Outdoor Ltd", "Bravo Supplies Ltd", "Charlie Camping Ltd"} {
		invs = append(invs, b.invoice(b.contact(name), "AUTHORISED", true))
	}
	if sum := b.export(); sum.Exported != 3 {
		t.Fatalf("export: %s", sum)
	}
	var labels []shipstationemu.Shipment
	for _, inv := range invs {
		labels = append(labels, b.label(b.order(inv)))
	}
	if sum := b.writeBack(worker.WriteBackOptions{}); sum.Notes != 3 {
		t.Fatalf("labels: %s", sum)
	}
	for _, s := range labels {
		if err := b.semu.VoidLabel(s.ShipmentID); err != nil {
			t.Fatal(err)
		}
	}
	b.xemu.Counters().Reset()
	sum := b.writeBack(worker.WriteBackOptions{})
	if calls := b.xemu.Counters().Total(); sum.Notes != 3 || sum.Rechecks != 3 || calls != 4 {
		t.Errorf("voids: %s; the Xero emulator counted %d calls (%v), want 3 notes and 1 read", sum, calls, b.xemu.Counters().Snapshot())
	}
	for _, inv := range invs {
		if l, _ := b.link(inv); l.OrderStatus != shipstation.StatusAwaitingShipment {
			t.Errorf("%s: link status %q after its only label was voided, want %s", inv.InvoiceNumber, l.OrderStatus, shipstation.StatusAwaitingShipment)
		}
	}
}

// With the cost line on, a label adds a shipping line; voiding the label
// writes a second note and removes the line, once.
func TestWriteBackVoidedLabel(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	b.writeBackOn(true)
	inv, o := b.exported()
	s := b.label(o)
	sum := b.writeBack(worker.WriteBackOptions{})
	if sum.Notes != 1 || sum.Lines != 1 {
		t.Fatalf("label: %s", sum)
	}
	if n := b.shippingLines(inv); n != 1 {
		t.Fatalf("%d shipping lines after the label", n)
	}

	if err := b.semu.VoidLabel(s.ShipmentID); err != nil {
		t.Fatal(err)
	}
	sum = b.writeBack(worker.WriteBackOptions{})
	// Still inside the shipments window's overlap, the voided label is
	// read there first; either way it is handled once.
	if sum.Shipments+sum.Voids != 1 || sum.Notes != 1 || sum.LinesRemoved != 1 || sum.Failed != 0 {
		t.Fatalf("void: %s", sum)
	}
	notes := b.notes(inv)
	if len(notes) != 2 || !strings.Contains(strings.ToLower(notes[1]), "void") {
		t.Errorf("notes %q, want the label's and the void's", notes)
	}
	if n := b.shippingLines(inv); n != 0 {
		t.Errorf("%d shipping lines after the void", n)
	}

	again := b.writeBack(worker.WriteBackOptions{})
	if again.Written != 0 || again.XeroCalls != 0 {
		t.Errorf("re-run: %s", again)
	}
	if n := len(b.notes(inv)); n != 2 {
		t.Errorf("%d notes after a re-run", n)
	}
}

// An order marked shipped in ShipStation (a fulfillment, no label) is a
// note too.
func TestWriteBackFulfillment(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	b.writeBackOn(false)
	inv, o := b.exported()
	if _, err := b.semu.MarkAsShipped(o.OrderID, "fedex", "FX123456789", time.Now()); err != nil {
		t.Fatal(err)
	}
	sum := b.writeBack(worker.WriteBackOptions{})
	if sum.Fulfillments != 1 || sum.Notes != 1 {
		t.Fatalf("write back: %s", sum)
	}
	if notes := b.notes(inv); len(notes) != 1 || !strings.Contains(notes[0], "FX123456789") {
		t.Errorf("notes %q", notes)
	}
}

// With the write-back off a run makes no call at all.
func TestWriteBackOffMakesNoCall(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	_, o := b.exported()
	b.label(o)
	sum := b.writeBack(worker.WriteBackOptions{})
	if sum != (worker.WriteBackSummary{AccountID: b.acct}) {
		t.Errorf("summary %+v, want nothing done", sum)
	}
}

// A Xero 5xx ends the run with a RetryLaterError; the retry writes the
// note once.
func TestWriteBackServerErrorRetriesOnce(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	b.writeBackOn(false)
	inv, o := b.exported()
	b.label(o)
	b.xemu.SetFaults(emukit.FaultConfig{ErrorRate: 1})
	_, err := b.eng.WriteBacker.Run(b.ctx, b.acct, worker.WriteBackOptions{})
	var rl *worker.RetryLaterError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want a RetryLaterError", err)
	}
	if b.cursor(store.CursorShipStationShipments) != (time.Time{}) {
		t.Error("the shipments cursor moved past an event not written")
	}
	b.xemu.SetFaults(emukit.FaultConfig{})
	if sum := b.writeBack(worker.WriteBackOptions{}); sum.Notes != 1 {
		t.Fatalf("retry: %s", sum)
	}
	if n := len(b.notes(inv)); n != 1 {
		t.Errorf("%d notes", n)
	}
}

// loseNotes applies a note in Xero and then loses its answer, as a crash
// between Xero's answer and our commit would.
type loseNotes struct {
	next http.RoundTripper
	lose atomic.Bool
}

func (l *loseNotes) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil && r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/History") && l.lose.CompareAndSwap(true, false) {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return nil, errors.New("connection reset (test)")
	}
	return resp, err
}

// A note Xero wrote whose answer was lost is found in the invoice's
// History on the retry and recorded, not written twice.
func TestWriteBackLostAnswerIsFoundNotRepeated(t *testing.T) {
	t.Parallel()
	lossy := &loseNotes{next: testHTTP.Transport}
	b := setupEngine(t, engineOptions{xeroTransport: lossy})
	b.writeBackOn(false)
	inv, o := b.exported()
	b.label(o)
	lossy.lose.Store(true)
	if _, err := b.eng.WriteBacker.Run(b.ctx, b.acct, worker.WriteBackOptions{}); err == nil {
		t.Fatal("the run succeeded although the note's answer was lost")
	}
	if n := len(b.notes(inv)); n != 1 {
		t.Fatalf("%d notes after the lost answer, want Xero's one", n)
	}
	sum := b.writeBack(worker.WriteBackOptions{})
	if sum.HistoryChecks != 1 || sum.Found != 1 || sum.Notes != 0 || sum.Written != 1 {
		t.Errorf("retry: %s (%d history checks, %d found)", sum, sum.HistoryChecks, sum.Found)
	}
	if n := len(b.notes(inv)); n != 1 {
		t.Errorf("%d notes after the retry", n)
	}
}

// The Subscriber subscribes the account's SHIP_NOTIFY webhook; a label's
// delivery, recorded as a pending event, is written back by a run that
// reads only the webhook's batch.
func TestWriteBackFromWebhook(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var payloads []shipstation.WebhookPayload
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p shipstation.WebhookPayload
		if json.NewDecoder(r.Body).Decode(&p) == nil && strings.HasPrefix(r.URL.Path, worker.HookPath) {
			mu.Lock()
			payloads = append(payloads, p)
			mu.Unlock()
		}
	}))
	t.Cleanup(receiver.Close)
	b := setupEngine(t, engineOptions{hookBase: receiver.URL})
	b.writeBackOn(false)
	if err := b.eng.Subscriber.Subscribe(b.ctx, b.acct); err != nil {
		t.Fatal(err)
	}
	if err := b.eng.Subscriber.Subscribe(b.ctx, b.acct); err != nil {
		t.Fatalf("subscribing again: %v", err)
	}
	inv, o := b.exported()
	s := b.label(o)
	var p shipstation.WebhookPayload
	deadline := time.Now().Add(10 * time.Second)
	for p.ResourceURL == "" {
		if time.Now().After(deadline) {
			t.Fatal("no SHIP_NOTIFY delivered")
		}
		mu.Lock()
		for _, got := range payloads {
			if got.ResourceType == shipstation.EventShipNotify {
				p = got
			}
		}
		mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	err := b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		_, err := tx.RecordWebhookEvent(b.ctx, store.WebhookEvent{
			AccountID: b.acct, Source: store.SourceShipStation, Key: p.ResourceURL, Kind: p.ResourceType,
			Resource: p.ResourceURL, ReceivedAt: time.Now(), State: store.EventPending,
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := b.writeBack(worker.WriteBackOptions{WebhooksOnly: true})
	if sum.WebhookEvents != 1 || sum.Notes != 1 {
		t.Fatalf("webhook run: %s (%d events)", sum, sum.WebhookEvents)
	}
	if notes := b.notes(inv); len(notes) != 1 || !strings.Contains(notes[0], s.TrackingNumber) {
		t.Errorf("notes %q", notes)
	}
	if b.cursor(store.CursorShipStationShipments) != (time.Time{}) {
		t.Error("a webhook-only run read the windows")
	}
	if pending, err := b.st.HasPendingWebhookEvents(b.ctx, b.acct, store.SourceShipStation); err != nil || pending {
		t.Errorf("events still pending: %v, %v", pending, err)
	}
	if err := b.eng.Subscriber.Unsubscribe(b.ctx, b.acct); err != nil {
		t.Fatal(err)
	}
}

// The invoices page reads what the export and the write-back keep on the
// link: the customer, date, total and ship-to from the export, the
// tracking number and "written back" from the write-back, and a voided
// label's number leaves it.
func TestInvoiceLinkKeepsWhatThePageShows(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	b.writeBackOn(false)
	inv, o := b.exported()
	l, _ := b.link(inv)
	if l.Customer != "Acme Outdoor Ltd" || l.InvoiceDate != inv.Date.Format(time.DateOnly) || l.Currency != "NZD" ||
		l.TotalCents != int64(inv.Total*100+0.5) || l.TotalCents == 0 || l.ShipCity != o.ShipTo.City || l.ShipCity == "" ||
		l.ShipCountry != o.ShipTo.Country {
		t.Errorf("after the export the link is %+v; the order ships to %s, %s", l, o.ShipTo.City, o.ShipTo.Country)
	}
	if l.Tracking != "" || l.WrittenBack {
		t.Errorf("before any label: tracking %q, written back %v", l.Tracking, l.WrittenBack)
	}
	s := b.label(o)
	b.writeBack(worker.WriteBackOptions{})
	if l, _ = b.link(inv); l.Tracking != s.TrackingNumber || !l.WrittenBack {
		t.Errorf("after the write-back: tracking %q (want %q), written back %v", l.Tracking, s.TrackingNumber, l.WrittenBack)
	}
	if err := b.semu.VoidLabel(s.ShipmentID); err != nil {
		t.Fatal(err)
	}
	b.writeBack(worker.WriteBackOptions{})
	if l, _ = b.link(inv); l.Tracking != "" {
		t.Errorf("after the void: tracking %q", l.Tracking)
	}
}

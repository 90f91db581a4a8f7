package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// The write-back scenarios of issue 5, through both emulators: labels
// bought, voided and orders marked shipped in ShipStation, written back to
// the Xero invoices by app.WriteBackNow.

// writeBackSettings turns write-back on, and the cost line when asked.
func (w *world) writeBackSettings(costLine bool) {
	w.t.Helper()
	s, err := w.app.Store.Settings(w.ctx, w.acct)
	if err != nil {
		w.t.Fatal(err)
	}
	s.WriteBackEnabled = true
	s.ShippingLine = store.ShippingLineSettings{Enabled: costLine, ItemCode: "SHIPPING", AccountCode: "200", TaxType: "OUTPUT2"}
	if err := w.app.Store.SaveSettings(w.ctx, w.acct, s); err != nil {
		w.t.Fatal(err)
	}
}

// exported seeds a tagged invoice and exports it; it returns the invoice
// and its ShipStation order.
func (w *world) exported(customer string) (xeroemu.Invoice, shipstationemu.Order) {
	w.t.Helper()
	inv := w.invoice(w.contact(customer), true)
	if sum := w.export(); sum.Exported != 1 {
		w.t.Fatalf("export: %s", sum)
	}
	o, ok := w.order(inv)
	if !ok {
		w.t.Fatal("no order")
	}
	return inv, o
}

// label buys a label for the order as a merchant does in ShipStation.
func (w *world) label(o shipstationemu.Order, carrier, service string) shipstationemu.Shipment {
	w.t.Helper()
	s, err := w.semu.CreateLabel(o.OrderID, shipstationemu.LabelRequest{CarrierCode: carrier, ServiceCode: service,
		Weight: &shipstationemu.Weight{Value: 2, Units: "pounds"}})
	if err != nil {
		w.t.Fatalf("create label: %v", err)
	}
	return s
}

// writeBack runs one write-back now and fails the test on an error.
func (w *world) writeBack() worker.WriteBackSummary {
	w.t.Helper()
	sum, err := w.app.WriteBackNow(w.ctx, w.acct, worker.WriteBackOptions{})
	if err != nil {
		w.t.Fatalf("write back: %v (summary %s)", err, sum)
	}
	return sum
}

// notes returns the invoice's History notes, oldest first.
func (w *world) notes(inv xeroemu.Invoice) []string {
	var out []string
	for _, h := range w.xemu.History(w.tenant, inv.InvoiceID) {
		if h.Changes == "Note" {
			out = append(out, h.Details)
		}
	}
	return out
}

func (w *world) xeroInvoice(inv xeroemu.Invoice) xeroemu.Invoice {
	w.t.Helper()
	got, ok := w.xemu.Invoice(w.tenant, inv.InvoiceID)
	if !ok {
		w.t.Fatalf("invoice %s gone", inv.InvoiceNumber)
	}
	return got
}

// writeBackLog returns the invoice's write-back log lines, newest first.
func (w *world) writeBackLog(inv xeroemu.Invoice) []store.LogEntry {
	var out []store.LogEntry
	for _, e := range w.logFor(inv) {
		if e.Direction == store.ShipStationToXero {
			out = append(out, e)
		}
	}
	return out
}

func TestWriteBackLabelBoughtWritesOneNote(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.writeBackSettings(false)
	inv, o := w.exported("Acme Outdoor Ltd")
	s := w.label(o, "ups_walleted", "ups_ground")

	sum := w.writeBack()
	if sum.Shipments != 1 || sum.Written != 1 || sum.Notes != 1 || sum.Failed != 0 {
		t.Fatalf("write back: %s", sum)
	}
	notes := w.notes(inv)
	if len(notes) != 1 {
		t.Fatalf("notes = %q, want one", notes)
	}
	n := notes[0]
	cost := fmt.Sprintf("%.2f", s.ShipmentCost)
	for _, want := range []string{"Shipped " + s.ShipDate.Format("2006-01-02"), "UPS", "Ground", s.TrackingNumber, cost, inv.InvoiceNumber} {
		if !strings.Contains(n, want) {
			t.Errorf("note %q lacks %q", n, want)
		}
	}
	if len([]rune(n)) > 250 {
		t.Errorf("note is %d characters", len([]rune(n)))
	}
	logs := w.writeBackLog(inv)
	if len(logs) != 1 || logs[0].Outcome != store.OutcomeSuccess || !strings.Contains(logs[0].Message, "written back") {
		t.Errorf("log = %+v", logs)
	}
	if l := w.link(inv); l.OrderStatus != store.OrderStatusShipped {
		t.Errorf("link status %q, want shipped", l.OrderStatus)
	}

	// The overlap window reads the label again: nothing is written, and
	// no Xero call is made.
	again := w.writeBack()
	if again.Done != 1 || again.Written != 0 || again.XeroCalls != 0 {
		t.Errorf("second write back: %s", again)
	}
	if notes := w.notes(inv); len(notes) != 1 {
		t.Errorf("after a second run: %d notes", len(notes))
	}
	if logs := w.writeBackLog(inv); len(logs) != 1 {
		t.Errorf("after a second run: %d log lines", len(logs))
	}
}

func TestWriteBackTwoLabelsTwoNotes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.writeBackSettings(false)
	inv, o := w.exported("Acme Outdoor Ltd")
	a := w.label(o, "ups_walleted", "ups_ground")
	b := w.label(o, "fedex", "fedex_ground")

	if sum := w.writeBack(); sum.Notes != 2 {
		t.Fatalf("write back: %s", sum)
	}
	notes := w.notes(inv)
	if len(notes) != 2 {
		t.Fatalf("notes = %q, want two", notes)
	}
	for _, s := range []shipstationemu.Shipment{a, b} {
		n := 0
		for _, note := range notes {
			if strings.Contains(note, s.TrackingNumber) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("tracking %s in %d notes, want 1: %q", s.TrackingNumber, n, notes)
		}
	}
}

func TestWriteBackVoidWritesVoidedNote(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.writeBackSettings(false)
	inv, o := w.exported("Acme Outdoor Ltd")
	s := w.label(o, "ups_walleted", "ups_ground")
	w.writeBack()
	if err := w.semu.VoidLabel(s.ShipmentID); err != nil {
		t.Fatal(err)
	}
	sum := w.writeBack()
	// The label is read once, in the create window's overlap or the void
	// window, and costs one note (no cost line: the invoice is not read);
	// the order is open again, so its invoice is decided again (one
	// invoice read).
	if sum.Shipments+sum.Voids != 1 || sum.Notes != 1 || sum.XeroCalls != 2 || sum.Rechecks != 1 || sum.HistoryChecks != 0 {
		t.Fatalf("write back after void: %s", sum)
	}
	notes := w.notes(inv)
	if len(notes) != 2 {
		t.Fatalf("notes = %q, want the shipped note and the voided note", notes)
	}
	if !strings.Contains(notes[1], "voided") || !strings.Contains(notes[1], s.TrackingNumber) {
		t.Errorf("voided note = %q", notes[1])
	}
	if again := w.writeBack(); again.Written != 0 || again.XeroCalls != 0 {
		t.Errorf("third run: %s", again)
	}
	if n := len(w.notes(inv)); n != 2 {
		t.Errorf("%d notes after a third run", n)
	}
}

func TestWriteBackPaidInvoiceGetsNoteOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.writeBackSettings(true)
	inv, o := w.exported("Acme Outdoor Ltd")
	w.edit(inv, func(i *xeroemu.Invoice) { i.Status = "PAID" })
	w.label(o, "ups_walleted", "ups_ground")

	sum := w.writeBack()
	if sum.Notes != 1 || sum.Lines != 0 || sum.Warnings == 0 {
		t.Fatalf("write back: %s", sum)
	}
	got := w.xeroInvoice(inv)
	if len(got.LineItems) != 2 || got.Status != "PAID" {
		t.Errorf("paid invoice now %s with %d lines", got.Status, len(got.LineItems))
	}
	if n := len(w.notes(inv)); n != 1 {
		t.Errorf("%d notes, want 1", n)
	}
	logs := w.writeBackLog(inv)
	if len(logs) != 1 || logs[0].Outcome != store.OutcomeWarning || !strings.Contains(logs[0].Detail, "payment allocated") {
		t.Errorf("log = %+v", logs)
	}
	// Settled: re-reading the label costs no Xero call and no log line.
	if again := w.writeBack(); again.XeroCalls != 0 || again.Done != 1 {
		t.Errorf("second write back: %s", again)
	}
	if n := len(w.writeBackLog(inv)); n != 1 {
		t.Errorf("%d log lines after a second run", n)
	}
}

func TestWriteBackEditableInvoiceGetsShippingLine(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.writeBackSettings(true)
	inv, o := w.exported("Acme Outdoor Ltd")
	before := w.xeroInvoice(inv)
	s := w.label(o, "ups_walleted", "ups_ground")

	sum := w.writeBack()
	if sum.Notes != 1 || sum.Lines != 1 || sum.Failed != 0 {
		t.Fatalf("write back: %s", sum)
	}
	got := w.xeroInvoice(inv)
	if len(got.LineItems) != 3 {
		t.Fatalf("lines = %+v, want the two lines and the shipping line", got.LineItems)
	}
	for i, l := range before.LineItems {
		g := got.LineItems[i]
		if g.LineItemID != l.LineItemID || g.ItemCode != l.ItemCode || g.Description != l.Description || g.Quantity != l.Quantity ||
			g.UnitAmount != l.UnitAmount || g.AccountCode != l.AccountCode || g.TaxType != l.TaxType || len(g.Tracking) != len(l.Tracking) {
			t.Errorf("line %d changed:\n was %+v\n now %+v", i, l, g)
		}
	}
	ship := got.LineItems[2]
	if ship.ItemCode != "SHIPPING" || ship.Quantity != 1 || fmt.Sprintf("%.2f", ship.UnitAmount) != fmt.Sprintf("%.2f", s.ShipmentCost) ||
		ship.AccountCode != "200" || !strings.Contains(ship.Description, s.TrackingNumber) {
		t.Errorf("shipping line = %+v (cost %.2f)", ship, s.ShipmentCost)
	}

	// No ping-pong: our edit bumped the invoice, and the export reads it
	// again, but never re-sends the shipped order.
	modified := func() time.Time { o, _ := w.order(inv); return o.ModifyDate }
	m0 := modified()
	exp := w.export()
	if exp.Exported+exp.Updated != 0 || exp.ShipStationCalls != 0 {
		t.Errorf("export after the write-back: %s", exp)
	}
	if !modified().Equal(m0) {
		t.Error("the shipped order was modified after our own invoice edit")
	}
	if again := w.writeBack(); again.Written != 0 || again.Lines != 0 {
		t.Errorf("second write back: %s", again)
	}
	if n := len(w.xeroInvoice(inv).LineItems); n != 3 {
		t.Errorf("%d lines after a second run", n)
	}
}

func TestWriteBackVoidBeforePaymentRemovesLine(t *testing.T) {
	t.Parallel()
	checkVoidBeforePaymentRemovesLine(t, newWorld(t, worldOptions{}))
}

func TestPostgresWriteBackVoidBeforePaymentRemovesLine(t *testing.T) {
	t.Parallel()
	checkVoidBeforePaymentRemovesLine(t, newWorld(t, worldOptions{store: storetest.OpenPostgres(t)}))
}

// checkVoidBeforePaymentRemovesLine: a label's cost line is added, and
// removed again when the label is voided while the invoice is editable.
func checkVoidBeforePaymentRemovesLine(t *testing.T, w *world) {
	w.writeBackSettings(true)
	inv, o := w.exported("Acme Outdoor Ltd")
	before := w.xeroInvoice(inv)
	s := w.label(o, "ups_walleted", "ups_ground")
	if sum := w.writeBack(); sum.Lines != 1 {
		t.Fatalf("write back: %s", sum)
	}
	if err := w.semu.VoidLabel(s.ShipmentID); err != nil {
		t.Fatal(err)
	}
	sum := w.writeBack()
	if sum.LinesRemoved != 1 || sum.Notes != 1 {
		t.Fatalf("write back after void: %s", sum)
	}
	got := w.xeroInvoice(inv)
	if len(got.LineItems) != 2 {
		t.Fatalf("lines after void = %+v", got.LineItems)
	}
	for i, l := range before.LineItems {
		if got.LineItems[i].LineItemID != l.LineItemID || got.LineItems[i].Description != l.Description {
			t.Errorf("line %d changed: %+v", i, got.LineItems[i])
		}
	}
	if got.Total != before.Total {
		t.Errorf("total %.2f, want %.2f again", got.Total, before.Total)
	}
	notes := w.notes(inv)
	if len(notes) != 2 || !strings.Contains(notes[1], "voided") {
		t.Errorf("notes = %q", notes)
	}
}

func TestWriteBackFulfillmentNoteWithoutCost(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.writeBackSettings(true)
	inv, o := w.exported("Acme Outdoor Ltd")
	if _, err := w.semu.MarkAsShipped(o.OrderID, "fedex", "FX-7781", time.Time{}); err != nil {
		t.Fatal(err)
	}
	sum := w.writeBack()
	if sum.Fulfillments != 1 || sum.Notes != 1 || sum.Lines != 0 {
		t.Fatalf("write back: %s", sum)
	}
	notes := w.notes(inv)
	if len(notes) != 1 || !strings.Contains(notes[0], "FX-7781") || !strings.Contains(notes[0], "Marked shipped") ||
		strings.Contains(strings.ToLower(notes[0]), "cost") {
		t.Errorf("notes = %q", notes)
	}
	if n := len(w.xeroInvoice(inv).LineItems); n != 2 {
		t.Errorf("%d lines, want 2 (a fulfillment has no cost)", n)
	}
	if l := w.link(inv); l.OrderStatus != store.OrderStatusShipped {
		t.Errorf("link status %q", l.OrderStatus)
	}
}

func TestWriteBackOffWritesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	inv, o := w.exported("Acme Outdoor Ltd")
	w.label(o, "ups_walleted", "ups_ground")
	sum := w.writeBack()
	if sum.XeroCalls+sum.ShipStationCalls != 0 || sum.Shipments != 0 {
		t.Errorf("write back while off: %s", sum)
	}
	if n := len(w.notes(inv)); n != 0 {
		t.Errorf("%d notes while write-back is off", n)
	}
}

func TestWriteBackThroughRiver(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sweep: true})
	w.writeBackSettings(false)
	inv, o := w.exported("Acme Outdoor Ltd")
	w.label(o, "ups_walleted", "ups_ground")
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- w.app.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	if _, err := w.app.EnqueueWriteBack(w.ctx, w.acct); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the note", func() bool { return len(w.notes(inv)) == 1 })
	// A void fires no webhook: the periodic sweep finds it.
	s := w.semu.Shipments()[0]
	if err := w.semu.VoidLabel(s.ShipmentID); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the voided note", func() bool { return len(w.notes(inv)) == 2 })
}

// BenchmarkWriteBack reports the write-back's throughput against both
// emulators (no rate limits, SQLite): labels written back per second and
// API calls per label, with the cost line on (a note and a line edit per
// label, plus one invoice read).
func BenchmarkWriteBack(b *testing.B) {
	w := writeBackWorld(b, nil)
	_, orders := seedShippedOrders(b, w, 20)
	const batch = 20
	var shipments, xeroCalls, ssCalls int
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		since := time.Now().Add(-time.Second)
		for i := range batch {
			buyLabel(b, w, orders[i%len(orders)], "ups_walleted", "ups_ground")
		}
		b.StartTimer()
		start := time.Now()
		sum, err := w.app.WriteBackNow(w.ctx, w.acct, worker.WriteBackOptions{Since: since})
		elapsed += time.Since(start)
		if err != nil {
			b.Fatalf("write back: %v", err)
		}
		if sum.Notes != batch {
			b.Fatalf("write back: %s", sum)
		}
		shipments += batch
		xeroCalls += sum.XeroCalls
		ssCalls += sum.ShipStationCalls
	}
	if shipments > 0 && elapsed > 0 {
		b.ReportMetric(float64(shipments)/elapsed.Seconds(), "shipments/s")
		b.ReportMetric(float64(xeroCalls)/float64(shipments), "xero-calls/shipment")
		b.ReportMetric(float64(ssCalls)/float64(shipments), "shipstation-calls/shipment")
	}
}

func TestWriteBackIgnoresOrdersWeDidNotCreate(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.writeBackSettings(true)
	inv, _ := w.exported("Acme Outdoor Ltd")
	// An order keyed in ShipStation by another integration, numbered like
	// our invoice.
	ss, err := shipstation.New(shipstation.Config{BaseURL: w.semu.URL(), APIKey: w.semu.APIKey(), APISecret: w.semu.APISecret()})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := ss.CreateOrder(w.ctx, shipstation.Order{
		OrderNumber: inv.InvoiceNumber, OrderKey: "shopify-981", OrderDate: ss.DateTime(time.Now()), OrderStatus: "awaiting_shipment",
		BillTo: shipstation.Address{Name: "Pat"}, ShipTo: shipstation.Address{Name: "Pat", Street1: "1 Main St", City: "Austin", State: "TX", PostalCode: "78701", Country: "US"},
	})
	if err != nil {
		t.Fatal(err)
	}
	o, ok := w.semu.Order(theirs.OrderID)
	if !ok {
		t.Fatal("order not in the emulator")
	}
	w.label(o, "ups_walleted", "ups_ground")
	if _, err := w.semu.MarkAsShipped(o.OrderID, "fedex", "FX-1", time.Time{}); err != nil {
		t.Fatal(err)
	}
	sum := w.writeBack()
	if sum.Written+sum.Notes+sum.XeroCalls != 0 || sum.Skipped == 0 {
		t.Errorf("write back of a foreign order: %s", sum)
	}
	if n := len(w.notes(inv)); n != 0 {
		t.Errorf("%d notes on our invoice from a foreign order", n)
	}
	if logs := w.writeBackLog(inv); len(logs) != 0 {
		t.Errorf("log = %+v", logs)
	}
}

func TestWriteBackRefusedLineIsLoggedWithWhatToDo(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.writeBackSettings(true)
	s, err := w.app.Store.Settings(w.ctx, w.acct)
	if err != nil {
		t.Fatal(err)
	}
	s.ShippingLine.TaxType = "BOGUS" // not a tax type of the organisation
	if err := w.app.Store.SaveSettings(w.ctx, w.acct, s); err != nil {
		t.Fatal(err)
	}
	inv, o := w.exported("Acme Outdoor Ltd")
	w.label(o, "ups_walleted", "ups_ground")
	sum := w.writeBack()
	if sum.Notes != 1 || sum.Lines != 0 || sum.Failed != 1 {
		t.Fatalf("write back: %s", sum)
	}
	if n := len(w.xeroInvoice(inv).LineItems); n != 2 {
		t.Errorf("%d lines after a refused edit", n)
	}
	logs := w.writeBackLog(inv)
	if len(logs) != 1 || logs[0].Outcome != store.OutcomeFailed || !strings.Contains(logs[0].Message, "tax type") ||
		!strings.Contains(logs[0].Message, "note was written") {
		t.Errorf("log = %+v", logs)
	}
}

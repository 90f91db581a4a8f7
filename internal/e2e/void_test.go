package e2e_test

import (
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// The shipped state follows ShipStation (issue 12): when every label of an
// order is voided, ShipStation puts the order back to awaiting_shipment,
// and invoice edits reach it again.

// exportLog returns the invoice's export log lines, oldest first.
func (w *world) exportLog(inv xeroemu.Invoice) []string {
	var out []string
	for _, e := range w.logFor(inv) {
		if e.Direction == store.XeroToShipStation {
			out = append([]string{e.Message}, out...)
		}
	}
	return out
}

// checkLog fails unless the lines contain the wants, one each, in order.
func checkLog(t *testing.T, lines []string, wants ...string) {
	t.Helper()
	if len(lines) != len(wants) {
		t.Errorf("%d export log lines, want %d:\n%s", len(lines), len(wants), strings.Join(lines, "\n"))
		return
	}
	for i, want := range wants {
		if !strings.Contains(lines[i], want) {
			t.Errorf("export log line %d = %q, want it to say %q", i, lines[i], want)
		}
	}
}

func pegs(o shipstationemu.Order) int {
	for _, it := range o.Items {
		if it.SKU == "PEG-10" {
			return it.Quantity
		}
	}
	return 0
}

func TestWriteBackVoidReopensTheOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.writeBackSettings(true)
	inv, o := w.exported("Acme Outdoor Ltd")
	s := w.label(o, "ups_walleted", "ups_ground")
	if sum := w.writeBack(); sum.Lines != 1 {
		t.Fatalf("write back: %s", sum)
	}
	// Our own cost line is read back by the export and not sent.
	if exp := w.export(); exp.Exported+exp.Updated != 0 || exp.Skipped != 1 {
		t.Fatalf("export after the write-back: %s", exp)
	}
	// An edit while the order is shipped is not sent either; re-reading it
	// adds no log line.
	w.edit(inv, func(i *xeroemu.Invoice) { i.Reference = "PO-78" })
	w.export()
	w.export()
	if got, _ := w.order(inv); got.AdvancedOptions.CustomField1 != "PO-77" {
		t.Fatalf("a shipped order was changed: reference %q", got.AdvancedOptions.CustomField1)
	}

	if err := w.semu.VoidLabel(s.ShipmentID); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.order(inv); got.OrderStatus != shipstationemu.StatusAwaitingShipment {
		t.Fatalf("ShipStation order after the void is %s", got.OrderStatus)
	}
	sum := w.writeBack()
	if sum.Notes != 1 || sum.LinesRemoved != 1 || sum.Failed != 0 {
		t.Fatalf("write back after the void: %s", sum)
	}
	if l := w.link(inv); l.OrderStatus != shipstationemu.StatusAwaitingShipment {
		t.Errorf("link status after the void %q, want %q", l.OrderStatus, shipstationemu.StatusAwaitingShipment)
	}
	// The open order got the edit made while it was shipped, and not our
	// (removed) cost line.
	got, _ := w.order(inv)
	if got.AdvancedOptions.CustomField1 != "PO-78" || got.ShippingAmount != 0 {
		t.Errorf("order after the void: reference %q, shipping %.2f", got.AdvancedOptions.CustomField1, got.ShippingAmount)
	}

	// Later edits flow to the order again.
	w.edit(inv, func(i *xeroemu.Invoice) { i.LineItems[1].Quantity = 3 })
	if exp := w.export(); exp.Updated != 1 {
		t.Errorf("export of an edit after the void: %s", exp)
	}
	if got, _ := w.order(inv); pegs(got) != 3 {
		t.Errorf("order has %d pegs, want the edit's 3", pegs(got))
	}
	if exp := w.export(); exp.Updated+exp.Exported != 0 {
		t.Errorf("re-read: %s", exp)
	}
	checkLog(t, w.exportLog(inv),
		" exported: ",
		" skipped: order already shipped in ShipStation",
		" updated in ShipStation: ",
		" updated in ShipStation: ")
	if lines := w.exportLog(inv); len(lines) == 4 && !strings.Contains(lines[2], "awaiting_shipment again") {
		t.Errorf("the update after the void does not say the order is open again: %q", lines[2])
	}
}

func TestVoidedLabelResyncTellsTheTruth(t *testing.T) {
	t.Parallel()
	// Write-back off: the export learns that the order shipped when it is
	// about to replace it.
	w := newWorld(t, worldOptions{})
	inv, o := w.exported("Acme Outdoor Ltd")
	s := w.label(o, "ups_walleted", "ups_ground")
	w.edit(inv, func(i *xeroemu.Invoice) { i.Reference = "PO-78" })
	if exp := w.export(); exp.Skipped != 1 {
		t.Fatalf("export of an edit after shipping: %s", exp)
	}
	if l := w.link(inv); l.OrderStatus != shipstationemu.StatusShipped {
		t.Fatalf("link status %q, want shipped", l.OrderStatus)
	}

	// Re-sync says it sent nothing, and the log says so too.
	res, err := w.app.Resync(w.ctx, w.acct, inv.InvoiceID, worker.RunOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != worker.OutcomeSkipped || !strings.Contains(res.Reason, "already shipped") {
		t.Errorf("re-sync of a shipped invoice: %s (%s)", res.Outcome, res.Reason)
	}

	// The label is voided; nothing writes back. Re-sync reads the order's
	// status and sends the edit.
	if err := w.semu.VoidLabel(s.ShipmentID); err != nil {
		t.Fatal(err)
	}
	res, err = w.app.Resync(w.ctx, w.acct, inv.InvoiceID, worker.RunOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != worker.OutcomeUpdated {
		t.Errorf("re-sync after the void: %s (%s)", res.Outcome, res.Reason)
	}
	if got, _ := w.order(inv); got.AdvancedOptions.CustomField1 != "PO-78" {
		t.Errorf("order after the re-sync: reference %q", got.AdvancedOptions.CustomField1)
	}
	if l := w.link(inv); l.OrderStatus != shipstationemu.StatusAwaitingShipment {
		t.Errorf("link status %q after the re-sync", l.OrderStatus)
	}
	checkLog(t, w.exportLog(inv),
		" exported: ",
		" skipped: order already shipped in ShipStation",
		" skipped: order already shipped in ShipStation",
		" updated in ShipStation: ")
}

func TestWriteBackVoidOfOneOfTwoLabelsKeepsTheOrderShipped(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.writeBackSettings(false)
	inv, o := w.exported("Acme Outdoor Ltd")
	a := w.label(o, "ups_walleted", "ups_ground")
	b := w.label(o, "fedex", "fedex_ground")
	w.writeBack()
	w.edit(inv, func(i *xeroemu.Invoice) { i.Reference = "PO-78" })
	w.export()

	// One package's label voided: ShipStation keeps the order shipped, and
	// so does the link; asking costs no log line.
	if err := w.semu.VoidLabel(a.ShipmentID); err != nil {
		t.Fatal(err)
	}
	if sum := w.writeBack(); sum.Rechecks != 1 || sum.Notes != 1 {
		t.Fatalf("write back after the first void: %s", sum)
	}
	if l := w.link(inv); l.OrderStatus != shipstationemu.StatusShipped {
		t.Errorf("link status %q with a live label", l.OrderStatus)
	}
	if got, _ := w.order(inv); got.AdvancedOptions.CustomField1 != "PO-77" {
		t.Errorf("a shipped order was changed: reference %q", got.AdvancedOptions.CustomField1)
	}
	// The void window reads it again: ShipStation was asked once for this
	// void, and is not asked again on every re-read (each question is two
	// calls that a 5xx can fail, so asking forever starves the run).
	if sum := w.writeBack(); sum.Rechecks != 0 || sum.XeroCalls != 0 {
		t.Errorf("write back re-reading the handled void: %s", sum)
	}

	// The last label voided: the order is open, and gets the edit.
	if err := w.semu.VoidLabel(b.ShipmentID); err != nil {
		t.Fatal(err)
	}
	w.writeBack()
	if l := w.link(inv); l.OrderStatus != shipstationemu.StatusAwaitingShipment {
		t.Errorf("link status %q after the last void", l.OrderStatus)
	}
	if got, _ := w.order(inv); got.AdvancedOptions.CustomField1 != "PO-78" {
		t.Errorf("order after the last void: reference %q", got.AdvancedOptions.CustomField1)
	}
	checkLog(t, w.exportLog(inv),
		" exported: ",
		" skipped: order already shipped in ShipStation",
		" updated in ShipStation: ")
}

package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

// testWriteBack covers the write-back's queries: links by order id, the
// shipped mark, every action kind, and the attempt marker.
func testWriteBack(t *testing.T, open Opener) {
	b := setup(t, open)
	a, other := b.account(t, "Ours"), b.account(t, "Theirs")
	link := store.InvoiceLink{AccountID: a.ID, InvoiceID: "inv-1", InvoiceNumber: "INV-1", OrderKey: "k1", OrderID: 77,
		OrderStatus: "awaiting_shipment", Decision: store.DecisionExported, ContentHash: "h"}
	must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, link))

	got, err := b.st.InvoiceLinkByOrderID(b.ctx, a.ID, 77)
	must(t, "InvoiceLinkByOrderID", err)
	if got.InvoiceID != "inv-1" {
		t.Errorf("InvoiceLinkByOrderID = %+v", got)
	}
	_, err = b.st.InvoiceLinkByOrderID(b.ctx, other.ID, 77)
	wantNotFound(t, "InvoiceLinkByOrderID(other account)", err)
	_, err = b.st.InvoiceLinkByOrderID(b.ctx, a.ID, 0)
	wantNotFound(t, "InvoiceLinkByOrderID(0)", err)

	changed, err := b.st.MarkInvoiceShipped(b.ctx, a.ID, "inv-1")
	must(t, "MarkInvoiceShipped", err)
	if !changed {
		t.Error("MarkInvoiceShipped reported no change")
	}
	changed, err = b.st.MarkInvoiceShipped(b.ctx, a.ID, "inv-1")
	must(t, "MarkInvoiceShipped again", err)
	if changed {
		t.Error("MarkInvoiceShipped again reported a change")
	}
	got, err = b.st.InvoiceLink(b.ctx, a.ID, "inv-1")
	must(t, "InvoiceLink", err)
	if got.OrderStatus != store.OrderStatusShipped || got.Decision != store.DecisionExported || got.ContentHash != "h" || got.OrderID != 77 {
		t.Errorf("after MarkInvoiceShipped: %+v (only the status may change)", got)
	}
	if changed, _ := b.st.MarkInvoiceShipped(b.ctx, other.ID, "inv-1"); changed {
		t.Error("MarkInvoiceShipped changed another account's link")
	}

	kinds := []store.WriteBackKind{store.WriteBackNote, store.WriteBackLine, store.WriteBackVoidNote, store.WriteBackLineRemoved, store.WriteBackLineSettled}
	for i, k := range kinds {
		isNew, err := b.st.MarkShipmentWritten(b.ctx, store.WrittenShipment{AccountID: a.ID, ShipmentID: "shipment:9", Kind: k, InvoiceID: "inv-1", WrittenAt: ts(0).Add(time.Duration(i))})
		must(t, "MarkShipmentWritten("+string(k)+")", err)
		if !isNew {
			t.Errorf("MarkShipmentWritten(%s) not new", k)
		}
	}
	acts, err := b.st.ShipmentActions(b.ctx, a.ID, "shipment:9")
	must(t, "ShipmentActions", err)
	slices.Sort(acts)
	want := slices.Clone(kinds)
	slices.Sort(want)
	if !slices.Equal(acts, want) {
		t.Errorf("ShipmentActions = %v, want %v", acts, want)
	}
	if acts, _ := b.st.ShipmentActions(b.ctx, other.ID, "shipment:9"); len(acts) != 0 {
		t.Errorf("ShipmentActions leaked to another account: %v", acts)
	}

	for _, acct := range []int64{a.ID, a.ID} { // twice: a repeat is no error
		must(t, "MarkShipmentAttempted", b.st.MarkShipmentAttempted(b.ctx, acct, "shipment:10"))
	}
	if ok, err := b.st.ShipmentAttempted(b.ctx, a.ID, "shipment:10"); err != nil || !ok {
		t.Errorf("ShipmentAttempted = %v, %v; want true", ok, err)
	}
	if ok, err := b.st.ShipmentAttempted(b.ctx, other.ID, "shipment:10"); err != nil || ok {
		t.Errorf("ShipmentAttempted(other account) = %v, %v; want false", ok, err)
	}
	if ok, err := b.st.ShipmentAttempted(b.ctx, a.ID, "shipment:11"); err != nil || ok {
		t.Errorf("ShipmentAttempted(never) = %v, %v; want false", ok, err)
	}
	must(t, "ClearShipmentAttempt(other account)", b.st.ClearShipmentAttempt(b.ctx, other.ID, "shipment:10"))
	if ok, _ := b.st.ShipmentAttempted(b.ctx, a.ID, "shipment:10"); !ok {
		t.Error("ClearShipmentAttempt of another account cleared ours")
	}
	must(t, "WithTx", b.st.WithTx(b.ctx, func(tx *store.Tx) error { return tx.ClearShipmentAttempt(b.ctx, a.ID, "shipment:10") }))
	if ok, err := b.st.ShipmentAttempted(b.ctx, a.ID, "shipment:10"); err != nil || ok {
		t.Errorf("ShipmentAttempted after clearing = %v, %v; want false", ok, err)
	}
}

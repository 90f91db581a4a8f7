package e2e_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// checkTaggedInvoiceBecomesOneOrder is the first "done means" scenario,
// shared by the SQLite and PostgreSQL tests.
func checkTaggedInvoiceBecomesOneOrder(t *testing.T, w *world) {
	c := w.contact("Acme Outdoor Ltd")
	inv := w.invoice(c, true)
	sum := w.export()
	if sum.Exported != 1 || sum.Failed != 0 {
		t.Fatalf("first export: %s", sum)
	}
	o, ok := w.order(inv)
	if !ok {
		t.Fatal("no ShipStation order for the tagged invoice")
	}
	if o.OrderNumber != inv.InvoiceNumber || o.OrderStatus != "awaiting_shipment" {
		t.Errorf("order %s status %s, want %s awaiting_shipment", o.OrderNumber, o.OrderStatus, inv.InvoiceNumber)
	}
	// Ship-to is the contact's STREET address, bill-to its POBOX address.
	if o.ShipTo.Street1 != "Goods Inwards" || o.ShipTo.Street2 != "12 Dock Road" || o.ShipTo.City != "Hamilton" ||
		o.ShipTo.State != "Waikato" || o.ShipTo.PostalCode != "3204" || o.ShipTo.Country != "NZ" || o.ShipTo.Name != "Jane Receiver" {
		t.Errorf("shipTo = %+v", o.ShipTo)
	}
	if o.BillTo.Street1 != "PO Box 1234" || o.BillTo.City != "Wellington" || o.BillTo.Country != "NZ" ||
		o.BillTo.Name != "Accounts Payable" || o.BillTo.Company != "Acme Outdoor Ltd" {
		t.Errorf("billTo = %+v", o.BillTo)
	}
	if len(o.Items) != 2 || o.Items[0].SKU != "TENT-2P" || o.Items[0].Quantity != 2 {
		t.Errorf("items = %+v", o.Items)
	}
	// Running again sends nothing and leaves exactly one order and one log line.
	again := w.export()
	if again.Exported != 0 || again.Updated != 0 || again.Unchanged != 1 || again.ShipStationCalls != 0 {
		t.Errorf("second export: %s", again)
	}
	if n := w.ordersFor(inv); n != 1 {
		t.Errorf("%d orders for the invoice, want 1", n)
	}
	lines := w.logFor(inv)
	if len(lines) != 1 || lines[0].Outcome != store.OutcomeSuccess || !strings.Contains(lines[0].Message, "exported") {
		t.Errorf("log = %+v", lines)
	}
	l := w.link(inv)
	if l.OrderID != o.OrderID || l.Decision != store.DecisionExported || l.ContentHash == "" {
		t.Errorf("link = %+v", l)
	}
}

func TestTaggedInvoiceBecomesOneOrder(t *testing.T) {
	t.Parallel()
	checkTaggedInvoiceBecomesOneOrder(t, newWorld(t, worldOptions{}))
}

func TestUntaggedInvoiceIsSkippedUntilTheRuleIsOff(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	inv := w.invoice(w.contact("Walk-in Customer"), false)
	sum := w.export()
	if sum.Skipped != 1 || sum.Exported != 0 {
		t.Fatalf("export: %s", sum)
	}
	if _, ok := w.order(inv); ok {
		t.Fatal("an untagged invoice became an order")
	}
	lines := w.logFor(inv)
	if len(lines) != 1 || lines[0].Outcome != store.OutcomeSkipped || !strings.Contains(lines[0].Message, `tracking option "ShipStation"`) {
		t.Fatalf("log = %+v", lines)
	}
	// The next run repeats the decision without a new log line.
	w.export()
	if got := len(w.logFor(inv)); got != 1 {
		t.Errorf("%d log lines after a repeat run, want 1", got)
	}

	s, err := w.app.Store.Settings(w.ctx, w.acct)
	if err != nil {
		t.Fatal(err)
	}
	s.TrackingRuleEnabled = false
	if err := w.app.SaveSettings(w.ctx, w.acct, s); err != nil {
		t.Fatal(err)
	}
	sum = w.export()
	if sum.Exported != 1 {
		t.Fatalf("export with the rule off: %s", sum)
	}
	if _, ok := w.order(inv); !ok {
		t.Fatal("no order once the rule is off")
	}
}

func TestEditUpdatesTheOpenOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	inv := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	w.export()
	before, _ := w.order(inv)
	w.edit(inv, func(i *xeroemu.Invoice) {
		i.LineItems[0].Quantity = 3
		i.LineItems[0].Description = "Two-person tent, green"
	})
	sum := w.export()
	if sum.Updated != 1 {
		t.Fatalf("export after edit: %s", sum)
	}
	after, _ := w.order(inv)
	if after.OrderID != before.OrderID || after.Items[0].Quantity != 3 || after.Items[0].Name != "Two-person tent, green" {
		t.Errorf("order after edit: id %d (was %d), items %+v", after.OrderID, before.OrderID, after.Items)
	}
	if n := w.ordersFor(inv); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
}

func TestVoidCancelsTheOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	inv := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	w.export()
	w.edit(inv, func(i *xeroemu.Invoice) { i.Status = "VOIDED" })
	sum := w.export()
	if sum.Cancelled != 1 {
		t.Fatalf("export after void: %s", sum)
	}
	o, _ := w.order(inv)
	if o.OrderStatus != "cancelled" {
		t.Errorf("order status %s, want cancelled", o.OrderStatus)
	}
	if l := w.link(inv); l.Decision != store.DecisionCancelled || l.OrderStatus != "cancelled" {
		t.Errorf("link = %+v", l)
	}
}

func TestPaymentUpdatesAmountPaid(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	inv := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	w.export()
	if o, _ := w.order(inv); o.AmountPaid != 0 {
		t.Fatalf("amountPaid %v before payment", o.AmountPaid)
	}
	paid := w.edit(inv, func(i *xeroemu.Invoice) { i.Status = "PAID" })
	sum := w.export()
	if sum.Updated != 1 {
		t.Fatalf("export after payment: %s", sum)
	}
	o, _ := w.order(inv)
	if o.AmountPaid != paid.Total || o.PaymentDate.IsZero() {
		t.Errorf("amountPaid %v paymentDate %v, want %v and a date", o.AmountPaid, o.PaymentDate, paid.Total)
	}
}

func TestShippedOrderIsLeftAlone(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	inv := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	w.export()
	o, _ := w.order(inv)
	if _, err := w.semu.CreateLabel(o.OrderID, shipstationemu.LabelRequest{CarrierCode: "stamps_com", ServiceCode: "usps_priority_mail"}); err != nil {
		t.Fatalf("create label: %v", err)
	}
	w.edit(inv, func(i *xeroemu.Invoice) { i.LineItems[0].Quantity = 5 })
	sum := w.export()
	if sum.Updated != 0 || sum.Skipped != 1 {
		t.Fatalf("export after shipping: %s", sum)
	}
	after, _ := w.order(inv)
	if after.OrderStatus != "shipped" || after.Items[0].Quantity != 2 {
		t.Errorf("shipped order changed: status %s, items %+v", after.OrderStatus, after.Items)
	}
	lines := w.logFor(inv)
	if len(lines) != 2 || !strings.Contains(lines[0].Message, "already shipped") {
		t.Errorf("log = %+v", lines)
	}
	if l := w.link(inv); l.OrderStatus != "shipped" {
		t.Errorf("link status %q, want shipped", l.OrderStatus)
	}
}

// TestShippedOrderLeftAloneWithStaleLink covers a link that still says
// the order is open and a shipped-orders check that missed it: ShipStation
// refuses the update, the worker asks for the order and leaves it alone.
func TestShippedOrderLeftAloneWithStaleLink(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	inv := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	w.export()
	o, _ := w.order(inv)
	if _, err := w.semu.CreateLabel(o.OrderID, shipstationemu.LabelRequest{CarrierCode: "stamps_com", ServiceCode: "usps_priority_mail"}); err != nil {
		t.Fatal(err)
	}
	// Pretend the last shipped-orders check ran after the label.
	err := w.app.Store.ResetCursor(w.ctx, w.acct, worker.CursorShippedOrders, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	w.edit(inv, func(i *xeroemu.Invoice) { i.LineItems[0].Quantity = 5 })
	sum := w.export()
	if sum.Updated != 0 || sum.Failed != 0 || sum.Skipped != 1 {
		t.Fatalf("export: %s", sum)
	}
	if after, _ := w.order(inv); after.Items[0].Quantity != 2 {
		t.Errorf("shipped order changed: %+v", after.Items)
	}
	lines := w.logFor(inv)
	if !strings.Contains(lines[0].Message, "skipped: order already shipped") {
		t.Errorf("log = %+v", lines)
	}
	if l := w.link(inv); l.OrderStatus != "shipped" {
		t.Errorf("link status %q, want shipped", l.OrderStatus)
	}
	// The overlap window reads the invoice again: the same decision in the
	// same words, so no second line.
	w.export()
	if again := w.logFor(inv); len(again) != len(lines) {
		t.Errorf("a re-read added %d log lines: %q", len(again)-len(lines), again[0].Message)
	}
}

// TestContactAddressChangeReachesTheOrder: the merchant fixes the ship-to
// address on the contact in Xero (and does not touch the invoice); the
// next run replaces the open order with the new address, although the
// contact was cached and the invoice did not change.
func TestContactAddressChangeReachesTheOrder(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	w := newWorld(t, worldOptions{})
	c := w.contact("Acme Outdoor Ltd")
	inv := w.invoice(c, true)
	w.export()
	tok := otherAppToken(w.ctx, t, w.xemu)
	body := `{"Contacts":[{"ContactID":"` + c.ContactID + `","Addresses":[
		{"AddressType":"POBOX","AddressLine1":"PO Box 1234","City":"Wellington","PostalCode":"6140","Country":"New Zealand"},
		{"AddressType":"STREET","AddressLine1":"7 New Wharf","City":"Tauranga","PostalCode":"3110","Country":"New Zealand"}]}]}`
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, w.xemu.URL()+"/api.xro/2.0/Contacts/"+c.ContactID, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("xero-tenant-id", w.tenant)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update contact: %s", resp.Status)
	}
	sum := w.export()
	if sum.Updated != 1 {
		t.Fatalf("export: %s", sum)
	}
	o, _ := w.order(inv)
	if o.ShipTo.Street1 != "7 New Wharf" || o.ShipTo.City != "Tauranga" {
		t.Errorf("shipTo = %+v, want the new street address", o.ShipTo)
	}
	// The refresh costs one contact call, not one per contact.
	if got := w.xemu.Counters().Get("GET /api.xro/2.0/Contacts"); got > 2 {
		t.Errorf("%d contact list calls over two runs", got)
	}
}

// TestResyncAndPreview: the preview of an exported invoice shows the order
// ShipStation has and sends nothing; a forced re-sync sends it again,
// which restores an order someone deleted in ShipStation.
func TestResyncAndPreview(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	w := newWorld(t, worldOptions{})
	inv := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	w.export()
	o, _ := w.order(inv)
	req, err := http.NewRequestWithContext(w.ctx, http.MethodDelete, w.semu.URL()+"/orders/"+strconv.FormatInt(o.OrderID, 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(w.semu.APIKey(), w.semu.APISecret())
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, _ := w.order(inv); !got.Deleted {
		t.Fatal("the order was not deleted")
	}
	before := w.semu.Counters().Get("POST /orders/createorders")
	preview, err := w.app.Resync(w.ctx, w.acct, inv.InvoiceID, worker.RunOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if preview.Outcome != worker.OutcomeUnchanged || preview.Decision.Order == nil || preview.Decision.Order.OrderNumber != inv.InvoiceNumber {
		t.Errorf("preview = %+v", preview)
	}
	res, err := w.app.Resync(w.ctx, w.acct, inv.InvoiceID, worker.RunOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != worker.OutcomeUpdated {
		t.Errorf("resync outcome %s (%s)", res.Outcome, res.Reason)
	}
	if got := w.semu.Counters().Get("POST /orders/createorders") - before; got != 1 {
		t.Errorf("%d upserts, want 1 (the preview sends nothing)", got)
	}
	if got, _ := w.order(inv); got.Deleted || got.OrderID != o.OrderID {
		t.Errorf("order after resync: deleted %v, id %d (was %d)", got.Deleted, got.OrderID, o.OrderID)
	}
	if _, err := w.app.Resync(w.ctx, w.acct, "00000000-0000-0000-0000-000000000000", worker.RunOptions{}); !errors.Is(err, worker.ErrInvoiceNotFound) {
		t.Errorf("resync of an unknown invoice: %v", err)
	}
}

package bridge

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/xero"
)

func TestOrderFields(t *testing.T) {
	t.Parallel()
	paid := testInvoiceOf(func(inv *xero.Invoice) {
		inv.Status, inv.AmountPaid, inv.AmountDue, inv.FullyPaidOnDate = xero.StatusPaid, 57.5, 0, xero.NewDate(2026, 11, 22)
	})
	o := mustExport(t, paid, testContactOf(func(c *xero.Contact) { c.EmailAddress = " orders@acme.example " }), testSettings()).Order
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var wire map[string]any
	if err := json.Unmarshal(b, &wire); err != nil {
		t.Fatal(err)
	}
	ao := wire["advancedOptions"].(map[string]any)
	checks := []struct {
		field string
		got   any
		want  any
	}{
		{"orderNumber", wire["orderNumber"], "INV-0042"},
		{"orderKey", wire["orderKey"], OrderKey(testTenant, testInvoice)},
		// A Xero date is a calendar day: it goes as that day's midnight,
		// which ShipStation reads as Pacific wall time.
		{"orderDate", wire["orderDate"], "2026-11-20 00:00:00"},
		{"paymentDate", wire["paymentDate"], "2026-11-22 00:00:00"},
		{"orderStatus", wire["orderStatus"], "awaiting_shipment"},
		{"customerEmail", wire["customerEmail"], "orders@acme.example"},
		{"customerUsername", wire["customerUsername"], "orders@acme.example"},
		{"amountPaid", wire["amountPaid"], 57.5},
		{"taxAmount", wire["taxAmount"], 7.5},
		{"shippingAmount", wire["shippingAmount"], 0.0},
		{"customField1", ao["customField1"], "PO 7781"},
		{"source", ao["source"], "Xero"},
		{"storeId", ao["storeId"], 123456.0},
		{"orderId", wire["orderId"], nil}, // never sent: the orderKey identifies the order
		{"residential", wire["shipTo"].(map[string]any)["residential"], nil},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.field, c.got, c.want)
		}
	}
	// Unpaid: no payment date; no store configured: ShipStation chooses.
	o = mustExport(t, testInvoiceOf(), testContactOf(func(c *xero.Contact) { c.EmailAddress = "" }), testSettings(func(s *Settings) { s.StoreID = 0 })).Order
	if !o.PaymentDate.IsZero() || o.CustomerEmail != "" || o.CustomerUsername != "c0ffee00-0000-4000-8000-000000000001" || o.AdvancedOptions.StoreID != 0 {
		t.Errorf("unpaid, no email, no store: paymentDate %v email %q username %q store %d", o.PaymentDate, o.CustomerEmail, o.CustomerUsername, o.AdvancedOptions.StoreID)
	}
}

func TestMissingContact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		embedded *xero.Contact
		want     string
	}{
		{"named on the invoice", &xero.Contact{ContactID: "x", Name: "Acme Ltd"}, `its contact "Acme Ltd" could not be found in Xero`},
		{"not on the invoice", nil, "its contact could not be found in Xero"},
	}
	for _, tt := range tests {
		d := Decide(testInvoiceOf(func(inv *xero.Invoice) { inv.Contact = tt.embedded }), nil, testSettings(), nil)
		if d.Kind != Skip || d.Cause != CauseMissingContact || !strings.Contains(d.Reason, tt.want) {
			t.Errorf("%s: Decide = %s/%s %q; want %q", tt.name, d.Kind, d.Cause, d.Reason, tt.want)
		}
	}
}

func TestWallMidnight(t *testing.T) {
	t.Parallel()
	if got := wallMidnight(xero.NewDate(2026, 3, 8)).String(); got != "2026-03-08 00:00:00" {
		t.Errorf("wallMidnight on a DST day = %q", got) // the day Pacific time springs forward
	}
	if !wallMidnight(xero.Date{}).IsZero() {
		t.Error("the zero date must give null")
	}
}

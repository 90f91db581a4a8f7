package bridge

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

func withTracking(tr ...xero.LineItemTracking) func(*xero.Invoice) {
	return func(inv *xero.Invoice) { inv.LineItems[0].Tracking = tr }
}

func TestEligible(t *testing.T) {
	t.Parallel()
	tag := func(category, option string) xero.LineItemTracking {
		return xero.LineItemTracking{Name: category, Option: option}
	}
	tests := []struct {
		name      string
		inv       xero.Invoice
		s         Settings
		want      bool
		wantCause Cause
		reason    string // substring of the reason
	}{
		{"default rule, option present", testInvoiceOf(), testSettings(), true, CauseNone, ""},
		{"option case-insensitive", testInvoiceOf(withTracking(tag("Channel", "shipstation"))), testSettings(), true, CauseNone, ""},
		{"option with spaces", testInvoiceOf(withTracking(tag("Channel", "  SHIPSTATION "))), testSettings(), true, CauseNone, ""},
		{"configured name with spaces", testInvoiceOf(), testSettings(func(s *Settings) { s.TrackingOption = " shipstation  " }), true, CauseNone, ""},
		{"option on a later line only", testInvoiceOf(withTracking(), func(inv *xero.Invoice) {
			inv.LineItems = append(inv.LineItems, xero.LineItem{Description: "Note", Tracking: []xero.LineItemTracking{tag("Region", "North"), tag("Channel", "ShipStation")}})
		}), testSettings(), true, CauseNone, ""},
		{"option missing", testInvoiceOf(withTracking()), testSettings(), false, CauseTrackingRule,
			`no line carries the tracking option "ShipStation"; add it to a line in Xero, or turn the tracking rule off`},
		{"other option", testInvoiceOf(withTracking(tag("Channel", "Amazon"))), testSettings(), false, CauseTrackingRule, `"ShipStation"`},
		{"option name is not a category name", testInvoiceOf(withTracking(tag("ShipStation", "Yes"))), testSettings(), false, CauseTrackingRule, ""},
		{"rule off", testInvoiceOf(withTracking()), testSettings(func(s *Settings) { s.TrackingRule = false }), true, CauseNone, ""},
		{"renamed option", testInvoiceOf(withTracking(tag("Channel", "Ship me"))), testSettings(func(s *Settings) { s.TrackingOption = "Ship Me" }), true, CauseNone, ""},
		{"renamed option, old name on line", testInvoiceOf(), testSettings(func(s *Settings) { s.TrackingOption = "Warehouse" }), false, CauseTrackingRule, `"Warehouse"`},
		{"category matches", testInvoiceOf(), testSettings(func(s *Settings) { s.TrackingCategory = "sales channel" }), true, CauseNone, ""},
		{"category differs", testInvoiceOf(), testSettings(func(s *Settings) { s.TrackingCategory = "Region" }), false, CauseTrackingRule,
			`the tracking option "ShipStation" in category "Region"`},
		{"paid", testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusPaid }), testSettings(), true, CauseNone, ""},
		{"draft", testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusDraft }), testSettings(), false, CauseStatus,
			"the invoice is a draft (DRAFT) and only AUTHORISED or PAID invoices are sent; approve it in Xero"},
		{"submitted", testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusSubmitted }), testSettings(), false, CauseStatus, "awaiting approval (SUBMITTED)"},
		{"paid not in statuses", testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusPaid }),
			testSettings(func(s *Settings) { s.Statuses = []string{"AUTHORISED"} }), false, CauseStatus, "only AUTHORISED invoices"},
		{"drafts switched on", testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusDraft }),
			testSettings(func(s *Settings) { s.Statuses = []string{"draft", "AUTHORISED"} }), true, CauseNone, ""},
		{"voided", testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusVoided }), testSettings(), false, CauseStatus,
			"the invoice is voided (VOIDED); it is never sent (an order already sent for it is cancelled)"},
		{"unknown status", testInvoiceOf(func(inv *xero.Invoice) { inv.Status = "" }), testSettings(), false, CauseStatus, "the invoice is in status - and only"},
		{"settings statuses in any case", testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusSubmitted }),
			testSettings(func(s *Settings) { s.Statuses = []string{" draft", "Authorised"} }), false, CauseStatus, "only DRAFT or AUTHORISED invoices"},
		{"bill", testInvoiceOf(func(inv *xero.Invoice) { inv.Type = xero.InvoiceTypePurchase }), testSettings(), false, CauseNotSalesInvoice, "type ACCPAY"},
		{"credit note type", testInvoiceOf(func(inv *xero.Invoice) { inv.Type = "ACCRECCREDIT" }), testSettings(), false, CauseNotSalesInvoice, "ACCRECCREDIT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, reason := Eligible(tt.inv, tt.s)
			if ok != tt.want || (ok && reason != "") || !strings.Contains(reason, tt.reason) {
				t.Errorf("Eligible = %v, %q; want %v, containing %q", ok, reason, tt.want, tt.reason)
			}
			// Decide agrees and reports the same reason.
			d := Decide(tt.inv, testContactOf(), tt.s, nil)
			if tt.want && d.Kind != Export {
				t.Errorf("Decide = %s: %s; want export", d.Kind, d.Reason)
			}
			if tt.inv.Status == xero.StatusVoided {
				return // Decide cancels instead; see TestDecideLifecycle
			}
			if !tt.want && (d.Kind != Skip || d.Cause != tt.wantCause || d.Reason != reason || d.Order != nil) {
				t.Errorf("Decide = %s/%s %q; want skip/%s %q", d.Kind, d.Cause, d.Reason, tt.wantCause, reason)
			}
		})
	}
}

func TestDecideLifecycle(t *testing.T) {
	t.Parallel()
	base := testInvoiceOf()
	hash := mustExport(t, base, testContactOf(), testSettings()).Hash
	voided := testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusVoided })
	deleted := testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusDeleted })
	paid := testInvoiceOf(func(inv *xero.Invoice) {
		inv.Status, inv.AmountPaid, inv.AmountDue, inv.FullyPaidOnDate = xero.StatusPaid, 57.5, 0, xero.NewDate(2026, 11, 22)
	})
	untagged := testInvoiceOf(withTracking())
	prev := func(status, h string) *Previous { return &Previous{OrderID: 99, OrderStatus: status, Hash: h} }
	tests := []struct {
		name      string
		inv       xero.Invoice
		contact   *xero.Contact
		prev      *Previous
		kind      Kind
		cause     Cause
		reason    string
		orderStat string // the order's status when there is an order
	}{
		{"new", base, testContactOf(), nil, Export, CauseNone, "becomes a new order", shipstation.StatusAwaitingShipment},
		{"unchanged", base, testContactOf(), prev(shipstation.StatusAwaitingShipment, hash), Unchanged, CauseNone, "already has this order", shipstation.StatusAwaitingShipment},
		{"unchanged, status unknown", base, testContactOf(), prev("", hash), Unchanged, CauseNone, "", shipstation.StatusAwaitingShipment},
		{"edited", base, testContactOf(func(c *xero.Contact) { c.Addresses[1].AddressLine1 = "2 Queen St" }),
			prev(shipstation.StatusAwaitingShipment, hash), Export, CauseNone, "the order is replaced", shipstation.StatusAwaitingShipment},
		{"paid since", paid, testContactOf(), prev(shipstation.StatusAwaitingShipment, hash), Export, CauseNone, "replaced", shipstation.StatusAwaitingShipment},
		{"on hold is open", paid, testContactOf(), prev(shipstation.StatusOnHold, hash), Export, CauseNone, "", shipstation.StatusAwaitingShipment},
		{"shipped", paid, testContactOf(), prev(shipstation.StatusShipped, hash), Skip, CauseShipped, "order already shipped in ShipStation", ""},
		{"cancelled in shipstation", paid, testContactOf(), prev(shipstation.StatusCancelled, hash), Skip, CauseCancelled, "cancelled in ShipStation", ""},
		{"no longer tagged, open order", untagged, testContactOf(), prev(shipstation.StatusAwaitingShipment, hash), Skip, CauseTrackingRule,
			"turn the tracking rule off; the order already in ShipStation was left as it is", ""},
		{"address removed after export", base, testContactOf(func(c *xero.Contact) { c.Addresses = nil }), prev(shipstation.StatusAwaitingShipment, hash),
			Skip, CauseNoAddress, `contact "Acme Ltd" has no address; add a street (delivery) address to the contact in Xero; the order already in ShipStation was left as it is`, ""},
		{"voided, never exported", voided, testContactOf(), nil, Skip, CauseNeverExported, "invoice voided before it was exported", ""},
		{"deleted, never exported", deleted, testContactOf(), nil, Skip, CauseNeverExported, "invoice deleted before it was exported", ""},
		{"voided, open order", voided, testContactOf(), prev(shipstation.StatusAwaitingShipment, hash), Cancel, CauseNone, "invoice voided in Xero, so its ShipStation order is cancelled", shipstation.StatusCancelled},
		{"deleted, held order", deleted, testContactOf(), prev(shipstation.StatusOnHold, hash), Cancel, CauseNone, "invoice deleted", shipstation.StatusCancelled},
		// A voided invoice no longer needs the tracking option to cancel.
		{"voided untagged, open order", testInvoiceOf(withTracking(), func(inv *xero.Invoice) { inv.Status = xero.StatusVoided }), testContactOf(),
			prev(shipstation.StatusAwaitingShipment, hash), Cancel, CauseNone, "", shipstation.StatusCancelled},
		{"voided, contact gone", voided, nil, prev(shipstation.StatusAwaitingShipment, hash), Cancel, CauseCannotRebuild,
			"cancelled as ShipStation has it (it could not be rebuilt from Xero: its contact \"Acme Ltd\" could not be found", ""},
		{"voided, shipped", voided, testContactOf(), prev(shipstation.StatusShipped, hash), Alert, CauseVoidedAfterShip,
			"invoice voided after its order shipped: recall the parcel or credit the customer", ""},
		{"deleted, shipped", deleted, testContactOf(), prev(shipstation.StatusShipped, hash), Alert, CauseVoidedAfterShip, "deleted after its order shipped", ""},
		{"voided, already cancelled", voided, testContactOf(), prev(shipstation.StatusCancelled, hash), Unchanged, CauseAlreadyCancelled, "already cancelled", ""},
		{"voided bill", testInvoiceOf(func(inv *xero.Invoice) { inv.Type, inv.Status = xero.InvoiceTypePurchase, xero.StatusVoided }), testContactOf(),
			prev(shipstation.StatusAwaitingShipment, hash), Skip, CauseNotSalesInvoice, "not a sales invoice (type ACCPAY)", ""},
		{"missing contact", base, nil, nil, Skip, CauseMissingContact, `its contact "Acme Ltd" could not be found in Xero`, ""},
		{"incomplete settings", base, testContactOf(), nil, Skip, CauseSettings, "the account's settings are incomplete: tenant id is empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := testSettings()
			if tt.cause == CauseSettings {
				s.TenantID = ""
			}
			d := Decide(tt.inv, tt.contact, s, tt.prev)
			if d.Kind != tt.kind || d.Cause != tt.cause || !strings.Contains(d.Reason, tt.reason) {
				t.Fatalf("Decide = %s/%s %q; want %s/%s containing %q", d.Kind, d.Cause, d.Reason, tt.kind, tt.cause, tt.reason)
			}
			if d.Update != (tt.prev != nil) {
				t.Errorf("Update = %v with prev %v", d.Update, tt.prev)
			}
			if tt.orderStat == "" {
				if d.Order != nil || d.Hash != "" {
					t.Errorf("Decision carries an order (%v) or hash (%q); want neither", d.Order != nil, d.Hash)
				}
				return
			}
			if d.Order == nil {
				t.Fatal("Decision has no order")
			}
			if d.Order.OrderStatus != tt.orderStat {
				t.Errorf("orderStatus = %q, want %q", d.Order.OrderStatus, tt.orderStat)
			}
			if d.Hash != Hash(d.Order) {
				t.Error("Decision.Hash is not the hash of Decision.Order")
			}
			if d.Order.OrderKey != OrderKey(testTenant, testInvoice) {
				t.Errorf("orderKey = %q: a cancel or update must reuse the order's key", d.Order.OrderKey)
			}
		})
	}
}

func TestOrderKey(t *testing.T) {
	t.Parallel()
	want := "xero:6b1f0e3a-51c2-4b8b-9d3e-2a0f5c7d8e91:0c5a3e6b-7f21-4d0a-9e44-1b2c3d4e5f60"
	for _, args := range [][2]string{
		{testTenant, testInvoice},
		{strings.ToLower(testTenant), strings.ToLower(testInvoice)},
		{" " + testTenant + " ", "\t" + testInvoice},
	} {
		if got := OrderKey(args[0], args[1]); got != want {
			t.Errorf("OrderKey(%q, %q) = %q, want %q", args[0], args[1], got, want)
		}
	}
	if OrderKey("t1", "i1") == OrderKey("t2", "i1") {
		t.Error("two tenants share an order key for the same invoice id")
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	a := mustExport(t, testInvoiceOf(), testContactOf(), testSettings())
	b := mustExport(t, testInvoiceOf(), testContactOf(), testSettings())
	if a.Hash != b.Hash || len(a.Hash) != 64 {
		t.Fatalf("hashes of the same invoice differ or are malformed: %q %q", a.Hash, b.Hash)
	}
	// Everything that reaches ShipStation changes the hash.
	changes := map[string]Decision{
		"reference":  mustExport(t, testInvoiceOf(func(inv *xero.Invoice) { inv.Reference = "PO 7782" }), testContactOf(), testSettings()),
		"paid":       mustExport(t, testInvoiceOf(func(inv *xero.Invoice) { inv.AmountPaid = 10 }), testContactOf(), testSettings()),
		"phone":      mustExport(t, testInvoiceOf(), testContactOf(func(c *xero.Contact) { c.Phones = nil }), testSettings()),
		"store":      mustExport(t, testInvoiceOf(), testContactOf(), testSettings(func(s *Settings) { s.StoreID = 7 })),
		"line price": mustExport(t, testInvoiceOf(func(inv *xero.Invoice) { inv.LineItems[0].LineAmount = 48 }), testContactOf(), testSettings()),
	}
	for name, d := range changes {
		if d.Hash == a.Hash {
			t.Errorf("changing the %s did not change the hash", name)
		}
	}
	// Things ShipStation never sees do not.
	same := mustExport(t, testInvoiceOf(func(inv *xero.Invoice) { inv.DueDate = xero.NewDate(2027, 1, 1); inv.UpdatedDateUTC = xero.Time{} }),
		testContactOf(func(c *xero.Contact) { c.TaxNumber = "123-456-789" }), testSettings())
	if same.Hash != a.Hash {
		t.Error("a change ShipStation never sees changed the hash")
	}
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	var stored shipstation.Order
	if err := json.Unmarshal([]byte(`{"orderId":99,"orderNumber":"INV-0042","orderKey":"k","orderStatus":"awaiting_shipment",
		"createDate":"2026-11-20T08:00:00.0000000","modifyDate":"2026-11-21T08:00:00.0000000","customerId":5,"orderTotal":57.5,
		"billTo":{"name":"A"},"shipTo":{"name":"B","street1":"1 Queen St","country":"NZ"},
		"items":[{"orderItemId":7,"lineItemKey":"l1","sku":"W","name":"Widget","quantity":2,"unitPrice":25,"createDate":"2026-11-20T08:00:00.0000000"}],
		"advancedOptions":{"storeId":123456,"customField1":"PO","mergedOrSplit":false,"mergedIds":[1],"parentId":3}}`), &stored); err != nil {
		t.Fatal(err)
	}
	got := Cancelled(stored)
	if got.OrderStatus != shipstation.StatusCancelled || got.OrderID != 99 || got.OrderKey != "k" || got.ShipTo.Street1 != "1 Queen St" {
		t.Errorf("Cancelled lost the order: %+v", got)
	}
	if !got.CreateDate.IsZero() || got.CustomerID != 0 || got.OrderTotal != 0 || got.Items[0].OrderItemID != 0 || !got.Items[0].CreateDate.IsZero() ||
		got.AdvancedOptions.MergedIDs != nil || got.AdvancedOptions.ParentID != 0 {
		t.Errorf("Cancelled kept read-only fields: %+v", got)
	}
	if got.AdvancedOptions.StoreID != 123456 || got.AdvancedOptions.CustomField1 != "PO" || got.Items[0].SKU != "W" {
		t.Errorf("Cancelled dropped writable fields: %+v", got)
	}
	if stored.OrderStatus != shipstation.StatusAwaitingShipment || stored.Items[0].OrderItemID != 7 || stored.AdvancedOptions.ParentID != 3 {
		t.Error("Cancelled modified its argument")
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	exported := mustExport(t, testInvoiceOf(), testContactOf(), testSettings())
	updated := Decide(testInvoiceOf(), testContactOf(func(c *xero.Contact) { c.Addresses = c.Addresses[:1] }), testSettings(), &Previous{Hash: "old"})
	tests := []struct {
		d    Decision
		want string
	}{
		{exported, "INV-0042 exported: 1 item, 57.50, ship to Jane Receiver, Auckland NZ"},
		{updated, "INV-0042 updated in ShipStation: 1 item, 57.50, ship to Jane Receiver, Auckland NZ (1 warning)"},
		{Decide(testInvoiceOf(withTracking()), testContactOf(), testSettings(), nil),
			`INV-0042 skipped: no line carries the tracking option "ShipStation"; add it to a line in Xero, or turn the tracking rule off`},
		{Decide(testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusVoided }), testContactOf(), testSettings(), &Previous{OrderStatus: "shipped"}),
			"INV-0042 needs attention: invoice voided after its order shipped: recall the parcel or credit the customer"},
		{Decide(testInvoiceOf(func(inv *xero.Invoice) { inv.Status = xero.StatusVoided }), testContactOf(), testSettings(), &Previous{}),
			"INV-0042: invoice voided in Xero, so its ShipStation order is cancelled"},
		{Decide(testInvoiceOf(), testContactOf(), testSettings(), &Previous{Hash: exported.Hash}),
			"INV-0042 unchanged: ShipStation already has this order as it is now"},
		{Decide(testInvoiceOf(func(inv *xero.Invoice) { inv.InvoiceNumber = "" }), testContactOf(), testSettings(), nil),
			"invoice 0C5A3E6B-7F21-4D0A-9E44-1B2C3D4E5F60 skipped: the invoice has no number; give it one in Xero"},
	}
	for _, tt := range tests {
		if got := tt.d.Summary(); got != tt.want {
			t.Errorf("Summary() =\n %q\nwant\n %q", got, tt.want)
		}
	}
}

func TestDecideInvalidInvoice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mod    func(*xero.Invoice)
		reason string
	}{
		{"no id", func(inv *xero.Invoice) { inv.InvoiceID = "" }, "no InvoiceID"},
		{"no number", func(inv *xero.Invoice) { inv.InvoiceNumber = "  " }, "no number"},
		{"no date", func(inv *xero.Invoice) { inv.Date = xero.Date{} }, "no date"},
	}
	for _, tt := range tests {
		d := Decide(testInvoiceOf(tt.mod), testContactOf(), testSettings(), nil)
		if d.Kind != Skip || d.Cause != CauseInvalidInvoice || !strings.Contains(d.Reason, tt.reason) {
			t.Errorf("%s: Decide = %s/%s %q", tt.name, d.Kind, d.Cause, d.Reason)
		}
	}
}

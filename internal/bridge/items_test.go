package bridge

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// withLines replaces the invoice's lines (the first keeps the ShipStation
// tag) and sets its totals.
func withLines(amountTypes string, subTotal, tax, total float64, lines ...xero.LineItem) func(*xero.Invoice) {
	return func(inv *xero.Invoice) {
		for i := range lines {
			if lines[i].LineItemID == "" {
				lines[i].LineItemID = fmt.Sprintf("line-%d", i+1)
			}
		}
		lines[0].Tracking = shipStationTag()
		inv.LineAmountTypes, inv.LineItems = amountTypes, lines
		inv.SubTotal, inv.TotalTax, inv.Total = subTotal, tax, total
	}
}

// wantItem is the part of an item the tests check.
type wantItem struct {
	key, sku, name string
	qty            int
	unit           float64
	adjustment     bool
}

func gotItems(o *shipstation.Order) []wantItem {
	var out []wantItem
	for _, it := range o.Items {
		out = append(out, wantItem{it.LineItemKey, it.SKU, it.Name, it.Quantity, it.UnitPrice, it.Adjustment})
	}
	return out
}

func TestItems(t *testing.T) {
	t.Parallel()
	widget := func(mod func(*xero.LineItem)) xero.LineItem {
		l := xero.LineItem{ItemCode: "W-1", Description: "Widget", Quantity: 3, UnitAmount: 20, LineAmount: 60}
		mod(&l)
		return l
	}
	tests := []struct {
		name     string
		mod      func(*xero.Invoice)
		s        func(*Settings)
		items    []wantItem
		shipping float64
		notes    string
		warning  string
	}{
		{"discount rate", withLines("NoTax", 54, 0, 54, widget(func(l *xero.LineItem) { l.DiscountRate, l.LineAmount = 10, 54 })), nil,
			[]wantItem{{"line-1", "W-1", "Widget", 3, 18, false}}, 0, "", ""},
		{"discount amount that divides", withLines("NoTax", 54, 0, 54, widget(func(l *xero.LineItem) { l.DiscountAmount, l.LineAmount = 6, 54 })), nil,
			[]wantItem{{"line-1", "W-1", "Widget", 3, 18, false}}, 0, "", ""},
		{"discount amount with a lost cent", withLines("NoTax", 55, 0, 55, widget(func(l *xero.LineItem) { l.DiscountAmount, l.LineAmount = 5, 55 })), nil,
			[]wantItem{{"line-1", "W-1", "Widget", 3, 18.33, false}, {RoundingKey, "", "Rounding", 1, 0.01, true}}, 0, "", ""},
		{"line amount left out", withLines("NoTax", 30, 0, 30, widget(func(l *xero.LineItem) { l.DiscountRate, l.LineAmount, l.UnitAmount = 50, 0, 20 })), nil,
			[]wantItem{{"line-1", "W-1", "Widget", 3, 10, false}}, 0, "", ""},
		{"shipping line", withLines("Exclusive", 70, 10.5, 80.5, widget(func(*xero.LineItem) {}),
			xero.LineItem{ItemCode: "shipping", Description: "Courier", Quantity: 1, UnitAmount: 10, LineAmount: 10, TaxAmount: 1.5}), nil,
			[]wantItem{{"line-1", "W-1", "Widget", 3, 20, false}}, 10, "", ""},
		{"renamed shipping item", withLines("NoTax", 70, 0, 70, widget(func(*xero.LineItem) {}),
			xero.LineItem{ItemCode: "FREIGHT", Description: "Courier", Quantity: 1, UnitAmount: 10, LineAmount: 10}),
			func(s *Settings) { s.ShippingItemCode = "Freight" },
			[]wantItem{{"line-1", "W-1", "Widget", 3, 20, false}}, 10, "", ""},
		{"no shipping item configured", withLines("NoTax", 70, 0, 70, widget(func(*xero.LineItem) {}),
			xero.LineItem{ItemCode: "SHIPPING", Description: "Courier", Quantity: 1, UnitAmount: 10, LineAmount: 10}),
			func(s *Settings) { s.ShippingItemCode = "" },
			[]wantItem{{"line-1", "W-1", "Widget", 3, 20, false}, {"line-2", "SHIPPING", "Courier", 1, 10, false}}, 0, "", ""},
		{"negative line", withLines("NoTax", 55, 0, 55, widget(func(*xero.LineItem) {}),
			xero.LineItem{ItemCode: "DISC", Description: "Loyalty discount", Quantity: 1, UnitAmount: -5, LineAmount: -5}), nil,
			[]wantItem{{"line-1", "W-1", "Widget", 3, 20, false}, {"line-2", "DISC", "Loyalty discount", 1, -5, true}}, 0, "", ""},
		{"negative quantity", withLines("NoTax", 40, 0, 40, widget(func(*xero.LineItem) {}),
			xero.LineItem{ItemCode: "W-1", Description: "Returned widget", Quantity: -1, UnitAmount: 20, LineAmount: -20}), nil,
			[]wantItem{{"line-1", "W-1", "Widget", 3, 20, false}, {"line-2", "W-1", "Returned widget", 1, -20, true}}, 0, "", ""},
		{"fractional quantity", withLines("NoTax", 6, 0, 6,
			xero.LineItem{ItemCode: "CABLE", Description: "Cable (m)", Quantity: 1.5, UnitAmount: 4, LineAmount: 6}), nil,
			[]wantItem{{"line-1", "CABLE", "1.5 × Cable (m)", 1, 6, false}}, 0, "",
			"line 1 (Cable (m)) has quantity 1.5, which ShipStation cannot take; it was sent as 1 at the line's total"},
		{"quantity below one", withLines("NoTax", 2.5, 0, 2.5,
			xero.LineItem{Description: "Gold leaf", Quantity: 0.25, UnitAmount: 10, LineAmount: 2.5}), nil,
			[]wantItem{{"line-1", "", "0.25 × Gold leaf", 1, 2.5, false}}, 0, "", "quantity 0.25"},
		{"quantity above ShipStation's limit", withLines("NoTax", 1000, 0, 1000,
			xero.LineItem{ItemCode: "SCREW", Description: "Screw", Quantity: 100000, UnitAmount: 0.01, LineAmount: 1000}), nil,
			[]wantItem{{"line-1", "SCREW", "100000 × Screw", 1, 1000, false}}, 0, "", "quantity 100000"},
		{"no item code", withLines("NoTax", 60, 0, 60, widget(func(l *xero.LineItem) { l.ItemCode = "" })), nil,
			[]wantItem{{"line-1", "", "Widget", 3, 20, false}}, 0, "", ""},
		{"name from the item", withLines("NoTax", 60, 0, 60, widget(func(l *xero.LineItem) {
			l.Description, l.Item = "", &xero.LineItemItem{Code: "W-1", Name: "Widget (catalogue)"}
		})), nil, []wantItem{{"line-1", "W-1", "Widget (catalogue)", 3, 20, false}}, 0, "", ""},
		{"name from the code", withLines("NoTax", 60, 0, 60, widget(func(l *xero.LineItem) { l.Description = "" })), nil,
			[]wantItem{{"line-1", "W-1", "W-1", 3, 20, false}}, 0, "", ""},
		{"no name at all", withLines("NoTax", 60, 0, 60, widget(func(l *xero.LineItem) { l.Description, l.ItemCode = "", "" })), nil,
			[]wantItem{{"line-1", "", "Item", 3, 20, false}}, 0, "", ""},
		{"multi-line description", withLines("NoTax", 60, 0, 60, widget(func(l *xero.LineItem) { l.Description = "Widget\nBlue, large\n" })), nil,
			[]wantItem{{"line-1", "W-1", "Widget Blue, large", 3, 20, false}}, 0, "", ""},
		{"description-only lines are notes", withLines("NoTax", 60, 0, 60, widget(func(*xero.LineItem) {}),
			xero.LineItem{Description: "Leave at the back door"}, xero.LineItem{Description: " Fragile \n\n glass "}), nil,
			[]wantItem{{"line-1", "W-1", "Widget", 3, 20, false}}, 0, "Leave at the back door\nFragile\nglass", ""},
		{"free item", withLines("NoTax", 60, 0, 60, widget(func(*xero.LineItem) {}),
			xero.LineItem{ItemCode: "GIFT", Description: "Free sticker", Quantity: 1}), nil,
			[]wantItem{{"line-1", "W-1", "Widget", 3, 20, false}, {"line-2", "GIFT", "Free sticker", 1, 0, false}}, 0, "", ""},
		{"amount without quantity", withLines("NoTax", 60, 0, 60, widget(func(l *xero.LineItem) { l.Quantity = 0 })), nil,
			[]wantItem{{"line-1", "W-1", "Widget", 1, 60, false}}, 0, "", "line 1 (Widget) has an amount but no quantity; it was sent as 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := testSettings()
			if tt.s != nil {
				tt.s(&s)
			}
			inv := testInvoiceOf(tt.mod)
			d := mustExport(t, inv, testContactOf(), s)
			o := d.Order
			if got := gotItems(o); fmt.Sprint(got) != fmt.Sprint(tt.items) {
				t.Errorf("items =\n %v\nwant\n %v", got, tt.items)
			}
			if o.ShippingAmount != tt.shipping || o.InternalNotes != tt.notes {
				t.Errorf("shippingAmount %v notes %q; want %v %q", o.ShippingAmount, o.InternalNotes, tt.shipping, tt.notes)
			}
			// Either severity: TestNoteSeverity says which is which.
			if got := strings.Join(append(d.Warnings, d.Notes...), "|"); !strings.Contains(got, tt.warning) || (tt.warning == "" && got != "") {
				t.Errorf("notes %q; want %q", got, tt.warning)
			}
			if total := itemsCents(o) + xero.Cents(o.TaxAmount) + xero.Cents(o.ShippingAmount); total != xero.Cents(inv.Total) {
				t.Errorf("orderTotal %s != invoice total %v", money(total), inv.Total)
			}
			for _, it := range o.Items {
				if it.Quantity < 1 || it.Quantity > maxQuantity {
					t.Errorf("item %q quantity %d outside 1-99999", it.Name, it.Quantity)
				}
			}
		})
	}
}

func TestFractionalQuantityOption(t *testing.T) {
	t.Parallel()
	o := mustExport(t, testInvoiceOf(withLines("NoTax", 6, 0, 6,
		xero.LineItem{ItemCode: "CABLE", Description: "Cable", Quantity: 1.5, UnitAmount: 4, LineAmount: 6})), testContactOf(), testSettings()).Order
	if opts := o.Items[0].Options; len(opts) != 1 || opts[0] != (shipstation.ItemOption{Name: QuantityOption, Value: "1.5"}) {
		t.Errorf("options = %+v", opts)
	}
}

// TestTotals checks ShipStation's orderTotal (items + taxAmount +
// shippingAmount) against the invoice's Total for each way Xero states
// line amounts.
func TestTotals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		mod          func(*xero.Invoice)
		wantTax      float64
		wantShipping float64
		wantUnits    []float64
		wantRounding float64 // 0: no rounding item
		wantWarning  string
	}{
		{"exclusive with GST and shipping", withLines("Exclusive", 60, 9, 69,
			xero.LineItem{ItemCode: "W", Description: "W", Quantity: 2, UnitAmount: 25, LineAmount: 50, TaxAmount: 7.5},
			xero.LineItem{ItemCode: "SHIPPING", Description: "Courier", Quantity: 1, UnitAmount: 10, LineAmount: 10, TaxAmount: 1.5}),
			9, 10, []float64{25}, 0, ""},
		{"inclusive takes the tax out of lines", withLines("Inclusive", 50, 7.5, 57.5,
			xero.LineItem{ItemCode: "W", Description: "W", Quantity: 2, UnitAmount: 23, LineAmount: 46, TaxAmount: 6},
			xero.LineItem{ItemCode: "SHIPPING", Description: "Courier", Quantity: 1, UnitAmount: 11.5, LineAmount: 11.5, TaxAmount: 1.5}),
			7.5, 10, []float64{20}, 0, ""},
		{"inclusive with a cent lost per unit", withLines("Inclusive", 26.06, 3.91, 29.97,
			xero.LineItem{ItemCode: "W", Description: "W", Quantity: 3, UnitAmount: 9.99, LineAmount: 29.97, TaxAmount: 3.91}),
			3.91, 0, []float64{8.69}, -0.01, ""},
		{"inclusive, line taxes add up", withLines("Inclusive", 17.38, 2.6, 19.98,
			xero.LineItem{ItemCode: "A", Description: "A", Quantity: 1, UnitAmount: 9.99, LineAmount: 9.99, TaxAmount: 1.3},
			xero.LineItem{ItemCode: "B", Description: "B", Quantity: 1, UnitAmount: 9.99, LineAmount: 9.99, TaxAmount: 1.3}),
			2.6, 0, []float64{8.69, 8.69}, 0, ""},
		// Xero's "round tax per invoice" setting: 19.98 × 3/23 = 2.61,
		// a cent more than the lines' own taxes.
		{"inclusive with invoice-level tax rounding", withLines("Inclusive", 17.37, 2.61, 19.98,
			xero.LineItem{ItemCode: "A", Description: "A", Quantity: 1, UnitAmount: 9.99, LineAmount: 9.99, TaxAmount: 1.3},
			xero.LineItem{ItemCode: "B", Description: "B", Quantity: 1, UnitAmount: 9.99, LineAmount: 9.99, TaxAmount: 1.3}),
			2.61, 0, []float64{8.69, 8.69}, -0.01, ""},
		{"no tax", withLines("NoTax", 45, 0, 45,
			xero.LineItem{ItemCode: "W", Description: "W", Quantity: 3, UnitAmount: 15, LineAmount: 45}),
			0, 0, []float64{15}, 0, ""},
		{"exclusive with both discounts", withLines("Exclusive", 99, 14.85, 113.85,
			xero.LineItem{ItemCode: "A", Description: "A", Quantity: 4, UnitAmount: 10, DiscountRate: 12.5, LineAmount: 35, TaxAmount: 5.25},
			xero.LineItem{ItemCode: "B", Description: "B", Quantity: 3, UnitAmount: 25, DiscountAmount: 11, LineAmount: 64, TaxAmount: 9.6}),
			14.85, 0, []float64{8.75, 21.33}, 0.01, ""},
		{"lines that do not add up are not papered over", withLines("NoTax", 45, 0, 90,
			xero.LineItem{ItemCode: "W", Description: "W", Quantity: 3, UnitAmount: 15, LineAmount: 45}),
			0, 0, []float64{15}, 0, "the order's total 45.00 differs from the invoice's total 90.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := testInvoiceOf(tt.mod)
			d := mustExport(t, inv, testContactOf(), testSettings())
			o := d.Order
			if o.TaxAmount != tt.wantTax || o.ShippingAmount != tt.wantShipping {
				t.Errorf("tax %v shipping %v; want %v %v", o.TaxAmount, o.ShippingAmount, tt.wantTax, tt.wantShipping)
			}
			var units []float64
			var rounding float64
			for _, it := range o.Items {
				if it.LineItemKey == RoundingKey {
					rounding = it.UnitPrice
					continue
				}
				units = append(units, it.UnitPrice)
			}
			if fmt.Sprint(units) != fmt.Sprint(tt.wantUnits) || rounding != tt.wantRounding {
				t.Errorf("unit prices %v rounding %v; want %v %v", units, rounding, tt.wantUnits, tt.wantRounding)
			}
			total := itemsCents(o) + xero.Cents(o.TaxAmount) + xero.Cents(o.ShippingAmount)
			if tt.wantWarning == "" && total != xero.Cents(inv.Total) {
				t.Errorf("orderTotal %s != invoice total %v", money(total), inv.Total)
			}
			if got := strings.Join(d.Warnings, "|"); !strings.Contains(got, tt.wantWarning) || (tt.wantWarning == "" && got != "") {
				t.Errorf("warnings %q; want %q", got, tt.wantWarning)
			}
		})
	}
}

func TestNothingToShip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mod  func(*xero.Invoice)
	}{
		{"no lines", func(inv *xero.Invoice) { inv.LineItems = nil }},
		{"only notes", withLines("NoTax", 0, 0, 0, xero.LineItem{Description: "Thanks!"})},
		{"only shipping", withLines("NoTax", 10, 0, 10, xero.LineItem{ItemCode: "SHIPPING", Description: "Courier", Quantity: 1, UnitAmount: 10, LineAmount: 10})},
		{"only a credit", withLines("NoTax", -5, 0, -5, xero.LineItem{Description: "Credit", Quantity: 1, UnitAmount: -5, LineAmount: -5})},
	}
	for _, tt := range tests {
		d := Decide(testInvoiceOf(tt.mod), testContactOf(), testSettings(func(s *Settings) { s.TrackingRule = false }), nil)
		if d.Kind != Skip || d.Cause != CauseNothingToShip || !strings.Contains(d.Reason, "nothing to ship") {
			t.Errorf("%s: Decide = %s/%s %q; want a nothing-to-ship skip", tt.name, d.Kind, d.Cause, d.Reason)
		}
	}
}

func TestLongFields(t *testing.T) {
	t.Parallel()
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	inv := testInvoiceOf(func(inv *xero.Invoice) {
		inv.InvoiceNumber = "INV-" + long("9", 60)
		inv.Reference = long("R", 150)
		inv.LineItems[0].ItemCode = long("S", 60)
		inv.LineItems[0].Description = long("Описание ", 40) // 360 runes
		inv.LineItems = append(inv.LineItems, xero.LineItem{Description: long("n", 1200)})
	})
	c := testContactOf(func(c *xero.Contact) {
		c.Name = long("Company ", 20)
		c.Addresses[1].AttentionTo = long("名", 150)
		c.Addresses[1].AddressLine1 = long("1 Very Long Street ", 20)
	})
	d := mustExport(t, inv, c, testSettings())
	o := d.Order
	checks := []struct {
		what  string
		got   string
		limit int
		mark  bool
	}{
		{"orderNumber", o.OrderNumber, 50, false},
		{"customField1", o.AdvancedOptions.CustomField1, 100, false},
		{"sku", o.Items[0].SKU, 50, false},
		{"item name", o.Items[0].Name, 200, true},
		{"internal notes", o.InternalNotes, 1000, true},
		{"ship-to name", o.ShipTo.Name, 100, true},
		{"ship-to company", o.ShipTo.Company, 100, true},
		{"street1", o.ShipTo.Street1, 200, false},
	}
	for _, c := range checks {
		n := utf16Len(c.got)
		if n > c.limit || n < c.limit-2 || strings.HasSuffix(c.got, ellipsis) != c.mark {
			t.Errorf("%s: %d units (limit %d), marked %v: %q", c.what, n, c.limit, strings.HasSuffix(c.got, ellipsis), c.got)
		}
	}
	if !strings.HasPrefix(o.OrderNumber, "INV-999") || !strings.HasPrefix(o.ShipTo.Name, "名名名") {
		t.Errorf("cut text is not a prefix: %q %q", o.OrderNumber, o.ShipTo.Name)
	}
	w := strings.Join(d.Warnings, "\n")
	for _, want := range []string{
		"the order number (the invoice number) was cut to 50 characters",
		"customField1 (the invoice reference) was cut to 100 characters",
		"the SKU of line 1 was cut to 50 characters",
		"the name of line 1 was cut to 200 characters",
		"the internal notes (description-only lines) was cut to 1000 characters",
		"the ship-to name was cut to 100 characters",
	} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
}

func TestDivRound(t *testing.T) {
	t.Parallel()
	tests := []struct{ cents, n, want int64 }{
		{1000, 3, 333}, {1001, 2, 501}, {-1001, 2, -501}, {2000, 3, 667}, {5, 10, 1}, {4, 10, 0}, {-5, 10, -1},
	}
	for _, tt := range tests {
		if got := divRound(tt.cents, tt.n); got != tt.want {
			t.Errorf("divRound(%d, %d) = %d, want %d", tt.cents, tt.n, got, tt.want)
		}
	}
}

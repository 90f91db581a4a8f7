package demo_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/demo"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// decisions runs every seeded invoice, read back over HTTP, through the
// real mapping with the default settings, as the first sweep would.
func decisions(t *testing.T, o *xeroOrg) map[string]bridge.Decision {
	t.Helper()
	s := bridge.DefaultSettings()
	s.TenantID = o.tenant
	s.StoreID = 7
	invoices, contacts := o.readAll(t)
	if len(invoices) != o.sum.SalesInvoices+o.sum.Bills {
		t.Fatalf("read back %d invoices, seeded %d", len(invoices), o.sum.SalesInvoices+o.sum.Bills)
	}
	out := make(map[string]bridge.Decision, len(invoices))
	for _, inv := range invoices {
		var c *xero.Contact
		if inv.Contact != nil {
			c = contacts[inv.Contact.ContactID]
		}
		out[inv.InvoiceID] = bridge.Decide(inv, c, s, nil)
	}
	return out
}

// checkDecisions holds the mapping's verdicts to the summary's promises:
// the same number of exports, the same skips cause by cause, a reason for
// every skip and the expected verdict for every showcase invoice.
func checkDecisions(t *testing.T, o *xeroOrg) map[string]bridge.Decision {
	t.Helper()
	ds := decisions(t, o)
	exports := 0
	skips := map[bridge.Cause]int{}
	for id, d := range ds {
		switch d.Kind {
		case bridge.Export:
			exports++
			if d.Order == nil {
				t.Errorf("%s exported without an order", d.Invoice)
			}
		case bridge.Skip:
			skips[d.Cause]++
			if strings.TrimSpace(d.Reason) == "" {
				t.Errorf("%s (%s) skipped without a reason: %+v", d.Invoice, id, d)
			}
		default:
			t.Errorf("%s: decision %s (%s), want export or skip for a fresh organisation", d.Invoice, d.Kind, d.Reason)
		}
	}
	if exports != o.sum.ExpectedExports {
		t.Errorf("bridge.Decide exports %d invoices, the summary promises %d", exports, o.sum.ExpectedExports)
	}
	if !maps.Equal(skips, o.sum.ExpectedSkips) {
		t.Errorf("skips by cause: bridge.Decide %v, summary %v", skips, o.sum.ExpectedSkips)
	}
	for _, n := range o.sum.NotableInvoices {
		d := ds[n.InvoiceID]
		if d.Kind != n.Expect || d.Cause != n.Cause {
			t.Errorf("%s (%s): bridge.Decide says %s %q (%s), summary says %s %q", n.Role, n.InvoiceNumber, d.Kind, d.Cause, d.Reason, n.Expect, n.Cause)
		}
	}
	return ds
}

func TestBridgeAgreesWithSummary(t *testing.T) {
	t.Parallel()
	// Three demo organisations, and one of 2,000 invoices whose generated
	// contacts cover every locale and address variant.
	for _, opts := range []demo.Options{{Seed: 1}, {Seed: 2}, {Seed: 3}, {Seed: 4, Contacts: 400, Invoices: 2000}} {
		opts.Now = now
		setup := seedXero
		if opts.Invoices > 0 {
			setup = seedXeroFast // too many to validate quickly
		}
		o := setup(t, opts)
		seed := opts.Seed
		ds := checkDecisions(t, o)
		order := func(role string) (*shipstation.Order, bridge.Decision) {
			n, _ := o.sum.Invoice(role)
			d := ds[n.InvoiceID]
			if d.Order == nil {
				t.Fatalf("seed %d: %s (%s) has no order: %s %s", seed, role, n.InvoiceNumber, d.Kind, d.Reason)
			}
			return d.Order, d
		}
		// No export of the demo is orange for the street address standing
		// in for bill-to (15 of 35 were).
		for id, d := range ds {
			for _, w := range d.Warnings {
				if strings.Contains(w, "used for bill-to too") {
					t.Errorf("seed %d: invoice %s warns %q; want a neutral note", seed, id, w)
				}
			}
		}
		// A few of the promises the showcase notes make.
		if ord, _ := order("exported"); ord.ShipTo.Name != "Goods Inwards" || ord.BillTo.Street1 != "PO Box 5123" ||
			ord.ShipTo.Country != "NZ" || ord.ShippingAmount != 12.50 || ord.AdvancedOptions.CustomField1 != "PO-4471" {
			t.Errorf("seed %d: exported order %+v", seed, ord)
		}
		if ord, _ := order("non-latin"); ord.ShipTo.Street1 != "神宮前1丁目2番3号" || ord.ShipTo.Country != "JP" || ord.ShipTo.Name != "山田 太郎 様" {
			t.Errorf("seed %d: non-latin ship-to %+v", seed, ord.ShipTo)
		}
		if ord, _ := order("germany"); ord.ShipTo.Country != "DE" || ord.ShipTo.Street1 != "Friedrichstraße 123" {
			t.Errorf("seed %d: german ship-to %+v", seed, ord.ShipTo)
		}
		if ord, d := order("paid-inclusive"); ord == nil || len(d.Warnings) != 0 {
			// Harmless: the street address used for bill-to too is a
			// neutral note, never the orange of a warning.
			t.Errorf("seed %d: paid-inclusive (street-only contact): want no warning, got %v", seed, d.Warnings)
		}
		if ord, d := order("fractional"); ord.ShipTo.State != "CA" || len(d.Warnings) == 0 {
			t.Errorf("seed %d: fractional: state %q, warnings %v", seed, ord.ShipTo.State, d.Warnings)
		}
		if ord, _ := order("credit-line"); !slices.ContainsFunc(ord.Items, func(it shipstation.OrderItem) bool { return it.Adjustment && it.UnitPrice < 0 }) {
			t.Errorf("seed %d: credit line: items %+v", seed, ord.Items)
		}
		if ord, _ := order("part-paid"); ord.AmountPaid != 100 || !strings.HasPrefix(ord.ShipTo.Phone, "+1") {
			t.Errorf("seed %d: part-paid: amountPaid %v, phone %q", seed, ord.AmountPaid, ord.ShipTo.Phone)
		}
		if ord, _ := order("person"); ord.ShipTo.Company != "" || !slices.ContainsFunc(ord.Items, func(it shipstation.OrderItem) bool { return it.SKU == "" && !it.Adjustment }) {
			t.Errorf("seed %d: a person's own order: company %q, items %+v; want no company and an item without SKU", seed, ord.ShipTo.Company, ord.Items)
		}
		n, _ := o.sum.Invoice("no-address")
		if d := ds[n.InvoiceID]; !strings.Contains(d.Reason, "Tui Gardens") {
			t.Errorf("seed %d: no-address reason %q does not name the contact to fix", seed, d.Reason)
		}
	}
}

// TestCountrySpellings holds the package's country table to the mapping's:
// every country the demo types maps where the summary expects, and the only
// ones it does not know are meant to be unknown.
func TestCountrySpellings(t *testing.T) {
	t.Parallel()
	for text, want := range demo.CountryCodes {
		if got, ok := bridge.CountryCode(text); !ok || got != want {
			t.Errorf("bridge.CountryCode(%q) = %q, %v; the demo expects %q", text, got, ok, want)
		}
	}
	for _, text := range demo.Spellings() {
		if _, ok := demo.CountryCodes[strings.ToLower(text)]; !ok && text != "" && text != "Narnia" {
			t.Errorf("country %q is typed by the demo but missing from its table", text)
		}
	}
}

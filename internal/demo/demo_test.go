package demo_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/demo"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

func TestSeedXeroDefaults(t *testing.T) {
	t.Parallel()
	o := seedXero(t, demo.Options{Seed: 1, Now: now})
	sum := o.sum
	if sum.Contacts != demo.DefaultContacts || sum.SalesInvoices+sum.Bills != demo.DefaultInvoices {
		t.Errorf("got %d contacts and %d invoices+bills, want %d and %d", sum.Contacts, sum.SalesInvoices+sum.Bills, demo.DefaultContacts, demo.DefaultInvoices)
	}
	for _, status := range []string{"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"} {
		if sum.ByStatus[status] == 0 {
			t.Errorf("no sales invoice is %s: %v", status, sum.ByStatus)
		}
	}
	if sum.Bills < 2 || sum.Suppliers < 2 {
		t.Errorf("want at least 2 bills from 2 suppliers, got %d bills, %d suppliers", sum.Bills, sum.Suppliers)
	}
	if sum.ExpectedExports == 0 || sum.ExpectedExports >= sum.SalesInvoices {
		t.Errorf("expected exports %d of %d sales invoices: want some, not all", sum.ExpectedExports, sum.SalesInvoices)
	}
	if sum.WithOption == 0 || sum.WithOption == sum.SalesInvoices {
		t.Errorf("%d of %d sales invoices carry the option: want most, not all", sum.WithOption, sum.SalesInvoices)
	}
	for _, cause := range []bridge.Cause{bridge.CauseNotSalesInvoice, bridge.CauseNeverExported, bridge.CauseStatus,
		bridge.CauseTrackingRule, bridge.CauseNoAddress, bridge.CauseNoCountry, bridge.CauseUnknownCountry} {
		if sum.ExpectedSkips[cause] == 0 {
			t.Errorf("no invoice is expected to be skipped for %s: %v", cause, sum.ExpectedSkips)
		}
	}
	total := sum.ExpectedExports
	for _, n := range sum.ExpectedSkips {
		total += n
	}
	if total != sum.SalesInvoices+sum.Bills {
		t.Errorf("exports and skips add up to %d, want %d", total, sum.SalesInvoices+sum.Bills)
	}
	if sum.TrackingCategoryID == "" || sum.ShipStationOptionID == "" {
		t.Errorf("tracking ids missing: %+v", sum)
	}
	if lines := sum.Lines(); len(lines) < 6+len(sum.NotableInvoices) || !strings.Contains(strings.Join(lines, "\n"), "no_address") {
		t.Errorf("Lines() = %q", lines)
	}
}

func TestShowcaseInvoices(t *testing.T) {
	t.Parallel()
	o := seedXero(t, demo.Options{Seed: 2, Now: now})
	oldest := now.AddDate(0, 0, -demo.DefaultDays)
	for _, n := range o.sum.NotableInvoices {
		inv, ok := o.emu.Invoice(o.tenant, n.InvoiceID)
		if !ok {
			t.Errorf("%s: invoice %s not in the emulator", n.Role, n.InvoiceID)
			continue
		}
		if inv.Status != n.Status || inv.Type != n.Type || inv.Contact.Name != n.Contact {
			t.Errorf("%s: emulator has %s %s for %q, summary says %s %s for %q", n.Role, inv.Type, inv.Status, inv.Contact.Name, n.Type, n.Status, n.Contact)
		}
		if inv.Date.Before(oldest) || inv.Date.After(now) || inv.UpdatedDateUTC.After(now) || inv.UpdatedDateUTC.Before(inv.Date) {
			t.Errorf("%s: date %v updated %v, want within the %d days before %v", n.Role, inv.Date, inv.UpdatedDateUTC, demo.DefaultDays, now)
		}
		if n.Note == "" || n.Expect == "" || (n.Expect == bridge.Skip) != (n.Cause != bridge.CauseNone) {
			t.Errorf("%s: note %q, expect %q, cause %q", n.Role, n.Note, n.Expect, n.Cause)
		}
	}
	tests := []struct {
		role  string
		check func(inv xeroemu.Invoice) bool
		want  string
	}{
		{"paid-inclusive", func(inv xeroemu.Invoice) bool {
			return inv.LineAmountTypes == "Inclusive" && inv.AmountDue == 0 && !inv.FullyPaidOnDate.IsZero() && len(inv.Payments) == 1
		}, "paid through a payment, tax inclusive"},
		{"part-paid", func(inv xeroemu.Invoice) bool { return inv.AmountPaid == 100 && inv.AmountDue > 0 }, "a 100.00 deposit"},
		{"fractional", func(inv xeroemu.Invoice) bool { return inv.LineItems[0].Quantity == 12.5 }, "12.5 m of cable"},
		{"exported", func(inv xeroemu.Invoice) bool {
			return inv.LineItems[0].DiscountRate == 10 && slices.ContainsFunc(inv.LineItems, func(li xeroemu.LineItem) bool { return li.ItemCode == "SHIPPING" })
		}, "a 10% discount and a SHIPPING line"},
		{"discount-amount", func(inv xeroemu.Invoice) bool {
			return inv.LineItems[0].DiscountAmount == 5 && inv.LineAmountTypes == "NoTax"
		}, "a 5.00 discount, no tax"},
		{"credit-line", func(inv xeroemu.Invoice) bool { return inv.LineItems[1].LineAmount < 0 }, "a negative line"},
		{"two-categories", func(inv xeroemu.Invoice) bool { return len(inv.LineItems[0].Tracking) == 2 }, "two tracking categories on a line"},
		{"pobox-only", func(inv xeroemu.Invoice) bool {
			return slices.ContainsFunc(inv.LineItems, func(li xeroemu.LineItem) bool { return li.Quantity == 0 && li.UnitAmount == 0 && li.Description != "" })
		}, "a description-only line"},
		{"bill", func(inv xeroemu.Invoice) bool {
			return inv.Type == "ACCPAY" && inv.LineItems[0].Tracking[0].Option == demo.OptionShipStation
		}, "an ACCPAY bill with the option"},
	}
	for _, tt := range tests {
		n, ok := o.sum.Invoice(tt.role)
		if !ok {
			t.Errorf("no showcase invoice %s", tt.role)
			continue
		}
		inv, _ := o.emu.Invoice(o.tenant, n.InvoiceID)
		if !tt.check(inv) {
			t.Errorf("%s (%s): want %s, got %+v", tt.role, n.InvoiceNumber, tt.want, inv)
		}
	}
}

func TestShowcaseContacts(t *testing.T) {
	t.Parallel()
	o := seedXero(t, demo.Options{Seed: 3, Now: now})
	types := func(c xeroemu.Contact) string {
		var out []string
		for _, a := range c.Addresses {
			if a.AddressLine1 != "" || a.City != "" || a.PostalCode != "" {
				out = append(out, a.AddressType)
			}
		}
		slices.Sort(out)
		return strings.Join(out, "+")
	}
	tests := []struct {
		role      string
		addresses string
		check     func(c xeroemu.Contact) bool
	}{
		{"both-addresses", "POBOX+STREET", func(c xeroemu.Contact) bool { return len(c.ContactPersons) == 1 && len(c.Phones) >= 2 }},
		{"street-only", "STREET", nil},
		{"pobox-only", "POBOX", func(c xeroemu.Contact) bool { return strings.Contains(c.Name, "Ō") }},
		{"no-address", "", nil},
		{"attention-to", "POBOX+STREET", func(c xeroemu.Contact) bool {
			return slices.ContainsFunc(c.Addresses, func(a xeroemu.Address) bool { return a.AttentionTo == "Receiving Dock 4" })
		}},
		{"unknown-country", "STREET", func(c xeroemu.Contact) bool { return c.Addresses[0].Country == "Narnia" }},
		{"non-latin", "POBOX+STREET", func(c xeroemu.Contact) bool {
			return c.Name == "株式会社さくら商事" && slices.ContainsFunc(c.Addresses, func(a xeroemu.Address) bool { return a.Region == "東京都" })
		}},
		{"mobile-only", "STREET", func(c xeroemu.Contact) bool { return len(c.Phones) == 1 && c.Phones[0].PhoneType == "MOBILE" }},
		{"germany", "POBOX+STREET", func(c xeroemu.Contact) bool { return c.Addresses[0].Country == "Deutschland" }},
	}
	for _, tt := range tests {
		n, ok := o.sum.Contact(tt.role)
		if !ok {
			t.Errorf("no showcase contact %s", tt.role)
			continue
		}
		if !guid.MatchString(n.ContactID) {
			t.Errorf("%s: ContactID %q is not a GUID", tt.role, n.ContactID)
		}
		c, ok := o.emu.Contact(o.tenant, n.ContactID)
		if !ok {
			t.Errorf("%s: contact %s not in the emulator", tt.role, n.ContactID)
			continue
		}
		if got := types(c); got != tt.addresses {
			t.Errorf("%s (%s): addresses %q, want %q", tt.role, c.Name, got, tt.addresses)
		}
		if tt.check != nil && !tt.check(c) {
			t.Errorf("%s: unexpected contact %+v", tt.role, c)
		}
	}
	// The free-text countries people type are all there.
	typed := map[string]bool{}
	for _, n := range o.sum.NotableContacts {
		typed[n.Country] = true
	}
	for _, want := range []string{"New Zealand", "NZ", "USA", "United Kingdom", "Deutschland", "Japan", "Canada", "Australia", "Narnia"} {
		if !typed[want] {
			t.Errorf("no showcase contact with the country typed %q", want)
		}
	}
}

// guid is the shape of Xero's ids (version 4 GUIDs in lower case).
var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// fingerprint reads everything back over HTTP and renders it as JSON
// without what the emulator invents itself (tracking and payment ids, URLs).
func fingerprint(t *testing.T, o *xeroOrg) string {
	t.Helper()
	invoices, contacts := o.readAll(t)
	for i := range invoices {
		inv := &invoices[i]
		inv.URL = ""
		for j := range inv.Payments {
			inv.Payments[j].PaymentID = ""
		}
		for j := range inv.LineItems {
			for k := range inv.LineItems[j].Tracking {
				inv.LineItems[j].Tracking[k].TrackingCategoryID = ""
				inv.LineItems[j].Tracking[k].TrackingOptionID = ""
			}
		}
	}
	b, err := json.Marshal(struct {
		Invoices []xero.Invoice
		Contacts map[string]*xero.Contact
	}{invoices, contacts})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	opts := demo.Options{Seed: 42, Now: now}
	a, b := seedXero(t, opts), seedXero(t, opts)
	fa, fb := fingerprint(t, a), fingerprint(t, b)
	if fa != fb {
		t.Error("the same options seeded different data")
	}
	if a.sum.ExpectedExports != b.sum.ExpectedExports || a.sum.NotableInvoices[0] != b.sum.NotableInvoices[0] {
		t.Errorf("summaries differ: %+v vs %+v", a.sum, b.sum)
	}
	c := seedXero(t, demo.Options{Seed: 43, Now: now})
	if fingerprint(t, c) == fa {
		t.Error("a different seed seeded the same data")
	}
}

func TestMinimumCounts(t *testing.T) {
	t.Parallel()
	o := seedXero(t, demo.Options{Seed: 4, Now: now, Contacts: 1, Invoices: 1})
	if o.sum.Contacts != demo.DefaultContacts || o.sum.SalesInvoices+o.sum.Bills != len(o.sum.NotableInvoices) {
		t.Errorf("got %d contacts and %d invoices, want the showcase's %d and %d", o.sum.Contacts,
			o.sum.SalesInvoices+o.sum.Bills, demo.DefaultContacts, len(o.sum.NotableInvoices))
	}
}

func TestSeedTwiceFails(t *testing.T) {
	t.Parallel()
	o := seedXero(t, demo.Options{Seed: 5, Now: now})
	_, err := demo.SeedXero(o.emu, o.tenant, demo.Options{Seed: 5, Now: now})
	if err == nil || !strings.HasPrefix(err.Error(), "demo: seed xero: ") {
		t.Errorf("second seed into the same organisation: err = %v, want a demo error", err)
	}
	if _, err := demo.SeedXero(o.emu, "no-such-tenant", demo.Options{}); err == nil {
		t.Error("seeding an unknown tenant: want an error")
	}
}

// TestReadsBackAsXeroShowsIt checks the data through the Accounting API,
// the way a Xero user (or orderbridge) sees it, in Xero's own JSON.
func TestReadsBackAsXeroShowsIt(t *testing.T) {
	t.Parallel()
	o := seedXero(t, demo.Options{Seed: 6, Now: now})

	var invs struct {
		Invoices []struct {
			InvoiceID, InvoiceNumber, Type, Status string
			LineItems                              []struct {
				ItemCode, Description string
				Quantity              float64
				Tracking              []struct{ Name, Option string }
			}
		}
	}
	o.get(t, "Invoices?page=1", &invs)
	exported, _ := o.sum.Invoice("exported")
	found := false
	for _, inv := range invs.Invoices {
		if inv.InvoiceNumber != exported.InvoiceNumber {
			continue
		}
		found = true
		if inv.Status != "AUTHORISED" || inv.Type != "ACCREC" || len(inv.LineItems) == 0 ||
			len(inv.LineItems[0].Tracking) != 1 || inv.LineItems[0].Tracking[0] != (struct{ Name, Option string }{"Sales Channel", "ShipStation"}) {
			t.Errorf("GET Invoices?page=1 shows %s as %+v, want an AUTHORISED ACCREC whose first line is tracked Sales Channel: ShipStation", exported.InvoiceNumber, inv)
		}
	}
	if !found || len(invs.Invoices) != demo.DefaultInvoices {
		t.Errorf("page 1 has %d invoices (want %d), %s found: %v", len(invs.Invoices), demo.DefaultInvoices, exported.InvoiceNumber, found)
	}

	var cats struct {
		TrackingCategories []struct {
			Name    string
			Options []struct{ Name, Status string }
		}
	}
	o.get(t, "TrackingCategories", &cats)
	var options []string
	for _, c := range cats.TrackingCategories {
		if c.Name == demo.ChannelCategory {
			for _, op := range c.Options {
				options = append(options, op.Name)
			}
		}
	}
	slices.Sort(options)
	if want := []string{"Retail Counter", "ShipStation", "Wholesale"}; !slices.Equal(options, want) {
		t.Errorf("Sales Channel options %v, want %v", options, want)
	}

	type address struct{ AddressType, AddressLine1, City, Region, Country, AttentionTo string }
	var contact struct {
		Contacts []struct {
			Name      string
			Addresses []address
		}
	}
	jp, _ := o.sum.Contact("non-latin")
	o.get(t, "Contacts/"+jp.ContactID, &contact)
	if len(contact.Contacts) != 1 || contact.Contacts[0].Name != "株式会社さくら商事" ||
		!slices.Contains(contact.Contacts[0].Addresses, address{"STREET", "神宮前1丁目2番3号", "渋谷区", "東京都", "Japan", "山田 太郎 様"}) {
		t.Errorf("GET Contacts/%s = %+v, want the Japanese name and street address", jp.ContactID, contact)
	}
	narnia, _ := o.sum.Contact("unknown-country")
	o.get(t, "Contacts/"+narnia.ContactID, &contact)
	if len(contact.Contacts) != 1 || !slices.ContainsFunc(contact.Contacts[0].Addresses, func(a address) bool { return a.Country == "Narnia" }) {
		t.Errorf("GET Contacts/%s = %+v, want the country Narnia", narnia.ContactID, contact)
	}
}

func TestSeedShipStation(t *testing.T) {
	t.Parallel()
	ss := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	first, err := demo.SeedShipStation(ss, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := demo.SeedShipStation(ss, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if first.StoreID != again.StoreID || first.StoreID == first.DefaultStoreID || first.StoreName != demo.DefaultStoreName {
		t.Errorf("first %+v, again %+v: want one %q store apart from the default one", first, again, demo.DefaultStoreName)
	}
	if first.URL != ss.URL() || first.APIKey == "" || first.APISecret == "" || len(first.Carriers) == 0 {
		t.Errorf("summary %+v misses the URL, credentials or carriers", first)
	}
	req, err := http.NewRequest(http.MethodGet, ss.URL()+"/stores", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(first.APIKey, first.APISecret)
	var stores []struct {
		StoreID       int64
		StoreName     string
		MarketplaceID int64
	}
	if status := send(t, req, &stores); status != http.StatusOK {
		t.Fatalf("GET /stores: %d", status)
	}
	if len(stores) != 2 || !slices.Contains(stores, struct {
		StoreID       int64
		StoreName     string
		MarketplaceID int64
	}{first.StoreID, demo.DefaultStoreName, 0}) {
		t.Errorf("GET /stores = %+v, want the default store and %q", stores, demo.DefaultStoreName)
	}
	if got := strings.Join(first.Lines(), "\n"); !strings.Contains(got, first.APISecret) || !strings.Contains(got, first.URL) {
		t.Errorf("Lines() = %q, want the URL and the credentials", got)
	}
	if _, err := demo.SeedShipStation(nil, demo.Options{}); err == nil {
		t.Error("nil emulator: want an error")
	}
}

// TestScale seeds the load-test size and checks the counts add up.
func TestScale(t *testing.T) {
	t.Parallel()
	o := seedXeroFast(t, demo.Options{Seed: 7, Now: now, Contacts: 2000, Invoices: 10_000})
	sum := o.sum
	if sum.Contacts != 2000 || sum.SalesInvoices+sum.Bills != 10_000 {
		t.Fatalf("got %d contacts and %d invoices, want 2000 and 10000", sum.Contacts, sum.SalesInvoices+sum.Bills)
	}
	// Every status is there in roughly the mix's shares.
	for status, atLeast := range map[string]int{"AUTHORISED": 4000, "PAID": 2000, "DRAFT": 700, "SUBMITTED": 400, "VOIDED": 250, "DELETED": 150} {
		if sum.ByStatus[status] < atLeast {
			t.Errorf("%d %s invoices, want at least %d", sum.ByStatus[status], status, atLeast)
		}
	}
	if sum.ExpectedExports < 5000 {
		t.Errorf("%d expected exports of 10000, want most approved invoices", sum.ExpectedExports)
	}
	// All of it is there for a sync to page through. (The mapping is held
	// to the summary at a smaller size in TestBridgeAgreesWithSummary:
	// decoding 10,000 invoices takes long under the race detector.)
	var page struct {
		Invoices   []struct{ InvoiceNumber string }
		Pagination struct{ ItemCount, PageCount int }
	}
	o.get(t, "Invoices?page=10&pageSize=1000", &page)
	if page.Pagination.ItemCount != 10_000 || page.Pagination.PageCount != 10 || len(page.Invoices) != 1000 {
		t.Errorf("page 10 of 1000: %d invoices, pagination %+v", len(page.Invoices), page.Pagination)
	}
	var contacts struct {
		Pagination struct{ ItemCount int }
	}
	o.get(t, "Contacts?page=1&pageSize=1", &contacts)
	if contacts.Pagination.ItemCount != 2000 {
		t.Errorf("contacts pagination %+v, want 2000 contacts", contacts.Pagination)
	}
}

// BenchmarkSeedScale seeds the load-test sizes into a fresh emulator per
// iteration and reports the cost per invoice.
func BenchmarkSeedScale(b *testing.B) {
	for _, size := range []struct{ invoices, contacts int }{{10_000, 2_000}, {50_000, 5_000}} {
		b.Run(fmt.Sprintf("%dk", size.invoices/1000), func(b *testing.B) {
			for b.Loop() {
				emu := xeroemu.New(xeroemu.Options{RateLimit: emukit.NoRateLimit})
				start := time.Now()
				if _, err := demo.SeedXero(emu, emu.DefaultTenantID(), demo.Options{Seed: 1, Now: now, Contacts: size.contacts, Invoices: size.invoices}); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(size.invoices), "ns/invoice")
				emu.Close()
			}
		})
	}
}

// TestDatesSpread checks the dates a sweep and the UI will see: spread over
// the window before Now, never in the future, numbered in date order.
func TestDatesSpread(t *testing.T) {
	t.Parallel()
	o := seedXero(t, demo.Options{Seed: 8, Now: now, Days: 14})
	invoices, _ := o.readAll(t)
	oldest := time.Date(now.Year(), now.Month(), now.Day()-13, 0, 0, 0, 0, time.UTC)
	days := map[time.Time]bool{}
	var sales []xero.Invoice
	for _, inv := range invoices {
		d := inv.Date.Time()
		if d.Before(oldest) || d.After(now) || inv.UpdatedDateUTC.After(now) {
			t.Errorf("%s: date %v, updated %v; want within the 14 days up to %v", inv.InvoiceNumber, d, inv.UpdatedDateUTC.Time, now)
		}
		days[d] = true
		if inv.Type == "ACCREC" {
			sales = append(sales, inv)
		}
	}
	if len(days) < 10 {
		t.Errorf("invoices fall on %d distinct days of 14", len(days))
	}
	slices.SortFunc(sales, func(a, b xero.Invoice) int { return strings.Compare(a.InvoiceNumber, b.InvoiceNumber) })
	for i := 1; i < len(sales); i++ {
		if sales[i].Date.Time().Before(sales[i-1].Date.Time()) {
			t.Errorf("%s is dated before %s", sales[i].InvoiceNumber, sales[i-1].InvoiceNumber)
		}
	}
}

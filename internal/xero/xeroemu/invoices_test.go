package xeroemu_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

func seedInvoices(t *testing.T, b *testBundle, n int, contactID string, mod func(i int, inv *xeroemu.Invoice)) []xeroemu.Invoice {
	t.Helper()
	out := make([]xeroemu.Invoice, 0, n)
	for i := range n {
		inv := xeroemu.Invoice{
			Contact: xeroemu.Contact{ContactID: contactID}, Status: "AUTHORISED",
			Date:      time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
			LineItems: []xeroemu.LineItem{{Description: "Widget", Quantity: 2, UnitAmount: 10, AccountCode: "200", ItemCode: "W-1"}},
		}
		if mod != nil {
			mod(i, &inv)
		}
		got, err := b.emu.SeedInvoice(b.tenant, inv)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got)
	}
	return out
}

func TestInvoicePagingAndLineItems(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Barney Rubble")
	if _, err := b.emu.SeedContact(b.tenant, xeroemu.Contact{Name: "Other"}); err != nil {
		t.Fatal(err)
	}
	seeded := seedInvoices(t, b, 1234, cid, nil)

	var seen []string
	for page := 1; ; page++ {
		r := b.do(t, "GET", fmt.Sprintf("/api.xro/2.0/Invoices?page=%d&pageSize=500", page), nil).must(t, 200)
		pg := r.body["pagination"].(map[string]any)
		if pg["page"] != float64(page) || pg["pageSize"] != float64(500) || pg["pageCount"] != float64(3) || pg["itemCount"] != float64(1234) {
			t.Fatalf("page %d pagination = %v", page, pg)
		}
		items := r.items(t, "Invoices")
		for _, inv := range items {
			seen = append(seen, inv["InvoiceID"].(string))
			if lines := inv["LineItems"].([]any); len(lines) != 1 {
				t.Fatalf("paged invoice has %d line items, want 1", len(lines))
			}
			c := inv["Contact"].(map[string]any)
			if len(c["Addresses"].([]any)) != 0 || c["ContactID"] != cid {
				t.Fatalf("list contact = %v, want a summary without addresses", c)
			}
		}
		if len(items) < 500 {
			break
		}
	}
	if len(seen) != len(seeded) || seen[0] != seeded[0].InvoiceID || seen[1233] != seeded[1233].InvoiceID {
		t.Fatalf("paged through %d invoices, want %d in creation order", len(seen), len(seeded))
	}
	// Beyond the last page: empty.
	if r := b.do(t, "GET", "/api.xro/2.0/Invoices?page=4&pageSize=500", nil).must(t, 200); len(r.items(t, "Invoices")) != 0 {
		t.Error("page 4 is not empty")
	}
	// pageSize is clamped to 1000 and defaults to 100.
	if r := b.do(t, "GET", "/api.xro/2.0/Invoices?page=1&pageSize=5000", nil).must(t, 200); len(r.items(t, "Invoices")) != 1000 {
		t.Error("pageSize 5000 not clamped to 1000")
	}
	if r := b.do(t, "GET", "/api.xro/2.0/Invoices?page=2", nil).must(t, 200); len(r.items(t, "Invoices")) != 100 {
		t.Error("default pageSize is not 100")
	}
	// Without page: everything, no line items, no pagination.
	r := b.do(t, "GET", "/api.xro/2.0/Invoices?Statuses=AUTHORISED", nil).must(t, 200)
	all := r.items(t, "Invoices")
	if len(all) != 1234 || len(all[0]["LineItems"].([]any)) != 0 || r.body["pagination"] != nil {
		t.Fatalf("unpaged list: %d invoices, lines %v, pagination %v", len(all), all[0]["LineItems"], r.body["pagination"])
	}
	if b.emu.Counters().Get("GET /api.xro/2.0/Invoices") != 7 {
		t.Errorf("counter = %d, want 7", b.emu.Counters().Get("GET /api.xro/2.0/Invoices"))
	}
}

func TestInvoiceFilters(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC))
	b := setup(t, xeroemu.Options{Now: clk.Now})
	alice := seedCustomer(t, b, "Alice")
	bob := seedCustomer(t, b, "Bob")
	statuses := []string{"DRAFT", "AUTHORISED", "PAID", "VOIDED", "AUTHORISED", "SUBMITTED"}
	invs := seedInvoices(t, b, 6, alice, func(i int, inv *xeroemu.Invoice) {
		inv.Status = statuses[i]
		if i%2 == 1 {
			inv.Contact.ContactID = bob
		}
		if i == 5 {
			inv.Type = "ACCPAY"
			inv.InvoiceNumber = "BILL-1"
		}
		inv.Date = time.Date(2026, 6, 30-i, 0, 0, 0, 0, time.UTC)
		clk.Advance(time.Hour)
	})
	ids := func(r response) []string {
		var out []string
		for _, inv := range r.items(t, "Invoices") {
			out = append(out, inv["InvoiceNumber"].(string))
		}
		return out
	}
	num := func(i int) string { return invs[i].InvoiceNumber }
	tests := []struct {
		name  string
		query string
		hdr   []string
		want  []string
	}{
		{"all", "", nil, []string{num(0), num(1), num(2), num(3), num(4), num(5)}},
		{"Statuses", "Statuses=AUTHORISED,PAID", nil, []string{num(1), num(2), num(4)}},
		{"IDs", "IDs=" + invs[3].InvoiceID + "," + invs[0].InvoiceID, nil, []string{num(0), num(3)}},
		{"InvoiceNumbers", "InvoiceNumbers=" + num(2) + "," + num(4), nil, []string{num(2), num(4)}},
		{"ContactIDs", "ContactIDs=" + bob, nil, []string{num(1), num(3), num(5)}},
		{"where Type", `where=Type=="ACCREC"&&Status=="AUTHORISED"`, nil, []string{num(1), num(4)}},
		{"where AND and Guid", `where=Contact.ContactID==Guid("` + alice + `") AND Status!="PAID"`, nil, []string{num(0), num(4)}},
		{"where OR", `where=Status=="DRAFT" OR Status=="VOIDED"`, nil, []string{num(0), num(3)}},
		{"where ACCPAY", `where=Type=="ACCPAY"`, nil, []string{"BILL-1"}},
		{"If-Modified-Since UTC without zone", "", []string{"If-Modified-Since", "2026-07-01T15:00:00"}, []string{num(2), num(3), num(4), num(5)}},
		{"If-Modified-Since with zone", "", []string{"If-Modified-Since", "2026-07-01T16:00:00+01:00"}, []string{num(2), num(3), num(4), num(5)}},
		{"If-Modified-Since Z", "", []string{"If-Modified-Since", "2026-07-01T17:30:00Z"}, []string{num(5)}},
		{"order Date ASC", "order=Date ASC", nil, []string{num(5), num(4), num(3), num(2), num(1), num(0)}},
		{"order UpdatedDateUTC DESC", "order=UpdatedDateUTC DESC", nil, []string{num(5), num(4), num(3), num(2), num(1), num(0)}},
		{"order InvoiceNumber DESC", "Statuses=AUTHORISED&order=InvoiceNumber DESC", nil, []string{num(4), num(1)}},
		{"order InvoiceID", "order=InvoiceID", nil, sortedBy(invs, func(inv xeroemu.Invoice) string { return inv.InvoiceID })},
		{"order two keys", "order=Status ASC, Date DESC", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := b.do(t, "GET", "/api.xro/2.0/Invoices?"+encodeQuery(tt.query), nil, tt.hdr...)
			if tt.want == nil {
				r.must(t, 400)
				return
			}
			r.must(t, 200)
			if got := ids(r); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{`where=Type="ACCREC"`, `where=Nope=="x"`, `where=(Status=="DRAFT")`, `where=Status=="DRAFT"&&`, "order=Nope ASC", "order=Date SIDEWAYS", "page=x"} {
		r := b.do(t, "GET", "/api.xro/2.0/Invoices?"+encodeQuery(bad), nil).must(t, 400)
		if r.body["Type"] != "QueryParseException" {
			t.Errorf("%s: body %s", bad, r.raw)
		}
	}
	b.do(t, "GET", "/api.xro/2.0/Invoices", nil, "If-Modified-Since", "yesterday").must(t, 400)
}

func sortedBy(invs []xeroemu.Invoice, key func(xeroemu.Invoice) string) []string {
	s := slices.Clone(invs)
	slices.SortFunc(s, func(a, b xeroemu.Invoice) int { return strings.Compare(key(a), key(b)) })
	var out []string
	for _, inv := range s {
		out = append(out, inv.InvoiceNumber)
	}
	return out
}

// encodeQuery escapes the values of "k=v&k=v" (values may hold & inside
// quotes only via &&, which the tests never split on).
func encodeQuery(q string) string {
	if q == "" {
		return ""
	}
	v := url.Values{}
	for _, part := range splitParams(q) {
		k, val, _ := strings.Cut(part, "=")
		v.Add(k, val)
	}
	return v.Encode()
}

func splitParams(q string) []string {
	var out []string
	for len(q) > 0 {
		i := 0
		for i < len(q) {
			if q[i] == '&' && (i+1 >= len(q) || q[i+1] != '&') && (i == 0 || q[i-1] != '&') {
				break
			}
			i++
		}
		out = append(out, q[:i])
		if i < len(q) {
			i++
		}
		q = q[i:]
	}
	return out
}

func TestGetInvoiceByIDOrNumber(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	c, err := b.emu.SeedContact(b.tenant, xeroemu.Contact{Name: "Liam Gallagher", EmailAddress: "liam@rockstar.com",
		Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "1 Main St", City: "Anytown", Region: "NY", PostalCode: "10101", Country: "USA"}}})
	if err != nil {
		t.Fatal(err)
	}
	inv := seedInvoices(t, b, 1, c.ContactID, nil)[0]
	for _, key := range []string{inv.InvoiceID, inv.InvoiceNumber} {
		got := b.do(t, "GET", "/api.xro/2.0/Invoices/"+key, nil).must(t, 200).one(t, "Invoices")
		if got["InvoiceID"] != inv.InvoiceID {
			t.Fatalf("GET %s returned %v", key, got["InvoiceID"])
		}
		addrs := got["Contact"].(map[string]any)["Addresses"].([]any)
		if len(addrs) != 2 || addrs[0].(map[string]any)["AddressLine1"] != "1 Main St" {
			t.Errorf("single GET contact addresses = %v", addrs)
		}
		if len(got["LineItems"].([]any)) != 1 {
			t.Error("single GET has no line items")
		}
	}
	b.do(t, "GET", "/api.xro/2.0/Invoices/INV-9999", nil).must(t, 404)
}

func TestInvoiceTotals(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Totals Ltd")
	tests := []struct {
		name                   string
		lat                    string
		line                   map[string]any
		sub, tax, total, discs float64
	}{
		{"exclusive no tax type", "Exclusive", map[string]any{"Quantity": 2, "UnitAmount": 20}, 40, 0, 40, 0},
		{"exclusive 15%", "Exclusive", map[string]any{"Quantity": 2, "UnitAmount": 50, "TaxType": "OUTPUT"}, 100, 15, 115, 0},
		{"inclusive 15%", "Inclusive", map[string]any{"Quantity": 1, "UnitAmount": 115, "TaxType": "OUTPUT"}, 100, 15, 115, 0},
		{"no tax", "NoTax", map[string]any{"Quantity": 3, "UnitAmount": 10, "TaxType": "OUTPUT"}, 30, 0, 30, 0},
		{"discount rate", "Exclusive", map[string]any{"Quantity": 4, "UnitAmount": 25, "DiscountRate": 10, "TaxType": "OUTPUT"}, 90, 13.5, 103.5, 10},
		{"discount amount", "Exclusive", map[string]any{"Quantity": 1, "UnitAmount": 100, "DiscountAmount": 20}, 80, 0, 80, 20},
		{"quantity defaults to 1", "", map[string]any{"UnitAmount": 12.5}, 12.5, 0, 12.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line := map[string]any{"Description": "Thing", "AccountCode": "200"}
			for k, v := range tt.line {
				line[k] = v
			}
			in := map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}, "LineItems": []any{line}, "Date": "2026-07-14"}
			if tt.lat != "" {
				in["LineAmountTypes"] = tt.lat
			}
			got := b.do(t, "PUT", "/api.xro/2.0/Invoices", invoiceBody(in)).must(t, 200).one(t, "Invoices")
			if num(got["SubTotal"]) != tt.sub || num(got["TotalTax"]) != tt.tax || num(got["Total"]) != tt.total || num(got["AmountDue"]) != tt.total {
				t.Errorf("SubTotal/TotalTax/Total/AmountDue = %v/%v/%v/%v, want %v/%v/%v", got["SubTotal"], got["TotalTax"], got["Total"], got["AmountDue"], tt.sub, tt.tax, tt.total)
			}
			if num(got["TotalDiscount"]) != tt.discs || got["IsDiscounted"] != (tt.discs > 0) {
				t.Errorf("TotalDiscount %v IsDiscounted %v, want %v", got["TotalDiscount"], got["IsDiscounted"], tt.discs)
			}
			if got["Status"] != "DRAFT" || got["Date"] != "/Date(1783987200000+0000)/" || got["DateString"] != "2026-07-14T00:00:00" {
				t.Errorf("Status/Date/DateString = %v/%v/%v", got["Status"], got["Date"], got["DateString"])
			}
			if !strings.HasPrefix(got["InvoiceNumber"].(string), "INV-") {
				t.Errorf("InvoiceNumber = %v", got["InvoiceNumber"])
			}
		})
	}
}

// newInvoice creates an invoice over the API and returns it.
func newInvoice(t *testing.T, b *testBundle, cid, status string) map[string]any {
	t.Helper()
	in := map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}, "Status": status,
		"LineItems": []any{
			map[string]any{"Description": "A", "Quantity": 1, "UnitAmount": 30, "AccountCode": "200"},
			map[string]any{"Description": "B", "Quantity": 2, "UnitAmount": 5, "AccountCode": "200"},
		}}
	return b.do(t, "PUT", "/api.xro/2.0/Invoices", invoiceBody(in)).must(t, 200).one(t, "Invoices")
}

func TestStatusTransitions(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Status Co")
	tests := []struct {
		from, to string
		ok       bool
		msg      string
	}{
		{"DRAFT", "SUBMITTED", true, ""},
		{"DRAFT", "AUTHORISED", true, ""},
		{"SUBMITTED", "AUTHORISED", true, ""},
		{"SUBMITTED", "DRAFT", true, ""},
		{"DRAFT", "DELETED", true, ""},
		{"SUBMITTED", "DELETED", true, ""},
		{"AUTHORISED", "VOIDED", true, ""},
		{"AUTHORISED", "DRAFT", false, "back to DRAFT"},
		{"AUTHORISED", "SUBMITTED", false, "back to SUBMITTED"},
		{"AUTHORISED", "DELETED", false, "void an AUTHORISED invoice instead"},
		{"DRAFT", "VOIDED", false, "Only AUTHORISED"},
		{"DRAFT", "PAID", false, "apply payments"},
		{"AUTHORISED", "PAID", false, "apply payments"},
		{"DRAFT", "BOGUS", false, "not a valid invoice status"},
	}
	for _, tt := range tests {
		t.Run(tt.from+"->"+tt.to, func(t *testing.T) {
			t.Parallel()
			inv := newInvoice(t, b, cid, tt.from)
			id := inv["InvoiceID"].(string)
			r := b.do(t, "POST", "/api.xro/2.0/Invoices/"+id, invoiceBody(map[string]any{"InvoiceID": id, "Status": tt.to}))
			if tt.ok {
				got := r.must(t, 200).one(t, "Invoices")
				if got["Status"] != tt.to {
					t.Errorf("Status = %v", got["Status"])
				}
				return
			}
			if msgs := r.validationMessages(t); !containsMsg(msgs, tt.msg) {
				t.Errorf("messages %v lack %q", msgs, tt.msg)
			}
			if got, _ := b.emu.Invoice(b.tenant, id); got.Status != tt.from {
				t.Errorf("refused change left status %s", got.Status)
			}
		})
	}
	// Create with a final status is refused; VOIDED and DELETED are frozen.
	in := map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}, "Status": "PAID"}
	b.do(t, "PUT", "/api.xro/2.0/Invoices", invoiceBody(in)).validationMessages(t)
	voided := newInvoice(t, b, cid, "AUTHORISED")["InvoiceID"].(string)
	b.do(t, "POST", "/api.xro/2.0/Invoices/"+voided, invoiceBody(map[string]any{"Status": "VOIDED"})).must(t, 200)
	msgs := b.do(t, "POST", "/api.xro/2.0/Invoices/"+voided, invoiceBody(map[string]any{"Reference": "x"})).validationMessages(t)
	if !containsMsg(msgs, "voided") {
		t.Errorf("editing a voided invoice: %v", msgs)
	}
}

func pay(t *testing.T, b *testBundle, invoiceID string, amount float64) response {
	t.Helper()
	return b.do(t, "PUT", "/api.xro/2.0/Payments", map[string]any{"Payments": []any{map[string]any{
		"Invoice": map[string]any{"InvoiceID": invoiceID}, "Account": map[string]any{"Code": "090"},
		"Amount": amount, "Date": "2026-07-20", "Reference": "bank transfer",
	}}})
}

func TestPaymentsAndEditLock(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Payer")
	inv := newInvoice(t, b, cid, "AUTHORISED") // total 40
	id := inv["InvoiceID"].(string)

	if msgs := pay(t, b, id, 40.01).validationMessages(t); !containsMsg(msgs, "exceeds the amount outstanding") {
		t.Errorf("overpayment: %v", msgs)
	}
	draft := newInvoice(t, b, cid, "DRAFT")["InvoiceID"].(string)
	if msgs := pay(t, b, draft, 1).validationMessages(t); !containsMsg(msgs, "AUTHORISED") {
		t.Errorf("paying a draft: %v", msgs)
	}
	p := pay(t, b, id, 15).must(t, 200).one(t, "Payments")
	if p["Amount"] != float64(15) || p["Invoice"].(map[string]any)["InvoiceID"] != id {
		t.Errorf("payment = %v", p)
	}
	got := b.do(t, "GET", "/api.xro/2.0/Invoices/"+id, nil).must(t, 200).one(t, "Invoices")
	if got["AmountPaid"] != float64(15) || got["AmountDue"] != float64(25) || got["Status"] != "AUTHORISED" || len(got["Payments"].([]any)) != 1 {
		t.Errorf("after part payment: paid %v due %v status %v", got["AmountPaid"], got["AmountDue"], got["Status"])
	}

	// The edit lock: any change, even Reference only, and voiding.
	for _, change := range []map[string]any{{"Reference": "Shipped"}, {"Status": "VOIDED"}, {"LineItems": []any{}}} {
		msgs := b.do(t, "POST", "/api.xro/2.0/Invoices/"+id, invoiceBody(change)).validationMessages(t)
		if !slices.Contains(msgs, "This document cannot be edited as it has a payment or credit note allocated to it.") {
			t.Errorf("change %v on part-paid invoice: %v", change, msgs)
		}
	}
	// The ValidationException echoes the element.
	r := b.do(t, "POST", "/api.xro/2.0/Invoices/"+id, invoiceBody(map[string]any{"InvoiceID": id, "Reference": "Shipped"}))
	el := r.body["Elements"].([]any)[0].(map[string]any)
	if el["InvoiceID"] != id || el["Reference"] != "Shipped" || r.body["ErrorNumber"] != float64(10) || r.body["Message"] != "A validation exception occurred" {
		t.Errorf("validation body = %s", r.raw)
	}

	pay(t, b, id, 25).must(t, 200)
	got = b.do(t, "GET", "/api.xro/2.0/Invoices/"+id, nil).must(t, 200).one(t, "Invoices")
	if got["Status"] != "PAID" || got["AmountDue"] != float64(0) || got["FullyPaidOnDate"] != "/Date(1784505600000+0000)/" {
		t.Errorf("after full payment: status %v due %v fully paid %v", got["Status"], got["AmountDue"], got["FullyPaidOnDate"])
	}
	if msgs := pay(t, b, id, 1).validationMessages(t); len(msgs) == 0 {
		t.Error("payment on a PAID invoice accepted")
	}
	// A bad account is refused.
	other := newInvoice(t, b, cid, "AUTHORISED")["InvoiceID"].(string)
	r = b.do(t, "PUT", "/api.xro/2.0/Payments", map[string]any{"Invoice": map[string]any{"InvoiceID": other}, "Account": map[string]any{"Code": "200"}, "Amount": 1})
	if msgs := r.validationMessages(t); !containsMsg(msgs, "not a bank account") {
		t.Errorf("revenue account payment: %v", msgs)
	}
}

func TestLineItemsReplace(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Lines Inc")
	inv := newInvoice(t, b, cid, "AUTHORISED")
	id := inv["InvoiceID"].(string)
	lines := inv["LineItems"].([]any)
	keepID := lines[0].(map[string]any)["LineItemID"].(string)
	dropID := lines[1].(map[string]any)["LineItemID"].(string)
	before, _ := b.emu.Invoice(b.tenant, id)

	// Line A re-sent by id only is kept unchanged; line B not re-sent is
	// deleted; the new line is added.
	got := b.do(t, "POST", "/api.xro/2.0/Invoices/"+id, invoiceBody(map[string]any{"LineItems": []any{
		map[string]any{"LineItemID": keepID},
		map[string]any{"Description": "Shipping", "Quantity": 1, "UnitAmount": 12.5, "AccountCode": "260"},
	}})).must(t, 200).one(t, "Invoices")
	out := got["LineItems"].([]any)
	if len(out) != 2 {
		t.Fatalf("line items = %v", out)
	}
	a, ship := out[0].(map[string]any), out[1].(map[string]any)
	if a["LineItemID"] != keepID || a["Description"] != "A" || a["UnitAmount"] != float64(30) {
		t.Errorf("kept line = %v", a)
	}
	if ship["LineItemID"] == dropID || ship["LineItemID"] == "" || ship["Description"] != "Shipping" {
		t.Errorf("new line = %v", ship)
	}
	if got["Total"] != 42.5 {
		t.Errorf("Total = %v, want 42.5", got["Total"])
	}
	after, _ := b.emu.Invoice(b.tenant, id)
	if !after.UpdatedDateUTC.After(before.UpdatedDateUTC) && !after.UpdatedDateUTC.Equal(before.UpdatedDateUTC) {
		t.Error("UpdatedDateUTC went backwards")
	}
	// A line sent with its id and new fields takes them.
	got = b.do(t, "POST", "/api.xro/2.0/Invoices/"+id, invoiceBody(map[string]any{"LineItems": []any{
		map[string]any{"LineItemID": keepID, "Quantity": 3},
	}})).must(t, 200).one(t, "Invoices")
	if l := got["LineItems"].([]any); len(l) != 1 || l[0].(map[string]any)["LineAmount"] != float64(90) {
		t.Errorf("after quantity change: %v", l)
	}
	// An unknown id is refused.
	msgs := b.do(t, "POST", "/api.xro/2.0/Invoices/"+id, invoiceBody(map[string]any{"LineItems": []any{map[string]any{"LineItemID": dropID}}})).validationMessages(t)
	if !containsMsg(msgs, "does not exist") {
		t.Errorf("unknown line id: %v", msgs)
	}
}

func TestUpdatedDateUTCBumps(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC))
	b := setup(t, xeroemu.Options{Now: clk.Now})
	cid := seedCustomer(t, b, "Bump")
	id := newInvoice(t, b, cid, "DRAFT")["InvoiceID"].(string)
	clk.Advance(time.Minute)
	got := b.do(t, "POST", "/api.xro/2.0/Invoices", invoiceBody(map[string]any{"InvoiceID": id, "Reference": "PO 1"})).must(t, 200).one(t, "Invoices")
	if got["UpdatedDateUTC"] != "/Date(1782907260000+0000)/" || got["UpdatedDateUTCString"] != "2026-07-01T12:01:00Z" || got["Reference"] != "PO 1" {
		t.Errorf("after update: %v %v %v", got["UpdatedDateUTC"], got["UpdatedDateUTCString"], got["Reference"])
	}
	// The upsert also matches InvoiceNumber and creates what it cannot match.
	clk.Advance(time.Minute)
	got = b.do(t, "POST", "/api.xro/2.0/Invoices", invoiceBody(map[string]any{"InvoiceNumber": got["InvoiceNumber"], "Reference": "PO 2"})).must(t, 200).one(t, "Invoices")
	if got["InvoiceID"] != id || got["UpdatedDateUTCString"] != "2026-07-01T12:02:00Z" {
		t.Errorf("upsert by number: %v %v", got["InvoiceID"], got["UpdatedDateUTCString"])
	}
	created := b.do(t, "POST", "/api.xro/2.0/Invoices", invoiceBody(map[string]any{"Type": "ACCREC", "Contact": map[string]any{"Name": "Brand New"}})).must(t, 200).one(t, "Invoices")
	if created["InvoiceID"] == id || created["Contact"].(map[string]any)["Name"] != "Brand New" {
		t.Errorf("upsert create: %v", created)
	}
	// Go-side edits bump too.
	clk.Advance(time.Minute)
	inv, err := b.emu.UpdateInvoice(b.tenant, id, func(inv *xeroemu.Invoice) { inv.Reference = "from the UI" })
	if err != nil || inv.UpdatedDateUTC.Format(time.RFC3339) != "2026-07-01T12:03:00Z" || inv.Reference != "from the UI" {
		t.Errorf("UpdateInvoice: %v %v %v", err, inv.UpdatedDateUTC, inv.Reference)
	}
	// Numbers are unique for ACCREC.
	msgs := b.do(t, "PUT", "/api.xro/2.0/Invoices", invoiceBody(map[string]any{"Type": "ACCREC", "InvoiceNumber": inv.InvoiceNumber, "Contact": map[string]any{"ContactID": cid}})).validationMessages(t)
	if !slices.Contains(msgs, "Invoice # must be unique.") {
		t.Errorf("duplicate number: %v", msgs)
	}
}

func TestHistoryNotes(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC))
	b := setup(t, xeroemu.Options{Now: clk.Now})
	cid := seedCustomer(t, b, "Notes")
	inv := seedInvoices(t, b, 1, cid, func(_ int, inv *xeroemu.Invoice) { inv.Status = "PAID" })[0]
	clk.Advance(time.Hour)

	note := "Shipped 2026-07-14 via UPS Ground. Tracking 1Z999AA10123456784"
	r := b.do(t, "PUT", "/api.xro/2.0/Invoices/"+inv.InvoiceID+"/History", map[string]any{"HistoryRecords": []any{map[string]any{"Details": note}}}).must(t, 200)
	rec := r.one(t, "HistoryRecords")
	if rec["Details"] != note || rec["DateUTC"] != "/Date(1782910800000)/" || rec["DateUTCString"] != "2026-07-01T13:00:00" {
		t.Errorf("note = %v", rec)
	}
	// POST appends as well (xero-api.md §7.3).
	b.do(t, "POST", "/api.xro/2.0/Invoices/"+inv.InvoiceID+"/History", map[string]any{"HistoryRecords": []any{map[string]any{"Details": "second"}}}).must(t, 200)

	after, _ := b.emu.Invoice(b.tenant, inv.InvoiceID)
	if !after.UpdatedDateUTC.Equal(inv.UpdatedDateUTC) {
		t.Errorf("a note bumped UpdatedDateUTC from %v to %v", inv.UpdatedDateUTC, after.UpdatedDateUTC)
	}
	recs := b.do(t, "GET", "/api.xro/2.0/Invoices/"+inv.InvoiceID+"/History", nil).must(t, 200).items(t, "HistoryRecords")
	var notes []string
	for _, h := range recs {
		if h["Changes"] == "Note" {
			if h["User"] != "System Generated" {
				t.Errorf("note user = %v", h["User"])
			}
			notes = append(notes, h["Details"].(string))
		}
	}
	if !slices.Equal(notes, []string{note, "second"}) || recs[0]["Changes"] != "Created" {
		t.Errorf("history = %v", recs)
	}
	if len(b.emu.History(b.tenant, inv.InvoiceID)) != len(recs) {
		t.Error("History() disagrees with the API")
	}

	for _, bad := range []string{"", strings.Repeat("x", 251)} {
		r := b.do(t, "PUT", "/api.xro/2.0/Invoices/"+inv.InvoiceID+"/History", map[string]any{"HistoryRecords": []any{map[string]any{"Details": bad}}})
		if msgs := r.validationMessages(t); len(msgs) != 1 {
			t.Errorf("note of %d chars: %v", len(bad), msgs)
		}
	}
	b.do(t, "PUT", "/api.xro/2.0/Invoices/"+inv.InvoiceID+"/History", map[string]any{"HistoryRecords": []any{map[string]any{"Details": strings.Repeat("é", 250)}}}).must(t, 200)
	b.do(t, "PUT", "/api.xro/2.0/Invoices/nope/History", map[string]any{"HistoryRecords": []any{map[string]any{"Details": "x"}}}).must(t, 404)
	if got := b.emu.Counters().Get("PUT /api.xro/2.0/Invoices/{id}/History"); got != 5 {
		t.Errorf("History PUT counter = %d, want 5", got)
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Idem")
	body := invoiceBody(map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}, "Reference": "once"})
	first := b.do(t, "PUT", "/api.xro/2.0/Invoices", body, "Idempotency-Key", "key-1").must(t, 200)
	again := b.do(t, "PUT", "/api.xro/2.0/Invoices", body, "Idempotency-Key", "key-1").must(t, 200)
	if string(first.raw) != string(again.raw) {
		t.Error("replay differs from the first response")
	}
	all := b.do(t, "GET", "/api.xro/2.0/Invoices", nil).must(t, 200).items(t, "Invoices")
	if len(all) != 1 {
		t.Fatalf("%d invoices after a replayed create, want 1", len(all))
	}
	other := invoiceBody(map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}, "Reference": "twice"})
	r := b.do(t, "PUT", "/api.xro/2.0/Invoices", other, "Idempotency-Key", "key-1").must(t, 400)
	if !strings.Contains(r.body["Message"].(string), "different request") {
		t.Errorf("mismatch body = %s", r.raw)
	}
	b.do(t, "PUT", "/api.xro/2.0/Invoices", other, "Idempotency-Key", strings.Repeat("k", 129)).must(t, 400)
	b.do(t, "PUT", "/api.xro/2.0/Invoices", other, "Idempotency-Key", "key-2").must(t, 200)
	// History notes replay too.
	note := map[string]any{"HistoryRecords": []any{map[string]any{"Details": "once"}}}
	id := all[0]["InvoiceID"].(string)
	b.do(t, "PUT", "/api.xro/2.0/Invoices/"+id+"/History", note, "Idempotency-Key", "note-1").must(t, 200)
	b.do(t, "PUT", "/api.xro/2.0/Invoices/"+id+"/History", note, "Idempotency-Key", "note-1").must(t, 200)
	n := 0
	for _, h := range b.emu.History(b.tenant, id) {
		if h.Changes == "Note" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d notes after a replay, want 1", n)
	}
}

func TestInvoiceValidation(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Valid")
	tests := []struct {
		name string
		in   map[string]any
		msg  string
	}{
		{"no contact", map[string]any{"Type": "ACCREC"}, "The Contact must contain at least 1"},
		{"unknown contact", map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": "00000000-0000-0000-0000-000000000000"}}, "could not be found"},
		{"no type", map[string]any{"Contact": map[string]any{"ContactID": cid}}, "Type must be specified"},
		{"bad tax type", map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}, "LineItems": []any{map[string]any{"Description": "x", "UnitAmount": 1, "TaxType": "NOPE"}}}, "TaxType code 'NOPE'"},
		{"no description", map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}, "LineItems": []any{map[string]any{"UnitAmount": 1}}}, "Description"},
		{"authorised without lines", map[string]any{"Type": "ACCREC", "Status": "AUTHORISED", "Contact": map[string]any{"ContactID": cid}}, "at least one line item"},
		{"bad date", map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}, "Date": "soon"}, "not a date"},
		{"unknown tracking", map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}, "LineItems": []any{map[string]any{"Description": "x", "Tracking": []any{map[string]any{"Name": "Region", "Option": "North"}}}}}, "Tracking category 'Region'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := b.do(t, "PUT", "/api.xro/2.0/Invoices", invoiceBody(tt.in))
			if msgs := r.validationMessages(t); !containsMsg(msgs, tt.msg) {
				t.Errorf("messages %v lack %q", msgs, tt.msg)
			}
		})
	}
	// A batch is all or nothing.
	good := map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}}
	r := b.do(t, "PUT", "/api.xro/2.0/Invoices", map[string]any{"Invoices": []any{good, map[string]any{"Type": "ACCREC"}}})
	if msgs := r.validationMessages(t); len(msgs) != 1 || len(r.body["Elements"].([]any)) != 1 {
		t.Errorf("batch: %s", r.raw)
	}
	if all := b.do(t, "GET", "/api.xro/2.0/Invoices", nil).must(t, 200).items(t, "Invoices"); len(all) != 0 {
		t.Errorf("a failed batch stored %d invoices", len(all))
	}
	r = b.do(t, "PUT", "/api.xro/2.0/Invoices", "{not json").must(t, 400)
	if r.body["Type"] != "PostDataInvalidException" {
		t.Errorf("bad JSON body = %s", r.raw)
	}
}

func TestTrackingCategories(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	region, err := b.emu.SeedTrackingCategory(b.tenant, "Region", "North", "South")
	if err != nil {
		t.Fatal(err)
	}
	r := b.do(t, "PUT", "/api.xro/2.0/TrackingCategories", map[string]any{"Name": "Channel"}).must(t, 200)
	channel := r.one(t, "TrackingCategories")
	chID := channel["TrackingCategoryID"].(string)
	opts := b.do(t, "PUT", "/api.xro/2.0/TrackingCategories/"+chID+"/Options", map[string]any{"Name": "ShipStation"}).must(t, 200).one(t, "Options")
	if opts["Name"] != "ShipStation" || opts["IsActive"] != true {
		t.Errorf("option = %v", opts)
	}
	for _, name := range []string{"Web", "Phone"} {
		b.do(t, "PUT", "/api.xro/2.0/TrackingCategories/"+chID+"/Options", map[string]any{"Name": name}).must(t, 200)
	}
	if msgs := b.do(t, "PUT", "/api.xro/2.0/TrackingCategories/"+chID+"/Options", map[string]any{"Name": "web"}).validationMessages(t); !containsMsg(msgs, "already exists") {
		t.Errorf("duplicate option: %v", msgs)
	}

	// A third ACTIVE category is refused.
	if msgs := b.do(t, "PUT", "/api.xro/2.0/TrackingCategories", map[string]any{"Name": "Third"}).validationMessages(t); !containsMsg(msgs, "2 active") {
		t.Errorf("third active: %v", msgs)
	}
	if _, err := b.emu.SeedTrackingCategory(b.tenant, "Third"); err == nil {
		t.Error("SeedTrackingCategory allowed a third active category")
	}
	// Archive one, add two more (4 total), then a fifth is refused.
	b.do(t, "POST", "/api.xro/2.0/TrackingCategories/"+region.TrackingCategoryID, map[string]any{"Status": "ARCHIVED"}).must(t, 200)
	b.do(t, "PUT", "/api.xro/2.0/TrackingCategories", map[string]any{"Name": "Third"}).must(t, 200)
	third := b.do(t, "GET", "/api.xro/2.0/TrackingCategories", nil, "", "").must(t, 200).items(t, "TrackingCategories")
	if len(third) != 2 {
		t.Fatalf("active categories = %d, want 2", len(third))
	}
	b.do(t, "POST", "/api.xro/2.0/TrackingCategories/"+chID, map[string]any{"Status": "ARCHIVED"}).must(t, 200)
	b.do(t, "PUT", "/api.xro/2.0/TrackingCategories", map[string]any{"Name": "Fourth"}).must(t, 200)
	b.do(t, "POST", "/api.xro/2.0/TrackingCategories/"+chID, map[string]any{"Status": "ARCHIVED"}).must(t, 200)
	if msgs := b.do(t, "PUT", "/api.xro/2.0/TrackingCategories", map[string]any{"Name": "Fifth"}).validationMessages(t); !containsMsg(msgs, "4 tracking categories") {
		t.Errorf("fifth category: %v", msgs)
	}
	if msgs := b.do(t, "POST", "/api.xro/2.0/TrackingCategories/"+region.TrackingCategoryID, map[string]any{"Status": "ACTIVE"}).validationMessages(t); !containsMsg(msgs, "2 active") {
		t.Errorf("reactivating a third: %v", msgs)
	}
	all := b.do(t, "GET", "/api.xro/2.0/TrackingCategories?includeArchived=true", nil).must(t, 200).items(t, "TrackingCategories")
	if len(all) != 4 {
		t.Errorf("includeArchived: %d categories, want 4", len(all))
	}
	one := b.do(t, "GET", "/api.xro/2.0/TrackingCategories/"+region.TrackingCategoryID, nil).must(t, 200).one(t, "TrackingCategories")
	if one["Status"] != "ARCHIVED" || len(one["Options"].([]any)) != 2 {
		t.Errorf("GET one = %v", one)
	}
	if active := b.do(t, "GET", `/api.xro/2.0/TrackingCategories?where=`+url.QueryEscape(`Name=="Third"`), nil).must(t, 200).items(t, "TrackingCategories"); len(active) != 1 {
		t.Errorf("where Name: %d", len(active))
	}

	// Tracking on a line, by names, comes back with ids.
	cid := seedCustomer(t, b, "Tracked")
	inv := b.do(t, "PUT", "/api.xro/2.0/Invoices", invoiceBody(map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid},
		"LineItems": []any{map[string]any{"Description": "x", "UnitAmount": 1, "Tracking": []any{map[string]any{"Name": "third", "Option": "nope"}}}}}))
	if msgs := inv.validationMessages(t); !containsMsg(msgs, "Tracking option 'nope'") {
		t.Errorf("unknown option: %v", msgs)
	}
	thirdID := ""
	for _, c := range all {
		if c["Name"] == "Third" {
			thirdID = c["TrackingCategoryID"].(string)
		}
	}
	b.do(t, "PUT", "/api.xro/2.0/TrackingCategories/"+thirdID+"/Options", map[string]any{"Name": "Yes"}).must(t, 200)
	got := b.do(t, "PUT", "/api.xro/2.0/Invoices", invoiceBody(map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid},
		"LineItems": []any{map[string]any{"Description": "x", "UnitAmount": 1, "Tracking": []any{map[string]any{"Name": "third", "Option": "yes"}}}}})).must(t, 200).one(t, "Invoices")
	tr := got["LineItems"].([]any)[0].(map[string]any)["Tracking"].([]any)[0].(map[string]any)
	if tr["TrackingCategoryID"] != thirdID || tr["Name"] != "Third" || tr["Option"] != "Yes" || tr["TrackingOptionID"] == "" {
		t.Errorf("line tracking = %v", tr)
	}
}

func TestSummarizeErrorsFalse(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Per Element")
	body := map[string]any{"Invoices": []any{
		map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}, "Reference": "good"},
		map[string]any{"Type": "ACCREC", "Reference": "bad"},
	}}
	items := b.do(t, "PUT", "/api.xro/2.0/Invoices?summarizeErrors=false", body).must(t, 200).items(t, "Invoices")
	if len(items) != 2 || items[0]["StatusAttributeString"] != "OK" || items[1]["StatusAttributeString"] != "ERROR" ||
		items[1]["Reference"] != "bad" || len(items[1]["ValidationErrors"].([]any)) != 1 {
		t.Fatalf("per-element results = %v", items)
	}
	if all := b.do(t, "GET", "/api.xro/2.0/Invoices", nil).must(t, 200).items(t, "Invoices"); len(all) != 1 || all[0]["Reference"] != "good" {
		t.Errorf("stored %v, want only the good invoice", all)
	}
	contacts := b.do(t, "PUT", "/api.xro/2.0/Contacts?summarizeErrors=false", map[string]any{"Contacts": []any{
		map[string]any{"Name": "Per Element"}, map[string]any{"Name": "Fresh"},
	}}).must(t, 200).items(t, "Contacts")
	if contacts[0]["StatusAttributeString"] != "ERROR" || contacts[1]["StatusAttributeString"] != "OK" {
		t.Errorf("contact results = %v", contacts)
	}
}

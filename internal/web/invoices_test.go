package web_test

import (
	"encoding/csv"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// seedInvoices stores n invoices INV-0000… for acc: every fifth failed,
// every seventh waiting for its contact, the rest in ShipStation, one day
// apart (INV-0000 the oldest), customers Customer 000… .
func seedInvoices(t *testing.T, e *env, acc int64, n int) {
	t.Helper()
	for i := range n {
		l := store.InvoiceLink{AccountID: acc, InvoiceID: fmt.Sprintf("id-%04d", i), InvoiceNumber: fmt.Sprintf("INV-%04d", i),
			Customer: fmt.Sprintf("Customer %03d", i), InvoiceDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly),
			Currency: "NZD", TotalCents: int64(100000 + i), ShipCity: "Hamilton", ShipCountry: "NZ",
			Decision: store.DecisionExported, OrderID: int64(1000 + i), OrderStatus: "awaiting_shipment"}
		switch {
		case i%5 == 0:
			l.Decision, l.Reason, l.OrderID, l.OrderStatus = store.DecisionFailed, "ShipStation refused the order: bad SKU", 0, ""
		case i%7 == 0:
			l.Decision, l.ReasonCode, l.Reason, l.OrderID, l.OrderStatus = store.DecisionSkipped, "no_address", "Add a street address to the contact.", 0, ""
		}
		if err := e.st.UpsertInvoiceLink(t.Context(), l); err != nil {
			t.Fatal(err)
		}
	}
}

// column returns one column of the invoices table.
func column(rows [][]string, i int) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r[i])
	}
	return out
}

func (b *browser) invoiceNumbers() []string {
	b.t.Helper()
	if !b.has("invoices-table") {
		return nil
	}
	return column(b.rows("invoices-table"), 0)
}

func TestInvoicesPage(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	seedInvoices(t, e, acc, 120)
	// Another account's invoice never shows.
	other := e.browser()
	other.signUp("Other", "olly@example.com", password)
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: e.mustAccount(t, "olly@example.com"), InvoiceID: "theirs",
		InvoiceNumber: "INV-0001-THEIRS", Customer: "Customer 001", InvoiceDate: "2026-01-02"}); err != nil {
		t.Fatal(err)
	}

	b.get("/invoices")
	b.wantStatus(200)
	if b.h1() != "Invoices" {
		t.Errorf("h1 = %q", b.h1())
	}
	rows := b.rows("invoices-table")
	if len(rows) != 50 || rows[0][0] != "INV-0119" || rows[49][0] != "INV-0070" {
		t.Fatalf("page 1: %d rows, first %q, last %q", len(rows), rows[0], rows[len(rows)-1])
	}
	// One row: number, customer, date, total, state, ship-to.
	if got := rows[1][:6]; !slices.Equal(got, []string{"INV-0118", "Customer 118", "29 Apr 2026", "1,001.18 NZD", "In ShipStation", "Hamilton, NZ"}) {
		t.Errorf("row INV-0118 = %q", got)
	}
	if got := rows[4][4]; rows[4][0] != "INV-0115" || got != "FailedShipStation refused the order: bad SKU" {
		t.Errorf("a failed invoice's state = %q, want its reason with it", got)
	}
	if got := text(b.byID("invoices-total")); got != "120" {
		t.Errorf("total = %s", got)
	}
	// Counts per state, each linking to its filter.
	for id, want := range map[string]string{"state-any": "Any state 120", "state-failed": "Failed 24", "state-waiting": "Waiting for you 14",
		"state-in_shipstation": "In ShipStation 82", "state-shipped": "Shipped 0"} {
		if got := text(b.byID(id)); got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}
	if got := attr(b.byID("state-waiting"), "href"); got != "/invoices?state=waiting" {
		t.Errorf("waiting count links to %q", got)
	}

	// Pages: keyset cursors both ways.
	next := b.find(func(n *html.Node) bool { return attr(n, "rel") == "next" })
	if len(next) != 1 {
		t.Fatal("no next link")
	}
	var seen []string
	seen = append(seen, column(rows, 0)...)
	b.get(attr(next[0], "href"))
	page2 := b.invoiceNumbers()
	seen = append(seen, page2...)
	b.get(attr(b.find(func(n *html.Node) bool { return attr(n, "rel") == "next" })[0], "href"))
	seen = append(seen, b.invoiceNumbers()...)
	if len(seen) != 120 || seen[119] != "INV-0000" || len(b.find(func(n *html.Node) bool { return attr(n, "rel") == "next" })) != 0 {
		t.Errorf("walking the pages saw %d invoices ending %q", len(seen), seen[len(seen)-1])
	}
	slices.Sort(seen)
	if len(slices.Compact(seen)) != 120 {
		t.Error("an invoice shows on two pages")
	}
	b.get(attr(b.find(func(n *html.Node) bool { return attr(n, "rel") == "prev" })[0], "href"))
	if got := b.invoiceNumbers(); !slices.Equal(got, page2) {
		t.Errorf("previous from page 3 = %v…, want page 2 %v…", got[:2], page2[:2])
	}

	for _, tc := range []struct {
		query string
		want  []string // the first numbers shown
		total int
	}{
		{"q=inv-011", []string{"INV-0119", "INV-0118"}, 10},
		{"q=0042", []string{"INV-0042"}, 1},
		{"q=customer+11", []string{"INV-0119"}, 10},
		{"q=CUSTOMER+001", []string{"INV-0001"}, 1},
		{"q=INV_0", nil, 0}, // "_" is a character, not a wildcard
		{"state=waiting", []string{"INV-0119", "INV-0112"}, 14},
		{"state=failed&q=inv-01", []string{"INV-0115", "INV-0110"}, 4},
		{"from=2026-01-03&to=2026-01-05", []string{"INV-0004", "INV-0003", "INV-0002"}, 3},
		{"sort=number&dir=asc", []string{"INV-0000", "INV-0001"}, 120},
		{"sort=customer&dir=desc", []string{"INV-0119", "INV-0118"}, 120},
		{"sort=total&dir=asc", []string{"INV-0000", "INV-0001"}, 120},
		{"sort=date&dir=asc", []string{"INV-0000", "INV-0001"}, 120},
		{"sort=state&dir=asc&q=inv-000", []string{"INV-0000", "INV-0005", "INV-0007", "INV-0001"}, 10},
		{"state=bogus&sort=bogus&from=yesterday", []string{"INV-0119"}, 120},
	} {
		b.get("/invoices?" + tc.query)
		b.wantStatus(200)
		got := b.invoiceNumbers()
		if len(got) > len(tc.want) {
			got = got[:len(tc.want)]
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("/invoices?%s shows %v first, want %v", tc.query, got, tc.want)
		}
		if total := text(b.byID("invoices-total")); total != fmt.Sprint(tc.total) {
			t.Errorf("/invoices?%s: total %s, want %d", tc.query, total, tc.total)
		}
	}
	// The counts are the search's, whatever the state chosen.
	b.get("/invoices?q=inv-011&state=failed")
	if got := text(b.byID("state-any")); got != "Any state 10" {
		t.Errorf("searched any-state count = %q", got)
	}
	if got := attr(b.byID("state-waiting"), "href"); got != "/invoices?q=inv-011&state=waiting" {
		t.Errorf("a state link keeps the search: %q", got)
	}
	// Sorting: the header says which and links the other way round.
	b.get("/invoices?sort=total&dir=asc")
	th := b.find(func(n *html.Node) bool { return n.Data == "th" && attr(n, "aria-sort") != "" })
	if len(th) != 1 || attr(th[0], "aria-sort") != "ascending" || attr(b.byID("sort-total"), "href") != "/invoices?dir=desc&sort=total" {
		t.Errorf("sorted header %v, total links to %q", len(th), attr(b.byID("sort-total"), "href"))
	}

	// CSV: every invoice of the search, the filter and the sort, not only
	// the page.
	b.get("/invoices?state=in_shipstation&sort=number&dir=asc")
	csvLink := b.find(func(n *html.Node) bool { return hasAttr(n, "download") })
	if len(csvLink) != 1 || attr(csvLink[0], "href") != "/invoices.csv?dir=asc&sort=number&state=in_shipstation" {
		t.Fatalf("CSV link %v", csvLink)
	}
	b.get(attr(csvLink[0], "href"))
	if ct := b.resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("CSV content type %q", ct)
	}
	records, err := csv.NewReader(strings.NewReader(b.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 83 || records[0][1] != "invoice_number" || records[1][1] != "INV-0001" || records[1][8] != "In ShipStation" ||
		records[1][4] != "1000.01" && records[1][4] != "1,000.01" {
		t.Errorf("CSV: %d records, first %q", len(records), records[:min(2, len(records))])
	}
}

// A row links to the invoice's page by its id, escaped; customer text is
// defused in the CSV; the dashboard's counts open the page filtered.
func TestInvoicesPageLinksAndCSVSafety(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: "a b/c?d", InvoiceNumber: "INV-1",
		Customer: "=HYPERLINK(\"http://evil\")", ShipCity: "X;=1+1", Decision: store.DecisionExported, OrderID: 1, OrderStatus: "shipped"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordInvoiceShipment(t.Context(), acc, "a b/c?d", "1Z999", false, true); err != nil {
		t.Fatal(err)
	}
	b.get("/invoices")
	tbody := findIn(b.byID("invoices-table"), func(n *html.Node) bool { return n.Data == "tbody" })[0]
	links := findIn(tbody, func(n *html.Node) bool { return n.Data == "a" })
	if len(links) != 1 || attr(links[0], "href") != "/invoices/"+url.PathEscape("a b/c?d") {
		t.Fatalf("row links %v", links)
	}
	if got := b.rows("invoices-table")[0]; got[4] != "Shipped, written back to Xero" || got[6] != "1Z999" {
		t.Errorf("row = %q", got)
	}
	b.get(attr(links[0], "href"))
	b.wantStatus(200)
	b.get("/invoices.csv")
	records, err := csv.NewReader(strings.NewReader(b.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || !strings.HasPrefix(records[1][2], "'=") {
		t.Errorf("CSV customer %q", records[1:])
	}
	// A spreadsheet that splits on ';' must not meet a formula either: the
	// cell is quoted and the formula after the ';' neutralised.
	if len(records) == 2 && records[1][6] != "X;'=1+1" || !strings.Contains(b.body, `"X;'=1+1"`) {
		t.Errorf("CSV ship city %q, body %q", records[1:], b.body)
	}

	b.get("/dashboard")
	for id, want := range map[string]string{"count-written-back": "/invoices?state=written_back", "count-failed": "/invoices?state=failed",
		"count-waiting": "/invoices?state=waiting", "count-in-shipstation": "/invoices?state=in_shipstation"} {
		n := b.byID(id)
		for n != nil && n.Data != "a" {
			n = n.Parent
		}
		if n == nil || attr(n, "href") != want {
			t.Errorf("dashboard #%s is not inside a link to %s", id, want)
		}
	}
	if got := text(b.byID("count-written-back")); got != "1" {
		t.Errorf("written back count = %q", got)
	}
}

// Times show in the Xero organisation's zone, relative when recent, with
// the absolute time in the title; an unknown zone shows UTC and says so.
func TestTimesInOrganisationZone(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: "i1", InvoiceNumber: "INV-1"}); err != nil {
		t.Fatal(err)
	}
	seedLog(t, e, acc, 1, func(int) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess, InvoiceID: "i1", InvoiceNumber: "INV-1", Message: "sent"}
	})
	e.clock.Advance(3 * time.Minute)

	connect := func(tz string) {
		t.Helper()
		if err := e.st.SaveXeroConnection(t.Context(), acc, store.ConnectionMetadata{TenantID: "t1", TenantName: "Demo", Timezone: tz},
			&oauth2.Token{RefreshToken: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	timeOf := func(tableID string, col int) *html.Node {
		t.Helper()
		times := findIn(b.byID(tableID), func(n *html.Node) bool { return n.Data == "time" })
		if len(times) == 0 {
			t.Fatalf("#%s has no <time>", tableID)
		}
		return times[0]
	}

	connect("NEWZEALANDSTANDARDTIME")
	b.get("/invoices")
	tm := timeOf("invoices-table", 7)
	// The link was written at 14 Mar 2026 12:00 UTC (15 Mar 01:00 NZDT),
	// 3 minutes before now.
	if got := text(tm); got != "3 minutes ago" {
		t.Errorf("relative time = %q", got)
	}
	if got := attr(tm, "title"); got != "15 Mar 2026 01:00 NZDT" {
		t.Errorf("title = %q, want the time in Auckland", got)
	}
	if got := attr(tm, "datetime"); got != "2026-03-14T12:00:00Z" {
		t.Errorf("datetime = %q", got)
	}
	if b.has("time-note") {
		t.Errorf("a known zone has a note: %q", text(b.byID("time-note")))
	}
	b.get("/log")
	if got := attr(timeOf("log-table", 0), "title"); !strings.Contains(got, "NZDT") {
		t.Errorf("the log's time = %q, want it in Auckland", got)
	}

	connect("MARSSTANDARDTIME")
	b.get("/invoices")
	if got := attr(timeOf("invoices-table", 7), "title"); got != "14 Mar 2026 12:00 UTC" {
		t.Errorf("title with an unknown zone = %q", got)
	}
	if got := text(b.byID("time-note")); !strings.Contains(got, "UTC") || !strings.Contains(got, "MARSSTANDARDTIME") {
		t.Errorf("note = %q", got)
	}
}

// Connecting Xero reads the organisation's time zone, and the pages then
// show times in it.
func TestConnectXeroReadsTimezone(t *testing.T) {
	t.Parallel()
	e, _, _ := newEmuEnv(t, xeroemu.Options{OrgNames: []string{"Demo Company (NZ)"}, OrgTimezone: "NEWZEALANDSTANDARDTIME"}, shipstationemu.Options{})
	b, acc := e.signUpAnn(t)
	b.connectXero()
	b.wantRedirect("/connections")
	c, err := e.st.Connection(t.Context(), acc, store.KindXero)
	if err != nil {
		t.Fatal(err)
	}
	if c.Metadata.Timezone != "NEWZEALANDSTANDARDTIME" || c.Metadata.ShortCode == "" {
		t.Errorf("stored timezone %q, short code %q; want both", c.Metadata.Timezone, c.Metadata.ShortCode)
	}
	seedLog(t, e, acc, 1, func(int) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess, Message: "sent"}
	})
	b.get("/log")
	if got := attr(findIn(b.byID("log-table"), func(n *html.Node) bool { return n.Data == "time" })[0], "title"); !strings.Contains(got, "NZDT") {
		t.Errorf("log time %q, want Auckland's", got)
	}
}

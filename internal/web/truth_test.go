package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/web"
)

// cellTexts is the text of every table cell on the page.
func (b *browser) cellTexts() []string {
	b.t.Helper()
	var out []string
	for _, td := range b.find(func(n *html.Node) bool { return n.DataAtom == atom.Td }) {
		out = append(out, text(td))
	}
	return out
}

// TestRunPageShowsItsOwnRun checks that a finished run's page says what
// that run did, and lists its own log lines, not the newest lines of
// other runs.
func TestRunPageShowsItsOwnRun(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	first, _ := e.jobs.EnqueueExport(context.Background(), nil, acc)
	second, _ := e.jobs.EnqueueExport(context.Background(), nil, acc)
	line := func(run int64, number string, o store.Outcome) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: o, InvoiceID: "id-" + number,
			InvoiceNumber: number, Message: number + " " + string(o), RunID: run}
	}
	seedLog(t, e, acc, 3, func(i int) store.LogEntry {
		return []store.LogEntry{line(first, "INV-1", store.OutcomeSuccess), line(first, "INV-2", store.OutcomeSkipped),
			line(second, "INV-3", store.OutcomeFailed)}[i]
	})
	e.jobs.set(first, web.RunStatus{State: web.RunSucceeded, Done: 5, Total: 5,
		Summary: &web.RunSummary{New: 1, Skipped: 1, Unchanged: 3}})

	b.get("/runs/" + itoa64(first))
	cells := strings.Join(b.cellTexts(), "|")
	if !strings.Contains(cells, "INV-1") || !strings.Contains(cells, "INV-2") {
		t.Errorf("the run's page lacks its own lines: %q", cells)
	}
	if strings.Contains(cells, "INV-3") {
		t.Errorf("the run's page shows a line of another run: %q", cells)
	}
	for id, want := range map[string]string{"run-new": "1", "run-updated": "0", "run-unchanged": "3", "run-skipped": "1", "run-failed": "0"} {
		if got := text(b.byID(id)); got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}

	// The log filtered by the run lists the same lines.
	b.get("/log?run=" + itoa64(first))
	var numbers []string
	for _, r := range b.rows("log-table") {
		numbers = append(numbers, r[2])
	}
	if strings.Join(numbers, ",") != "INV-2,INV-1" {
		t.Errorf("the log of run %d lists %v", first, numbers)
	}
}

// TestDashboardCountsWhereInvoicesAreNow checks that the dashboard counts
// each invoice once, where it stands now (an order sent and later skipped
// is still in ShipStation), that its chart counts orders sent with
// warnings as sent, and that "See which" leads to exactly the invoices
// that wait for a contact to be fixed.
func TestDashboardCountsWhereInvoicesAreNow(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	connectFake(t, e, acc)
	links := []store.InvoiceLink{
		{InvoiceID: "a", InvoiceNumber: "INV-A", Decision: store.DecisionExported, OrderID: 1, OrderStatus: "awaiting_shipment"},
		{InvoiceID: "b", InvoiceNumber: "INV-B", Decision: store.DecisionUnchanged, OrderID: 2, OrderStatus: "awaiting_shipment"},
		{InvoiceID: "c", InvoiceNumber: "INV-C", Decision: store.DecisionSkipped, ReasonCode: "tracking_rule",
			Reason: "no line carries the tracking option; the order already in ShipStation was left as it is", OrderID: 3, OrderStatus: "awaiting_shipment"},
		{InvoiceID: "d", InvoiceNumber: "INV-D", Decision: store.DecisionSkipped, ReasonCode: "shipped", OrderID: 4, OrderStatus: "shipped"},
		{InvoiceID: "e", InvoiceNumber: "INV-E", Decision: store.DecisionSkipped, ReasonCode: "no_address", Reason: "contact Nobody has no address"},
		{InvoiceID: "f", InvoiceNumber: "INV-F", Decision: store.DecisionSkipped, ReasonCode: "status", Reason: "the invoice is a draft"},
		{InvoiceID: "g", InvoiceNumber: "INV-G", Decision: store.DecisionFailed, Reason: "ShipStation refused the order: bad SKU"},
	}
	for _, l := range links {
		l.AccountID = acc
		if err := e.st.UpsertInvoiceLink(t.Context(), l); err != nil {
			t.Fatal(err)
		}
	}
	seedLog(t, e, acc, 4, func(i int) store.LogEntry {
		return []store.LogEntry{
			{Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess, InvoiceNumber: "INV-A", Message: "INV-A exported"},
			{Direction: store.XeroToShipStation, Outcome: store.OutcomeWarning, InvoiceNumber: "INV-B", Message: "INV-B exported (1 warning)"},
			{Direction: store.XeroToShipStation, Outcome: store.OutcomeWarning, InvoiceNumber: "INV-H", ReasonCode: "voided_after_ship",
				Message: "INV-H needs attention"},
			{Direction: store.XeroToShipStation, Outcome: store.OutcomeFailed, InvoiceNumber: "INV-G", Message: "INV-G failed"},
		}[i]
	})

	b.get("/dashboard")
	for id, want := range map[string]string{"count-in-shipstation": "3", "count-shipped": "1", "count-waiting": "1",
		"count-failed": "1", "count-attention": "0", "count-cancelled": "0", "count-not-sent": "1"} {
		if !b.has(id) {
			t.Errorf("no #%s on the dashboard", id)
		} else if got := text(b.byID(id)); got != want {
			t.Errorf("#%s = %s, want %s", id, got, want)
		}
	}
	rows := b.rows("chart-table")
	if last := rows[len(rows)-1]; last[1] != "2" || last[2] != "1" {
		t.Errorf("today's chart row = %q, want 2 sent (one with a warning) and 1 failed", last)
	}

	var seeWhich string
	for _, a := range findIn(b.byID("problems"), func(n *html.Node) bool { return n.DataAtom == atom.A }) {
		if text(a) == "See which" {
			seeWhich = attr(a, "href")
		}
	}
	// The dashboard keeps its own list of the waiting invoices.
	if !b.has("waiting") {
		t.Error("the dashboard has no list of the waiting invoices")
	}
	if seeWhich != "/invoices?state=waiting" {
		t.Fatalf("See which links to %q, not to the invoices page filtered to the waiting ones", seeWhich)
	}
	b.get(seeWhich)
	var listed []string
	for _, row := range b.rows("invoices-table") {
		listed = append(listed, row[0])
	}
	if strings.Join(listed, ",") != "INV-E" {
		t.Errorf("See which lists %v, want only INV-E", listed)
	}
}

// TestInvoicePageNamesEachWriteBack checks that the invoice page calls
// each write-back to Xero what it is: a "label voided" note is not a
// shipping line.
func TestInvoicePageNamesEachWriteBack(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: "inv-1", InvoiceNumber: "INV-1",
		Decision: store.DecisionExported, OrderID: 1, OrderStatus: "shipped"}); err != nil {
		t.Fatal(err)
	}
	kinds := []store.WriteBackKind{store.WriteBackNote, store.WriteBackLine, store.WriteBackVoidNote,
		store.WriteBackLineRemoved, store.WriteBackLineSettled}
	for i, k := range kinds {
		if _, err := e.st.MarkShipmentWritten(t.Context(), store.WrittenShipment{AccountID: acc, ShipmentID: "s-" + string(k),
			Kind: k, InvoiceID: "inv-1", WrittenAt: e.clock.Now().Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	b.get("/invoices/inv-1")
	var got []string
	for _, li := range b.find(func(n *html.Node) bool { return n.DataAtom == atom.Li && strings.HasPrefix(text(n), "Shipment s-") }) {
		what := strings.TrimPrefix(text(li), "Shipment ")
		got = append(got, what[:strings.LastIndex(what, ",")]) // then when
	}
	want := []string{
		"s-note: history note",
		"s-line: shipping line",
		"s-void_note: label voided note",
		"s-line_removed: shipping line removed",
		"s-line_settled: no shipping line written (no cost, or Xero locked the invoice)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("written back:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDashboardSaysWhenItListsSomeFailures checks that the failures the
// dashboard lists say how many of all they are.
func TestDashboardSaysWhenItListsSomeFailures(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	for i := range 12 {
		if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: "f" + itoa64(int64(i)),
			InvoiceNumber: "INV-F" + itoa64(int64(i)), Decision: store.DecisionFailed, Reason: "ShipStation refused the order"}); err != nil {
			t.Fatal(err)
		}
	}
	b.get("/dashboard")
	if got := text(b.byID("count-failed")); got != "12" {
		t.Errorf("#count-failed = %s", got)
	}
	listed := findIn(b.byID("attention"), func(n *html.Node) bool {
		return n.DataAtom == atom.A && strings.HasPrefix(attr(n, "href"), "/invoices/")
	})
	if len(listed) != 10 || !strings.Contains(text(b.byID("attention")), "10 of 12") {
		t.Errorf("attention lists %d invoices and says %q", len(listed), text(b.byID("attention")))
	}
}

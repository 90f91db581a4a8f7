package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/store"
)

// alertItems returns the "Needs you" items of the list id (problems,
// attention, waiting): each item's text without its "Dealt with" form.
func (b *browser) alertItems(id string) []string {
	b.t.Helper()
	if !b.has(id) {
		return nil
	}
	var out []string
	for _, li := range findIn(b.byID(id), func(n *html.Node) bool { return n.DataAtom == atom.Li }) {
		for _, s := range findIn(li, func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "alert-text") }) {
			out = append(out, text(s))
		}
	}
	return out
}

// dealtWith presses the "Dealt with" button of the item of list id whose
// text contains what.
func (b *browser) dealtWith(id, what string) {
	b.t.Helper()
	for _, li := range findIn(b.byID(id), func(n *html.Node) bool { return n.DataAtom == atom.Li }) {
		if !strings.Contains(text(li), what) {
			continue
		}
		forms := findIn(li, func(n *html.Node) bool { return n.DataAtom == atom.Form })
		buttons := findIn(li, func(n *html.Node) bool { return n.DataAtom == atom.Button && text(n) == "Dealt with" })
		if len(forms) != 1 || len(buttons) != 1 {
			b.t.Fatalf("item %q has %d forms and %d Dealt with buttons", text(li), len(forms), len(buttons))
		}
		v := url.Values{}
		for _, in := range findIn(forms[0], func(n *html.Node) bool { return n.DataAtom == atom.Input }) {
			v.Set(attr(in, "name"), attr(in, "value"))
		}
		b.post(attr(forms[0], "action"), v)
		b.follow()
		return
	}
	b.t.Fatalf("no item %q in #%s", what, id)
}

// TestDashboardDealtWith: each alert can be marked dealt with, which hides
// it for the account until it changes or comes back.
func TestDashboardDealtWith(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	fail := func(reason string) {
		t.Helper()
		if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: "inv-f", InvoiceNumber: "INV-F",
			Decision: store.DecisionFailed, Reason: reason}); err != nil {
			t.Fatal(err)
		}
	}
	fail("ShipStation refused the order: the SKU is too long.")
	b.get("/dashboard")
	if got := strings.Join(b.alertItems("attention"), "\n"); !strings.Contains(got, "INV-F") {
		t.Fatalf("attention = %q", got)
	}
	b.dealtWith("attention", "INV-F")
	b.wantStatus(http.StatusOK)
	if got := strings.Join(b.alertItems("attention"), "\n"); strings.Contains(got, "INV-F") {
		t.Errorf("after Dealt with, attention still lists it: %q", got)
	}
	if got := text(b.byID("count-failed")); got != "1" {
		t.Errorf("the count of failed invoices = %s; it counts, dealt with or not", got)
	}
	// Another user of another account sees nothing of it; the same
	// failure again stays hidden.
	b.get("/dashboard")
	if got := strings.Join(b.alertItems("attention"), "\n"); strings.Contains(got, "INV-F") {
		t.Errorf("on reload, attention lists it: %q", got)
	}
	// The invoice fails again, for another reason: it shows again.
	e.clock.Advance(time.Hour)
	fail("ShipStation refused the order: the store is gone.")
	b.get("/dashboard")
	if got := strings.Join(b.alertItems("attention"), "\n"); !strings.Contains(got, "the store is gone") {
		t.Errorf("a new failure stays hidden: %q", got)
	}

	// A problem: dealt with, hidden; gone and back, shown again.
	const syncOff = "“Sync orders from Xero” is off"
	b.dealtWith("problems", syncOff)
	if got := strings.Join(b.alertItems("problems"), "\n"); strings.Contains(got, syncOff) {
		t.Errorf("after Dealt with, problems still list it: %q", got)
	}
	set, _ := e.st.Settings(t.Context(), acc)
	set.SyncEnabled = true
	if _, err := e.st.ChangeSettings(t.Context(), acc, set); err != nil {
		t.Fatal(err)
	}
	b.get("/dashboard")
	set.SyncEnabled = false
	if _, err := e.st.ChangeSettings(t.Context(), acc, set); err != nil {
		t.Fatal(err)
	}
	b.get("/dashboard")
	if got := strings.Join(b.alertItems("problems"), "\n"); !strings.Contains(got, syncOff) {
		t.Errorf("a problem that came back stays hidden: %q", got)
	}

	// Another account's acknowledgement cannot hide Ann's alerts.
	bob := e.browser()
	bob.signUp("Bob Co", "bob@example.com", password)
	bob.get("/dashboard")
	bob.dealtWith("problems", syncOff)
	b.get("/dashboard")
	if got := strings.Join(b.alertItems("problems"), "\n"); !strings.Contains(got, syncOff) {
		t.Errorf("Bob's Dealt with hid Ann's problem: %q", got)
	}
}

// TestDashboardPriorities: what needs the merchant comes first; the
// webhook card (operator material) is on the Status page, linked from the
// gear menu.
func TestDashboardPriorities(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: "inv-f", InvoiceNumber: "INV-F",
		Decision: store.DecisionFailed, Reason: "ShipStation refused the order."}); err != nil {
		t.Fatal(err)
	}
	b.get("/dashboard")
	pos := func(id string) int {
		i := strings.Index(b.body, `id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no #%s on the dashboard", id)
		}
		return i
	}
	if !(pos("problems") < pos("counts-h") && pos("attention") < pos("counts-h") && pos("attention") < pos("health-h")) {
		t.Error("what needs the merchant is not above the counts and the connections")
	}
	if b.has("webhooks") {
		t.Error("the dashboard still shows the webhook card")
	}
	status := b.link("Status")
	b.get(attr(status, "href"))
	b.wantStatus(http.StatusOK)
	if !b.has("webhook-xero-state") || !b.has("webhook-shipstation-state") {
		t.Error("the Status page has no webhook health")
	}
}

// TestDashboardChartAxes: the chart says which day each bar is and what
// the numbers are, on its axes, with a text alternative.
func TestDashboardChartAxes(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	seedLog(t, e, acc, 6, func(i int) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess, Message: "x"}
	})
	b.get("/dashboard")
	svg := b.find(func(n *html.Node) bool { return n.Data == "svg" && strings.Contains(attr(n, "class"), "chart") })
	if len(svg) != 1 {
		t.Fatalf("%d charts", len(svg))
	}
	var labels []string
	for _, n := range findIn(svg[0], func(n *html.Node) bool { return n.Data == "text" }) {
		labels = append(labels, text(n))
	}
	all := strings.Join(labels, "|")
	// newEnv's clock is 14 Mar 2026: the axis runs 1 Mar to 14 Mar, and
	// the numbers reach the day's 6.
	for _, want := range []string{"1 Mar", "14 Mar", "0", "6"} {
		if !strings.Contains("|"+all+"|", "|"+want+"|") {
			t.Errorf("axis labels %q lack %q", all, want)
		}
	}
	if attr(svg[0], "role") != "img" || (attr(svg[0], "aria-labelledby") == "" && attr(svg[0], "aria-label") == "") {
		t.Error("the chart has no accessible name")
	}
	if rows := b.rows("chart-table"); len(rows) != 14 {
		t.Errorf("the text alternative has %d rows", len(rows))
	}
}

package e2e_test

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// invoiceLinks is the text of every link to an invoice under n, sorted.
func invoiceLinks(n *html.Node) []string {
	var out []string
	for _, a := range findNodes(n, func(n *html.Node) bool {
		return n.DataAtom == atom.A && strings.HasPrefix(attrOf(n, "href"), "/invoices/")
	}) {
		out = append(out, nodeText(a))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestPagesTellTheTruth follows a merchant through two runs and checks
// that every page answers its question from what is true now: a run's
// page says what that run did and lists its own lines; the dashboard
// counts an invoice that is in ShipStation as in ShipStation even after a
// later run skipped it; "See which" shows exactly the invoices that wait
// for a contact to be fixed.
func TestPagesTellTheTruth(t *testing.T) {
	t.Parallel()
	w := newWebWorld(t)
	ann := w.client(t)
	ann.signUp("Acme Outdoor Ltd", "ann@example.com")
	ann.get("/connections")
	ann.submit("/connections/shipstation", url.Values{"api_key": {w.semu.APIKey()}, "api_secret": {w.semu.APISecret()}})
	ann.get(attrOf(ann.byID("connect-xero"), "href"))
	ann.want(http.StatusOK, "/connections")

	tenant := w.xemu.DefaultTenantID()
	if _, err := w.xemu.SeedTrackingCategory(tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		t.Fatal(err)
	}
	ww := &world{t: t, xemu: w.xemu, tenant: tenant}
	sent := ww.invoice(ww.contact("Hiker Supplies"), true)
	nowhere, err := w.xemu.SeedContact(tenant, xeroemu.Contact{Name: "No Address Ltd", FirstName: "Nobody"})
	if err != nil {
		t.Fatal(err)
	}
	waiting := ww.invoice(nowhere, true)
	retail := ww.invoice(ww.contact("Shop Counter"), false) // not for ShipStation

	ann.get("/configure")
	ann.submit("/configure", url.Values{"sync_enabled": {"on"}, "interval": {"60"}, "interval_unit": {"minute"}, "tracking_rule_enabled": {"on"},
		"tracking_option_name": {"ShipStation"}, "tracking_category_name": {"Sales Channel"},
		"invoice_statuses": {"AUTHORISED", "PAID"}, "log_retention_days": {"30"}, "action": {"sync"}})
	first := ann.path()
	if !strings.HasPrefix(first, "/runs/") {
		t.Fatalf("Save and sync landed on %s", first)
	}
	if st := ann.waitRun(first); st.State != string(web.RunSucceeded) {
		t.Fatalf("first run ended %+v", st)
	}

	// The first run's page: what it did, and its own lines.
	ann.get(first)
	summary := map[string]string{}
	for _, id := range []string{"run-new", "run-updated", "run-unchanged", "run-skipped", "run-failed", "run-cancelled", "run-written-back"} {
		if n := findNodes(ann.doc, func(n *html.Node) bool { return attrOf(n, "id") == id }); len(n) == 1 {
			summary[id] = nodeText(n[0])
		}
	}
	want := map[string]string{"run-new": "1", "run-updated": "0", "run-unchanged": "0", "run-skipped": "2", "run-failed": "0",
		"run-cancelled": "0", "run-written-back": "0"}
	if !maps.Equal(summary, want) {
		t.Errorf("first run's summary = %v, want %v", summary, want)
	}
	wantLines := []string{sent.InvoiceNumber, waiting.InvoiceNumber, retail.InvoiceNumber}
	slices.Sort(wantLines)
	if got := invoiceLinks(ann.doc); !slices.Equal(got, wantLines) {
		t.Errorf("first run's page links invoices %v, want %v", got, wantLines)
	}

	// The sent invoice loses its tracking option in Xero; a re-sync skips
	// it, leaving its order in ShipStation as it is.
	ww.edit(sent, func(inv *xeroemu.Invoice) { inv.LineItems[0].Tracking[0].Option = "Retail" })
	ann.get("/invoices/" + sent.InvoiceID)
	ann.submit("/invoices/"+sent.InvoiceID+"/resync", nil)
	second := ann.path()
	if st := ann.waitRun(second); st.State != string(web.RunSucceeded) {
		t.Fatalf("re-sync ended %+v", st)
	}
	ann.get(second)
	if got := invoiceLinks(ann.doc); !slices.Equal(got, []string{sent.InvoiceNumber}) {
		t.Errorf("the re-sync's page links invoices %v, want only %s", got, sent.InvoiceNumber)
	}
	ann.get(first)
	if strings.Contains(ann.body, "left as it is") {
		t.Error("the first run's page shows the re-sync's line")
	}

	// The dashboard counts what is true now.
	ann.get("/dashboard")
	counts := map[string]string{}
	for _, id := range []string{"count-in-shipstation", "count-shipped", "count-waiting", "count-failed"} {
		if n := findNodes(ann.doc, func(n *html.Node) bool { return attrOf(n, "id") == id }); len(n) == 1 {
			counts[id] = nodeText(n[0])
		}
	}
	if want := map[string]string{"count-in-shipstation": "1", "count-shipped": "0", "count-waiting": "1", "count-failed": "0"}; !maps.Equal(counts, want) {
		t.Errorf("dashboard counts = %v, want %v", counts, want)
	}

	// "See which" shows exactly the invoice that waits for its contact.
	var seeWhich string
	for _, a := range findNodes(ann.byID("problems"), func(n *html.Node) bool { return n.DataAtom == atom.A }) {
		if nodeText(a) == "See which" {
			seeWhich = attrOf(a, "href")
		}
	}
	if seeWhich == "" {
		t.Fatalf("no See which link among the problems: %q", nodeText(ann.byID("problems")))
	}
	target, fragment, _ := strings.Cut(seeWhich, "#")
	if target == "" {
		target = ann.path()
	}
	ann.get(target)
	scope := ann.doc
	if fragment != "" {
		scope = ann.byID(fragment)
	} else if n := findNodes(ann.doc, func(n *html.Node) bool { return attrOf(n, "id") == "log-table" }); len(n) == 1 {
		scope = n[0]
	}
	if got := invoiceLinks(scope); !slices.Equal(got, []string{waiting.InvoiceNumber}) {
		t.Errorf("See which (%s) shows invoices %v, want only %s", seeWhich, got, waiting.InvoiceNumber)
	}
}

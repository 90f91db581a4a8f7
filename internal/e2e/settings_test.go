package e2e_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// connectBoth connects ShipStation and Xero through the Connections page.
func (c *client) connectBoth(w *webWorld) {
	c.t.Helper()
	c.get("/connections")
	c.submit("/connections/shipstation", url.Values{"api_key": {w.semu.APIKey()}, "api_secret": {w.semu.APISecret()}})
	c.want(http.StatusOK, "/connections")
	c.get(attrOf(c.byID("connect-xero"), "href"))
	c.want(http.StatusOK, "/connections")
}

// saveSettings posts the Configure form with values over the defaults a
// merchant leaves alone, pressing Save (action "save") or Save and sync
// ("sync"); with sync it follows the run to its end.
func (c *client) saveSettings(action string, values url.Values) {
	c.t.Helper()
	form := url.Values{"sync_enabled": {"on"}, "interval": {"1"}, "interval_unit": {"hour"},
		"invoice_statuses": {"AUTHORISED", "PAID"}, "log_retention_days": {"30"}, "action": {action}}
	for k, v := range values {
		form[k] = v
	}
	c.get("/configure")
	c.submit("/configure", form)
	if action != "sync" {
		c.want(http.StatusOK, "/configure")
		return
	}
	if !strings.HasPrefix(c.path(), "/runs/") {
		c.t.Fatalf("Save and sync landed on %s, want the run's page\n%.2000s", c.path(), c.body)
	}
	if st := c.waitRun(c.path()); st.State != string(web.RunSucceeded) {
		c.t.Fatalf("run ended %+v", st)
	}
}

// TestSwitchingTheTrackingRuleOffRedecidesSkippedInvoices: an invoice
// skipped for the tracking rule, older than the overlap window, becomes an
// order once the merchant switches the rule off with Save and sync, as the
// skip's reason tells them to; no "Sync past invoices" needed.
func TestSwitchingTheTrackingRuleOffRedecidesSkippedInvoices(t *testing.T) {
	t.Parallel()
	w := newWebWorld(t)
	ann := w.client(t)
	ann.signUp("Acme Outdoor Ltd", "ann@example.com")
	ann.connectBoth(w)

	tenant := w.xemu.DefaultTenantID()
	if _, err := w.xemu.SeedTrackingCategory(tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		t.Fatal(err)
	}
	ww := &world{t: t, xemu: w.xemu, tenant: tenant}
	c := ww.contact("Hiker Supplies")
	// Two days old: well behind the invoice cursor once a newer invoice
	// has been read, so only a re-decision reaches it again.
	old, err := w.xemu.SeedInvoice(tenant, xeroemu.Invoice{
		Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: c.ContactID}, CurrencyCode: "NZD",
		Date: time.Now().UTC().AddDate(0, 0, -2), UpdatedDateUTC: time.Now().UTC().Add(-48 * time.Hour),
		LineItems: []xeroemu.LineItem{{ItemCode: "TENT-2P", Description: "Two-person tent", Quantity: 1, UnitAmount: 150,
			AccountCode: "200", TaxType: "OUTPUT2", Tracking: []xeroemu.LineItemTracking{{Name: "Sales Channel", Option: "Retail"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ww.invoice(c, true) // newer: the cursor moves past the old one

	ann.saveSettings("sync", url.Values{"tracking_rule_enabled": {"on"}, "tracking_option_name": {"ShipStation"}})
	if _, ok := w.semu.OrderByKey(ww.key(old)); ok {
		t.Fatal("an invoice without the tracking option was sent while the rule was on")
	}
	ann.get("/invoices/" + old.InvoiceID)
	if got := nodeText(ann.byID("invoice-decision")); got != "Skipped" {
		t.Fatalf("the untagged invoice's decision = %q, want Skipped", got)
	}
	reason := nodeText(ann.byID("invoice-reason"))

	// What the reason asks for: the rule off, Save and sync.
	ann.saveSettings("sync", url.Values{"tracking_option_name": {"ShipStation"}})
	if _, ok := w.semu.OrderByKey(ww.key(old)); !ok {
		t.Fatalf("switching the tracking rule off (reason was %q) left the skipped invoice unsent", reason)
	}
	ann.get("/invoices/" + old.InvoiceID)
	if got := nodeText(ann.byID("invoice-decision")); !strings.HasPrefix(got, "In ShipStation") {
		t.Errorf("after the rule went off, the state = %q, want In ShipStation…", got)
	}
}

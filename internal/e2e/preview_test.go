package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// orderRecorder passes every call on, keeping the orders posted to
// ShipStation's createorders: what the worker really sent.
type orderRecorder struct {
	mu     sync.Mutex
	orders []map[string]any
}

func (o *orderRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/orders/createorders") && r.Body != nil {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(raw))
		var batch []map[string]any
		if err := json.Unmarshal(raw, &batch); err == nil {
			o.mu.Lock()
			o.orders = append(o.orders, batch...)
			o.mu.Unlock()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// sent returns the orders posted with orderKey, in order.
func (o *orderRecorder) sent(orderKey string) []map[string]any {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []map[string]any
	for _, ord := range o.orders {
		if ord["orderKey"] == orderKey {
			out = append(out, ord)
		}
	}
	return out
}

// TestPreviewIsWhatTheExportSends: with "Shipping item code" left blank
// (the default), an invoice with a shipping line previews exactly the
// order the export then sends, and once sent the preview says ShipStation
// has it.
func TestPreviewIsWhatTheExportSends(t *testing.T) {
	t.Parallel()
	rec := &orderRecorder{}
	w := newWebWorld(t, func(o *app.Options) { o.HTTPClient = &http.Client{Transport: rec, Timeout: time.Minute} })
	ann := w.client(t)
	ann.signUp("Acme Outdoor Ltd", "ann@example.com")
	ann.connectBoth(w)

	tenant := w.xemu.DefaultTenantID()
	if _, err := w.xemu.SeedTrackingCategory(tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		t.Fatal(err)
	}
	ww := &world{t: t, xemu: w.xemu, tenant: tenant}
	c := ww.contact("Hiker Supplies")
	tagged := []xeroemu.LineItemTracking{{Name: "Sales Channel", Option: "ShipStation"}}
	inv, err := w.xemu.SeedInvoice(tenant, xeroemu.Invoice{
		Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: c.ContactID}, CurrencyCode: "NZD", Date: time.Now().UTC(),
		LineItems: []xeroemu.LineItem{
			{ItemCode: "TENT-2P", Description: "Two-person tent", Quantity: 1, UnitAmount: 150, AccountCode: "200", TaxType: "OUTPUT2", Tracking: tagged},
			{ItemCode: "SHIPPING", Description: "Courier", Quantity: 1, UnitAmount: 15, AccountCode: "200", TaxType: "OUTPUT2"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	// Shipping item code blank, as a merchant leaves it.
	ann.saveSettings("save", url.Values{"tracking_rule_enabled": {"on"}, "tracking_option_name": {"ShipStation"}, "shipping_item_code": {""}})
	ann.get("/invoices/" + inv.InvoiceID)
	ann.want(http.StatusOK, "/invoices/"+inv.InvoiceID)
	if got := nodeText(ann.byID("preview-kind")); got != "Would be sent to ShipStation" {
		t.Fatalf("preview before the export = %q", got)
	}
	var preview map[string]any
	if err := json.Unmarshal([]byte(nodeText(ann.byID("preview-order"))), &preview); err != nil {
		t.Fatalf("the preview's order is not JSON: %v", err)
	}

	ann.saveSettings("sync", url.Values{"tracking_rule_enabled": {"on"}, "tracking_option_name": {"ShipStation"}, "shipping_item_code": {""}})
	sent := rec.sent(ww.key(inv))
	if len(sent) != 1 {
		t.Fatalf("%d orders sent for the invoice, want 1", len(sent))
	}
	if !reflect.DeepEqual(preview, sent[0]) {
		p, _ := json.MarshalIndent(preview, "", "  ")
		s, _ := json.MarshalIndent(sent[0], "", "  ")
		t.Errorf("the preview showed\n%s\nbut the export sent\n%s", p, s)
	}

	ann.get("/invoices/" + inv.InvoiceID)
	if got := nodeText(ann.byID("preview-kind")); got != "ShipStation already has this order" {
		t.Errorf("preview after the export = %q, want ShipStation already has this order", got)
	}
}

package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// decideLikeTheWorker is the handler tests' stand-in for the worker's dry
// run of one invoice: the worker's own settings (worker.BridgeSettings)
// and the invoice's link as Previous.
func decideLikeTheWorker(ctx context.Context, st *store.Store, acct int64, inv xero.Invoice, contact *xero.Contact) (worker.InvoiceResult, error) {
	set, err := st.Settings(ctx, acct)
	if err != nil {
		return worker.InvoiceResult{}, err
	}
	var xm, sm store.ConnectionMetadata
	if c, err := st.Connection(ctx, acct, store.KindXero); err == nil {
		xm = c.Metadata
	}
	if c, err := st.Connection(ctx, acct, store.KindShipStation); err == nil {
		sm = c.Metadata
	}
	var prev *bridge.Previous
	link, err := st.InvoiceLink(ctx, acct, inv.InvoiceID)
	switch {
	case err == nil && link.OrderKey != "":
		prev = &bridge.Previous{OrderID: link.OrderID, OrderStatus: link.OrderStatus, Hash: link.ContentHash}
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return worker.InvoiceResult{}, err
	}
	dec := bridge.Decide(inv, contact, worker.BridgeSettings(set, xm, sm), prev)
	return worker.InvoiceResult{InvoiceID: inv.InvoiceID, InvoiceNumber: inv.InvoiceNumber, Decision: dec, Invoice: &inv}, nil
}

// submitAsIs posts the form whose action is action exactly as a browser
// would when the user changes nothing and presses the button named
// button=value: every input's value, ticked boxes only, each select's
// selected option (or its first).
func (b *browser) submitAsIs(action, button, value string) *http.Response {
	b.t.Helper()
	forms := b.find(func(n *html.Node) bool { return n.DataAtom == atom.Form && attr(n, "action") == action })
	if len(forms) == 0 {
		b.t.Fatalf("no form with action %s on %s", action, b.resp.Request.URL)
	}
	all := url.Values{}
	for _, c := range findIn(forms[0], func(n *html.Node) bool {
		return n.DataAtom == atom.Input || n.DataAtom == atom.Select || n.DataAtom == atom.Textarea
	}) {
		name := attr(c, "name")
		if name == "" || hasAttr(c, "disabled") {
			continue
		}
		switch {
		case c.DataAtom == atom.Select:
			opts := findIn(c, func(n *html.Node) bool { return n.DataAtom == atom.Option })
			if len(opts) == 0 {
				continue
			}
			chosen := opts[0]
			for _, o := range opts {
				if hasAttr(o, "selected") {
					chosen = o
				}
			}
			v := attr(chosen, "value")
			if !hasAttr(chosen, "value") {
				v = text(chosen)
			}
			all.Add(name, v)
		case c.DataAtom == atom.Textarea:
			all.Add(name, text(c))
		case attr(c, "type") == "checkbox" || attr(c, "type") == "radio":
			if hasAttr(c, "checked") {
				v := attr(c, "value")
				if !hasAttr(c, "value") {
					v = "on"
				}
				all.Add(name, v)
			}
		case attr(c, "type") == "submit" || attr(c, "type") == "button":
		default:
			all.Add(name, attr(c, "value"))
		}
	}
	if button != "" {
		all.Set(button, value)
	}
	return b.post(action, all)
}

// TestSubMinuteIntervalRoundTrips: the demo's 30-second interval shows as
// 30 seconds on Configure and the dashboard, and an untouched form saves
// the same interval (Save and sync once answered 422 there).
func TestSubMinuteIntervalRoundTrips(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	connectFake(t, e, acc)
	set, err := e.st.Settings(t.Context(), acc)
	if err != nil {
		t.Fatal(err)
	}
	// What `orderbridge demo` saves.
	set.SyncEnabled, set.SyncInterval, set.SafetySweepInterval = true, 30*time.Second, 5*time.Minute
	if _, err := e.st.ChangeSettings(t.Context(), acc, set); err != nil {
		t.Fatal(err)
	}

	b.get("/status")
	if got := text(b.byID("webhook-xero-sweep")); !strings.Contains(got, "every 30 seconds") {
		t.Errorf("status page sweep = %q, want it to say every 30 seconds", got)
	}
	b.get("/dashboard")
	if got := text(b.byID("next-run")); got != "within 30 seconds" {
		t.Errorf("next run = %q, want within 30 seconds", got)
	}

	b.get("/configure")
	number := attr(b.field("Check Xero every"), "value")
	var unit string
	for _, o := range findIn(b.field("Unit of the interval"), func(n *html.Node) bool { return n.DataAtom == atom.Option }) {
		if hasAttr(o, "selected") {
			unit = text(o)
		}
	}
	if number != "30" || unit != "seconds" {
		t.Errorf("Configure shows every %q %q, want 30 seconds", number, unit)
	}

	for _, action := range []string{"save", "sync"} {
		b.get("/configure")
		b.submitAsIs("/configure", "action", action)
		if b.resp.StatusCode == http.StatusUnprocessableEntity {
			t.Fatalf("%s on an untouched form: 422: %q", action, b.alerts())
		}
		if action == "save" {
			b.wantRedirect("/configure")
		} else {
			b.wantRedirect("/runs/1")
		}
		got, err := e.st.Settings(t.Context(), acc)
		if err != nil {
			t.Fatal(err)
		}
		if got.SyncInterval != 30*time.Second || got.SafetySweepInterval != 5*time.Minute {
			t.Errorf("%s saved interval %v, sweep %v; want 30s, 5m", action, got.SyncInterval, got.SafetySweepInterval)
		}
	}

	// Any saved interval survives an untouched form, even one the page can
	// only show rounded (a safety sweep of 7m30s offers "7 minutes").
	set.SyncInterval, set.SafetySweepInterval = 7*time.Minute+30*time.Second, 7*time.Minute+30*time.Second
	if _, err := e.st.ChangeSettings(t.Context(), acc, set); err != nil {
		t.Fatal(err)
	}
	b.get("/configure")
	b.submitAsIs("/configure", "action", "save")
	b.wantRedirect("/configure")
	if got, _ := e.st.Settings(t.Context(), acc); got.SyncInterval != set.SyncInterval || got.SafetySweepInterval != set.SafetySweepInterval {
		t.Errorf("untouched form saved interval %v, sweep %v; want 7m30s both", got.SyncInterval, got.SafetySweepInterval)
	}

	// Every whole unit round-trips and reads back in its largest unit.
	for _, tc := range []struct {
		number, unit string
		want         time.Duration
		shown        string
	}{
		{"90", "second", 90 * time.Second, "90 seconds"},
		{"120", "minute", 2 * time.Hour, "2 hours"},
		{"5", "minute", 5 * time.Minute, "5 minutes"},
	} {
		b.get("/configure")
		b.submit("/configure", url.Values{"interval": {tc.number}, "interval_unit": {tc.unit}, "safety_sweep_minutes": {"180"},
			"invoice_statuses": {"PAID"}, "log_retention_days": {"90"}, "action": {"save"}})
		b.wantRedirect("/configure")
		if got, _ := e.st.Settings(t.Context(), acc); got.SyncInterval != tc.want {
			t.Errorf("%s %s saved %v, want %v", tc.number, tc.unit, got.SyncInterval, tc.want)
		}
		b.get("/configure")
		shown := attr(b.field("Check Xero every"), "value")
		for _, o := range findIn(b.field("Unit of the interval"), func(n *html.Node) bool { return n.DataAtom == atom.Option }) {
			if hasAttr(o, "selected") {
				shown += " " + text(o)
			}
		}
		if shown != tc.shown {
			t.Errorf("%s %s shows as %q, want %q", tc.number, tc.unit, shown, tc.shown)
		}
	}
}

// TestConfigureSaysWhatABlankShippingItemCodeMeans: the field's
// placeholder and hint give the code the worker really uses when it is
// left blank.
func TestConfigureSaysWhatABlankShippingItemCodeMeans(t *testing.T) {
	t.Parallel()
	_, b, _ := annSignedUp(t)
	b.get("/configure")
	want := worker.BridgeSettings(store.Settings{}, store.ConnectionMetadata{}, store.ConnectionMetadata{}).ShippingItemCode
	field := b.field("Shipping item code")
	if got := attr(field, "placeholder"); got != want || want == "" {
		t.Errorf("placeholder = %q, want the worker's default %q", got, want)
	}
	if got := text(b.find(func(n *html.Node) bool { return n.DataAtom == atom.Label && attr(n, "for") == "shipping_item_code" })[0]); !strings.Contains(got, "Left blank, it is "+want+".") {
		t.Errorf("label = %q, want it to say what blank means", got)
	}
}

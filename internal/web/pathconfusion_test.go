package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/store"
)

// TestInvoiceURLsAreEscaped seeds an invoice whose id and number are a
// path to the ShipStation disconnect endpoint and shows that every link
// and form about it, as a browser resolves them, leads to that invoice's
// own page and Re-sync, and that pressing Re-sync re-syncs it without
// disconnecting ShipStation.
func TestInvoiceURLsAreEscaped(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	connectFake(t, e, acc)
	const evil = "../connections/shipstation/disconnect?x="
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: evil, InvoiceNumber: evil,
		Decision: store.DecisionFailed, Reason: "boom"}); err != nil {
		t.Fatal(err)
	}
	seedLog(t, e, acc, 1, func(int) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: store.OutcomeFailed, InvoiceID: evil,
			InvoiceNumber: evil, Message: "failed"}
	})
	wantPage := "/invoices/" + evil

	// resolved is where a browser goes from the current page through ref,
	// as the decoded path and the query.
	resolved := func(ref string) (path, query string) {
		t.Helper()
		u, err := b.resp.Request.URL.Parse(ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		return u.Path, u.RawQuery
	}
	for _, page := range []string{"/log", "/dashboard"} {
		b.get(page)
		b.wantStatus(http.StatusOK)
		var found int
		for _, a := range b.find(func(n *html.Node) bool { return n.DataAtom == atom.A }) {
			if !strings.Contains(text(a), "connections") {
				continue
			}
			found++
			if p, q := resolved(attr(a, "href")); p != wantPage || q != "" {
				t.Errorf("%s: the invoice's link %q leads to %s?%s, want %s", page, attr(a, "href"), p, q, wantPage)
			}
		}
		if found == 0 {
			t.Errorf("%s has no link to the invoice", page)
		}
	}

	b.get("/invoices/" + url.PathEscape(evil))
	b.wantStatus(http.StatusOK)
	forms := b.find(func(n *html.Node) bool {
		return n.DataAtom == atom.Form && slices.ContainsFunc(findIn(n, func(c *html.Node) bool { return attr(c, "id") == "resync" }),
			func(*html.Node) bool { return true })
	})
	if len(forms) != 1 {
		t.Fatalf("%d Re-sync forms", len(forms))
	}
	action := attr(forms[0], "action")
	if p, q := resolved(action); p != wantPage+"/resync" || q != "" {
		t.Fatalf("Re-sync posts to %s?%s, want %s/resync", p, q, wantPage)
	}
	b.submit(action, nil)
	if _, err := e.st.Connection(t.Context(), acc, store.KindShipStation); err != nil {
		t.Errorf("after Re-sync, the ShipStation connection: %v", err)
	}
	if got := e.jobs.resyncs; !slices.Equal(got, []string{evil}) {
		t.Errorf("re-syncs queued: %q, want the invoice's", got)
	}
}

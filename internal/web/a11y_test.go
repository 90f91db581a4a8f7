package web_test

import (
	"net/http"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// Every page a user reaches has one h1, a lang, a main landmark, and a
// label for every form control (by for= or by wrapping it).
func TestPagesAccessible(t *testing.T) {
	t.Parallel()
	e, _, _ := newEmuEnv(t, xeroemu.Options{}, shipstationemu.Options{})
	anon := e.browser()
	check := func(b *browser, path string) {
		t.Helper()
		b.get(path)
		b.wantStatus(http.StatusOK)
		b.h1()
		if htmls := b.find(func(n *html.Node) bool { return n.DataAtom == atom.Html && attr(n, "lang") == "en" }); len(htmls) != 1 {
			t.Errorf("%s: no <html lang=en>", path)
		}
		if mains := b.find(func(n *html.Node) bool { return n.DataAtom == atom.Main }); len(mains) != 1 {
			t.Errorf("%s: %d <main> elements", path, len(mains))
		}
		labelled := map[string]bool{}
		for _, l := range b.find(func(n *html.Node) bool { return n.DataAtom == atom.Label }) {
			if id := attr(l, "for"); id != "" {
				labelled[id] = true
			}
			for _, c := range findIn(l, func(n *html.Node) bool { return n.DataAtom == atom.Input }) {
				labelled["wrapped:"+attr(c, "name")+"="+attr(c, "value")] = true
			}
		}
		for _, c := range b.find(func(n *html.Node) bool {
			return (n.DataAtom == atom.Input && attr(n, "type") != "hidden") || n.DataAtom == atom.Select || n.DataAtom == atom.Textarea
		}) {
			if !labelled[attr(c, "id")] && !labelled["wrapped:"+attr(c, "name")+"="+attr(c, "value")] {
				t.Errorf("%s: control %s (id %q) has no label", path, attr(c, "name"), attr(c, "id"))
			}
		}
	}
	check(anon, "/signin")
	check(anon, "/signup")
	check(anon, "/password/forgot")
	b, acc := e.signUpAnn(t)
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: "i1", InvoiceNumber: "INV-1", Decision: store.DecisionExported}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dashboard", "/connections", "/configure", "/configure/export", "/log", "/invoices", "/invoices/i1", "/status", "/account", "/notifications"} {
		check(b, path)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	if _, err := web.New(web.Config{}); err == nil {
		t.Error("New without a store succeeded")
	}
	e := newEnv(t, nil)
	if _, err := web.New(web.Config{Store: e.st, BaseURL: "orderbridge.example"}); err == nil {
		t.Error("New with a relative BaseURL succeeded")
	}
	if _, err := web.New(web.Config{Store: e.st, BaseURL: "https://orderbridge.example"}); err != nil {
		t.Errorf("New with a good BaseURL: %v", err)
	}
}

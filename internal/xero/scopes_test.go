package xero_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero"
)

func TestParseScopes(t *testing.T) {
	t.Parallel()
	granular := []string{"offline_access", "accounting.invoices", "accounting.contacts.read", "accounting.settings.read"}
	broad := []string{"offline_access", "accounting.transactions", "accounting.contacts.read", "accounting.settings.read"}
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", granular},
		{"granular", granular},
		{" Broad ", broad},
		{"offline_access,accounting.invoices, accounting.contacts", []string{"offline_access", "accounting.invoices", "accounting.contacts"}},
		// An old app may mix both kinds.
		{"offline_access accounting.transactions accounting.invoices accounting.contacts.read",
			[]string{"offline_access", "accounting.transactions", "accounting.invoices", "accounting.contacts.read"}},
	} {
		got, err := xero.ParseScopes(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseScopes(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if !slices.Equal(xero.GranularScopes(), granular) || !slices.Equal(xero.BroadScopes(), broad) {
		t.Errorf("sets = %q, %q", xero.GranularScopes(), xero.BroadScopes())
	}
	for in, want := range map[string]string{
		"accounting.invoices accounting.contacts":                     "offline_access",
		"offline_access accounting.invoices.read accounting.contacts": "accounting.invoices",
		"offline_access accounting.invoices":                          "accounting.contacts.read",
		"offline_access accounting.transactions":                      "accounting.contacts.read",
	} {
		if _, err := xero.ParseScopes(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseScopes(%q) = %v, want an error naming %s", in, err, want)
		}
	}
}

// TestEmuMissingScope: a grant without accounting.invoices is refused by
// Xero with 401 AuthorizationUnsuccessful; the client says which scope is
// missing, and that only connecting again helps. The token response
// already told, so CheckGrant refuses the grant at connect time.
func TestEmuMissingScope(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{scopes: []string{"offline_access", "accounting.contacts.read", "accounting.settings.read"}})
	// orderbridge as configured (the default granular set) using a grant
	// that lacks accounting.invoices.
	app, err := xero.New(xero.Config{ClientID: b.emu.ClientID(), ClientSecret: b.emu.ClientSecret(), BaseURL: b.emu.URL(),
		Scopes: xero.GranularScopes(), HTTPClient: testkit.HTTPClient(t)})
	if err != nil {
		t.Fatal(err)
	}
	c := app.Client(xero.StaticTokens{Tok: b.first})
	_, err = c.Invoices(context.Background(), b.tenant, xero.InvoiceQuery{Page: 1})
	ae, ok := errors.AsType[*xero.AuthError](err)
	if !ok || !errors.Is(err, xero.ErrMissingScope) || !errors.Is(err, xero.ErrReconnectNeeded) || xero.Retryable(err) ||
		ae.MissingScope != "accounting.invoices" || ae.Detail != "AuthorizationUnsuccessful" {
		t.Fatalf("Invoices = %v (%#v), want a missing accounting.invoices", err, ae)
	}
	reason := xero.ReconnectReason(err)
	for _, want := range []string{"lacks permission to read invoices", "accounting.invoices", "connect Xero again"} {
		if !strings.Contains(reason, want) {
			t.Errorf("reason %q lacks %q", reason, want)
		}
	}
	// Contacts are granted (read), so nothing is missing there.
	if _, err := c.Contacts(context.Background(), b.tenant, xero.ContactQuery{Page: 1}); err != nil {
		t.Errorf("contacts: %v", err)
	}

	gerr := app.CheckGrant(b.first)
	if se, ok := errors.AsType[*xero.ScopeError](gerr); !ok || !slices.Equal(se.Missing, []string{"accounting.invoices"}) ||
		!errors.Is(gerr, xero.ErrReconnectNeeded) || !strings.Contains(xero.ReconnectReason(gerr), "accounting.invoices") {
		t.Errorf("CheckGrant = %v", gerr)
	}
	// A token read back from storage has no scope field: nothing to judge.
	if err := app.CheckGrant(&oauth2.Token{AccessToken: "a", RefreshToken: "r"}); err != nil {
		t.Errorf("CheckGrant without scope field = %v", err)
	}
	// An expired or revoked grant is no scope problem.
	if r := xero.ReconnectReason(&xero.AuthError{Status: 401, Detail: "AuthenticationUnsuccessful"}); r != "" {
		t.Errorf("reason for a revoked token = %q", r)
	}
}

// TestEmuBroadScopesNeedAnOldApp: the default emulator is an app created
// after 2 March 2026, which Xero refuses the broad scopes; the client's
// default (granular) set connects.
func TestEmuBroadScopesNeedAnOldApp(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	if got := b.first.Extra("scope"); !strings.Contains(got.(string), "accounting.invoices") {
		t.Errorf("granted scope = %v", got)
	}
	if err := b.app.CheckGrant(b.first); err != nil {
		t.Errorf("CheckGrant = %v", err)
	}
	old, err := xero.New(xero.Config{ClientID: b.emu.ClientID(), ClientSecret: b.emu.ClientSecret(), BaseURL: b.emu.URL(),
		RedirectURL: "http://localhost:8080/xero/callback", Scopes: xero.BroadScopes()})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(old.AuthCodeURL("s", oauth2.GenerateVerifier()))
	if got := u.Query().Get("scope"); got != "offline_access accounting.transactions accounting.contacts.read accounting.settings.read" {
		t.Errorf("broad scope param = %q", got)
	}
	noFollow := &http.Client{Transport: testkit.HTTPClient(t).Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("broad scopes on a new app: status %d, want 400", resp.StatusCode)
	}
}

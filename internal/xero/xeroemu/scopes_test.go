package xeroemu_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// authorizeRaw runs the consent step with scope and returns the answer
// without following it.
func authorizeRaw(t *testing.T, emu *xeroemu.Emulator, scope string) (status int, body string, loc *url.URL) {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {emu.ClientID()}, "redirect_uri": {redirectURI},
		"scope": {scope}, "state": {"xyz"}}
	noFollow := &http.Client{Transport: testkit.HTTPClient(t).Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(emu.URL() + "/identity/connect/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	loc, _ = resp.Location()
	return resp.StatusCode, string(raw), loc
}

// grantToken consents with scope and exchanges the code for a token.
func grantToken(t *testing.T, emu *xeroemu.Emulator, scope string) *testBundle {
	t.Helper()
	status, body, loc := authorizeRaw(t, emu, scope)
	if status != http.StatusFound || loc.Query().Get("code") == "" {
		t.Fatalf("authorize %q: %d %s", scope, status, body)
	}
	st, tok := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI}}, true)
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %v", st, tok)
	}
	if tok["scope"] != scope {
		t.Errorf("token response scope = %v, want %q", tok["scope"], scope)
	}
	return &testBundle{emu: emu, token: tok["access_token"].(string), tenant: emu.DefaultTenantID()}
}

func TestNewAppRefusesBroadScopes(t *testing.T) {
	t.Parallel()
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	for _, scope := range []string{
		"offline_access accounting.transactions accounting.contacts accounting.settings.read",
		"offline_access accounting.transactions.read",
		// Mixing is for old apps only.
		"offline_access accounting.invoices accounting.transactions",
		"offline_access accounting.nonsense",
	} {
		status, body, loc := authorizeRaw(t, emu, scope)
		if status != http.StatusBadRequest || !strings.Contains(body, "unauthorized_client") || loc != nil {
			t.Errorf("authorize %q: %d %q (redirect %v), want Xero's 400 unauthorized_client page", scope, status, body, loc)
		}
	}
	st, body := tokenCall(t, emu, url.Values{"grant_type": {"client_credentials"}, "scope": {"accounting.transactions accounting.contacts"}}, true)
	if st != http.StatusBadRequest || body["error"] != "unauthorized_client" {
		t.Errorf("client credentials with a broad scope: %d %v", st, body)
	}
	// The granular set is welcome.
	grantToken(t, emu, "offline_access accounting.invoices accounting.contacts.read accounting.settings.read").
		do(t, http.MethodGet, "/api.xro/2.0/Invoices", nil).must(t, http.StatusOK)
}

func TestLegacyAppMayUseBroadScopes(t *testing.T) {
	t.Parallel()
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit,
		AppCreated: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	b := grantToken(t, emu, "offline_access accounting.transactions accounting.contacts accounting.settings.read")
	b.do(t, http.MethodGet, "/api.xro/2.0/Invoices", nil).must(t, http.StatusOK)
	contact := seedCustomer(t, b, "Legacy Ltd")
	b.do(t, http.MethodPut, "/api.xro/2.0/Invoices", invoiceBody(map[string]any{
		"Type": "ACCREC", "Contact": map[string]any{"ContactID": contact}, "Status": "DRAFT",
		"LineItems": []any{map[string]any{"Description": "Widget", "Quantity": 1, "UnitAmount": 10}},
	})).must(t, http.StatusOK)
	// An old app may mix both kinds.
	grantToken(t, emu, "offline_access accounting.invoices accounting.transactions.read accounting.contacts.read").
		do(t, http.MethodGet, "/api.xro/2.0/Contacts", nil).must(t, http.StatusOK)
	// Client credentials default to the broad scopes an old app has.
	cc := clientCredentials(t, emu)
	if !strings.Contains(cc["scope"].(string), "accounting.transactions") {
		t.Errorf("old app's custom connection scope = %v", cc["scope"])
	}
}

func TestTokenScopesGuardEveryCall(t *testing.T) {
	t.Parallel()
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	unauthorized := func(r response) {
		t.Helper()
		r.must(t, http.StatusUnauthorized)
		if r.body["Detail"] != "AuthorizationUnsuccessful" || r.body["Title"] != "Unauthorized" {
			t.Errorf("body %s, want Xero's 401 AuthorizationUnsuccessful problem", r.raw)
		}
	}

	// No accounting.invoices: invoices are out of reach, contacts are not.
	b := grantToken(t, emu, "offline_access accounting.contacts.read accounting.settings.read")
	unauthorized(b.do(t, http.MethodGet, "/api.xro/2.0/Invoices", nil))
	unauthorized(b.do(t, http.MethodGet, "/api.xro/2.0/Invoices/"+"00000000-0000-0000-0000-000000000000"+"/History", nil))
	unauthorized(b.do(t, http.MethodPut, "/api.xro/2.0/Payments", map[string]any{"Payments": []any{}}))
	b.do(t, http.MethodGet, "/api.xro/2.0/Contacts", nil).must(t, http.StatusOK)
	b.do(t, http.MethodGet, "/api.xro/2.0/Organisation", nil).must(t, http.StatusOK)
	// .read covers GETs only.
	unauthorized(b.do(t, http.MethodPut, "/api.xro/2.0/Contacts", map[string]any{"Contacts": []any{map[string]any{"Name": "X"}}}))
	unauthorized(b.do(t, http.MethodPut, "/api.xro/2.0/TrackingCategories", map[string]any{"Name": "Region"}))

	// Read-only invoices: reads pass, writes do not.
	r := grantToken(t, emu, "offline_access accounting.invoices.read")
	r.do(t, http.MethodGet, "/api.xro/2.0/Invoices", nil).must(t, http.StatusOK)
	unauthorized(r.do(t, http.MethodPut, "/api.xro/2.0/Invoices", invoiceBody(map[string]any{"Type": "ACCREC"})))
	unauthorized(r.do(t, http.MethodGet, "/api.xro/2.0/Contacts", nil))

	// /connections needs no accounting scope.
	call(t, http.MethodGet, emu.URL()+"/connections", nil, map[string]string{"Authorization": "Bearer " + r.token}).must(t, http.StatusOK)

	// A refreshed token keeps the grant's scopes.
	status, body, loc := authorizeRaw(t, emu, "offline_access accounting.contacts.read")
	if status != http.StatusFound {
		t.Fatalf("authorize: %d %s", status, body)
	}
	_, first := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI}}, true)
	st, second := tokenCall(t, emu, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}}, true)
	if st != http.StatusOK || second["scope"] != "offline_access accounting.contacts.read" {
		t.Fatalf("refresh: %d %v", st, second)
	}
	unauthorized((&testBundle{emu: emu, token: second["access_token"].(string), tenant: emu.DefaultTenantID()}).
		do(t, http.MethodGet, "/api.xro/2.0/Invoices", nil))
}

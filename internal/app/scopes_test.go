package app_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// scopeWorld is an App wired to a Xero emulator (an app registered at
// appCreated; zero = after 2 March 2026) and a ShipStation emulator, with
// one account whose ShipStation is connected and sync settings saved.
type scopeWorld struct {
	a    *app.App
	xemu *xeroemu.Emulator
	semu *shipstationemu.Emulator
	acct int64
}

func newScopeWorld(t *testing.T, appCreated time.Time, scopes string) *scopeWorld {
	t.Helper()
	xemu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit, AppCreated: appCreated})
	semu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	cfg := testConfig(t)
	cfg.XeroClientID, cfg.XeroClientSecret = xemu.ClientID(), xemu.ClientSecret()
	cfg.XeroBaseURL, cfg.ShipStationBaseURL = xemu.URL(), semu.URL()
	cfg.XeroRedirectURL = "http://127.0.0.1:1/connections/xero/callback"
	cfg.XeroScopes = scopes
	a := newApp(t, cfg, app.Options{NoSweep: true})
	acct, err := a.Store.CreateAccount(t.Context(), "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConnectShipStation(t.Context(), acct.ID, semu.APIKey(), semu.APISecret(), 0); err != nil {
		t.Fatal(err)
	}
	s := store.DefaultSettings()
	s.SyncEnabled, s.TrackingRuleEnabled = true, false
	if err := a.Store.SaveSettings(t.Context(), acct.ID, s); err != nil {
		t.Fatal(err)
	}
	return &scopeWorld{a: a, xemu: xemu, semu: semu, acct: acct.ID}
}

// seedOrder seeds a customer with a ship-to address and an AUTHORISED
// invoice for them.
func (w *scopeWorld) seedOrder(t *testing.T, tenant string) {
	t.Helper()
	c, err := w.xemu.SeedContact(tenant, xeroemu.Contact{Name: "Kea Camping", Addresses: []xeroemu.Address{
		{AddressType: "STREET", AddressLine1: "12 Dock Road", City: "Hamilton", PostalCode: "3204", Country: "NZ"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.xemu.SeedInvoice(tenant, xeroemu.Invoice{Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: c.ContactID},
		Date: time.Now().UTC(), LineItems: []xeroemu.LineItem{{Description: "Tent", Quantity: 1, UnitAmount: 100, AccountCode: "200"}}}); err != nil {
		t.Fatal(err)
	}
}

// consentScope is the scope parameter of the App's consent URL.
func consentScope(t *testing.T, a *app.App) string {
	t.Helper()
	u, err := url.Parse(a.Xero.AuthCodeURL("state", oauth2.GenerateVerifier()))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("scope")
}

// TestNewXeroAppConnectsAndExports: with the default settings orderbridge
// asks for the granular scopes, which an app created after 2 March 2026
// (the emulator's default) is granted, and an export reads invoices and
// contacts with them.
func TestNewXeroAppConnectsAndExports(t *testing.T) {
	t.Parallel()
	w := newScopeWorld(t, time.Time{}, "")
	if got := consentScope(t, w.a); got != "offline_access accounting.invoices accounting.contacts.read accounting.settings.read" {
		t.Errorf("default consent asks for %q", got)
	}
	tenant, err := w.a.ConnectXeroAutoConsent(t.Context(), w.acct, "")
	if err != nil {
		t.Fatalf("connect a 2026 Xero app: %v", err)
	}
	w.seedOrder(t, tenant)
	sum, err := w.a.ExportNow(t.Context(), w.acct, worker.RunOptions{})
	if err != nil {
		t.Fatalf("export: %v (%s)", err, sum)
	}
	if n := len(w.semu.Orders()); n != 1 {
		t.Errorf("%d orders in ShipStation, want 1 (%s)", n, sum)
	}
}

// TestBroadScopesNeedAnOldXeroApp: the broad setting is refused by a new
// app, with a message that names the setting; an app created before 2
// March 2026 still connects and exports with it.
func TestBroadScopesNeedAnOldXeroApp(t *testing.T) {
	t.Parallel()
	w := newScopeWorld(t, time.Time{}, "broad")
	if got := consentScope(t, w.a); got != "offline_access accounting.transactions accounting.contacts.read accounting.settings.read" {
		t.Errorf("broad consent asks for %q", got)
	}
	_, err := w.a.ConnectXeroAutoConsent(t.Context(), w.acct, "")
	if err == nil || !strings.Contains(err.Error(), "unauthorized_client") || !strings.Contains(err.Error(), config.EnvXeroScopes+"=granular") {
		t.Fatalf("connect a new app with broad scopes: %v", err)
	}
	if c, err := w.a.Store.Connection(t.Context(), w.acct, store.KindXero); err == nil && c.Status == store.StatusConnected {
		t.Errorf("a refused consent left a connection: %+v", c)
	}

	old := newScopeWorld(t, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), "broad")
	tenant, err := old.a.ConnectXeroAutoConsent(t.Context(), old.acct, "")
	if err != nil {
		t.Fatalf("connect an old app with broad scopes: %v", err)
	}
	old.seedOrder(t, tenant)
	if sum, err := old.a.ExportNow(t.Context(), old.acct, worker.RunOptions{}); err != nil || len(old.semu.Orders()) != 1 {
		t.Fatalf("export with broad scopes: %v (%s)", err, sum)
	}
}

// TestGrantLackingScopeNeedsReconnect: a stored grant (one consented to
// before the app asked for accounting.invoices) is refused by Xero with
// 401 AuthorizationUnsuccessful; the export stops and the connection says
// "reconnect needed" with the missing scope.
func TestGrantLackingScopeNeedsReconnect(t *testing.T) {
	t.Parallel()
	w := newScopeWorld(t, time.Time{}, "")
	ctx := t.Context()
	// The older consent: same app registration, fewer scopes.
	older, err := xero.New(xero.Config{ClientID: w.xemu.ClientID(), ClientSecret: w.xemu.ClientSecret(), BaseURL: w.xemu.URL(),
		RedirectURL: "http://127.0.0.1:1/connections/xero/callback", Scopes: []string{"offline_access", "accounting.contacts.read"}})
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	noFollow := &http.Client{Transport: testkit.HTTPClient(t).Transport, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(older.AuthCodeURL("s", verifier))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	tok, err := older.Exchange(ctx, loc.Query().Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.a.Xero.CheckGrant(tok); !errors.Is(err, xero.ErrMissingScope) {
		t.Errorf("CheckGrant of the older grant = %v", err)
	}
	// Stored tokens keep no scope field: only Xero's answer tells.
	stored := &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, TokenType: tok.TokenType}
	tenant := w.xemu.DefaultTenantID()
	if err := w.a.ConnectXero(ctx, w.acct, stored, tenant, w.xemu.OrgName(tenant)); err != nil {
		t.Fatal(err)
	}
	w.seedOrder(t, tenant)

	_, err = w.a.ExportNow(ctx, w.acct, worker.RunOptions{})
	if !errors.Is(err, worker.ErrReconnectNeeded) || !errors.Is(err, xero.ErrMissingScope) {
		t.Fatalf("export = %v, want reconnect needed for a missing scope", err)
	}
	c, err := w.a.Store.Connection(ctx, w.acct, store.KindXero)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.StatusReconnectNeeded {
		t.Errorf("status %s, want %s", c.Status, store.StatusReconnectNeeded)
	}
	for _, want := range []string{"lacks permission to read invoices", "scope accounting.invoices", "connect Xero again"} {
		if !strings.Contains(c.StatusReason, want) {
			t.Errorf("reason %q lacks %q", c.StatusReason, want)
		}
	}
	if n := len(w.semu.Orders()); n != 0 {
		t.Errorf("%d orders sent without invoices read", n)
	}
}

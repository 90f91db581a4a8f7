package web_test

import (
	"encoding/json"
	"errors"
	stdhtml "html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// withShipStation points the app at a ShipStation emulator.
func withShipStation(emu *shipstationemu.Emulator) func(*web.Config) {
	return func(c *web.Config) {
		c.NewShipStation = func(key, secret string) (web.ShipStation, error) {
			return shipstation.New(shipstation.Config{BaseURL: emu.URL(), APIKey: key, APISecret: secret})
		}
	}
}

// newEmuEnv starts the app with both emulators wired in.
func newEmuEnv(t *testing.T, xopts xeroemu.Options, sopts shipstationemu.Options) (*env, *xeroemu.Emulator, *shipstationemu.Emulator) {
	t.Helper()
	xopts.RateLimit, sopts.RateLimit = emukit.NoRateLimit, emukit.NoRateLimit
	xemu := newXeroEmu(t, xopts)
	semu := shipstationemutest.NewServer(t, sopts)
	// The redirect URL needs the server's address: start the server, then
	// build the handler again with the Xero app pointing back at it.
	e := newEnv(t, withShipStation(semu))
	app, err := xero.New(xero.Config{ClientID: xemu.ClientID(), ClientSecret: xemu.ClientSecret(),
		RedirectURL: e.srv.URL + "/connections/xero/callback", Scopes: xero.GranularScopes(),
		BaseURL: xemu.URL()})
	if err != nil {
		t.Fatal(err)
	}
	e.rebuild(t, func(c *web.Config) {
		withShipStation(semu)(c)
		c.Xero = app
	})
	return e, xemu, semu
}

func TestConnectShipStation(t *testing.T) {
	t.Parallel()
	e, _, semu := newEmuEnv(t, xeroemu.Options{}, shipstationemu.Options{})
	second := semu.AddStore("Wholesale")
	b, acc := e.signUpAnn(t)

	b.get("/connections")
	b.wantStatus(http.StatusOK)
	if got := text(b.byID("shipstation-status")); got != "Not connected" {
		t.Errorf("status = %q", got)
	}
	// Both fields are required.
	b.submit("/connections/shipstation", url.Values{})
	b.wantStatus(http.StatusUnprocessableEntity)
	if got := b.fieldError("API key"); !strings.HasPrefix(got, "Enter the API key") {
		t.Errorf("API key error = %q", got)
	}
	if got := b.fieldError("API secret"); got != "Enter the API secret shown next to the key." {
		t.Errorf("API secret error = %q", got)
	}
	// A wrong key is refused by ShipStation itself, and nothing is saved.
	b.submit("/connections/shipstation", url.Values{"api_key": {semu.APIKey()}, "api_secret": {"wrong"}})
	b.wantStatus(http.StatusUnprocessableEntity)
	if got := b.fieldError("API key"); !strings.Contains(got, "the API key or secret is wrong") {
		t.Errorf("wrong key error = %q", got)
	}
	if _, err := e.st.Connection(t.Context(), acc, store.KindShipStation); err == nil {
		t.Error("a refused key was saved")
	}
	// The right key is saved, sealed; with two stores, one must be chosen.
	b.submit("/connections/shipstation", url.Values{"api_key": {" " + semu.APIKey() + " "}, "api_secret": {semu.APISecret()}})
	b.wantRedirect("/connections")
	b.follow()
	if got := text(b.byID("shipstation-status")); got != "Connected" {
		t.Errorf("status = %q", got)
	}
	if got := b.flash(); got != "ShipStation is connected. Choose the store your orders go to." {
		t.Errorf("flash = %q", got)
	}
	sel := b.field("Store to send orders to")
	var names []string
	for _, o := range findIn(sel, func(n *html.Node) bool { return n.DataAtom == atom.Option }) {
		names = append(names, text(o))
	}
	if len(names) != 3 || names[2] != "Wholesale" {
		t.Errorf("store options = %q", names)
	}
	raw, err := e.st.ConnectionSecret(t.Context(), acc, store.KindShipStation)
	if err != nil {
		t.Fatal(err)
	}
	var sec struct{ APIKey, APISecret string }
	_ = json.Unmarshal(raw, &sec)
	if !strings.Contains(string(raw), `"api_key":"`+semu.APIKey()+`"`) || !strings.Contains(string(raw), `"api_secret":"`+semu.APISecret()+`"`) {
		t.Errorf("stored credentials not in the worker's format")
	}
	// A store the key cannot see is refused; a real one is recorded.
	b.submit("/connections/shipstation/store", url.Values{"store_id": {"999999"}})
	b.wantStatus(http.StatusUnprocessableEntity)
	if got := b.fieldError("Store to send orders to"); got != "That store is not in your ShipStation account." {
		t.Errorf("bad store error = %q", got)
	}
	b.submit("/connections/shipstation/store", url.Values{"store_id": {itoa64(second.StoreID)}})
	b.wantRedirect("/connections")
	b.follow()
	if got := text(b.byID("shipstation-store")); got != "Wholesale" {
		t.Errorf("store = %q", got)
	}
	set, _ := e.st.Settings(t.Context(), acc)
	if set.ShipStationStoreID != second.StoreID {
		t.Errorf("settings store = %d, want %d", set.ShipStationStoreID, second.StoreID)
	}
	// Disconnect erases the key.
	b.submit("/connections/shipstation/disconnect", nil)
	b.submit("/connections/shipstation/disconnect", nil) // the confirmation page's form
	b.follow()
	if got := text(b.byID("shipstation-status")); got != "Disconnected" {
		t.Errorf("after disconnect: %q", got)
	}
	if _, err := e.st.ConnectionSecret(t.Context(), acc, store.KindShipStation); err == nil {
		t.Error("secret kept after disconnect")
	}
}

func TestConnectXero(t *testing.T) {
	t.Parallel()
	e, xemu, _ := newEmuEnv(t, xeroemu.Options{OrgNames: []string{"Demo Company (NZ)"}}, shipstationemu.Options{})
	b, acc := e.signUpAnn(t)

	b.get("/connections")
	if got := text(b.byID("xero-status")); got != "Not connected" {
		t.Errorf("status = %q", got)
	}
	b.get(attr(b.byID("connect-xero"), "href"))
	consent := b.resp.Header.Get("Location")
	u, _ := url.Parse(consent)
	if !strings.HasPrefix(consent, xemu.URL()) || u.Query().Get("state") == "" || u.Query().Get("code_challenge") == "" ||
		u.Query().Get("code_challenge_method") != "S256" {
		t.Fatalf("consent URL %q lacks state or PKCE", consent)
	}
	// The emulator consents at once and sends the browser back.
	b.get(consent)
	callback := b.resp.Header.Get("Location")
	if !strings.HasPrefix(callback, e.srv.URL+"/connections/xero/callback?") {
		t.Fatalf("emulator redirected to %q", callback)
	}
	// A callback with another state is refused, and spends the state.
	forged := strings.Replace(callback, "state=", "state=x", 1)
	b.get(forged)
	b.wantStatus(http.StatusBadRequest)
	b.get(callback)
	b.wantStatus(http.StatusBadRequest)
	if _, err := e.st.Connection(t.Context(), acc, store.KindXero); err == nil {
		t.Fatal("connection saved from a forged callback")
	}

	// Refusing consent at Xero brings the user back with a message.
	b.get("/connections/xero/start")
	u, _ = url.Parse(b.resp.Header.Get("Location"))
	b.get("/connections/xero/callback?error=access_denied&state=" + url.QueryEscape(u.Query().Get("state")))
	b.wantRedirect("/connections")
	b.follow()
	if got := b.flash(); got != "Xero was not connected: access was not granted." {
		t.Errorf("flash after refusal = %q", got)
	}

	// Start again and finish properly.
	b.connectXero()
	b.wantRedirect("/connections")
	b.follow()
	if got := text(b.byID("xero-status")); got != "Connected" {
		t.Errorf("status = %q", got)
	}
	if got := text(b.byID("xero-org")); got != "Demo Company (NZ)" {
		t.Errorf("organisation = %q", got)
	}
	c, err := e.st.Connection(t.Context(), acc, store.KindXero)
	if err != nil || c.Metadata.TenantID != xemu.DefaultTenantID() {
		t.Fatalf("connection = %+v, %v", c, err)
	}
	tok, err := e.st.XeroToken(t.Context(), acc)
	if err != nil || !strings.Contains(string(tok), "refresh_token") {
		t.Fatalf("stored token unusable: %v", err)
	}

	// A dead refresh token (the worker marks it) shows on every page.
	if err := e.st.SetConnectionStatus(t.Context(), acc, store.KindXero, store.StatusReconnectNeeded,
		"Xero refused the stored authorization (it was revoked or expired)."); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dashboard", "/log", "/configure"} {
		b.get(path)
		if a := b.alerts(); len(a) == 0 || !strings.HasPrefix(a[0], "Xero needs reconnecting: Xero refused") {
			t.Errorf("%s: alerts %q, want the reconnect banner", path, a)
		}
	}
	b.get("/connections")
	if got := text(b.byID("xero-status")); got != "Reconnect needed" {
		t.Errorf("status = %q", got)
	}
	if got := text(b.byID("connect-xero")); got != "Reconnect Xero" {
		t.Errorf("button = %q", got)
	}
	// Reconnecting (same organisation) makes it usable again.
	b.get(attr(b.byID("connect-xero"), "href"))
	b.get(b.resp.Header.Get("Location"))
	b.get(b.resp.Header.Get("Location"))
	b.wantRedirect("/connections")
	if c, _ := e.st.Connection(t.Context(), acc, store.KindXero); c.Status != store.StatusConnected {
		t.Errorf("after reconnecting: %s", c.Status)
	}

	// Disconnect erases the token.
	b.get("/connections")
	b.submit("/connections/xero/disconnect", nil)
	b.submit("/connections/xero/disconnect", nil) // the confirmation page's form
	b.follow()
	if got := text(b.byID("xero-status")); got != "Disconnected" {
		t.Errorf("after disconnect: %q", got)
	}
	if _, err := e.st.XeroToken(t.Context(), acc); err == nil {
		t.Error("token kept after disconnect")
	}
}

func TestConnectXeroChooseOrganisation(t *testing.T) {
	t.Parallel()
	e, xemu, _ := newEmuEnv(t, xeroemu.Options{OrgNames: []string{"North Ltd", "South Ltd"}}, shipstationemu.Options{})
	b, acc := e.signUpAnn(t)

	b.connectXero()
	b.wantRedirect("/connections/xero/organisation")
	b.follow()
	if b.h1() != "Choose your Xero organisation" {
		t.Fatalf("h1 = %q", b.h1())
	}
	// Until chosen, every page says so.
	if a := b.alerts(); len(a) == 0 || a[0] != "Choose which Xero organisation to sync with. Choose organisation" {
		t.Errorf("alerts = %q", a)
	}
	south := xemu.TenantIDs()[1]
	if got := attr(b.field("South Ltd"), "value"); got != south {
		t.Errorf("South Ltd radio value = %q, want %q", got, south)
	}
	b.submit("/connections/xero/organisation", url.Values{"tenant_id": {"not-a-tenant"}})
	b.wantStatus(http.StatusUnprocessableEntity)
	b.submit("/connections/xero/organisation", url.Values{"tenant_id": {south}})
	b.wantRedirect("/connections")
	c, err := e.st.Connection(t.Context(), acc, store.KindXero)
	if err != nil || c.Metadata.TenantID != south || c.Metadata.TenantName != "South Ltd" || c.Status != store.StatusConnected {
		t.Fatalf("connection = %+v, %v", c, err)
	}
	// Reconnecting keeps the organisation: the orderKeys depend on it.
	b.connectXero()
	b.wantRedirect("/connections")
	if c, _ := e.st.Connection(t.Context(), acc, store.KindXero); c.Metadata.TenantID != south {
		t.Errorf("reconnect changed the tenant to %s", c.Metadata.TenantID)
	}
}

// newXeroEmu serves a Xero emulator. Not xeroemutest.NewServer: its
// validator refuses the emulator's token answer ("scope" is not in Xero's
// description of /connect/token), which is the emulator's business, not
// this package's. Switch once that is settled.
func newXeroEmu(t *testing.T, opts xeroemu.Options) *xeroemu.Emulator {
	t.Helper()
	emu := xeroemu.New(opts)
	srv := httptest.NewServer(emu)
	emu.SetURL(srv.URL)
	t.Cleanup(func() {
		emu.Close()
		srv.Close()
	})
	return emu
}

func newSSEmu(t *testing.T, opts shipstationemu.Options) *shipstationemu.Emulator {
	t.Helper()
	opts.RateLimit = emukit.NoRateLimit
	return shipstationemutest.NewServer(t, opts)
}

// newSubscribeEnv starts the app with a ShipStation emulator and the fake
// webhook work.
func newSubscribeEnv(t *testing.T) (*env, *shipstationemu.Emulator, *fakeHookWork) {
	t.Helper()
	semu := newSSEmu(t, shipstationemu.Options{})
	hooks := &fakeHookWork{}
	e := newEnv(t, func(c *web.Config) {
		withShipStation(semu)(c)
		withHookWork(hooks, "")(c)
	})
	return e, semu, hooks
}

// Connecting ShipStation with a known store, or choosing another store,
// queues the webhook subscription with the store choice; disconnecting
// removes the webhook while the key is still there to do it with.
func TestShipStationWebhookLifecycle(t *testing.T) {
	t.Parallel()
	e, semu, hooks := newSubscribeEnv(t)
	b, acc := e.signUpAnn(t)
	first := semu.DefaultStoreID()

	// One store: chosen at once, and subscribed for.
	b.get("/connections")
	b.submit("/connections/shipstation", url.Values{"api_key": {semu.APIKey()}, "api_secret": {semu.APISecret()}})
	b.wantRedirect("/connections")
	b.follow()
	if got, want := b.flash(), "ShipStation is connected. Instant shipment updates from ShipStation are being set up."; got != want {
		t.Errorf("flash = %q, want %q", got, want)
	}
	subs, _ := hooks.calls()
	if want := []hookCall{{account: acc, storeID: first}}; !slices.Equal(subs, want) {
		t.Errorf("after connecting, subscribes = %+v, want %+v (the store saved in the same transaction)", subs, want)
	}

	// Another store: subscribed again, for that store.
	second := semu.AddStore("Wholesale")
	b.get("/connections")
	b.submit("/connections/shipstation/store", url.Values{"store_id": {itoa64(second.StoreID)}})
	b.wantRedirect("/connections")
	b.follow()
	if got, want := b.flash(), "Orders will go to the ShipStation store “Wholesale”. Instant shipment updates from ShipStation are being set up."; got != want {
		t.Errorf("flash = %q, want %q", got, want)
	}
	subs, _ = hooks.calls()
	if want := []hookCall{{account: acc, storeID: first}, {account: acc, storeID: second.StoreID}}; !slices.Equal(subs, want) {
		t.Errorf("after choosing a store, subscribes = %+v, want %+v", subs, want)
	}
	// A refused store choice subscribes nothing.
	b.submit("/connections/shipstation/store", url.Values{"store_id": {"999999"}})
	b.wantStatus(http.StatusUnprocessableEntity)
	if subs, _ = hooks.calls(); len(subs) != 2 {
		t.Errorf("a refused store choice queued a subscription: %+v", subs)
	}

	// Disconnect: the webhook goes first, while the key is still stored.
	b.submit("/connections/shipstation/disconnect", nil)
	b.submit("/connections/shipstation/disconnect", nil) // the confirmation page's form
	b.wantRedirect("/connections")
	b.follow()
	if got, want := b.flash(), "ShipStation is disconnected. Its key is erased from orderbridge."; got != want {
		t.Errorf("flash = %q, want %q", got, want)
	}
	_, unsubs := hooks.calls()
	if want := []hookCall{{account: acc, hadSecret: true}}; !slices.Equal(unsubs, want) {
		t.Errorf("unsubscribes = %+v, want %+v (before the key was erased)", unsubs, want)
	}
	if _, err := e.st.ConnectionSecret(t.Context(), acc, store.KindShipStation); err == nil {
		t.Error("secret kept after disconnect")
	}
	if got := text(b.byID("shipstation-status")); got != "Disconnected" {
		t.Errorf("status = %q", got)
	}
	// Disconnecting again (an old tab) has no key to remove a webhook with.
	b.post("/connections/shipstation/disconnect", url.Values{"csrf_token": {b.csrf()}, "confirm": {"yes"}})
	b.wantRedirect("/connections")
	if _, unsubs = hooks.calls(); len(unsubs) != 1 {
		t.Errorf("unsubscribed without a key: %+v", unsubs)
	}
}

// With several stores nothing is subscribed until one is chosen.
func TestShipStationWebhookWaitsForStore(t *testing.T) {
	t.Parallel()
	e, semu, hooks := newSubscribeEnv(t)
	second := semu.AddStore("Wholesale")
	b, acc := e.signUpAnn(t)
	b.get("/connections")
	b.submit("/connections/shipstation", url.Values{"api_key": {semu.APIKey()}, "api_secret": {semu.APISecret()}})
	b.follow()
	if got, want := b.flash(), "ShipStation is connected. Choose the store your orders go to."; got != want {
		t.Errorf("flash = %q, want %q", got, want)
	}
	if subs, _ := hooks.calls(); len(subs) != 0 {
		t.Errorf("subscribed before a store was chosen: %+v", subs)
	}
	b.submit("/connections/shipstation/store", url.Values{"store_id": {itoa64(second.StoreID)}})
	b.wantRedirect("/connections")
	if subs, _ := hooks.calls(); !slices.Equal(subs, []hookCall{{account: acc, storeID: second.StoreID}}) {
		t.Errorf("subscribes = %+v", subs)
	}
}

// A webhook that cannot be removed does not keep the key: the merchant
// is told how to remove it by hand.
func TestShipStationDisconnectUnsubscribeFails(t *testing.T) {
	t.Parallel()
	e, semu, hooks := newSubscribeEnv(t)
	hooks.failUnsubscribe = errors.New("shipstation: 500 Internal Server Error")
	b, acc := e.signUpAnn(t)
	b.get("/connections")
	b.submit("/connections/shipstation", url.Values{"api_key": {semu.APIKey()}, "api_secret": {semu.APISecret()}})
	b.follow()
	// The subscription the worker would have recorded.
	if err := e.st.SaveShipStationHook(t.Context(), store.ShipStationHook{AccountID: acc, SecretHash: store.HashHookSecret("old"), WebhookID: 5}); err != nil {
		t.Fatal(err)
	}
	b.submit("/connections/shipstation/disconnect", nil)
	b.submit("/connections/shipstation/disconnect", nil) // the confirmation page's form
	b.wantRedirect("/connections")
	b.follow()
	if got := text(b.byID("shipstation-status")); got != "Disconnected" {
		t.Errorf("status = %q, want Disconnected", got)
	}
	if _, err := e.st.ConnectionSecret(t.Context(), acc, store.KindShipStation); err == nil {
		t.Error("secret kept after disconnect")
	}
	flash := b.flash()
	for _, want := range []string{"ShipStation is disconnected.", "webhook that sends orderbridge your shipments could not be removed from ShipStation",
		"remove it by hand", "Settings › Account › API Settings", "Webhooks"} {
		if !strings.Contains(flash, want) {
			t.Errorf("flash %q does not say %q", flash, want)
		}
	}
	if strings.Contains(flash, "500") {
		t.Errorf("flash shows the error's own text: %q", flash)
	}
	if _, unsubs := hooks.calls(); !slices.Equal(unsubs, []hookCall{{account: acc, hadSecret: true}}) {
		t.Errorf("unsubscribes = %+v", unsubs)
	}
	// Deliveries to the old URL are refused from now on, and the dashboard
	// no longer says "subscribed".
	if _, err := e.st.ShipStationHookBySecret(t.Context(), "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old subscription is still recorded: %v", err)
	}
}

// TestConnectRefusesWhatAnotherAccountSyncs: a second account cannot
// connect the Xero organisation or the ShipStation store a first account
// syncs (their orders would overwrite each other's); the refusal names
// what is taken and never the other account.
func TestConnectRefusesWhatAnotherAccountSyncs(t *testing.T) {
	t.Parallel()
	e, _, semu := newEmuEnv(t, xeroemu.Options{OrgNames: []string{"Demo Company (NZ)"}}, shipstationemu.Options{})
	shop := semu.AddStore("Wholesale")
	connectXero := func(b *browser) {
		b.connectXero()
	}
	ann, bob := e.browser(), e.browser()
	ann.signUp("Acme", "ann@example.com", password)
	bob.signUp("Bramble", "bob@example.com", password)
	annAcc, bobAcc := e.mustAccount(t, "ann@example.com"), e.mustAccount(t, "bob@example.com")

	connectXero(ann)
	ann.wantRedirect("/connections")
	connectXero(bob)
	bob.wantStatus(http.StatusConflict)
	if got := bob.h1(); got != "Xero organisation already connected" {
		t.Errorf("heading = %q", got)
	}
	if body := text(bob.byID("main")); !strings.Contains(body, "“Demo Company (NZ)” is already connected to another orderbridge account") ||
		strings.Contains(body, "Acme") || strings.Contains(body, "ann@") {
		t.Errorf("refusal = %q: want the organisation named and not the other account", body)
	}
	if _, err := e.st.Connection(t.Context(), bobAcc, store.KindXero); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused organisation was saved for the second account (err %v)", err)
	}
	if c, err := e.st.Connection(t.Context(), annAcc, store.KindXero); err != nil || c.Status != store.StatusConnected {
		t.Errorf("the first account's connection = %+v, %v", c, err)
	}

	keys := url.Values{"api_key": {semu.APIKey()}, "api_secret": {semu.APISecret()}}
	ann.get("/connections")
	ann.submit("/connections/shipstation", keys)
	ann.wantRedirect("/connections")
	ann.get("/connections")
	ann.submit("/connections/shipstation/store", url.Values{"store_id": {itoa64(shop.StoreID)}})
	ann.wantRedirect("/connections")
	// The same key pair may serve another store of the merchant's, but not Ann's.
	bob.get("/connections")
	bob.submit("/connections/shipstation", keys)
	bob.wantRedirect("/connections")
	bob.get("/connections")
	bob.submit("/connections/shipstation/store", url.Values{"store_id": {itoa64(shop.StoreID)}})
	bob.wantStatus(http.StatusConflict)
	if got := bob.fieldError("Store to send orders to"); !strings.Contains(got, "The ShipStation store “Wholesale” is already connected to another orderbridge account") {
		t.Errorf("store refusal = %q", got)
	}
	if set, _ := e.st.Settings(t.Context(), bobAcc); set.ShipStationStoreID == shop.StoreID {
		t.Error("the refused store was saved in the second account's settings")
	}
	// Once Ann lets it go, Bob can take it.
	ann.get("/connections")
	ann.submit("/connections/shipstation/disconnect", nil)
	ann.submit("/connections/shipstation/disconnect", nil) // the confirmation page's form
	bob.get("/connections")
	bob.submit("/connections/shipstation/store", url.Values{"store_id": {itoa64(shop.StoreID)}})
	bob.wantRedirect("/connections")
}

// TestUnreadableCredentialsSayReconnectNeeded: when the server's keys
// cannot open a connection's stored credentials (a key dropped too early
// in a rotation), the merchant reads that, not that ShipStation refused
// the key or Xero revoked the grant.
func TestUnreadableCredentialsSayReconnectNeeded(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	connectFake(t, e, acc)
	lost := e.st.WithSealer(storetest.NewSealer(t)) // a process whose keys lack the one that sealed them
	if _, err := lost.ShipStationCredentials(t.Context(), acc); err == nil {
		t.Fatal("credentials opened with another key")
	}
	if _, err := lost.XeroGrant(t.Context(), acc); err == nil {
		t.Fatal("grant opened with another key")
	}
	b.get("/dashboard")
	for _, want := range []string{
		"ShipStation: reconnect needed: the server cannot read this connection's credentials.",
		"Xero: reconnect needed: the server cannot read this connection's credentials.",
	} {
		if !strings.Contains(stdhtml.UnescapeString(b.body), want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(b.body, "refuses the API key") {
		t.Error("the dashboard blames ShipStation for credentials the server cannot read")
	}
}

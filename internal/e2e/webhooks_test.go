package e2e_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// The webhook scenarios of issue 7, through both emulators over real
// HTTP: the app runs as `serve` does (River, the web app on a port), Xero
// posts its events to /webhooks/xero and ShipStation its SHIP_NOTIFY to
// the URL orderbridge subscribed. Unless a test is about the sweep, the
// sweep is off and nobody presses a button: whatever arrives, a webhook
// did.

// hookAppOptions configure startHookApp.
type hookAppOptions struct {
	xemu   *xeroemu.Emulator
	semu   *shipstationemu.Emulator
	store  *store.Store     // nil: SQLite in a temp dir
	sweep  bool             // keep the periodic sweeps
	every  time.Duration    // the sweeps' period (0: 1 s)
	poll   time.Duration    // how often River looks for jobs (0: 100 ms)
	logger *slog.Logger     // nil: the test log at Warn
	now    func() time.Time // the app's clock (nil: time.Now)
	// webhookDelay is how long a Xero webhook's export waits for more
	// events (config.WebhookExportDelay); 0, unlike the product's
	// default, runs it at once, so that tests about other things do not
	// wait for it.
	webhookDelay time.Duration
}

// startHookApp builds the app with the Xero receiver on (the emulator's
// signing key), serves it on a free port, runs it until the test ends,
// and points the Xero emulator's webhook at it. ShipStation's webhook is
// each account's to subscribe (connectHookAccount).
func startHookApp(tb testing.TB, o hookAppOptions) *app.App {
	tb.Helper()
	cfg := config.Default()
	cfg.DataDir = tb.TempDir()
	cfg.XeroClientID, cfg.XeroClientSecret = o.xemu.ClientID(), o.xemu.ClientSecret()
	cfg.XeroBaseURL = o.xemu.URL()
	cfg.ShipStationBaseURL = o.semu.URL()
	cfg.HTTPAddr = "127.0.0.1:0" // the base URL (and so the webhook URLs) follow the port
	cfg.XeroWebhookKey = o.xemu.WebhookKey()
	cfg.SweepEvery = orDefault(o.every, time.Second)
	cfg.JobPoll = orDefault(o.poll, 100*time.Millisecond) // SQLite has no LISTEN/NOTIFY: a job waits up to this long
	cfg.WebhookExportDelay = o.webhookDelay
	_, key, err := seal.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	cfg.SecretKey = key
	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(tlogWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.New(tb.Context(), cfg, app.Options{
		Logger: logger, Store: o.store, Migrate: true, NoSweep: !o.sweep,
		ServeWeb: true, Now: o.now,
	})
	if err != nil {
		tb.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(tb.Context()))
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("run: %v", err)
		}
		if err := a.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	if a.WebURL() == "" {
		tb.Fatal("the app serves no web app")
	}
	o.xemu.SetWebhook(a.WebURL()+"/webhooks/xero", "")
	return a
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// hookAccount is what connectHookAccount connects.
type hookAccount struct {
	name            string
	tenant          string // the Xero organisation
	ssKey, ssSecret string // the ShipStation key pair
	storeID         int64  // the ShipStation store orders go to (0: the first)
	settings        store.Settings
	noSubscribe     bool // leave ShipStation's webhook unsubscribed
}

// connectHookAccount makes an account connected to an organisation and a
// ShipStation store with sync and write-back on (settings saved as they
// are: nothing is enqueued), queues its ShipStation subscription and waits
// for it to be made.
func connectHookAccount(tb testing.TB, a *app.App, xemu *xeroemu.Emulator, h hookAccount) int64 {
	tb.Helper()
	ctx := tb.Context()
	acct, err := a.Store.CreateAccount(ctx, h.name)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := xemu.SeedTrackingCategory(h.tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		tb.Fatal(err)
	}
	if _, err := a.ConnectXeroAutoConsent(ctx, acct.ID, h.tenant); err != nil {
		tb.Fatalf("connect xero: %v", err)
	}
	if _, err := a.ConnectShipStation(ctx, acct.ID, h.ssKey, h.ssSecret, h.storeID); err != nil {
		tb.Fatalf("connect shipstation: %v", err)
	}
	if err := a.Store.SaveSettings(ctx, acct.ID, h.settings); err != nil {
		tb.Fatal(err)
	}
	if !h.noSubscribe {
		if err := a.SubscribeShipStation(ctx, acct.ID); err != nil {
			tb.Fatal(err)
		}
		testkit.WaitFor(tb, "the ShipStation subscription of "+h.name, time.Minute, func() bool {
			hook, err := a.Store.ShipStationHookOf(ctx, acct.ID)
			return err == nil && hook.WebhookID != 0
		})
	}
	return acct.ID
}

// hookSettings are the settings of a webhook test's account: sync and
// write-back on, the sweep's intervals short (they matter only when the
// sweep runs).
func hookSettings(sync, safety time.Duration) store.Settings {
	s := store.DefaultSettings()
	s.SyncEnabled = true
	s.WriteBackEnabled = true
	s.SyncInterval = sync
	s.SafetySweepInterval = safety
	return s
}

// hookWorldOptions configure newHookWorld.
type hookWorldOptions struct {
	store *store.Store // nil: SQLite
	sweep bool
	// sync and safety are the account's SyncInterval and
	// SafetySweepInterval (0: 1 s and 1 h).
	sync, safety time.Duration
	// storeName, when set, adds a second ShipStation store of that name
	// and connects the account to it.
	storeName string
	// now and xeroNow are the app's and the Xero emulator's clocks (nil:
	// time.Now).
	now, xeroNow func() time.Time
	// webhookDelay is hookAppOptions.webhookDelay.
	webhookDelay time.Duration
}

// hookWorld is a world whose app runs and is served, with both webhooks
// flowing into it.
type hookWorld struct {
	*world
	url string // where the app is served
	// storeID is the ShipStation store the account's orders go to.
	storeID int64
}

func newHookWorld(t *testing.T, o hookWorldOptions) *hookWorld {
	t.Helper()
	xemu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit, Now: o.xeroNow})
	semu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	a := startHookApp(t, hookAppOptions{xemu: xemu, semu: semu, store: o.store, sweep: o.sweep, now: o.now, webhookDelay: o.webhookDelay})
	storeID := semu.DefaultStoreID()
	if o.storeName != "" {
		storeID = semu.AddStore(o.storeName).StoreID
	}
	tenant := xemu.DefaultTenantID()
	acct := connectHookAccount(t, a, xemu, hookAccount{
		name: "Acme Outdoor Ltd", tenant: tenant, ssKey: semu.APIKey(), ssSecret: semu.APISecret(), storeID: storeID,
		settings: hookSettings(orDefault(o.sync, time.Second), orDefault(o.safety, time.Hour)),
	})
	w := &world{t: t, ctx: t.Context(), xemu: xemu, semu: semu, app: a, acct: acct, tenant: tenant}
	return &hookWorld{world: w, url: a.WebURL(), storeID: storeID}
}

// ssClient is a ShipStation client with the emulator's first key pair:
// what the merchant sees in ShipStation's settings.
func (w *hookWorld) ssClient() *shipstation.Client {
	w.t.Helper()
	c, err := shipstation.New(shipstation.Config{BaseURL: w.semu.URL(), APIKey: w.semu.APIKey(), APISecret: w.semu.APISecret()})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// shipStationHooks lists the ShipStation account's webhooks.
func (w *hookWorld) shipStationHooks() []shipstation.Webhook {
	w.t.Helper()
	hooks, err := w.ssClient().Webhooks(w.ctx)
	if err != nil {
		w.t.Fatalf("list webhooks: %v", err)
	}
	return hooks
}

// hookURL is the URL ShipStation posts the account's SHIP_NOTIFY to, as
// ShipStation lists it.
func (w *hookWorld) hookURL() string {
	w.t.Helper()
	for _, h := range w.shipStationHooks() {
		if strings.HasPrefix(h.URL, w.url+worker.HookPath) {
			return h.URL
		}
	}
	w.t.Fatal("no ShipStation webhook points at the app")
	return ""
}

// post sends body to url and returns the status.
func (w *hookWorld) post(url string, body []byte, header map[string]string) int {
	w.t.Helper()
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("POST %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// postShipNotify delivers a SHIP_NOTIFY naming resourceURL to the
// account's webhook URL, as ShipStation would.
func (w *hookWorld) postShipNotify(resourceURL string) int {
	w.t.Helper()
	body, _ := json.Marshal(shipstation.WebhookPayload{ResourceURL: resourceURL, ResourceType: shipstation.EventShipNotify})
	return w.post(w.hookURL(), body, nil)
}

// postXeroEvents delivers events to /webhooks/xero signed with the
// emulator's key, as Xero would, and returns the status.
func (w *hookWorld) postXeroEvents(events []map[string]string) int {
	w.t.Helper()
	body, _ := json.Marshal(map[string]any{
		"events": events, "firstEventSequence": 1, "lastEventSequence": len(events), "entropy": "E2ETESTENTROPY0000001",
	})
	m := hmac.New(sha256.New, []byte(w.xemu.WebhookKey()))
	m.Write(body)
	return w.post(w.url+"/webhooks/xero", body, map[string]string{"x-xero-signature": base64.StdEncoding.EncodeToString(m.Sum(nil))})
}

// health is the account's webhook health for source.
func (w *hookWorld) health(acct int64, source store.WebhookSource) store.WebhookHealth {
	w.t.Helper()
	h, err := w.app.Store.WebhookHealthOf(w.ctx, acct)
	if err != nil {
		w.t.Fatal(err)
	}
	return h[source]
}

// events returns the recorded webhook events of every account.
func (w *hookWorld) events() []store.WebhookEvent {
	w.t.Helper()
	return storetest.WebhookEvents(w.t, w.app.Store)
}

// eventsFor returns the account's recorded events from source.
func (w *hookWorld) eventsFor(acct int64, source store.WebhookSource) []store.WebhookEvent {
	var out []store.WebhookEvent
	for _, ev := range w.events() {
		if ev.AccountID == acct && ev.Source == source {
			out = append(out, ev)
		}
	}
	return out
}

// approve seeds a tagged invoice for c as a DRAFT and approves it, as a
// merchant in Xero does.
func (w *hookWorld) approve(c xeroemu.Contact) xeroemu.Invoice {
	w.t.Helper()
	inv, err := w.xemu.SeedInvoice(w.tenant, xeroemu.Invoice{
		Status: "DRAFT", Contact: xeroemu.Contact{ContactID: c.ContactID}, Date: time.Now().UTC(),
		Reference: "PO-88", CurrencyCode: "NZD",
		LineItems: []xeroemu.LineItem{
			{ItemCode: "TENT-2P", Description: "Two-person tent", Quantity: 2, UnitAmount: 150, AccountCode: "200", TaxType: "OUTPUT2",
				Tracking: []xeroemu.LineItemTracking{{Name: "Sales Channel", Option: "ShipStation"}}},
		},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return w.edit(inv, func(i *xeroemu.Invoice) { i.Status = "AUTHORISED" })
}

// shipped waits for the invoice's order and buys its label.
func (w *hookWorld) shipped(inv xeroemu.Invoice) (shipstationemu.Order, shipstationemu.Shipment) {
	w.t.Helper()
	var o shipstationemu.Order
	testkit.Eventually(w.t, "the order of "+inv.InvoiceNumber, func() (ok bool) { o, ok = w.order(inv); return ok })
	return o, w.label(o, "ups_walleted", "ups_ground")
}

// updateContactAPI changes a contact through Xero's API as another app
// (or Xero's UI) would: POST /Contacts/{id}, which raises a CONTACT UPDATE
// event.
func (w *hookWorld) updateContactAPI(c xeroemu.Contact, contact map[string]any) {
	w.t.Helper()
	tok := otherAppToken(w.ctx, w.t, w.xemu)
	body, _ := json.Marshal(map[string]any{"Contacts": []any{contact}})
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, w.xemu.URL()+"/api.xro/2.0/Contacts/"+c.ContactID, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("xero-tenant-id", w.tenant)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("update contact: %d %s", resp.StatusCode, raw)
	}
}

// TestWebhookApprovedInvoiceBecomesOneOrder: approving a tagged invoice in
// Xero makes its ShipStation order with no sweep and no button, and an
// edit updates that order; both through Xero's INVOICE events.
func TestWebhookApprovedInvoiceBecomesOneOrder(t *testing.T) {
	t.Parallel()
	w := newHookWorld(t, hookWorldOptions{})
	inv := w.approve(w.contact("Acme Outdoor Ltd"))
	var o shipstationemu.Order
	testkit.Eventually(t, "the order", func() (ok bool) { o, ok = w.order(inv); return ok })
	if o.OrderNumber != inv.InvoiceNumber || len(o.Items) != 1 || o.Items[0].Quantity != 2 {
		t.Errorf("order %s with items %+v", o.OrderNumber, o.Items)
	}

	w.edit(inv, func(i *xeroemu.Invoice) {
		i.LineItems[0].Quantity = 3
		i.LineItems[0].Description = "Two-person tent, green"
	})
	testkit.Eventually(t, "the edit in the order", func() bool {
		o, _ := w.order(inv)
		return len(o.Items) == 1 && o.Items[0].Quantity == 3 && o.Items[0].Name == "Two-person tent, green"
	})
	if n := w.ordersFor(inv); n != 1 {
		t.Errorf("%d orders for %s, want 1", n, inv.InvoiceNumber)
	}
	if n := len(w.semu.Orders()); n != 1 {
		t.Errorf("%d orders in ShipStation, want 1", n)
	}
	h := w.health(w.acct, store.SourceXero)
	if h.Deliveries == 0 || h.Events < 3 || h.Failures != 0 { // contact created, invoice created, approved, edited
		t.Errorf("xero webhook health %+v, want deliveries and no failure", h)
	}
}

// TestWebhookContactAddressChangeUpdatesShipTo: a contact's new street
// address in Xero (a CONTACT event) reaches the open order's ship-to.
func TestWebhookContactAddressChangeUpdatesShipTo(t *testing.T) {
	t.Parallel()
	w := newHookWorld(t, hookWorldOptions{})
	c := w.contact("Acme Outdoor Ltd")
	inv := w.invoice(c, true)
	var o shipstationemu.Order
	testkit.Eventually(t, "the order", func() (ok bool) { o, ok = w.order(inv); return ok })
	if o.ShipTo.City != "Hamilton" {
		t.Fatalf("ship-to %+v, want Hamilton", o.ShipTo)
	}

	w.updateContactAPI(c, map[string]any{
		"ContactID": c.ContactID,
		"Addresses": []map[string]string{
			{"AddressType": "POBOX", "AddressLine1": "PO Box 1234", "City": "Wellington", "PostalCode": "6140", "Country": "New Zealand"},
			{"AddressType": "STREET", "AddressLine1": "Goods Inwards", "AddressLine2": "5 Wharf Street", "City": "Tauranga", "Region": "Bay of Plenty", "PostalCode": "3110", "Country": "NZ"},
		},
	})
	testkit.Eventually(t, "the new ship-to address", func() bool {
		o, _ := w.order(inv)
		return o.ShipTo.City == "Tauranga"
	})
	o, _ = w.order(inv)
	if o.ShipTo.Street2 != "5 Wharf Street" && o.ShipTo.Street1 != "5 Wharf Street" {
		t.Errorf("ship-to %+v, want 5 Wharf Street", o.ShipTo)
	}
	if n := w.ordersFor(inv); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	if evs := w.eventsFor(w.acct, store.SourceXero); !slices.ContainsFunc(evs, func(e store.WebhookEvent) bool {
		return e.Kind == "CONTACT" && e.Resource == c.ContactID && e.State == store.EventDone
	}) {
		t.Errorf("no CONTACT event recorded for the contact: %+v", evs)
	}
}

// TestWebhookShipStationSubscription: connecting subscribes one
// SHIP_NOTIFY webhook for the chosen store at the app's URL; subscribing
// again keeps that one; unsubscribing removes it, and its URL is then
// refused.
func TestWebhookShipStationSubscription(t *testing.T) {
	t.Parallel()
	w := newHookWorld(t, hookWorldOptions{storeName: "Wholesale"})
	if w.storeID == w.semu.DefaultStoreID() {
		t.Fatal("the account is on the first store; the test wants another")
	}
	check := func(when string) shipstation.Webhook {
		t.Helper()
		hooks := w.shipStationHooks()
		if len(hooks) != 1 {
			t.Fatalf("%s: %d webhooks, want 1: %s", when, len(hooks), describeHooks(hooks))
		}
		h := hooks[0]
		if h.HookType != shipstation.EventShipNotify || h.StoreID != w.storeID || !h.Active ||
			!strings.HasPrefix(h.URL, w.url+worker.HookPath) || len(h.URL) < len(w.url+worker.HookPath)+32 {
			t.Fatalf("%s: webhook %s for store %d at a URL of %d characters, want SHIP_NOTIFY for store %d under %s",
				when, h.HookType, h.StoreID, len(h.URL), w.storeID, w.url+worker.HookPath)
		}
		return h
	}
	first := check("after connecting")

	// Again through the job, as the web app's connect flow does, and
	// directly: still the one webhook.
	testkit.Eventually(t, "the first subscription job", func() bool {
		return completedJobs(t, w.app, worker.KindSubscribeShipStation) == 1
	})
	if err := w.app.SubscribeShipStation(w.ctx, w.acct); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the second subscription job", func() bool {
		return completedJobs(t, w.app, worker.KindSubscribeShipStation) == 2
	})
	if err := w.app.Engine.Subscriber.Subscribe(w.ctx, w.acct); err != nil {
		t.Fatal(err)
	}
	if again := check("after subscribing again"); again.WebHookID != first.WebHookID || again.URL != first.URL {
		t.Errorf("subscribing again replaced webhook %d with %d", first.WebHookID, again.WebHookID)
	}

	// A secret lost (the record gone after a crash): the old webhook is
	// replaced, not kept beside a new one.
	if err := w.app.Store.DeleteShipStationHook(w.ctx, w.acct); err != nil {
		t.Fatal(err)
	}
	if err := w.app.Engine.Subscriber.Subscribe(w.ctx, w.acct); err != nil {
		t.Fatal(err)
	}
	replaced := check("after the secret was lost")
	if replaced.WebHookID == first.WebHookID || replaced.URL == first.URL {
		t.Errorf("the webhook whose secret was lost is kept")
	}
	if code := w.post(first.URL, []byte(`{"resource_url":"`+w.semu.URL()+`/shipments?batchId=1","resource_type":"SHIP_NOTIFY"}`), nil); code != http.StatusNotFound {
		t.Errorf("the replaced URL answered %d, want 404", code)
	}

	if err := w.app.Engine.Subscriber.Unsubscribe(w.ctx, w.acct); err != nil {
		t.Fatal(err)
	}
	if hooks := w.shipStationHooks(); len(hooks) != 0 {
		t.Errorf("after unsubscribing: %s, want none", describeHooks(hooks))
	}
	if _, err := w.app.Store.ShipStationHookOf(w.ctx, w.acct); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the subscription record after unsubscribing: %v, want not found", err)
	}
	if code := w.post(replaced.URL, []byte(`{"resource_url":"`+w.semu.URL()+`/shipments?batchId=1","resource_type":"SHIP_NOTIFY"}`), nil); code != http.StatusNotFound {
		t.Errorf("the unsubscribed URL answered %d, want 404", code)
	}
}

// describeHooks lists webhooks for a failure message, without the
// secrets their URLs end in.
func describeHooks(hooks []shipstation.Webhook) string {
	var parts []string
	for _, h := range hooks {
		u := h.URL
		if i := strings.LastIndex(u, "/"); i >= 0 {
			u = u[:i+1] + "…"
		}
		parts = append(parts, fmt.Sprintf("%d %s store %d at %s", h.WebHookID, h.HookType, h.StoreID, u))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// completedJobs counts River's completed jobs of kind.
func completedJobs(t *testing.T, a *app.App, kind string) int {
	t.Helper()
	res, err := a.River.JobList(t.Context(), river.NewJobListParams().Kinds(kind).States(rivertype.JobStateCompleted).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Jobs)
}

// TestWebhookLabelBecomesOneNote: a label bought in ShipStation becomes the
// tracking note on the Xero invoice through SHIP_NOTIFY, with no sweep;
// the same delivery again writes nothing more.
func TestWebhookLabelBecomesOneNote(t *testing.T) {
	t.Parallel()
	w := newHookWorld(t, hookWorldOptions{})
	c := w.contact("Acme Outdoor Ltd")
	inv := w.invoice(c, true)
	_, s := w.shipped(inv)
	testkit.Eventually(t, "the note", func() bool { return len(w.notes(inv)) > 0 })
	if n := w.notes(inv); len(n) != 1 || !strings.Contains(n[0], s.TrackingNumber) {
		t.Fatalf("notes %q, want one with %s", n, s.TrackingNumber)
	}

	// ShipStation delivers the same batch again.
	var resource string
	for _, ev := range w.eventsFor(w.acct, store.SourceShipStation) {
		if ev.Kind == shipstation.EventShipNotify {
			resource = ev.Resource
		}
	}
	if resource == "" {
		t.Fatal("no SHIP_NOTIFY event recorded: the note came from elsewhere")
	}
	if code := w.postShipNotify(resource); code != http.StatusOK {
		t.Fatalf("the repeated delivery answered %d, want 200", code)
	}
	if h := w.health(w.acct, store.SourceShipStation); h.Duplicates != 1 {
		t.Errorf("shipstation webhook health %+v, want one duplicate", h)
	}
	// Another label, written after the repeat was handled: the first
	// invoice still has its one note.
	inv2 := w.invoice(c, true)
	_, s2 := w.shipped(inv2)
	testkit.Eventually(t, "the second note", func() bool { return len(w.notes(inv2)) > 0 })
	if n := w.notes(inv); len(n) != 1 {
		t.Errorf("notes of the first invoice %q, want one", n)
	}
	if n := w.notes(inv2); len(n) != 1 || !strings.Contains(n[0], s2.TrackingNumber) {
		t.Errorf("notes of the second invoice %q, want one with %s", n, s2.TrackingNumber)
	}
	// The event is finished after its batch was written back.
	var evs []store.WebhookEvent
	testkit.Eventually(t, "both events to be handled", func() bool {
		evs = w.eventsFor(w.acct, store.SourceShipStation)
		return !slices.ContainsFunc(evs, func(e store.WebhookEvent) bool { return e.State == store.EventPending })
	})
	if len(evs) != 2 {
		t.Errorf("%d SHIP_NOTIFY events recorded, want 2: %+v", len(evs), evs)
	}
	for _, ev := range evs {
		if ev.State != store.EventDone {
			t.Errorf("event %s is %s (%s), want done", ev.Resource, ev.State, ev.Detail)
		}
	}
}

// TestDroppedWebhooksCaughtBySweep: with every webhook lost, the sweep
// still brings the order and the note.
func TestDroppedWebhooksCaughtBySweep(t *testing.T) {
	t.Parallel()
	w := newHookWorld(t, hookWorldOptions{sweep: true, sync: time.Second, safety: time.Hour})
	w.xemu.SetWebhookDelivery(1, 0)
	w.semu.SetWebhookDelivery(1, 0)
	inv := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	_, s := w.shipped(inv)
	testkit.Eventually(t, "the note", func() bool { return len(w.notes(inv)) > 0 })
	if n := w.notes(inv); len(n) != 1 || !strings.Contains(n[0], s.TrackingNumber) {
		t.Errorf("notes %q, want one with %s", n, s.TrackingNumber)
	}
	if n := w.ordersFor(inv); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	if evs := w.events(); len(evs) != 0 {
		t.Errorf("events recorded %+v, want none (all dropped)", evs)
	}
}

// TestDroppedWebhookWaitsForSafetySweep: while an account's Xero webhooks
// are healthy its sweep runs at the SafetySweepInterval, so an event lost
// then waits for it; an account without healthy webhooks is swept at its
// SyncInterval. Both lose an event at the same moment: the account
// without webhooks gets its order first.
func TestDroppedWebhookWaitsForSafetySweep(t *testing.T) {
	t.Parallel()
	w := newHookWorld(t, hookWorldOptions{sweep: true, sync: time.Second, safety: 5 * time.Second})
	hooked := w.world
	// The healthy account: a delivery arrives.
	inv := w.approve(w.contact("Acme Outdoor Ltd"))
	testkit.Eventually(t, "the first order", func() bool { _, ok := w.order(inv); return ok })
	testkit.Eventually(t, "a Xero delivery", func() bool { return !w.health(w.acct, store.SourceXero).LastDeliveryAt.IsZero() })

	// From now on every Xero event is lost; the other account, in its
	// own organisation, never had one delivered.
	w.xemu.SetWebhookDelivery(1, 0)
	otherTenant := w.xemu.AddOrg("Bramble Outfitters")
	otherAcct := connectHookAccount(t, w.app, w.xemu, hookAccount{
		name: "Bramble Outfitters", tenant: otherTenant, ssKey: w.semu.APIKey(), ssSecret: w.semu.APISecret(),
		storeID:  w.semu.AddStore("Bramble web store").StoreID, // one account per store
		settings: hookSettings(time.Second, 5*time.Second), noSubscribe: true,
	})
	other := &world{t: t, ctx: t.Context(), xemu: w.xemu, semu: w.semu, app: w.app, acct: otherAcct, tenant: otherTenant}
	now := time.Now()
	if !w.health(w.acct, store.SourceXero).Healthy(now) {
		t.Fatalf("the first account's webhooks are not healthy: %+v", w.health(w.acct, store.SourceXero))
	}
	if w.health(otherAcct, store.SourceXero).Healthy(now) {
		t.Fatalf("the second account's webhooks are healthy: %+v", w.health(otherAcct, store.SourceXero))
	}
	otherContact := other.contact("Trail Co")
	hookedContact := hooked.contact("Summit Supplies")

	// Just after the healthy account was swept (its export done), both
	// approve an invoice; neither event is delivered.
	last := sweptAt(t, w.app, w.acct)
	testkit.Eventually(t, "the next sweep of the healthy account", func() bool { return sweptAt(t, w.app, w.acct).After(last) })
	testkit.Eventually(t, "the healthy account's export", func() bool { return openExports(t, w.app, w.acct) == 0 })
	hookedInv := hooked.invoice(hookedContact, true)
	otherInv := other.invoice(otherContact, true)
	var firstHooked, firstOther bool
	testkit.Eventually(t, "both orders", func() bool {
		_, a := hooked.order(hookedInv)
		_, b := other.order(otherInv)
		if a && !b && !firstOther {
			firstHooked = true
		}
		if b && !a && !firstHooked {
			firstOther = true
		}
		return a && b
	})
	if !firstOther {
		t.Errorf("the order of the account with healthy webhooks arrived first (or at once): its sweep ran at the SyncInterval, not the SafetySweepInterval")
	}
	if n := len(w.eventsFor(otherAcct, store.SourceXero)); n != 0 {
		t.Errorf("%d events recorded for the second account, want none", n)
	}
}

// sweptAt is when the export sweep last enqueued the account.
func sweptAt(t *testing.T, a *app.App, acct int64) time.Time {
	t.Helper()
	at, _, err := a.Store.Cursor(t.Context(), acct, worker.CursorSweepEnqueued)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// openExports counts the account's export jobs not finished.
func openExports(t *testing.T, a *app.App, acct int64) int {
	t.Helper()
	res, err := a.River.JobList(t.Context(), river.NewJobListParams().Kinds(worker.KindExportInvoices).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStatePending).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range res.Jobs {
		var args worker.ExportInvoicesArgs
		if json.Unmarshal(j.EncodedArgs, &args) == nil && args.AccountID == acct {
			n++
		}
	}
	return n
}

// TestWebhookForeignResourceRefused: a SHIP_NOTIFY naming a URL on another
// host is refused by the receiver, and, recorded anyway (as an older
// version might have), refused again by the write-back: the host never
// sees a request, so never the key; the event fails and the dashboard's
// health shows why.
func TestWebhookForeignResourceRefused(t *testing.T) {
	t.Parallel()
	w := newHookWorld(t, hookWorldOptions{})
	var mu sync.Mutex
	var seen []string
	foreign := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String()+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(`{"shipments":[],"total":0,"page":1,"pages":0}`))
	}))
	t.Cleanup(foreign.Close)
	resource := foreign.URL + fmt.Sprintf("/shipments?storeID=%d&batchId=12345&includeShipmentItems=False", w.storeID)

	if code := w.postShipNotify(resource); code != http.StatusBadRequest {
		t.Errorf("the receiver answered %d, want 400", code)
	}
	if evs := w.eventsFor(w.acct, store.SourceShipStation); len(evs) != 0 {
		t.Errorf("the refused delivery was recorded: %+v", evs)
	}
	if h := w.health(w.acct, store.SourceShipStation); h.Failures != 1 {
		t.Errorf("health after the refused delivery %+v, want one failure", h)
	}

	// The worker's own guard: the event in the store as pending, its
	// write-back queued as the receiver would.
	err := w.app.Store.WithTx(w.ctx, func(tx *store.Tx) error {
		if _, err := tx.RecordWebhookEvent(w.ctx, store.WebhookEvent{
			AccountID: w.acct, Source: store.SourceShipStation, Key: store.EventKey(resource),
			Kind: shipstation.EventShipNotify, Resource: resource, ReceivedAt: time.Now(), State: store.EventPending,
		}); err != nil {
			return err
		}
		return worker.EnqueueWebhookWriteBack(w.ctx, w.app.River, tx, w.acct)
	})
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the event to be handled", func() bool {
		evs := w.eventsFor(w.acct, store.SourceShipStation)
		return len(evs) == 1 && evs[0].State != store.EventPending
	})
	ev := w.eventsFor(w.acct, store.SourceShipStation)[0]
	if ev.State != store.EventFailed || !strings.Contains(ev.Detail, "nothing was fetched") {
		t.Errorf("event %s (%s), want failed with nothing fetched", ev.State, ev.Detail)
	}
	h := w.health(w.acct, store.SourceShipStation)
	if h.Failures != 2 || !strings.Contains(h.LastFailure, "nothing was fetched") || strings.Contains(h.LastFailure, "batchId") {
		t.Errorf("health %+v, want two failures, the last saying nothing was fetched (without the query)", h)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("the foreign host got %d requests: %q", len(seen), seen)
	}
}

// TestNoTriggerLostWhileExportRuns: with a slow Xero every export takes a
// while, and invoices approved one after another arrive while one runs:
// every one of them still becomes exactly one order.
func TestNoTriggerLostWhileExportRuns(t *testing.T) {
	t.Parallel()
	checkNoTriggerLost(t, newHookWorld(t, hookWorldOptions{}))
}

// TestPostgresNoTriggerLostWhileExportRuns is the same on PostgreSQL,
// where River's unique inserts and the completion race for real.
func TestPostgresNoTriggerLostWhileExportRuns(t *testing.T) {
	t.Parallel()
	checkNoTriggerLost(t, newHookWorld(t, hookWorldOptions{store: storetest.OpenPostgres(t)}))
}

func checkNoTriggerLost(t *testing.T, w *hookWorld) {
	c := w.contact("Acme Outdoor Ltd")
	w.xemu.SetFaults(emukit.FaultConfig{Latency: 150 * time.Millisecond})
	const n = 30
	invs := make([]xeroemu.Invoice, n)
	for i := range invs {
		invs[i] = w.invoice(c, true)
		time.Sleep(50 * time.Millisecond) // a person approving one after another, not a measurement
	}
	testkit.Eventually(t, "all the orders", func() bool {
		for _, inv := range invs {
			if _, ok := w.order(inv); !ok {
				return false
			}
		}
		return true
	})
	for _, inv := range invs {
		if k := w.ordersFor(inv); k != 1 {
			t.Errorf("%s: %d orders, want 1", inv.InvoiceNumber, k)
		}
	}
	if k := len(w.semu.Orders()); k != n {
		t.Errorf("%d orders in ShipStation, want %d", k, n)
	}
	// How the triggers were absorbed, for whoever reads the log (a job's
	// output is saved when it completes).
	testkit.Eventually(t, "the export jobs to finish", func() bool { return openExports(t, w.app, w.acct) == 0 })
	res, err := w.app.River.JobList(t.Context(), river.NewJobListParams().Kinds(worker.KindExportInvoices).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	passes := 0
	for _, j := range res.Jobs {
		var sum worker.Summary
		if json.Unmarshal(j.Output(), &sum) == nil {
			passes += sum.Passes
		}
	}
	t.Logf("%d invoices: %d export jobs, %d passes", n, len(res.Jobs), passes)
}

// TestWebhookUnknownTenantIgnored: events for an organisation no account is
// connected to are answered 200 and do nothing.
func TestWebhookUnknownTenantIgnored(t *testing.T) {
	t.Parallel()
	w := newHookWorld(t, hookWorldOptions{})
	stranger := w.xemu.AddOrg("Stranger Things Ltd")
	// Through the emulator: the stranger's organisation is on the same
	// Xero app, so its events come to the same URL.
	if _, err := w.xemu.SeedTrackingCategory(stranger, "Sales Channel", "ShipStation", "Retail"); err != nil {
		t.Fatal(err)
	}
	sw := &world{t: t, ctx: t.Context(), xemu: w.xemu, semu: w.semu, app: w.app, acct: w.acct, tenant: stranger}
	strangerInv := sw.invoice(sw.contact("Stranger Customer"), true)
	// And directly, to see the answer.
	code := w.postXeroEvents([]map[string]string{{
		"resourceUrl": w.xemu.URL() + "/api.xro/2.0/Invoices/" + strangerInv.InvoiceID, "resourceId": strangerInv.InvoiceID,
		"eventDateUtc": time.Now().UTC().Format("2006-01-02T15:04:05.000"), "eventType": "UPDATE",
		"eventCategory": "INVOICE", "tenantId": stranger, "tenantType": "ORGANISATION",
	}})
	if code != http.StatusOK {
		t.Errorf("an event for an unknown tenant answered %d, want 200", code)
	}

	// The account's own invoice, approved after: once its order is there,
	// the stranger's events have long been handled (Xero delivers in
	// order, and would retry a refused delivery before this one).
	inv := w.invoice(w.contact("Acme Outdoor Ltd"), true)
	testkit.Eventually(t, "the account's order", func() bool { _, ok := w.order(inv); return ok })
	if _, ok := sw.order(strangerInv); ok {
		t.Error("the unknown tenant's invoice became an order")
	}
	if k := len(w.semu.Orders()); k != 1 {
		t.Errorf("%d orders, want 1", k)
	}
	for _, ev := range w.events() {
		if ev.Resource == strangerInv.InvoiceID {
			t.Errorf("an event of the unknown tenant was recorded: %+v", ev)
		}
	}
}

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

const hookKey = "webhook-signing-key-0123456789abcdef"

// fakeWork records what the webhook receivers queued.
type fakeWork struct {
	mu         sync.Mutex
	exports    []int64
	writeBacks []int64
	// fail, when set, is what every Enqueue returns.
	fail error
	// panics makes every Enqueue panic.
	panics bool
}

func (f *fakeWork) EnqueueExport(_ context.Context, tx *store.Tx, accountID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tx == nil {
		return errors.New("fake: EnqueueExport without a transaction")
	}
	if f.panics {
		panic("fake: enqueue panicked")
	}
	if f.fail != nil {
		return f.fail
	}
	f.exports = append(f.exports, accountID)
	return nil
}

func (f *fakeWork) EnqueueWriteBack(_ context.Context, tx *store.Tx, accountID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tx == nil {
		return errors.New("fake: EnqueueWriteBack without a transaction")
	}
	if f.fail != nil {
		return f.fail
	}
	f.writeBacks = append(f.writeBacks, accountID)
	return nil
}

func (f *fakeWork) EnqueueSubscribe(context.Context, *store.Tx, int64) error { return nil }
func (f *fakeWork) Unsubscribe(context.Context, int64) error                 { return nil }

// counts returns how many exports and write-backs each account got.
func (f *fakeWork) counts() (exports, writeBacks map[int64]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	exports, writeBacks = map[int64]int{}, map[int64]int{}
	for _, a := range f.exports {
		exports[a]++
	}
	for _, a := range f.writeBacks {
		writeBacks[a]++
	}
	return exports, writeBacks
}

// hookEnv is the web app with both webhook receivers on.
type hookEnv struct {
	*env
	work *fakeWork
	logs *testkit.Buffer
}

func newHookEnv(t *testing.T, tweak func(*web.Config)) *hookEnv {
	t.Helper()
	h := &hookEnv{work: &fakeWork{}, logs: &testkit.Buffer{}}
	h.env = newEnv(t, func(c *web.Config) {
		c.Webhooks = h.work
		c.XeroWebhookKey = hookKey
		c.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if tweak != nil {
			tweak(c)
		}
	})
	return h
}

// connectXero makes an account connected to the Xero organisation tenant.
func connectXero(t *testing.T, st *store.Store, name, tenant string) int64 {
	t.Helper()
	ctx := t.Context()
	a, err := st.CreateAccount(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveConnection(ctx, a.ID, store.KindXero, store.ConnectionMetadata{TenantID: tenant, TenantName: name},
		[]byte(`{"refresh_token":"r"}`)); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// xev is one Xero webhook event.
type xev struct {
	tenant, category, typ, resource string
	at                              time.Time
}

var t0 = time.Date(2026, 3, 14, 11, 0, 0, 0, time.UTC)

func invoiceEvent(tenant, id string, at time.Time) xev {
	return xev{tenant: tenant, category: "INVOICE", typ: "UPDATE", resource: id, at: at}
}

// xeroBody is a delivery as Xero sends it (eventDateUtc without a zone).
func xeroBody(events ...xev) []byte {
	type wire struct {
		ResourceURL   string `json:"resourceUrl"`
		ResourceID    string `json:"resourceId"`
		EventDateUTC  string `json:"eventDateUtc"`
		EventType     string `json:"eventType"`
		EventCategory string `json:"eventCategory"`
		TenantID      string `json:"tenantId"`
		TenantType    string `json:"tenantType"`
	}
	out := []wire{}
	for _, e := range events {
		path := "Invoices"
		if e.category == "CONTACT" {
			path = "Contacts"
		}
		out = append(out, wire{ResourceURL: "https://api.xero.com/api.xro/2.0/" + path + "/" + e.resource,
			ResourceID: e.resource, EventDateUTC: e.at.UTC().Format("2006-01-02T15:04:05.000"),
			EventType: e.typ, EventCategory: e.category, TenantID: e.tenant, TenantType: "ORGANISATION"})
	}
	first, last := 0, 0
	if len(out) > 0 {
		first, last = 1, len(out)
	}
	b, err := json.Marshal(map[string]any{"events": out, "firstEventSequence": first, "lastEventSequence": last,
		"entropy": "S0m3r4Nd0mt3xt" + strconv.Itoa(len(out))})
	if err != nil {
		panic(err)
	}
	return b
}

// reply is what a webhook sender sees of an answer.
type reply struct {
	code    int
	body    string
	cookies []string
}

func send(t *testing.T, c *http.Client, url string, body []byte, header http.Header) (reply, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{code: resp.StatusCode, body: string(raw), cookies: resp.Header.Values("Set-Cookie")}, nil
}

// postXero sends a Xero delivery with the signature sig ("" sends none).
func (h *hookEnv) postXero(t *testing.T, body []byte, sig string) reply {
	t.Helper()
	hdr := http.Header{}
	if sig != "" {
		hdr.Set(xero.SignatureHeader, sig)
	}
	r, err := send(t, http.DefaultClient, h.srv.URL+"/webhooks/xero", body, hdr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantEmpty checks an answer's status, and that it has no body and no cookie.
func wantEmpty(t *testing.T, r reply, code int) {
	t.Helper()
	if r.code != code {
		t.Errorf("status %d, want %d", r.code, code)
	}
	if r.body != "" {
		t.Errorf("body %q, want none", truncate(r.body))
	}
	if len(r.cookies) > 0 {
		t.Errorf("Set-Cookie %q, want none", r.cookies)
	}
}

// events returns the recorded webhook events of every account.
func (h *hookEnv) events(t *testing.T) []store.WebhookEvent {
	t.Helper()
	return storetest.WebhookEvents(t, h.st)
}

// eventsOf returns the account's recorded events as resource -> state
// (resources repeat when Xero sent several distinct events about one).
func eventsOf(evs []store.WebhookEvent, acct int64) (byResource map[string][]string) {
	byResource = map[string][]string{}
	for _, ev := range evs {
		if ev.AccountID == acct {
			byResource[ev.Resource] = append(byResource[ev.Resource], string(ev.State))
		}
	}
	return byResource
}

func (h *hookEnv) health(t *testing.T, acct int64, src store.WebhookSource) store.WebhookHealth {
	t.Helper()
	hs, err := h.st.WebhookHealthOf(t.Context(), acct)
	if err != nil {
		t.Fatal(err)
	}
	return hs[src]
}

// metric reads orderbridge_webhook_deliveries_total{source,outcome} off
// /metrics of the metrics listener, as an operator's scraper would.
func (h *hookEnv) metric(t *testing.T, source, outcome string) float64 {
	t.Helper()
	ops := httptest.NewServer(h.web.OpsHandler())
	defer ops.Close()
	resp, err := ops.Client().Get(ops.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("orderbridge_webhook_deliveries_total{outcome=%q,source=%q} ", outcome, source)
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", prefix)
	return 0
}

func TestXeroWebhookSignature(t *testing.T) {
	t.Parallel()
	body := xeroBody(invoiceEvent("tenant-a", "inv-1", t0), invoiceEvent("tenant-a", "inv-2", t0),
		xev{tenant: "tenant-a", category: "CONTACT", typ: "CREATE", resource: "con-1", at: t0})
	tampered := bytes.Replace(body, []byte("inv-2"), []byte("inv-9"), 1)
	for _, tc := range []struct {
		name string
		body []byte
		sig  string
		want int
	}{
		{"signed right", body, xero.Sign(hookKey, body), http.StatusOK},
		{"wrong key", body, xero.Sign("another-key", body), http.StatusUnauthorized},
		{"tampered body, old signature", tampered, xero.Sign(hookKey, body), http.StatusUnauthorized},
		{"no signature header", body, "", http.StatusUnauthorized},
		{"signature not base64", body, "not base64 at all!", http.StatusUnauthorized},
		{"signature of an empty body", body, xero.Sign(hookKey, nil), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHookEnv(t, nil)
			a1 := connectXero(t, h.st, "North", "tenant-a")
			// Xero's request is cross-site and has no session or CSRF
			// token: the receiver must not care.
			hdr := http.Header{"Origin": {"https://api.xero.com"}, "Sec-Fetch-Site": {"cross-site"}}
			if tc.sig != "" {
				hdr.Set(xero.SignatureHeader, tc.sig)
			}
			r, err := send(t, http.DefaultClient, h.srv.URL+"/webhooks/xero", tc.body, hdr)
			if err != nil {
				t.Fatal(err)
			}
			wantEmpty(t, r, tc.want)
			evs := h.events(t)
			exports, _ := h.work.counts()
			if tc.want != http.StatusOK {
				if len(evs) != 0 || len(exports) != 0 {
					t.Errorf("refused delivery recorded %d events and queued %v", len(evs), exports)
				}
				if got := h.metric(t, "xero", "bad_signature"); got != 1 {
					t.Errorf("bad_signature deliveries = %v, want 1", got)
				}
				return
			}
			for _, a := range []int64{a1} {
				got := eventsOf(evs, a)
				want := map[string][]string{"inv-1": {"pending"}, "inv-2": {"pending"}, "con-1": {"pending"}}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("account %d events %v, want %v", a, got, want)
				}
				if exports[a] != 1 {
					t.Errorf("account %d: %d exports queued, want 1 for the delivery", a, exports[a])
				}
				if hl := h.health(t, a, store.SourceXero); hl.Deliveries != 1 || hl.Events != 3 || hl.Duplicates != 0 {
					t.Errorf("account %d health %+v, want 1 delivery of 3 events", a, hl)
				}
			}
			if got := h.metric(t, "xero", "accepted"); got != 1 {
				t.Errorf("accepted deliveries = %v, want 1", got)
			}
		})
	}
}

func TestWebhooksOff(t *testing.T) {
	t.Parallel()
	body := xeroBody(invoiceEvent("tenant-a", "inv-1", t0))
	for _, tc := range []struct {
		name  string
		tweak func(*web.Config)
		// shipStation: whether the ShipStation receiver is off too.
		shipStation bool
	}{
		{"no Xero key", func(c *web.Config) { c.XeroWebhookKey = "" }, false},
		{"no webhook work", func(c *web.Config) { c.Webhooks = nil }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHookEnv(t, tc.tweak)
			connectXero(t, h.st, "North", "tenant-a")
			wantEmpty(t, h.postXero(t, body, xero.Sign(hookKey, body)), http.StatusNotFound)
			if tc.shipStation {
				acct := connectXero(t, h.st, "South", "tenant-b")
				saveHook(t, h.st, acct, "a-secret-of-the-url-0123456789")
				r, err := send(t, http.DefaultClient, h.srv.URL+"/webhooks/shipstation/a-secret-of-the-url-0123456789",
					ssBody("https://ssapi.shipstation.com/shipments?batchId=1", "SHIP_NOTIFY"), nil)
				if err != nil {
					t.Fatal(err)
				}
				wantEmpty(t, r, http.StatusNotFound)
			}
			if evs := h.events(t); len(evs) != 0 {
				t.Errorf("a receiver that is off recorded %v", evs)
			}
		})
	}
}

func TestXeroWebhookBadPayload(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	connectXero(t, h.st, "North", "tenant-a")
	for _, body := range [][]byte{
		[]byte(`{"events":[`),
		[]byte(`{"events":[]}`), // no sequence numbers, no entropy
		[]byte(`{"events":[{"resourceId":"inv-1"}],"firstEventSequence":1,"lastEventSequence":1,"entropy":"x"}`),
	} {
		wantEmpty(t, h.postXero(t, body, xero.Sign(hookKey, body)), http.StatusBadRequest)
	}
	if evs := h.events(t); len(evs) != 0 {
		t.Errorf("bad payloads recorded %v", evs)
	}
	if got := h.metric(t, "xero", "bad_payload"); got != 3 {
		t.Errorf("bad_payload deliveries = %v, want 3", got)
	}
}

func TestXeroWebhookReplay(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	acct := connectXero(t, h.st, "North", "tenant-a")
	body := xeroBody(invoiceEvent("tenant-a", "inv-1", t0), invoiceEvent("tenant-a", "inv-2", t0.Add(time.Second)))
	sig := xero.Sign(hookKey, body)
	wantEmpty(t, h.postXero(t, body, sig), http.StatusOK)
	wantEmpty(t, h.postXero(t, body, sig), http.StatusOK) // Xero retried: same bytes, same signature
	if got := eventsOf(h.events(t), acct); len(got) != 2 || len(got["inv-1"]) != 1 || len(got["inv-2"]) != 1 {
		t.Errorf("events after a replay: %v, want inv-1 and inv-2 once each", got)
	}
	if exports, _ := h.work.counts(); exports[acct] != 1 {
		t.Errorf("%d exports queued, want 1: the replay brought nothing new", exports[acct])
	}
	if hl := h.health(t, acct, store.SourceXero); hl.Deliveries != 2 || hl.Events != 4 || hl.Duplicates != 2 {
		t.Errorf("health %+v, want 2 deliveries, 4 events, 2 duplicates", hl)
	}
	if a, d := h.metric(t, "xero", "accepted"), h.metric(t, "xero", "duplicate"); a != 1 || d != 1 {
		t.Errorf("accepted %v, duplicate %v deliveries, want 1 and 1", a, d)
	}
}

func TestXeroWebhookIntentToReceive(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	acct := connectXero(t, h.st, "North", "tenant-a")

	// Xero's own check, as the emulator runs it: some requests signed
	// with the key (200), some with another (401).
	emu := xeroemu.New(xeroemu.Options{WebhookURL: h.srv.URL + "/webhooks/xero", WebhookKey: hookKey,
		RateLimit: emukit.NoRateLimit})
	t.Cleanup(emu.Close)
	if err := emu.IntentToReceive(t.Context()); err != nil {
		t.Errorf("intent to receive: %v", err)
	}

	// The same by hand, with Xero's documented payload.
	itr := []byte(`{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"OSHPXTUSXASRFBBFQUXA"}`)
	wantEmpty(t, h.postXero(t, itr, xero.Sign(hookKey, itr)), http.StatusOK)
	wantEmpty(t, h.postXero(t, itr, xero.Sign("not-the-key", itr)), http.StatusUnauthorized)

	if evs := h.events(t); len(evs) != 0 {
		t.Errorf("a handshake recorded %v", evs)
	}
	if exports, _ := h.work.counts(); len(exports) != 0 {
		t.Errorf("a handshake queued %v", exports)
	}
	if hl := h.health(t, acct, store.SourceXero); hl.Deliveries != 0 {
		t.Errorf("a handshake counted as a delivery: %+v", hl)
	}
	// The emulator sends three correct and three wrong; one of each by hand.
	if hs, bad := h.metric(t, "xero", "handshake"), h.metric(t, "xero", "bad_signature"); hs != 4 || bad != 4 {
		t.Errorf("handshake %v, bad_signature %v, want 4 and 4", hs, bad)
	}
}

func TestXeroWebhookOrderAndRepeats(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	acct := connectXero(t, h.st, "North", "tenant-a")
	update := invoiceEvent("tenant-a", "inv-1", t0.Add(time.Minute))
	create := xev{tenant: "tenant-a", category: "INVOICE", typ: "CREATE", resource: "inv-1", at: t0}
	later := invoiceEvent("tenant-a", "inv-1", t0.Add(2*time.Minute))
	steps := []struct {
		name       string
		events     []xev
		wantExport bool
	}{
		{"the update arrives first", []xev{update}, true},
		{"the older create after it", []xev{create}, true},
		{"the update again, twice in one delivery, with a newer one", []xev{update, later, later}, true},
		{"everything again, newest first", []xev{later, update, create}, false},
	}
	exportsBefore := 0
	for _, s := range steps {
		body := xeroBody(s.events...)
		r := h.postXero(t, body, xero.Sign(hookKey, body))
		if r.code != http.StatusOK {
			t.Fatalf("%s: status %d, want 200: nothing is ever refused for its order", s.name, r.code)
		}
		exports, _ := h.work.counts()
		if got := exports[acct] - exportsBefore; got != map[bool]int{true: 1, false: 0}[s.wantExport] {
			t.Errorf("%s: %d exports queued, want export=%v", s.name, got, s.wantExport)
		}
		exportsBefore = exports[acct]
	}
	// create, update, later: three distinct events about one invoice.
	if got := eventsOf(h.events(t), acct); fmt.Sprint(got) != fmt.Sprint(map[string][]string{"inv-1": {"pending", "pending", "pending"}}) {
		t.Errorf("events %v, want 3 distinct events of inv-1", got)
	}
	if hl := h.health(t, acct, store.SourceXero); hl.Deliveries != 4 || hl.Events != 8 || hl.Duplicates != 5 {
		t.Errorf("health %+v, want 4 deliveries of 8 events, 5 of them repeats", hl)
	}
}

func TestXeroWebhookTenants(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	north := connectXero(t, h.st, "North", "tenant-north")
	south := connectXero(t, h.st, "South", "tenant-south")
	other := connectXero(t, h.st, "Other", "tenant-other")

	// Only an unknown organisation: taken (Xero must not retry), dropped.
	body := xeroBody(invoiceEvent("tenant-gone", "inv-0", t0))
	wantEmpty(t, h.postXero(t, body, xero.Sign(hookKey, body)), http.StatusOK)
	if evs := h.events(t); len(evs) != 0 {
		t.Errorf("an unknown tenant's event was recorded: %v", evs)
	}
	if got := h.metric(t, "xero", "unknown_tenant"); got != 1 {
		t.Errorf("unknown_tenant deliveries = %v, want 1", got)
	}
	if !strings.Contains(h.logs.String(), "tenant=tenant-gone") {
		t.Errorf("the unknown tenant is not named in the log:\n%s", h.logs)
	}

	// A batch across organisations: each event goes to the account of its
	// own organisation, and no further.
	body = xeroBody(invoiceEvent("tenant-north", "inv-1", t0), invoiceEvent("tenant-gone", "inv-2", t0),
		invoiceEvent("tenant-south", "inv-3", t0))
	wantEmpty(t, h.postXero(t, body, xero.Sign(hookKey, body)), http.StatusOK)
	evs := h.events(t)
	for a, want := range map[int64]map[string][]string{north: {"inv-1": {"pending"}}, south: {"inv-3": {"pending"}}} {
		if got := eventsOf(evs, a); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("account %d events %v, want %v", a, got, want)
		}
	}
	if got := eventsOf(evs, other); len(got) != 0 {
		t.Errorf("the account of another organisation got %v", got)
	}
	exports, _ := h.work.counts()
	if exports[north] != 1 || exports[south] != 1 || exports[other] != 0 {
		t.Errorf("exports queued %v, want one each for accounts %d and %d", exports, north, south)
	}
	if hl := h.health(t, other, store.SourceXero); hl.Deliveries != 0 {
		t.Errorf("the other organisation's account counts a delivery: %+v", hl)
	}
	if a, u := h.metric(t, "xero", "accepted"), h.metric(t, "xero", "unknown_tenant"); a != 1 || u != 2 {
		t.Errorf("accepted %v, unknown_tenant %v deliveries, want 1 and 2", a, u)
	}
}

func TestXeroWebhookOtherCategories(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	acct := connectXero(t, h.st, "North", "tenant-a")
	body := xeroBody(xev{tenant: "tenant-a", category: "CREDITNOTE", typ: "CREATE", resource: "cn-1", at: t0},
		xev{tenant: "tenant-a", category: "subscription", typ: "Update", resource: "sub-1", at: t0})
	wantEmpty(t, h.postXero(t, body, xero.Sign(hookKey, body)), http.StatusOK)
	evs := h.events(t)
	if len(evs) != 2 {
		t.Fatalf("events %v, want the two recorded as ignored", evs)
	}
	for _, ev := range evs {
		if ev.State != "ignored" || ev.Detail == "" || ev.Source != "xero" {
			t.Errorf("event %+v, want xero, ignored, with a detail", ev)
		}
	}
	if exports, _ := h.work.counts(); exports[acct] != 0 {
		t.Errorf("%d exports queued for events orderbridge does not use", exports[acct])
	}
}

func TestXeroWebhookQueueFailure(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	acct := connectXero(t, h.st, "North", "tenant-a")
	h.work.fail = errors.New("queue is down")
	body := xeroBody(invoiceEvent("tenant-a", "inv-1", t0))
	// 500: Xero sends it again, and it must then be new again.
	wantEmpty(t, h.postXero(t, body, xero.Sign(hookKey, body)), http.StatusInternalServerError)
	if evs := h.events(t); len(evs) != 0 {
		t.Errorf("a delivery whose job was not queued left events behind: %v", evs)
	}
	if hl := h.health(t, acct, store.SourceXero); hl.Failures != 1 || hl.LastFailure == "" {
		t.Errorf("health %+v, want the failure noted", hl)
	}
	// Xero sends it again: a retry, which no person acts on, is a WARN.
	if got := logLevels(h.logs.String(), "web: xero webhook: delivery not saved"); got != "WARN" {
		t.Errorf("the unsaved delivery is logged at %q, want WARN", got)
	}
	h.work.mu.Lock()
	h.work.fail = nil
	h.work.mu.Unlock()
	wantEmpty(t, h.postXero(t, body, xero.Sign(hookKey, body)), http.StatusOK)
	if exports, _ := h.work.counts(); exports[acct] != 1 {
		t.Errorf("Xero's retry queued %d exports, want 1", exports[acct])
	}
}

// TestShipStationWebhookQueueFailure: a delivery that cannot be saved is
// answered 500 and noted on the webhook's health, and logged as the retry
// it is (WARN): the scheduled sync picks its shipments up.
func TestShipStationWebhookQueueFailure(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, func(c *web.Config) { c.ShipStationBaseURL = "https://ssapi.shipstation.com" })
	acct := connectXero(t, h.st, "North", "tenant-a")
	saveHook(t, h.st, acct, ssSecret)
	h.work.mu.Lock()
	h.work.fail = errors.New("queue is down")
	h.work.mu.Unlock()
	ship := "https://ssapi.shipstation.com/shipments?storeID=7&batchId=12345678&includeShipmentItems=False"
	wantEmpty(t, h.postShipStation(t, ssSecret, ssBody(ship, "SHIP_NOTIFY")), http.StatusInternalServerError)
	if hl := h.health(t, acct, store.SourceShipStation); hl.Failures != 1 {
		t.Errorf("health %+v, want the failure noted", hl)
	}
	if got := logLevels(h.logs.String(), "web: shipstation webhook: delivery not saved"); got != "WARN" {
		t.Errorf("the unsaved delivery is logged at %q, want WARN", got)
	}
}

// logLevels is the levels of the log lines (logfmt) whose message starts
// with msg, comma-separated.
func logLevels(logs, msg string) string {
	var out []string
	for line := range strings.Lines(logs) {
		if !strings.Contains(line, `msg="`+msg) {
			continue
		}
		for f := range strings.FieldsSeq(line) {
			if lvl, ok := strings.CutPrefix(f, "level="); ok {
				out = append(out, lvl)
			}
		}
	}
	return strings.Join(out, ",")
}

// A panic while a delivery is handled gets what every webhook answer is:
// no body (not the HTML error page), and a 500 so the sender retries;
// nothing of the delivery is kept.
func TestWebhookPanicAnswersEmpty(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	connectXero(t, h.st, "North", "tenant-a")
	h.work.mu.Lock()
	h.work.panics = true
	h.work.mu.Unlock()
	body := xeroBody(invoiceEvent("tenant-a", "inv-1", t0))
	wantEmpty(t, h.postXero(t, body, xero.Sign(hookKey, body)), http.StatusInternalServerError)
	if evs := h.events(t); len(evs) != 0 {
		t.Errorf("a delivery that panicked left events behind: %v", evs)
	}
	if !strings.Contains(h.logs.String(), "web: panic") {
		t.Error("the panic was not logged")
	}
}

// ---- ShipStation ----

const ssSecret = "Zm9vYmFyLXNlY3JldC1vZi10aGUtdXJs"

func saveHook(t *testing.T, st *store.Store, acct int64, secret string) {
	t.Helper()
	if err := st.SaveShipStationHook(t.Context(), store.ShipStationHook{AccountID: acct,
		SecretHash: store.HashHookSecret(secret), WebhookID: 41, StoreID: 7}); err != nil {
		t.Fatal(err)
	}
}

func ssBody(resourceURL, resourceType string) []byte {
	b, err := json.Marshal(map[string]string{"resource_url": resourceURL, "resource_type": resourceType})
	if err != nil {
		panic(err)
	}
	return b
}

func (h *hookEnv) postShipStation(t *testing.T, secret string, body []byte) reply {
	t.Helper()
	r, err := send(t, http.DefaultClient, h.srv.URL+"/webhooks/shipstation/"+secret, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestShipStationWebhook(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, func(c *web.Config) { c.ShipStationBaseURL = "https://ssapi.shipstation.com" })
	acct := connectXero(t, h.st, "North", "tenant-a")
	saveHook(t, h.st, acct, ssSecret)
	ship := "https://ssapi.shipstation.com/shipments?storeID=7&batchId=12345678&includeShipmentItems=False"

	t.Run("unknown secret", func(t *testing.T) {
		wantEmpty(t, h.postShipStation(t, "wrong-"+ssSecret, ssBody(ship, "SHIP_NOTIFY")), http.StatusNotFound)
		wantEmpty(t, h.postShipStation(t, ssSecret[:10], ssBody(ship, "SHIP_NOTIFY")), http.StatusNotFound)
		if evs := h.events(t); len(evs) != 0 {
			t.Errorf("unknown secret recorded %v", evs)
		}
	})

	t.Run("shipment, then the same again", func(t *testing.T) {
		wantEmpty(t, h.postShipStation(t, ssSecret, ssBody(ship, "SHIP_NOTIFY")), http.StatusOK)
		wantEmpty(t, h.postShipStation(t, ssSecret, ssBody(ship, "SHIP_NOTIFY")), http.StatusOK)
		pending, err := h.st.PendingWebhookEvents(t.Context(), acct, store.SourceShipStation, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 1 || pending[0].Resource != ship || pending[0].Kind != "SHIP_NOTIFY" {
			t.Errorf("pending events %+v, want the one SHIP_NOTIFY", pending)
		}
		if _, wb := h.work.counts(); wb[acct] != 1 {
			t.Errorf("%d write-backs queued, want 1", wb[acct])
		}
		if hl := h.health(t, acct, store.SourceShipStation); hl.Deliveries != 2 || hl.Events != 2 || hl.Duplicates != 1 {
			t.Errorf("health %+v, want 2 deliveries, 1 duplicate", hl)
		}
	})

	t.Run("item shipment", func(t *testing.T) {
		u := strings.Replace(ship, "False", "True", 1)
		wantEmpty(t, h.postShipStation(t, ssSecret, ssBody(u, "ITEM_SHIP_NOTIFY")), http.StatusOK)
		if _, wb := h.work.counts(); wb[acct] != 2 {
			t.Errorf("%d write-backs queued, want 2", wb[acct])
		}
	})

	t.Run("foreign resource_url", func(t *testing.T) {
		for _, u := range []string{
			"https://evil.example/shipments?storeID=7&batchId=1&token=hunter2",
			"http://ssapi.shipstation.com/shipments?batchId=2",
			"https://ssapi.shipstation.com:8443/shipments?batchId=3",
			"https://ssapi4.shipstation.com.evil.example/shipments?batchId=4",
			"https://user:pw@ssapi.shipstation.com/shipments?batchId=5",
			"/shipments?batchId=6",
		} {
			before := h.health(t, acct, store.SourceShipStation).Failures
			eventsBefore := len(h.events(t))
			wantEmpty(t, h.postShipStation(t, ssSecret, ssBody(u, "SHIP_NOTIFY")), http.StatusBadRequest)
			if n := len(h.events(t)); n != eventsBefore {
				t.Errorf("%s: recorded an event", u)
			}
			hl := h.health(t, acct, store.SourceShipStation)
			if hl.Failures != before+1 {
				t.Errorf("%s: failure not noted: %+v", u, hl)
			}
			if strings.Contains(hl.LastFailure, "?") || strings.Contains(hl.LastFailure, "batchId") || strings.Contains(hl.LastFailure, "pw") {
				t.Errorf("%s: failure reason shows more than the host: %q", u, hl.LastFailure)
			}
		}
		if _, wb := h.work.counts(); wb[acct] != 2 {
			t.Errorf("%d write-backs queued, want still 2", wb[acct])
		}
		if !strings.Contains(h.health(t, acct, store.SourceShipStation).LastFailure, "not an absolute URL") {
			t.Errorf("last failure %q does not say the URL was not absolute", h.health(t, acct, store.SourceShipStation).LastFailure)
		}
		if strings.Contains(h.logs.String(), "hunter2") {
			t.Error("the foreign URL's query reached the log")
		}
		if got := h.metric(t, "shipstation", "foreign_resource"); got != 6 {
			t.Errorf("foreign_resource deliveries = %v, want 6", got)
		}
	})

	// Real resource_urls sometimes name a numbered host: the same API,
	// which the write-back fetches from the configured host
	// (shipstation.ResourceURLOnHost).
	t.Run("numbered API host", func(t *testing.T) {
		wantEmpty(t, h.postShipStation(t, ssSecret, ssBody("https://ssapi4.shipstation.com/shipments?storeID=7&batchId=40", "SHIP_NOTIFY")), http.StatusOK)
		if _, wb := h.work.counts(); wb[acct] != 3 {
			t.Errorf("%d write-backs queued, want 3", wb[acct])
		}
	})

	t.Run("order notify and others", func(t *testing.T) {
		orders := "https://ssapi.shipstation.com/orders?storeID=7&importBatch=5c7b1d9e"
		wantEmpty(t, h.postShipStation(t, ssSecret, ssBody(orders, "ORDER_NOTIFY")), http.StatusOK)
		rejected := "https://ssapi.shipstation.com/fulfillments?batchId=9"
		wantEmpty(t, h.postShipStation(t, ssSecret, ssBody(rejected, "FULFILLMENT_REJECTED")), http.StatusOK)
		for _, ev := range h.events(t) {
			if ev.Resource == orders && (ev.State != "ignored" || ev.Detail != "orders are created by orderbridge itself; nothing to do") {
				t.Errorf("ORDER_NOTIFY recorded %+v, want ignored with why", ev)
			}
			if ev.Resource == rejected && (ev.State != "ignored" || ev.Detail == "") {
				t.Errorf("FULFILLMENT_REJECTED recorded %+v, want ignored with why", ev)
			}
		}
		if _, wb := h.work.counts(); wb[acct] != 3 {
			t.Errorf("%d write-backs queued, want still 3", wb[acct])
		}
	})

	t.Run("bad payload", func(t *testing.T) {
		for _, body := range [][]byte{[]byte(`{"resource_url":`), []byte(`{"resource_type":"SHIP_NOTIFY"}`),
			bytes.Repeat([]byte(" "), 65<<10)} {
			want := http.StatusBadRequest
			if len(body) > 64<<10 {
				want = http.StatusRequestEntityTooLarge
			}
			wantEmpty(t, h.postShipStation(t, ssSecret, body), want)
		}
		if got := h.metric(t, "shipstation", "bad_payload"); got != 3 {
			t.Errorf("bad_payload deliveries = %v, want 3", got)
		}
	})

	t.Run("other paths", func(t *testing.T) {
		b := h.browser()
		b.get("/webhooks/shipstation/" + ssSecret)
		b.wantStatus(http.StatusNotFound)
		r := h.postShipStation(t, ssSecret+"/more", ssBody(ship, "SHIP_NOTIFY"))
		wantEmpty(t, r, http.StatusNotFound)
	})

	// Run last: every request above went through the log.
	t.Run("the secret is never logged", func(t *testing.T) {
		logs := h.logs.String()
		if strings.Contains(logs, ssSecret) || strings.Contains(logs, ssSecret[:10]) {
			t.Errorf("the URL secret is in the log:\n%s", logs)
		}
		if strings.Contains(logs, store.HashHookSecret(ssSecret)) {
			t.Error("the secret's hash is in the log")
		}
		if !strings.Contains(logs, "/webhooks/shipstation/{secret}") {
			t.Errorf("requests are not logged under the redacted path:\n%s", logs)
		}
		if got := h.metric(t, "shipstation", "unknown_secret"); got != 2 {
			t.Errorf("unknown_secret deliveries = %v, want 2", got)
		}
	})
}

// TestXeroWebhookFlood sends 1,000 events at once and as 100 deliveries of
// 10, ten at a time, through a client that gives up after Xero's 5
// seconds: every one must be answered 200.
func TestXeroWebhookFlood(t *testing.T) {
	t.Parallel()
	const total = 1000
	for _, tc := range []struct {
		name               string
		perDelivery, inAir int
	}{
		{"one delivery of 1000", total, 1},
		{"100 deliveries of 10, 10 at a time", 10, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHookEnv(t, nil)
			// Two organisations, one account each (the common case), and
			// events alternating between them.
			north := connectXero(t, h.st, "North", "tenant-a")
			south := connectXero(t, h.st, "South", "tenant-b")
			client := &http.Client{Timeout: 5 * time.Second} // Xero's limit
			var bodies [][]byte
			for d := 0; d < total/tc.perDelivery; d++ {
				var evs []xev
				for i := 0; i < tc.perDelivery; i++ {
					n := d*tc.perDelivery + i
					tenant := []string{"tenant-a", "tenant-b"}[n%2]
					evs = append(evs, invoiceEvent(tenant, fmt.Sprintf("inv-%04d", n), t0.Add(time.Duration(n)*time.Millisecond)))
				}
				bodies = append(bodies, xeroBody(evs...))
			}
			start := time.Now()
			queue := make(chan []byte)
			var wg sync.WaitGroup
			for range tc.inAir {
				wg.Go(func() {
					for body := range queue {
						hdr := http.Header{xero.SignatureHeader: {xero.Sign(hookKey, body)}}
						r, err := send(t, client, h.srv.URL+"/webhooks/xero", body, hdr)
						if err != nil {
							t.Errorf("delivery not answered within 5 s: %v", err)
							continue
						}
						if r.code != http.StatusOK || r.body != "" || len(r.cookies) > 0 {
							t.Errorf("delivery answered %d %q %v, want an empty 200", r.code, r.body, r.cookies)
						}
					}
				})
			}
			for _, b := range bodies {
				queue <- b
			}
			close(queue)
			wg.Wait()
			t.Logf("%d deliveries of %d events, %d at a time: %v in all", len(bodies), tc.perDelivery, tc.inAir, time.Since(start))

			evs := h.events(t)
			exports, _ := h.work.counts()
			if len(evs) != total {
				t.Errorf("%d events recorded, want %d", len(evs), total)
			}
			for _, a := range []int64{north, south} {
				if got := len(eventsOf(evs, a)); got != total/2 {
					t.Errorf("account %d: %d events recorded, want %d", a, got, total/2)
				}
				// Every delivery holds events of both organisations.
				if exports[a] != len(bodies) {
					t.Errorf("account %d: %d exports queued, want one per delivery (%d)", a, exports[a], len(bodies))
				}
				if hl := h.health(t, a, store.SourceXero); hl.Deliveries != int64(len(bodies)) || hl.Events != total/2 || hl.Duplicates != 0 {
					t.Errorf("account %d health %+v, want %d deliveries of %d events in all", a, hl, len(bodies), total/2)
				}
			}
		})
	}
}

// BenchmarkXeroWebhook measures one signed delivery of 100 new events
// through the handler (no network), to one account.
func BenchmarkXeroWebhook(b *testing.B) {
	ctx := b.Context()
	st := storetest.MigratedSQLite(b, nil)
	a, err := st.CreateAccount(ctx, "North")
	if err != nil {
		b.Fatal(err)
	}
	if err := st.SaveConnection(ctx, a.ID, store.KindXero, store.ConnectionMetadata{TenantID: "tenant-a"}, []byte(`{}`)); err != nil {
		b.Fatal(err)
	}
	srv, err := web.New(web.Config{Store: st, Webhooks: &fakeWork{}, XeroWebhookKey: hookKey})
	if err != nil {
		b.Fatal(err)
	}
	handler := srv.Handler()
	n := 0
	for b.Loop() {
		b.StopTimer()
		var evs []xev
		for range 100 {
			n++
			evs = append(evs, invoiceEvent("tenant-a", "inv-"+strconv.Itoa(n), t0))
		}
		body := xeroBody(evs...)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/xero", bytes.NewReader(body))
		req.Header.Set(xero.SignatureHeader, xero.Sign(hookKey, body))
		rec := httptest.NewRecorder()
		b.StartTimer()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

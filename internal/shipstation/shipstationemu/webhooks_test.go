package shipstationemu_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
)

// receiver collects webhook payloads.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []map[string]string
	seen chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{seen: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var p map[string]string
		data, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(data, &p); err != nil {
			t.Errorf("webhook body %s: %v", data, err)
		}
		p["path"] = req.URL.Path
		r.mu.Lock()
		r.got = append(r.got, p)
		r.mu.Unlock()
		r.seen <- struct{}{}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// wait blocks until n payloads have arrived (the test's deadline guards
// against a hang).
func (r *receiver) wait(t *testing.T, n int) []map[string]string {
	t.Helper()
	for range n {
		<-r.seen
	}
	return r.payloads()
}

func (r *receiver) payloads() []map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func TestWebhookSubscriptions(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	store := b.emu.DefaultStoreID()
	id1 := num(b.c.call(http.MethodPost, "/webhooks/subscribe", map[string]any{
		"target_url": "https://example.test/hooks/ship", "event": "SHIP_NOTIFY", "store_id": store, "friendly_name": "orderbridge",
	}, http.StatusOK)["id"])
	id2 := num(b.c.call(http.MethodPost, "/webhooks/subscribe", map[string]any{
		"target_url": "https://example.test/hooks/orders", "event": "ORDER_NOTIFY",
	}, http.StatusOK)["id"])
	if id1 == 0 || id1 == id2 {
		t.Fatalf("ids %d %d", id1, id2)
	}
	list := b.c.call(http.MethodGet, "/webhooks", nil, http.StatusOK)
	hooks := list["webhooks"].([]any)
	if len(hooks) != 2 {
		t.Fatalf("webhooks %v", list)
	}
	h := hooks[0].(map[string]any)
	want := map[string]any{
		"IsLabelAPIHook": false, "WebHookID": float64(id1), "StoreID": float64(store), "HookType": "SHIP_NOTIFY",
		"MessageFormat": "Json", "Url": "https://example.test/hooks/ship", "Name": "orderbridge", "Active": true,
		"BulkCopyBatchID": nil, "BulkCopyRecordID": nil, "Seller": nil, "Store": nil,
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("%s = %v, want %v", k, h[k], v)
		}
	}
	if _, ok := h["SellerID"].(float64); !ok {
		t.Errorf("SellerID %v", h["SellerID"])
	}
	if path(hooks, 1, "StoreID") != nil {
		t.Errorf("account-wide hook has StoreID %v", path(hooks, 1, "StoreID"))
	}
	status, _, body := b.c.do(http.MethodDelete, q("/webhooks/%d", id1), nil)
	if status != http.StatusOK || len(body) != 0 {
		t.Errorf("delete: %d %q", status, body)
	}
	b.c.call(http.MethodDelete, q("/webhooks/%d", id1), nil, http.StatusNotFound)
	if n := len(b.c.call(http.MethodGet, "/webhooks", nil, http.StatusOK)["webhooks"].([]any)); n != 1 {
		t.Errorf("%d webhooks after delete", n)
	}
	for _, bad := range []map[string]any{
		{"target_url": "https://x.test/", "event": "ORDER_SHIPPED"},
		{"target_url": "not a url", "event": "SHIP_NOTIFY"},
		{"target_url": "https://x.test/", "event": "SHIP_NOTIFY", "store_id": 5},
	} {
		b.c.call(http.MethodPost, "/webhooks/subscribe", bad, http.StatusBadRequest)
	}
}

// fetch GETs a webhook's resource_url with Basic auth, as a receiver must.
func fetch(t *testing.T, b *bundle, resourceURL string) map[string]any {
	t.Helper()
	if !strings.HasPrefix(resourceURL, b.emu.URL()+"/") {
		t.Fatalf("resource_url %q is not on the emulator's host %s", resourceURL, b.emu.URL())
	}
	return b.c.call(http.MethodGet, resourceURL, nil, http.StatusOK)
}

func TestOrderAndShipNotify(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	rcv := newReceiver(t)
	other := b.emu.AddStore("Other")
	subscribe := func(event, p string, store int64) {
		body := map[string]any{"target_url": rcv.srv.URL + p, "event": event}
		if store != 0 {
			body["store_id"] = store
		}
		b.c.call(http.MethodPost, "/webhooks/subscribe", body, http.StatusOK)
	}
	subscribe("ORDER_NOTIFY", "/orders", b.emu.DefaultStoreID())
	subscribe("SHIP_NOTIFY", "/ship", 0)
	subscribe("ITEM_SHIP_NOTIFY", "/itemship", 0)
	subscribe("ORDER_NOTIFY", "/other-store", other.StoreID)

	pending := order("wh-pay", "W0")
	pending["orderStatus"] = "awaiting_payment"
	res := b.c.call(http.MethodPost, "/orders/createorders", []any{order("wh-1", "W1"), pending, order("wh-2", "W2")}, http.StatusOK)
	got := rcv.wait(t, 1)
	if got[0]["path"] != "/orders" || got[0]["resource_type"] != "ORDER_NOTIFY" {
		t.Fatalf("payload %v", got[0])
	}
	u, err := url.Parse(got[0]["resource_url"])
	if err != nil || u.Path != "/orders" || u.Query().Get("storeID") == "" || u.Query().Get("importBatch") == "" {
		t.Fatalf("resource_url %q", got[0]["resource_url"])
	}
	batch := fetch(t, b, got[0]["resource_url"])
	if got, want := ids(batch["orders"], "orderId"), []int64{num(path(res, "results", 0, "orderId")), num(path(res, "results", 2, "orderId"))}; !slices.Equal(got, want) {
		t.Errorf("ORDER_NOTIFY batch lists %v, want %v (not the awaiting_payment order)", got, want)
	}
	// An edit sends nothing; payment (awaiting_payment -> awaiting_shipment) does.
	b.createOrder(order("wh-1", "W1-edited"))
	pending["orderStatus"] = "awaiting_shipment"
	paid := b.createOrder(pending)
	got = rcv.wait(t, 1)
	batch = fetch(t, b, got[1]["resource_url"])
	if ids := ids(batch["orders"], "orderId"); !slices.Equal(ids, []int64{num(paid["orderId"])}) {
		t.Errorf("second ORDER_NOTIFY batch %v", ids)
	}

	s, err := b.emu.CreateLabel(num(paid["orderId"]), shipstationemu.LabelRequest{CarrierCode: "stamps_com", ServiceCode: "usps_priority_mail"})
	if err != nil {
		t.Fatal(err)
	}
	b.c.call(http.MethodPost, "/orders/createlabelfororder", label(num(path(res, "results", 0, "orderId")), "fedex", "fedex_ground"), http.StatusOK)
	got = rcv.wait(t, 4)
	byPath := map[string][]string{}
	for _, p := range got[2:] {
		byPath[p["path"]] = append(byPath[p["path"]], p["resource_url"])
		if want := map[string]string{"/ship": "SHIP_NOTIFY", "/itemship": "ITEM_SHIP_NOTIFY"}[p["path"]]; p["resource_type"] != want {
			t.Errorf("payload %v", p)
		}
	}
	if len(byPath["/ship"]) != 2 || len(byPath["/itemship"]) != 2 {
		t.Fatalf("ship payloads %v", byPath)
	}
	var shipped []int64
	for _, ru := range byPath["/ship"] {
		if !strings.Contains(ru, "includeShipmentItems=False") {
			t.Errorf("SHIP_NOTIFY resource_url %q", ru)
		}
		sh := fetch(t, b, ru)
		if num(sh["total"]) != 1 || path(sh, "shipments", 0, "shipmentItems") != nil {
			t.Errorf("SHIP_NOTIFY batch %v", sh)
		}
		shipped = append(shipped, ids(sh["shipments"], "shipmentId")...)
	}
	if !slices.Contains(shipped, s.ShipmentID) {
		t.Errorf("batches %v miss the UI label %d", shipped, s.ShipmentID)
	}
	for _, ru := range byPath["/itemship"] {
		if sh := fetch(t, b, ru); path(sh, "shipments", 0, "shipmentItems") == nil {
			t.Errorf("ITEM_SHIP_NOTIFY batch has no items: %q", ru)
		}
	}
	// Voids and mark-as-shipped send nothing; Close waits for stragglers.
	if err := b.emu.VoidLabel(s.ShipmentID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.emu.MarkAsShipped(num(paid["orderId"]), "fedex", "1", time.Time{}); err != nil {
		t.Fatal(err)
	}
	b.emu.Close()
	for _, p := range rcv.payloads() {
		if p["path"] == "/other-store" {
			t.Errorf("a hook for another store fired: %v", p)
		}
	}
	if n := len(rcv.payloads()); n != 6 {
		t.Errorf("%d payloads in all, want 6", n)
	}
}

func TestWebhookDropAndDelay(t *testing.T) {
	t.Parallel()
	t.Run("drop", func(t *testing.T) {
		t.Parallel()
		b := setup(t, shipstationemu.Options{})
		rcv := newReceiver(t)
		b.c.call(http.MethodPost, "/webhooks/subscribe", map[string]any{"target_url": rcv.srv.URL, "event": "ORDER_NOTIFY"}, http.StatusOK)
		b.emu.SetWebhookDelivery(1, 0)
		b.createOrder(order("d1", "D1"))
		b.createOrder(order("d2", "D2"))
		b.emu.Close()
		if n := len(rcv.payloads()); n != 0 {
			t.Errorf("%d payloads delivered with drop=1", n)
		}
	})
	t.Run("delay then close", func(t *testing.T) {
		t.Parallel()
		b := setup(t, shipstationemu.Options{})
		rcv := newReceiver(t)
		b.c.call(http.MethodPost, "/webhooks/subscribe", map[string]any{"target_url": rcv.srv.URL, "event": "ORDER_NOTIFY"}, http.StatusOK)
		b.emu.SetWebhookDelivery(0, time.Hour)
		b.createOrder(order("d1", "D1"))
		b.emu.Close() // must not wait the hour
		if n := len(rcv.payloads()); n != 0 {
			t.Errorf("%d payloads delivered before the delay", n)
		}
	})
	t.Run("delay delivers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, shipstationemu.Options{})
		rcv := newReceiver(t)
		b.c.call(http.MethodPost, "/webhooks/subscribe", map[string]any{"target_url": rcv.srv.URL, "event": "ORDER_NOTIFY"}, http.StatusOK)
		b.emu.SetWebhookDelivery(0, 20*time.Millisecond)
		b.createOrder(order("d1", "D1"))
		if got := rcv.wait(t, 1); got[0]["resource_type"] != "ORDER_NOTIFY" {
			t.Errorf("payload %v", got[0])
		}
	})
}

package shipstationemu_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
)

// admin calls the admin API with the emulator's token (or none).
func (b *bundle) admin(method, path string, body any, token bool, want int) map[string]any {
	b.c.t.Helper()
	c := *b.c
	c.key, c.secret = "", ""
	if !token {
		return c.call(method, emukit.AdminPrefix+path, body, want)
	}
	status, _, data := c.doWith(method, emukit.AdminPrefix+path, body, map[string]string{emukit.AdminTokenHeader: b.emu.AdminToken()})
	if status != want {
		b.c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, data)
	}
	var out map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			b.c.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return out
}

// TestAdminCountersAndRequests checks per-route and per-key counts and the
// request log over HTTP, and that ShipStation credentials do not open the
// admin API.
func TestAdminCountersAndRequests(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{AdminToken: "admintok"})
	if b.emu.AdminToken() != "admintok" {
		t.Fatalf("AdminToken %q", b.emu.AdminToken())
	}
	key2, secret2 := b.emu.AddKeyPair()
	b.c.list("/stores")
	other := *b.c
	other.key, other.secret = key2, secret2
	other.list("/stores")
	other.list("/stores")
	if status, _, _ := b.c.do(http.MethodGet, emukit.AdminPrefix+"/counters", nil); status != http.StatusUnauthorized {
		t.Errorf("admin API with Basic auth: %d, want 401", status)
	}
	b.admin(http.MethodGet, "/counters", nil, false, http.StatusUnauthorized)

	c := b.admin(http.MethodGet, "/counters", nil, true, http.StatusOK)
	if num(path(c, "calls", "GET /stores")) != 3 || num(path(c, "keys", key2, "GET /stores")) != 2 ||
		num(path(c, "keys", b.emu.APIKey(), "GET /stores")) != 1 {
		t.Errorf("counters %v", c)
	}
	r := b.admin(http.MethodGet, "/requests?since=1", nil, true, http.StatusOK)
	reqs, _ := r["requests"].([]any)
	if len(reqs) != 2 || num(r["last"]) != 3 || path(reqs, 1, "principal") != key2 ||
		path(reqs, 1, "path") != "/stores" || num(path(reqs, 1, "status")) != 200 || path(reqs, 1, "route") != "GET /stores" {
		t.Errorf("requests %v", r)
	}
	b.admin(http.MethodDelete, "/counters", nil, true, http.StatusNoContent)
	if b.emu.Counters().Total() != 0 {
		t.Error("counters not reset")
	}
}

// TestAdminLabels buys labels over HTTP for named orders and for every
// order awaiting shipment, and checks the shipments and the SHIP_NOTIFY
// each label raises, as a label bought in the UI does.
func TestAdminLabels(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	b := setup(t, shipstationemu.Options{})
	b.c.call(http.MethodPost, "/webhooks/subscribe", map[string]any{"target_url": rc.srv.URL + "/ship", "event": "SHIP_NOTIFY"}, http.StatusOK)
	var orderIDs []int64
	for i := range 4 {
		orderIDs = append(orderIDs, num(b.createOrder(order("", q("LOAD-%d", i)))["orderId"]))
	}
	unpaid := order("", "LOAD-UNPAID")
	unpaid["orderStatus"] = "awaiting_payment"
	b.createOrder(unpaid)

	got := b.admin(http.MethodPost, "/labels", map[string]any{"orderIds": []int64{orderIDs[0]}}, true, http.StatusOK)
	if s, _ := got["shipments"].([]any); len(s) != 1 || num(path(s, 0, "orderId")) != orderIDs[0] || num(path(s, 0, "shipmentId")) == 0 ||
		str(path(s, 0, "trackingNumber")) == "" {
		t.Fatalf("labels for one order: %v", got)
	}
	got = b.admin(http.MethodPost, "/labels", map[string]any{"awaitingShipment": true}, true, http.StatusOK)
	if s, _ := got["shipments"].([]any); len(s) != 3 {
		t.Fatalf("labels for all awaiting: %v, want 3 (one already shipped, one awaiting payment)", got)
	}
	got = b.admin(http.MethodPost, "/labels", map[string]any{"orderIds": []int64{999}}, true, http.StatusOK)
	if f, _ := got["failed"].([]any); len(f) != 1 || num(path(f, 0, "orderId")) != 999 || str(path(f, 0, "error")) == "" {
		t.Errorf("labels for an unknown order: %v, want one failure", got)
	}
	if n := len(b.emu.Shipments()); n != 4 {
		t.Errorf("%d shipments, want 4", n)
	}
	for _, p := range rc.wait(t, 4) {
		if p["resource_type"] != "SHIP_NOTIFY" {
			t.Errorf("webhook %v", p)
		}
	}
	b.admin(http.MethodPost, "/labels", map[string]any{}, true, http.StatusBadRequest)
	b.admin(http.MethodPost, "/labels", map[string]any{"orderIds": []int64{1}, "awaitingShipment": true}, true, http.StatusBadRequest)
}

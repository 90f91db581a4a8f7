package shipstationemu_test

import (
	"net/http"
	"testing"

	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
)

// Gaps found by probing the emulator against ShipStation's Swagger
// examples and the reference notes (issue 13, point 7), held over HTTP.

// TestListsAnswerPagesZero: the documented examples of GET /orders,
// /shipments and /fulfillments show "pages": 0 beside a non-zero total
// (shipstation-api.md §2.2, §12.7), so clients must not trust pages; the
// emulator answers the same, making a client that does stop early.
func TestListsAnswerPagesZero(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	for i := range 3 {
		id := num(b.createOrder(order(q("p%d", i), q("P%d", i)))["orderId"])
		if _, err := b.emu.CreateLabel(id, shipstationemu.LabelRequest{CarrierCode: "fedex", ServiceCode: "fedex_ground"}); err != nil {
			t.Fatal(err)
		}
		other := num(b.createOrder(order(q("m%d", i), q("M%d", i)))["orderId"])
		b.c.call(http.MethodPost, "/orders/markasshipped", map[string]any{"orderId": other, "carrierCode": "fedex"}, http.StatusOK)
	}
	for _, path := range []string{"/orders?pageSize=2", "/shipments?pageSize=2", "/fulfillments?pageSize=2", "/orders?pageSize=2&page=2"} {
		res := b.c.call(http.MethodGet, path, nil, http.StatusOK)
		if res["pages"] != float64(0) {
			t.Errorf("GET %s: pages %v, want 0 as documented", path, res["pages"])
		}
		if num(res["total"]) < 3 {
			t.Errorf("GET %s: total %v, want the real count", path, res["total"])
		}
	}
}

// TestMarkAsShippedTwiceMakesOneFulfillment: marking an order shipped
// again (a retry after a lost answer) must not record a second
// fulfillment: shipped orders are closed (shipstation-api.md §0, §3.1).
// It answers as the first call did and changes nothing.
func TestMarkAsShippedTwiceMakesOneFulfillment(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	id := num(b.createOrder(order("twice", "T1"))["orderId"])
	body := map[string]any{"orderId": id, "carrierCode": "fedex", "shipDate": "2026-06-15", "trackingNumber": "783408231234"}
	first := b.c.call(http.MethodPost, "/orders/markasshipped", body, http.StatusOK)
	again := b.c.call(http.MethodPost, "/orders/markasshipped", body, http.StatusOK)
	if num(again["orderId"]) != num(first["orderId"]) || again["orderNumber"] != first["orderNumber"] {
		t.Errorf("second answer %v, first %v", again, first)
	}
	if res := b.c.call(http.MethodGet, q("/fulfillments?orderId=%d", id), nil, http.StatusOK); num(res["total"]) != 1 {
		t.Errorf("%d fulfillments after marking shipped twice, want 1", num(res["total"]))
	}
	if n := len(b.emu.Fulfillments()); n != 1 {
		t.Errorf("emulator holds %d fulfillments, want 1", n)
	}
}

// TestCarrierDetails: GET /carriers/getcarrier, /carriers/listservices
// and /carriers/listpackages, in the documented JSON (the Swagger
// examples): one carrier object; arrays of {carrierCode, code, name,
// domestic, international}. A carrier not connected is refused.
func TestCarrierDetails(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	c := b.c.call(http.MethodGet, "/carriers/getcarrier?carrierCode=stamps_com", nil, http.StatusOK)
	if c["code"] != "stamps_com" || c["name"] != "Stamps.com" || c["shippingProviderId"] == nil {
		t.Errorf("getcarrier = %v", c)
	}
	for _, code := range []string{"stamps_com", "ups_walleted", "fedex"} {
		for _, kind := range []string{"listservices", "listpackages"} {
			list := b.c.list("/carriers/" + kind + "?carrierCode=" + code)
			if len(list) == 0 {
				t.Errorf("%s %s: empty", kind, code)
			}
			for _, v := range list {
				m, _ := v.(map[string]any)
				_, dom := m["domestic"].(bool)
				_, intl := m["international"].(bool)
				if m["carrierCode"] != code || str(m["code"]) == "" || str(m["name"]) == "" || !dom || !intl {
					t.Errorf("%s %s: entry %v", kind, code, m)
				}
			}
		}
	}
	// The services a label is made with are listed.
	found := false
	for _, v := range b.c.list("/carriers/listservices?carrierCode=fedex") {
		found = found || v.(map[string]any)["code"] == "fedex_ground"
	}
	if !found {
		t.Error("fedex_ground not listed")
	}
	for _, path := range []string{"/carriers/getcarrier?carrierCode=dhl_express", "/carriers/listservices?carrierCode=dhl_express",
		"/carriers/listpackages", "/carriers/getcarrier"} {
		if status, _, body := b.c.do(http.MethodGet, path, nil); status != http.StatusBadRequest {
			t.Errorf("GET %s: %d %s, want 400", path, status, body)
		}
	}
}

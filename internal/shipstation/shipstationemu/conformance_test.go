package shipstationemu_test

import (
	"net/http"
	"testing"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
)

// TestConformance runs a merchant's day through the emulator. Like every
// test here it is served by shipstationemutest, whose apispec.Middleware
// validates every request and answer against ShipStation's Swagger file
// (schemas derived from its examples, known differences excused in one
// table there); this one touches every endpoint orderbridge uses.
func TestConformance(t *testing.T) {
	t.Parallel()
	emu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	b := &bundle{emu: emu, c: &client{t: t, base: emu.URL(), key: emu.APIKey(), secret: emu.APISecret()}}
	store := emu.DefaultStoreID()
	o := b.createOrder(fullOrder("c-1"))
	id := num(o["orderId"])
	res := b.c.call(http.MethodPost, "/orders/createorders", []any{fullOrder("c-2"), order("c-3", "")}, http.StatusOK)
	other := num(path(res, "results", 0, "orderId"))
	lab := b.c.call(http.MethodPost, "/orders/createlabelfororder", label(other, "stamps_com", "usps_priority_mail"), http.StatusOK)
	b.c.call(http.MethodPost, "/shipments/voidlabel", map[string]any{"shipmentId": num(lab["shipmentId"])}, http.StatusOK)
	b.c.call(http.MethodPost, "/orders/markasshipped", map[string]any{"orderId": other, "carrierCode": "fedex", "trackingNumber": "1"}, http.StatusOK)
	b.c.call(http.MethodPost, "/webhooks/subscribe", map[string]any{"target_url": "https://x.test/h", "event": "SHIP_NOTIFY", "store_id": store}, http.StatusOK)
	b.c.call(http.MethodGet, "/webhooks", nil, http.StatusOK)
	b.c.call(http.MethodPost, "/orders/holduntil", map[string]any{"orderId": id, "holdUntilDate": "2030-01-01"}, http.StatusOK)
	b.c.call(http.MethodPost, "/orders/restorefromhold", map[string]any{"orderId": id}, http.StatusOK)
	b.c.call(http.MethodGet, "/orders?orderNumber=TEST&pageSize=10&sortBy=ModifyDate&sortDir=ASC&modifyDateStart=2026-01-01%2000:00:00", nil, http.StatusOK)
	b.c.call(http.MethodGet, q("/orders/%d", id), nil, http.StatusOK)
	b.c.call(http.MethodGet, "/shipments?includeShipmentItems=true&voidDateStart=2026-01-01", nil, http.StatusOK)
	b.c.call(http.MethodGet, "/fulfillments?orderId=1", nil, http.StatusOK)
	b.c.list("/stores?showInactive=false")
	b.c.call(http.MethodGet, q("/stores/%d", store), nil, http.StatusOK)
	b.c.list("/carriers")
	b.c.call(http.MethodDelete, q("/orders/%d", id), nil, http.StatusOK)
	b.c.call(http.MethodGet, q("/orders/%d", id), nil, http.StatusNotFound)
}

package shipstationemu_test

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

func label(orderID int64, carrier, service string) map[string]any {
	return map[string]any{
		"orderId": orderID, "carrierCode": carrier, "serviceCode": service, "packageCode": "package",
		"confirmation": "delivery", "shipDate": "2026-06-16", "testLabel": false,
		"weight": map[string]any{"value": 3, "units": "pounds"},
	}
}

func TestLabelShipsOrderAndIsListed(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	id := num(b.createOrder(order("lab", "L1"))["orderId"])
	tracking := map[string]*regexp.Regexp{
		"stamps_com":   regexp.MustCompile(`^9400111\d{15}$`),
		"ups_walleted": regexp.MustCompile(`^1Z[0-9A-Z]{6}03\d{8}$`),
		"fedex":        regexp.MustCompile(`^\d{12}$`),
	}
	var shipmentIDs []int64
	for _, carrier := range []string{"stamps_com", "ups_walleted", "fedex"} {
		s := b.c.call(http.MethodPost, "/orders/createlabelfororder", label(id, carrier, "svc"), http.StatusOK)
		if !tracking[carrier].MatchString(str(s["trackingNumber"])) {
			t.Errorf("%s tracking number %v", carrier, s["trackingNumber"])
		}
		if cost, _ := s["shipmentCost"].(float64); cost <= 0 {
			t.Errorf("%s shipmentCost %v", carrier, s["shipmentCost"])
		}
		pdf, err := base64.StdEncoding.DecodeString(str(s["labelData"]))
		if err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Errorf("labelData is not base64 of a PDF-like text: %v", err)
		}
		if s["shipDate"] != "2026-06-16" || num(s["orderId"]) != id || s["orderKey"] != "lab" {
			t.Errorf("shipment %v", s)
		}
		shipmentIDs = append(shipmentIDs, num(s["shipmentId"]))
		// A shipped order can still get another label (another package).
		if got := b.c.call(http.MethodGet, q("/orders/%d", id), nil, http.StatusOK)["orderStatus"]; got != "shipped" {
			t.Errorf("after a %s label the order is %v", carrier, got)
		}
	}
	res := b.c.call(http.MethodGet, q("/shipments?orderId=%d", id), nil, http.StatusOK)
	if got := ids(res["shipments"], "shipmentId"); !slices.Equal(got, shipmentIDs) {
		t.Errorf("shipments %v, want %v", got, shipmentIDs)
	}
	if path(res, "shipments", 0, "shipmentItems") != nil || path(res, "shipments", 0, "labelData") != nil {
		t.Errorf("list without includeShipmentItems has items or labelData")
	}
	res = b.c.call(http.MethodGet, q("/shipments?orderId=%d&includeShipmentItems=true", id), nil, http.StatusOK)
	if items, _ := path(res, "shipments", 0, "shipmentItems").([]any); len(items) != 1 {
		t.Errorf("shipmentItems %v, want the one physical item", items)
	}
	for query, want := range map[string]int{
		"carrierCode=fedex": 1, "trackingNumber=" + b.emu.Shipments()[0].TrackingNumber: 1,
		"recipientName=jane": 3, "recipientCountryCode=NZ": 3, "recipientCountryCode=US": 0,
		"orderNumber=L1": 3, "shipDateStart=2026-06-16&shipDateEnd=2026-06-16": 3, "shipDateStart=2026-06-17": 0,
		"serviceCode=svc&pageSize=2&page=2": 1,
	} {
		if got := len(b.c.call(http.MethodGet, "/shipments?"+query, nil, http.StatusOK)["shipments"].([]any)); got != want {
			t.Errorf("%s: %d shipments, want %d", query, got, want)
		}
	}
	// Deterministic tracking: the same shipment id gives the same number.
	if s := b.emu.Shipments(); s[0].TrackingNumber == s[1].TrackingNumber {
		t.Errorf("two labels share a tracking number")
	}

	cancelled := order("cx", "CX")
	cancelled["orderStatus"] = "cancelled"
	cid := num(b.createOrder(cancelled)["orderId"])
	b.c.call(http.MethodPost, "/orders/createlabelfororder", label(cid, "fedex", "fedex_ground"), http.StatusBadRequest)
	b.c.call(http.MethodPost, "/orders/createlabelfororder", label(id, "dhl_express", "x"), http.StatusBadRequest)
	b.c.call(http.MethodPost, "/orders/createlabelfororder", label(987654, "fedex", "x"), http.StatusNotFound)
	body := b.c.call(http.MethodPost, "/orders/createlabelfororder", map[string]any{"orderId": id}, http.StatusBadRequest)
	if _, ok := path(body, "ModelState").(map[string]any)["request.carrierCode"]; !ok {
		t.Errorf("missing carrierCode: %v", body)
	}
	if n := len(b.emu.Shipments()); n != 3 {
		t.Errorf("refused labels stored: %d shipments", n)
	}
}

func TestVoidLabel(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	id := num(b.createOrder(order("v", "V1"))["orderId"])
	first := num(b.c.call(http.MethodPost, "/orders/createlabelfororder", label(id, "fedex", "fedex_ground"), http.StatusOK)["shipmentId"])
	b.clock.Advance(time.Hour)
	second, err := b.emu.CreateLabel(id, shipstationemu.LabelRequest{CarrierCode: "fedex", ServiceCode: "fedex_ground"})
	if err != nil {
		t.Fatal(err)
	}
	b.clock.Set(time.Date(2026, 6, 17, 19, 0, 0, 0, time.UTC)) // 12:00 PDT
	res := b.c.call(http.MethodPost, "/shipments/voidlabel", map[string]any{"shipmentId": first}, http.StatusOK)
	if res["approved"] != true || res["message"] != "Label voided successfully" {
		t.Errorf("voidlabel answered %v", res)
	}
	if o, _ := b.emu.Order(id); o.OrderStatus != shipstationemu.StatusShipped {
		t.Errorf("order with another live label went to %s", o.OrderStatus)
	}
	if err := b.emu.VoidLabel(second.ShipmentID); err != nil {
		t.Fatal(err)
	}
	if o, _ := b.emu.Order(id); o.OrderStatus != shipstationemu.StatusAwaitingShipment {
		t.Errorf("order with every label voided is %s", o.OrderStatus)
	}
	b.c.call(http.MethodPost, "/shipments/voidlabel", map[string]any{"shipmentId": first}, http.StatusBadRequest)
	b.c.call(http.MethodPost, "/shipments/voidlabel", map[string]any{"shipmentId": 42}, http.StatusNotFound)

	res = b.c.call(http.MethodGet, "/shipments?voidDateStart=2026-06-17%2011:00:00&voidDateEnd=2026-06-17%2013:00:00", nil, http.StatusOK)
	if num(res["total"]) != 2 {
		t.Errorf("voidDate filter found %v, want 2", res["total"])
	}
	if path(res, "shipments", 0, "voided") != true || path(res, "shipments", 0, "voidDate") != "2026-06-17T12:00:00.0000000" {
		t.Errorf("voided shipment %v / %v", path(res, "shipments", 0, "voided"), path(res, "shipments", 0, "voidDate"))
	}
	if res := b.c.call(http.MethodGet, "/shipments?voidDateEnd=2026-06-17", nil, http.StatusOK); num(res["total"]) != 0 {
		t.Errorf("voidDateEnd before the voids found %v", res["total"])
	}
	// After the voids the order can be edited again.
	b.createOrder(order("v", "V1-edited"))
}

func TestMarkAsShippedMakesFulfillment(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	id := num(b.createOrder(order("f", "F1"))["orderId"])
	res := b.c.call(http.MethodPost, "/orders/markasshipped", map[string]any{
		"orderId": id, "carrierCode": "fedex", "shipDate": "2026-06-15", "trackingNumber": "783408231234", "notifyCustomer": true,
	}, http.StatusOK)
	if num(res["orderId"]) != id || res["orderNumber"] != "F1" {
		t.Errorf("markasshipped answered %v", res)
	}
	if o, _ := b.emu.Order(id); o.OrderStatus != shipstationemu.StatusShipped {
		t.Errorf("order is %s", o.OrderStatus)
	}
	list := b.c.call(http.MethodGet, q("/fulfillments?orderId=%d", id), nil, http.StatusOK)
	f, _ := path(list, "fulfillments", 0).(map[string]any)
	if f == nil || f["trackingNumber"] != "783408231234" || f["carrierCode"] != "fedex" || f["shipDate"] != "2026-06-15T00:00:00.0000000" {
		t.Fatalf("fulfillment %v", f)
	}
	if _, ok := f["shipmentCost"]; ok {
		t.Errorf("fulfillment has a shipmentCost")
	}
	for query, want := range map[string]int64{
		"trackingNumber=783408231234": 1, "orderNumber=F1": 1, "recipientName=JANE": 1, q("fulfillmentId=%d", num(f["fulfillmentId"])): 1,
		"shipDateStart=2026-06-16": 0, "createDateStart=2026-06-15%2009:00:00": 1, "orderId=1": 0,
	} {
		if got := num(b.c.call(http.MethodGet, "/fulfillments?"+query, nil, http.StatusOK)["total"]); got != want {
			t.Errorf("%s: total %d, want %d", query, got, want)
		}
	}
	if res := b.c.call(http.MethodGet, "/shipments", nil, http.StatusOK); num(res["total"]) != 0 {
		t.Errorf("a fulfillment shows up in /shipments")
	}
	fl, err := b.emu.MarkAsShipped(num(b.createOrder(order("f2", "F2"))["orderId"]), "stamps_com", "", time.Time{})
	if err != nil || fl.FulfillmentID == 0 {
		t.Errorf("MarkAsShipped: %v %v", fl, err)
	}
	b.c.call(http.MethodPost, "/orders/markasshipped", map[string]any{"orderId": id}, http.StatusBadRequest)
	b.c.call(http.MethodPost, "/orders/markasshipped", map[string]any{"orderId": 5, "carrierCode": "x"}, http.StatusNotFound)
}

func TestStoresAndCarriers(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	extra := b.emu.AddStore("Xero")
	stores := b.c.list("/stores")
	if len(stores) != 2 || path(stores, 0, "storeName") != "ShipStation Manual Store" || num(path(stores, 0, "marketplaceId")) != 0 ||
		path(stores, 0, "marketplaceName") != "ShipStation" || path(stores, 1, "storeName") != "Xero" {
		t.Errorf("stores %v", stores)
	}
	one := b.c.call(http.MethodGet, q("/stores/%d", extra.StoreID), nil, http.StatusOK)
	if one["storeName"] != "Xero" || one["statusMappings"] == nil {
		t.Errorf("store %v", one)
	}
	b.c.call(http.MethodGet, "/stores/1", nil, http.StatusNotFound)
	carriers := b.c.list("/carriers")
	var codes []string
	for _, c := range carriers {
		codes = append(codes, str(c.(map[string]any)["code"]))
	}
	if !slices.Equal(codes, []string{"stamps_com", "ups_walleted", "fedex"}) {
		t.Errorf("carriers %v", codes)
	}
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	b := setup(t, shipstationemu.Options{APIKey: "ShipStation", APISecret: "Rocks"})
	key2, secret2 := b.emu.AddKeyPair()
	tests := []struct {
		name, key, secret string
		want              int
	}{
		{"documented example pair", "ShipStation", "Rocks", http.StatusOK},
		{"second pair", key2, secret2, http.StatusOK},
		{"no credentials", "", "", http.StatusUnauthorized},
		{"wrong secret", "ShipStation", "Rolls", http.StatusUnauthorized},
		{"secret of the other pair", "ShipStation", secret2, http.StatusUnauthorized},
		{"wrong key", "Ship", "Rocks", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		c := &client{t: t, base: b.emu.URL(), key: tt.key, secret: tt.secret}
		status, _, body := c.do(http.MethodGet, "/orders", nil)
		if status != tt.want {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, status, tt.want, body)
		}
	}
	// The header the docs spell out for ShipStation:Rocks.
	req, _ := http.NewRequest(http.MethodGet, b.emu.URL()+"/stores", nil)
	req.Header.Set("Authorization", "Basic U2hpcFN0YXRpb246Um9ja3M=")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("documented Authorization header: %d", resp.StatusCode)
	}
	// The emulator also routes paths case-insensitively, as ASP.NET does,
	// but neither the description nor the reference documents that, so
	// no test relies on it (conformance validation would report "/Orders"
	// as an undocumented path the emulator accepted).
	if status, _, _ := b.c.do(http.MethodGet, "/nothing/here", nil); status != http.StatusNotFound {
		t.Errorf("unknown path: %d", status)
	}
}

func TestConfiguredStores(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{Stores: []shipstationemu.Store{
		{StoreID: 12345, StoreName: "Woo", MarketplaceID: 36, MarketplaceName: "WooCommerce"},
		{StoreName: "Manual"},
	}})
	stores := b.emu.Stores()
	if len(stores) != 2 || stores[0].StoreID != 12345 || stores[1].StoreID <= 12345 || !stores[1].Active {
		t.Fatalf("stores %+v", stores)
	}
	if got := b.emu.DefaultStoreID(); got != stores[1].StoreID {
		t.Errorf("DefaultStoreID %d, want the first manual store %d", got, stores[1].StoreID)
	}
	if got := num(path(b.createOrder(order("k", "N")), "advancedOptions", "storeId")); got != stores[1].StoreID {
		t.Errorf("order landed in store %d", got)
	}
	if got := b.c.list("/stores?marketplaceId=36"); len(got) != 1 || path(got, 0, "storeName") != "Woo" {
		t.Errorf("marketplaceId filter: %v", got)
	}
	// Copies handed out do not alias the emulator's state.
	o, _ := b.emu.OrderByKey("k")
	o.Items[0].Weight.Value = 99
	o.Items[0].Name = "changed"
	if again, _ := b.emu.OrderByKey("k"); again.Items[0].Weight.Value == 99 || again.Items[0].Name == "changed" {
		t.Errorf("Order copy aliases the emulator's items")
	}
}

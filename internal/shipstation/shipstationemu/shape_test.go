package shipstationemu_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"

	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/testenv"
)

// The shape tests hold the emulator's answers against the example
// responses in ShipStation's own Swagger description: every key of the
// documented example object (recursively, first element of arrays) must be
// present with the same JSON kind; null in the example matches anything.
//
// Deliberate differences, none of which a key/kind check sees:
//   - DELETE /orders/{orderId} has no example in the Swagger file, so its
//     answer is checked against the {success, message} the reference gives;
//   - manual stores answer integrationUrl "" (the example is a WooCommerce
//     store with a URL);
//   - empty strings in orders and shipments come back as null, except in
//     stores (as the examples render them).

// loadExamples reads every 200 example of the Swagger file, keyed by
// "METHOD path" as the file spells the path.
func loadExamples(t *testing.T) map[string]any {
	t.Helper()
	file := filepath.Join(testenv.SpecsDir(t), "shipstation", "swagger.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		testenv.Missing(t, "the ShipStation Swagger description", err.Error())
	}
	var doc openapi2.T
	if err := openapi2.UnmarshalFromData(data, &doc); err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	out := make(map[string]any)
	for p, item := range doc.Paths {
		for method, op := range item.Operations() {
			if op.Responses == nil {
				continue
			}
			resp := op.Responses.Value("200")
			if resp == nil {
				continue
			}
			if ex, ok := resp.Examples["application/json"]; ok {
				out[strings.ToUpper(method)+" "+p] = ex
			}
		}
	}
	return out
}

// sameShape reports every key of example missing from got, or of another
// JSON kind.
func sameShape(where string, example, got any) []string {
	switch ex := example.(type) {
	case nil:
		return nil
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %s", where, kind(got))}
		}
		var problems []string
		for k, v := range ex {
			gv, present := g[k]
			if !present {
				problems = append(problems, fmt.Sprintf("%s.%s: missing", where, k))
				continue
			}
			problems = append(problems, sameShape(where+"."+k, v, gv)...)
		}
		return problems
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an array, got %s", where, kind(got))}
		}
		if len(ex) == 0 {
			return nil
		}
		if len(g) == 0 {
			return []string{fmt.Sprintf("%s: the example has elements, the emulator's array is empty", where)}
		}
		return sameShape(where+"[0]", ex[0], g[0])
	default:
		if kind(example) != kind(got) {
			return []string{fmt.Sprintf("%s: want %s, got %s (%v)", where, kind(example), kind(got), got)}
		}
		return nil
	}
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case float64, float32, int, int64, uint64, json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// fullOrder fills every field the documented examples show.
func fullOrder(key string) map[string]any {
	o := order(key, "TEST-ORDER-API-DOCS")
	o["paymentDate"] = "2015-06-29 08:46:27"
	o["shipByDate"] = "2015-07-05 00:00:00"
	o["orderDate"] = "2015-06-29T08:46:27.0000000"
	o["billTo"] = map[string]any{"name": "The President"}
	o["shipTo"] = map[string]any{
		"name": "The President", "company": "US Govt", "street1": "1600 Pennsylvania Ave", "street2": "Oval Office",
		"city": "Washington", "state": "DC", "postalCode": "20500", "country": "US", "phone": "555-555-5555", "residential": false,
	}
	o["items"] = []any{
		map[string]any{"lineItemKey": "vd08-MSLbtx", "sku": "ABC123", "name": "Test item #1", "imageUrl": "https://example.test/i.png",
			"weight": map[string]any{"value": 24, "units": "ounces"}, "quantity": 2, "unitPrice": 99.99, "taxAmount": 2.5,
			"shippingAmount": 5, "warehouseLocation": "Aisle 1, Bin 7", "options": []any{map[string]any{"name": "Size", "value": "Large"}},
			"fulfillmentSku": "Ele-1234", "upc": "32-65-98", "adjustment": false},
		map[string]any{"sku": "DISCOUNT CODE", "name": "10% OFF", "quantity": 1, "unitPrice": -20.55, "adjustment": true},
	}
	o["amountPaid"], o["taxAmount"], o["shippingAmount"] = 218.73, 5, 10
	o["internalNotes"] = "Customer called and would like to upgrade shipping"
	o["gift"], o["giftMessage"], o["paymentMethod"] = true, "Thank you!", "Credit Card"
	o["requestedShippingService"] = "Priority Mail"
	o["carrierCode"], o["serviceCode"], o["packageCode"], o["confirmation"] = "fedex", "fedex_2day", "package", "delivery"
	o["shipDate"] = "2015-07-02"
	o["weight"] = map[string]any{"value": 25, "units": "ounces"}
	o["dimensions"] = map[string]any{"length": 7, "width": 5, "height": 6, "units": "inches"}
	o["insuranceOptions"] = map[string]any{"provider": "carrier", "insureShipment": true, "insuredValue": 200}
	o["internationalOptions"] = map[string]any{"contents": "merchandise", "nonDelivery": "return_to_sender",
		"customsItems": []any{map[string]any{"description": "Fine White Oak Cane", "quantity": 1, "value": 225, "countryOfOrigin": "US", "harmonizedTariffCode": "6602"}}}
	o["advancedOptions"] = map[string]any{"customField1": "one", "customField2": "two", "customField3": "three", "source": "Webstore",
		"nonMachinable": false, "saturdayDelivery": false, "containsAlcohol": false}
	o["tagIds"] = []any{1}
	return o
}

func TestResponsesMatchDocumentedExamples(t *testing.T) {
	t.Parallel()
	examples := loadExamples(t)
	b := setup(t, shipstationemu.Options{})
	store := b.emu.DefaultStoreID()

	createOrder := b.c.call(http.MethodPost, "/orders/createorder", fullOrder("shape-1"), http.StatusOK)
	orderID := num(createOrder["orderId"])
	createOrders := b.c.call(http.MethodPost, "/orders/createorders", []any{fullOrder("shape-2"), fullOrder("shape-3")}, http.StatusOK)
	labelOrder := num(path(createOrders, "results", 0, "orderId"))
	shipOrder := num(path(createOrders, "results", 1, "orderId"))
	createLabel := b.c.call(http.MethodPost, "/orders/createlabelfororder", label(labelOrder, "stamps_com", "usps_priority_mail"), http.StatusOK)
	b.c.call(http.MethodPost, "/orders/createlabelfororder", label(labelOrder, "stamps_com", "usps_priority_mail"), http.StatusOK)
	voidLabel := b.c.call(http.MethodPost, "/shipments/voidlabel", map[string]any{"shipmentId": num(createLabel["shipmentId"])}, http.StatusOK)
	markShipped := b.c.call(http.MethodPost, "/orders/markasshipped", map[string]any{
		"orderId": shipOrder, "carrierCode": "fedex", "trackingNumber": "783408231234", "shipDate": "2015-07-02"}, http.StatusOK)
	subscribe := b.c.call(http.MethodPost, "/webhooks/subscribe", map[string]any{
		"target_url": "https://example.test/hook", "event": "ITEM_ORDER_NOTIFY", "store_id": store, "friendly_name": "My Order Webhook"}, http.StatusOK)
	hold := b.c.call(http.MethodPost, "/orders/holduntil", map[string]any{"orderId": orderID, "holdUntilDate": "2030-01-01"}, http.StatusOK)
	restore := b.c.call(http.MethodPost, "/orders/restorefromhold", map[string]any{"orderId": orderID}, http.StatusOK)

	tests := []struct {
		example string
		got     any
	}{
		{"POST /orders/createorder", createOrder},
		{"POST /orders/createorders", createOrders},
		{"GET /orders", b.c.call(http.MethodGet, "/orders", nil, http.StatusOK)},
		{"GET /orders/{orderId}", b.c.call(http.MethodGet, q("/orders/%d", orderID), nil, http.StatusOK)},
		{"POST /orders/createlabelfororder", createLabel},
		{"POST /shipments/voidlabel", voidLabel},
		{"GET /shipments", b.c.call(http.MethodGet, "/shipments?includeShipmentItems=true", nil, http.StatusOK)},
		{"GET /fulfillments", b.c.call(http.MethodGet, "/fulfillments", nil, http.StatusOK)},
		{"POST /orders/markasshipped", markShipped},
		{"POST /orders/holduntil", hold},
		{"POST /orders/restorefromhold", restore},
		{"GET /stores?showInactive={showInactive}&marketplaceId={marketplaceId}", b.c.list("/stores")},
		{"GET /stores/{storeId}", b.c.call(http.MethodGet, q("/stores/%d", store), nil, http.StatusOK)},
		{"GET /carriers", b.c.list("/carriers")},
		{"POST /webhooks/subscribe", subscribe},
		{"GET /webhooks", b.c.call(http.MethodGet, "/webhooks", nil, http.StatusOK)},
	}
	for _, tt := range tests {
		t.Run(tt.example, func(t *testing.T) {
			ex, ok := examples[tt.example]
			if !ok {
				t.Fatalf("no example for %q in the Swagger file", tt.example)
			}
			// Round-trip through JSON so numbers and nested values have
			// encoding/json's kinds on both sides.
			var norm any
			if err := json.Unmarshal(mustJSON(t, ex), &norm); err != nil {
				t.Fatal(err)
			}
			if s := string(mustJSON(t, norm)); s == "{}" || s == "[]" || s == "null" {
				t.Fatalf("the example for %q is empty", tt.example)
			}
			for _, p := range sameShape("$", norm, tt.got) {
				t.Error(p)
			}
		})
	}

	// DELETE has no example in the Swagger file; the reference documents
	// {success, message}.
	t.Run("DELETE /orders/{orderId}", func(t *testing.T) {
		if _, ok := examples["DELETE /orders/{orderId}"]; ok {
			t.Errorf("the Swagger file now has an example for DELETE; compare against it")
		}
		got := b.c.call(http.MethodDelete, q("/orders/%d", orderID), nil, http.StatusOK)
		for _, p := range sameShape("$", map[string]any{"success": true, "message": "x"}, got) {
			t.Error(p)
		}
	})
}

func TestSameShapeFindsDifferences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		example, got string
		problems     int
	}{
		{`{"a":1,"b":"x","c":null}`, `{"a":2,"b":"y","c":[1]}`, 0},
		{`{"a":1}`, `{}`, 1},
		{`{"a":1}`, `{"a":"1"}`, 1},
		{`{"a":[{"b":true}]}`, `{"a":[{"b":false},{"c":1}]}`, 0},
		{`{"a":[{"b":true}]}`, `{"a":[]}`, 1},
		{`{"a":{"b":{"c":1}}}`, `{"a":{"b":{}}}`, 1},
		{`[{"a":1}]`, `[{"a":null}]`, 1},
	}
	for _, tt := range tests {
		var ex, got any
		_ = json.Unmarshal([]byte(tt.example), &ex)
		_ = json.Unmarshal([]byte(tt.got), &got)
		if p := sameShape("$", ex, got); len(p) != tt.problems {
			t.Errorf("%s vs %s: %v, want %d problems", tt.example, tt.got, p, tt.problems)
		}
	}
}

package apispec

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// goodOrder is a createorder request shaped as shipstation-api.md §3.6.
const goodOrder = `{"orderNumber":"INV-0042","orderKey":"xero:t:i","orderDate":"2025-03-04 09:15:00","paymentDate":null,
 "orderStatus":"awaiting_shipment","customerUsername":"acct@customer.example","customerEmail":"acct@customer.example",
 "billTo":{"name":"Customer Ltd","company":"Customer Ltd","street1":"PO Box 12","city":"Auckland","state":null,"postalCode":"1010","country":"NZ","phone":"+64 9 555 0000","residential":false},
 "shipTo":{"name":"Jane Receiver","company":"Customer Ltd","street1":"1 Queen St","street2":"Level 3","city":"Auckland","state":"AUK","postalCode":"1010","country":"NZ","phone":"+64 9 555 0000","residential":false},
 "items":[{"lineItemKey":"l1","sku":"WIDGET-1","name":"Widget","quantity":2,"unitPrice":25.00,"taxAmount":3.75,"weight":{"value":500,"units":"grams"}},
          {"lineItemKey":"l2","sku":"DISCOUNT","name":"10% off","quantity":1,"unitPrice":-5.00,"adjustment":true}],
 "amountPaid":0,"taxAmount":7.50,"shippingAmount":10.00,"internalNotes":"Xero invoice INV-0042",
 "advancedOptions":{"storeId":123456,"customField1":"xero-invoice-id:g","source":"Xero"}}`

// ssCase is one exchange with the fake ShipStation.
type ssCase struct {
	name  string
	call  call
	reply fakeReply
	want  [][]string
}

func shipStationCases(t *testing.T, specs *Specs) []ssCase {
	orders := mustJSON(t, exampleBody(t, specs, ShipStation, "GET /orders", 200))
	order := mustJSON(t, exampleBody(t, specs, ShipStation, "POST /orders/createorder", 200))
	hooks := mustJSON(t, exampleBody(t, specs, ShipStation, "GET /webhooks", 200))
	listOrders := call{method: "GET", path: "/orders?orderStatus=awaiting_shipment&page=1&pageSize=100"}
	createOrder := call{method: "POST", path: "/orders/createorder", body: goodOrder}
	return []ssCase{
		{name: "documented order list passes", call: listOrders, reply: fakeReply{body: orders}},
		{name: "order list filtered by Pacific date passes",
			call:  call{method: "GET", path: "/orders?modifyDateStart=2026-07-01%2000:00:00&modifyDateEnd=2026-07-02"},
			reply: fakeReply{body: orders}},
		{name: "date filter with a zone",
			call:  call{method: "GET", path: "/orders?modifyDateStart=2026-07-01T00:00:00Z"},
			reply: fakeReply{body: orders},
			want:  [][]string{{"shipstation:GET /orders", "request query modifyDateStart", "without offset"}}},
		{name: "documented order creation passes", call: createOrder, reply: fakeReply{body: order}},
		{name: "renamed field (documented key missing)", call: listOrders,
			reply: fakeReply{body: strings.Replace(orders, `"orderNumber"`, `"orderNo"`, 1)},
			want:  [][]string{{"shipstation:GET /orders", "response body /orders/0/orderNumber", `property "orderNumber" is missing`}}},
		{name: "renamed field (letter case)", call: listOrders,
			reply: fakeReply{body: strings.Replace(orders, `"orderId"`, `"orderID"`, 1)},
			want:  [][]string{{"shipstation:GET /orders", "response body /orders/0/orderID", `key "orderId"`}}},
		{name: "wrong type", call: listOrders,
			reply: fakeReply{body: strings.Replace(orders, `"orderTotal":387.97`, `"orderTotal":"387.97"`, 1)},
			want:  [][]string{{"response body /orders/0/orderTotal", "type number"}}},
		{name: "date-time with an offset", call: listOrders,
			reply: fakeReply{body: strings.Replace(orders, `"2015-08-17T09:24:14.7800000"`, `"2015-08-17T09:24:14.78-07:00"`, 1)},
			want:  [][]string{{"response body /orders/0/createDate", "without offset"}}},
		{name: "missing required request field",
			call:  call{method: "POST", path: "/orders/createorder", body: strings.Replace(goodOrder, `"orderNumber":"INV-0042",`, "", 1)},
			reply: fakeReply{body: order},
			want:  [][]string{{"shipstation:POST /orders/createorder", "request body /orderNumber", "required"}}},
		{name: "request field of the wrong type",
			call:  call{method: "POST", path: "/orders/createorder", body: strings.Replace(goodOrder, `"amountPaid":0`, `"amountPaid":"0"`, 1)},
			reply: fakeReply{body: order},
			want:  [][]string{{"request body /amountPaid", "type number"}}},
		{name: "request date with an offset",
			call:  call{method: "POST", path: "/orders/createorder", body: strings.Replace(goodOrder, `"2025-03-04 09:15:00"`, `"2025-03-04T09:15:00Z"`, 1)},
			reply: fakeReply{body: order},
			want:  [][]string{{"request body /orderDate", "without offset"}}},
		{name: "hold date with a zone",
			call:  call{method: "POST", path: "/orders/holduntil", body: `{"orderId":123,"holdUntilDate":"2026-07-01T00:00:00Z"}`},
			reply: fakeReply{body: `{"success":true,"message":"Order held successfully."}`},
			want:  [][]string{{"shipstation:POST /orders/holduntil", "request body /holdUntilDate", "without offset"}}},
		{name: "hold date passes",
			call:  call{method: "POST", path: "/orders/holduntil", body: `{"orderId":123,"holdUntilDate":"2026-07-01"}`},
			reply: fakeReply{body: `{"success":true,"message":"Order held successfully."}`}},
		{name: "webhook subscription with an integer store_id passes",
			call:  call{method: "POST", path: "/webhooks/subscribe", body: `{"target_url":"https://example.com/hook?token=x","event":"SHIP_NOTIFY","store_id":12345,"friendly_name":"orderbridge"}`},
			reply: fakeReply{body: `{"id":123456}`}},
		{name: "webhook subscription without target_url",
			call:  call{method: "POST", path: "/webhooks/subscribe", body: `{"event":"SHIP_NOTIFY"}`},
			reply: fakeReply{body: `{"id":123456}`},
			want:  [][]string{{"request body /target_url", "required"}}},
		{name: "PascalCase webhook list passes", call: call{method: "GET", path: "/webhooks"}, reply: fakeReply{body: hooks}},
		{name: "camelCase webhook list", call: call{method: "GET", path: "/webhooks"},
			reply: fakeReply{body: strings.ReplaceAll(hooks, `"WebHookID"`, `"webHookId"`)},
			want:  [][]string{{"shipstation:GET /webhooks", "response body /webhooks/0/WebHookID", "missing"}}},
		{name: "429 with its body and headers passes", call: listOrders,
			reply: fakeReply{status: 429, body: `{"message":"Too Many Requests"}`,
				header: map[string]string{"X-Rate-Limit-Limit": "40", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "12"}}},
		{name: "404 for an unknown order passes", call: call{method: "GET", path: "/orders/987"}, reply: fakeReply{status: 404}},
		{name: "404 on the order list", call: listOrders, reply: fakeReply{status: 404},
			want: [][]string{{"shipstation:GET /orders", "status 404 is not documented"}}},
		{name: "missing Basic auth", call: call{method: "GET", path: "/webhooks", noAuth: true}, reply: fakeReply{body: hooks},
			want: [][]string{{"shipstation:GET /webhooks", "request header Authorization", "Basic"}}},
		{name: "undocumented path", call: call{method: "GET", path: "/v2/shipments"}, reply: fakeReply{body: `{}`},
			want: [][]string{{"GET /v2/shipments", "no description documents this path"}}},
	}
}

func TestTransportShipStation(t *testing.T) {
	t.Parallel()
	specs := Shared(t).Fork()
	for _, tc := range shipStationCases(t, specs) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fakeServer(t, tc.reply, nil)
			rec := &testkit.Recorder{TB: t}
			client := &http.Client{Transport: NewTransport(rec, specs, nil)}
			resp, err := client.Do(tc.call.request(t, srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			msgs := rec.Messages()
			for _, m := range msgs {
				t.Log(m)
			}
			assertMessages(t, msgs, tc.want)
		})
	}
}

package shipstationemu_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
)

func TestUpsertIsIdempotentAndReplacesWholeOrder(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	first := b.createOrder(order("xero:inv-1", "INV-0001"))
	id := num(first["orderId"])
	if got := first["orderTotal"]; got != 62.5 {
		t.Errorf("orderTotal %v, want 2*25 - 5 + 7.5 + 10 = 62.5", got)
	}
	if first["createDate"] != first["modifyDate"] {
		t.Errorf("new order: modifyDate %v differs from createDate %v", first["modifyDate"], first["createDate"])
	}
	itemID := num(path(first, "items", 0, "orderItemId"))
	if itemID == 0 || num(path(first, "items", 1, "orderItemId")) == 0 {
		t.Fatalf("items have no orderItemId: %v", first["items"])
	}

	b.clock.Advance(time.Hour)
	update := order("xero:inv-1", "INV-0001-B")
	delete(update, "customerNotes")
	update["items"] = []any{update["items"].([]any)[0]} // drop the discount line
	second := b.createOrder(update)
	if num(second["orderId"]) != id {
		t.Fatalf("same orderKey made order %v, want %d", second["orderId"], id)
	}
	if second["orderNumber"] != "INV-0001-B" || second["customerNotes"] != nil {
		t.Errorf("update did not replace fields: orderNumber %v, customerNotes %v", second["orderNumber"], second["customerNotes"])
	}
	if n := len(second["items"].([]any)); n != 1 {
		t.Errorf("update kept %d items, want 1", n)
	}
	if num(path(second, "items", 0, "orderItemId")) != itemID {
		t.Errorf("item with the same lineItemKey changed orderItemId")
	}
	if second["createDate"] != first["createDate"] || second["modifyDate"] == first["modifyDate"] {
		t.Errorf("createDate %v->%v, modifyDate %v->%v", first["createDate"], second["createDate"], first["modifyDate"], second["modifyDate"])
	}
	if second["orderTotal"] != 67.5 {
		t.Errorf("orderTotal after update %v, want 67.5", second["orderTotal"])
	}
	list := b.c.call(http.MethodGet, "/orders", nil, http.StatusOK)
	if num(list["total"]) != 1 {
		t.Errorf("total %v orders, want 1", list["total"])
	}
	if o, ok := b.emu.OrderByKey("xero:inv-1"); !ok || o.OrderID != id || o.OrderNumber != "INV-0001-B" {
		t.Errorf("OrderByKey = %+v, %v", o.OrderNumber, ok)
	}
}

func TestOrderWithoutKeyGetsGUIDAndIsNeverMatched(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	a := b.createOrder(order("", "INV-7"))
	c := b.createOrder(order("", "INV-7"))
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, o := range []map[string]any{a, c} {
		if !guid.MatchString(str(o["orderKey"])) {
			t.Errorf("generated orderKey %q is not a GUID", o["orderKey"])
		}
	}
	if a["orderId"] == c["orderId"] || a["orderKey"] == c["orderKey"] {
		t.Errorf("two keyless orders share id or key: %v %v", a["orderKey"], c["orderKey"])
	}
}

func TestStoreIDIsCreateOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	xero := b.emu.AddStore("Xero")
	def := b.emu.DefaultStoreID()

	o := order("k1", "N1")
	o["advancedOptions"] = map[string]any{"storeId": xero.StoreID, "customField1": "x"}
	if got := num(path(b.createOrder(o), "advancedOptions", "storeId")); got != xero.StoreID {
		t.Fatalf("created in store %d, want %d", got, xero.StoreID)
	}
	o["advancedOptions"] = map[string]any{"storeId": def}
	if got := num(path(b.createOrder(o), "advancedOptions", "storeId")); got != xero.StoreID {
		t.Errorf("update moved the order to store %d", got)
	}
	delete(o, "advancedOptions")
	if got := num(path(b.createOrder(o), "advancedOptions", "storeId")); got != xero.StoreID {
		t.Errorf("update without advancedOptions moved the order to store %d", got)
	}
	if got := num(path(b.createOrder(order("k2", "N2")), "advancedOptions", "storeId")); got != def {
		t.Errorf("order without storeId in store %d, want the first manual store %d", got, def)
	}
	o = order("k3", "N3")
	o["advancedOptions"] = map[string]any{"storeId": 999}
	body := b.c.call(http.MethodPost, "/orders/createorder", o, http.StatusBadRequest)
	if _, ok := path(body, "ModelState").(map[string]any)["apiOrder.advancedOptions.storeId"]; !ok {
		t.Errorf("unknown store: body %v", body)
	}
	list := b.c.call(http.MethodGet, q("/orders?storeId=%d", xero.StoreID), nil, http.StatusOK)
	if num(list["total"]) != 1 {
		t.Errorf("storeId filter: total %v, want 1", list["total"])
	}
}

func TestShippedAndCancelledOrdersAreLocked(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	shipped := b.createOrder(order("ship-me", "S1"))
	if _, err := b.emu.CreateLabel(num(shipped["orderId"]), shipstationemu.LabelRequest{CarrierCode: "stamps_com", ServiceCode: "usps_priority_mail"}); err != nil {
		t.Fatal(err)
	}
	cancel := order("cancel-me", "C1")
	cancel["orderStatus"] = "cancelled"
	b.createOrder(cancel)

	for _, key := range []string{"ship-me", "cancel-me"} {
		body := b.c.call(http.MethodPost, "/orders/createorder", order(key, "CHANGED"), http.StatusBadRequest)
		if !strings.Contains(string(mustJSON(t, body)), "can no longer be modified") {
			t.Errorf("%s: body %v", key, body)
		}
	}
	res := b.c.call(http.MethodPost, "/orders/createorders", []any{order("ship-me", "CHANGED"), order("fresh", "F1")}, http.StatusOK)
	if res["hasErrors"] != true {
		t.Errorf("hasErrors %v, want true", res["hasErrors"])
	}
	if path(res, "results", 0, "success") != false || !strings.Contains(str(path(res, "results", 0, "errorMessage")), "shipped") {
		t.Errorf("locked order result %v", path(res, "results", 0))
	}
	if path(res, "results", 1, "success") != true || path(res, "results", 1, "errorMessage") != nil {
		t.Errorf("fresh order result %v", path(res, "results", 1))
	}
	for _, key := range []string{"ship-me", "cancel-me"} {
		if o, _ := b.emu.OrderByKey(key); o.OrderNumber == "CHANGED" {
			t.Errorf("%s was modified", key)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBulkUpsert(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	bad := order("bad", "")
	badCountry := order("bad-country", "B2")
	badCountry["shipTo"].(map[string]any)["country"] = "New Zealand"
	res := b.c.call(http.MethodPost, "/orders/createorders", []any{order("a", "A"), bad, order("c", "C"), badCountry}, http.StatusOK)
	if res["hasErrors"] != true {
		t.Fatalf("hasErrors %v", res["hasErrors"])
	}
	wantOK := []bool{true, false, true, false}
	for i, want := range wantOK {
		r := path(res, "results", i).(map[string]any)
		if r["success"] != want {
			t.Errorf("result %d: %v", i, r)
		}
		if want && (num(r["orderId"]) == 0 || r["orderKey"] == nil) {
			t.Errorf("result %d has no orderId/orderKey: %v", i, r)
		}
		if !want && r["errorMessage"] == nil {
			t.Errorf("result %d has no errorMessage: %v", i, r)
		}
	}
	if msg := str(path(res, "results", 1, "errorMessage")); !strings.Contains(msg, "orderNumber") {
		t.Errorf("errorMessage %q does not name orderNumber", msg)
	}
	if msg := str(path(res, "results", 3, "errorMessage")); !strings.Contains(msg, "shipTo.country") {
		t.Errorf("errorMessage %q does not name shipTo.country", msg)
	}
	if n := len(b.emu.Orders()); n != 2 {
		t.Errorf("%d orders stored, want 2", n)
	}
	allGood := b.c.call(http.MethodPost, "/orders/createorders", []any{order("d", "D")}, http.StatusOK)
	if allGood["hasErrors"] != false {
		t.Errorf("hasErrors %v for a clean batch", allGood["hasErrors"])
	}
}

func TestBulkRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	many := make([]any, 101)
	for i := range many {
		many[i] = order(q("k%d", i), q("N%d", i))
	}
	tests := []struct {
		name, path string
		body       any
		wantKey    string
	}{
		{"more than 100", "/orders/createorders", many, "apiOrders"},
		{"object to createorders", "/orders/createorders", order("x", "X"), "apiOrders"},
		{"array to createorder", "/orders/createorder", []any{order("x", "X")}, "apiOrder"},
		{"malformed JSON", "/orders/createorders", `[{"orderNumber": "X",`, "apiOrders"},
		{"empty body", "/orders/createorder", "", "apiOrder"},
		{"wrong type in one order", "/orders/createorders", []any{order("x", "X"), map[string]any{"orderNumber": "Y", "gift": 0}}, "apiOrders[1].gift"},
		{"wrong type", "/orders/createorder", map[string]any{"orderNumber": 12}, "apiOrder.orderNumber"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := b.c.call(http.MethodPost, tt.path, tt.body, http.StatusBadRequest)
			if body["Message"] != "The request is invalid." {
				t.Errorf("Message %v", body["Message"])
			}
			if _, ok := path(body, "ModelState").(map[string]any)[tt.wantKey]; !ok {
				t.Errorf("ModelState %v has no %q", body["ModelState"], tt.wantKey)
			}
		})
	}
	if n := len(b.emu.Orders()); n != 0 {
		t.Errorf("refused calls stored %d orders", n)
	}
}

func TestCreateOrderValidation(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	tests := []struct {
		name    string
		edit    func(o map[string]any)
		wantKey string
	}{
		{"no orderNumber", func(o map[string]any) { delete(o, "orderNumber") }, "apiOrder.orderNumber"},
		{"orderNumber over 50", func(o map[string]any) { o["orderNumber"] = strings.Repeat("x", 51) }, "apiOrder.orderNumber"},
		{"no orderDate", func(o map[string]any) { delete(o, "orderDate") }, "apiOrder.orderDate"},
		{"bad orderDate", func(o map[string]any) { o["orderDate"] = "yesterday" }, "apiOrder.orderDate"},
		{"no orderStatus", func(o map[string]any) { delete(o, "orderStatus") }, "apiOrder.orderStatus"},
		{"unknown orderStatus", func(o map[string]any) { o["orderStatus"] = "open" }, "apiOrder.orderStatus"},
		{"no billTo", func(o map[string]any) { delete(o, "billTo") }, "apiOrder.billTo"},
		{"no shipTo", func(o map[string]any) { o["shipTo"] = nil }, "apiOrder.shipTo"},
		{"lower-case country", func(o map[string]any) { o["shipTo"].(map[string]any)["country"] = "nz" }, "apiOrder.shipTo.country"},
		{"unassigned country", func(o map[string]any) { o["shipTo"].(map[string]any)["country"] = "UK" }, "apiOrder.shipTo.country"},
		{"no shipTo country", func(o map[string]any) { delete(o["shipTo"].(map[string]any), "country") }, "apiOrder.shipTo.country"},
		{"item without name", func(o map[string]any) { o["items"].([]any)[1].(map[string]any)["name"] = nil }, "apiOrder.items[1].name"},
		{"fractional quantity", func(o map[string]any) { o["items"].([]any)[0].(map[string]any)["quantity"] = 1.5 }, "apiOrder.items[0].quantity"},
		{"negative quantity", func(o map[string]any) { o["items"].([]any)[0].(map[string]any)["quantity"] = -1 }, "apiOrder.items[0].quantity"},
		{"bad weight units", func(o map[string]any) { o["weight"] = map[string]any{"value": 1, "units": "kg"} }, "apiOrder.weight.units"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := order("v-"+tt.name, "V")
			tt.edit(o)
			body := b.c.call(http.MethodPost, "/orders/createorder", o, http.StatusBadRequest)
			if body["Message"] != "The request is invalid." {
				t.Errorf("Message %v", body["Message"])
			}
			msgs, ok := path(body, "ModelState").(map[string]any)[tt.wantKey].([]any)
			if !ok || len(msgs) == 0 {
				t.Errorf("ModelState %v has no messages for %q", body["ModelState"], tt.wantKey)
			}
		})
	}
	ok := order("zero-qty", "Z")
	ok["items"].([]any)[0].(map[string]any)["quantity"] = 0
	ok["billTo"] = map[string]any{"name": "Only A Name"}
	b.createOrder(ok)
	if n := len(b.emu.Orders()); n != 1 {
		t.Errorf("%d orders stored, want only the valid one", n)
	}
}

func TestOrderPaging(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	batch := make([]any, 0, 100)
	for i := range 250 {
		batch = append(batch, order(q("p%03d", i), q("P%03d", i)))
		if len(batch) == 100 || i == 249 {
			b.c.call(http.MethodPost, "/orders/createorders", batch, http.StatusOK)
			batch = batch[:0]
		}
	}
	// "pages" is always 0, as documented (TestListsAnswerPagesZero).
	tests := []struct {
		query       string
		wantLen, pg int
	}{
		{"", 100, 1},
		{"?page=3", 50, 3},
		{"?page=4", 0, 4},
		{"?pageSize=50&page=5", 50, 5},
		{"?pageSize=50&page=6", 0, 6},
		{"?pageSize=250", 250, 1},
		{"?pageSize=1000", 250, 1},
		{"?pageSize=1&page=250", 1, 250},
		{"?page=0", 100, 1},
	}
	for _, tt := range tests {
		res := b.c.call(http.MethodGet, "/orders"+tt.query, nil, http.StatusOK)
		if got := len(res["orders"].([]any)); got != tt.wantLen {
			t.Errorf("%s: %d orders, want %d", tt.query, got, tt.wantLen)
		}
		if num(res["pages"]) != 0 || num(res["total"]) != 250 || num(res["page"]) != int64(tt.pg) {
			t.Errorf("%s: total %v page %v pages %v", tt.query, res["total"], res["page"], res["pages"])
		}
	}
	// Default order is ascending orderId; pages do not overlap.
	p1 := ids(b.c.call(http.MethodGet, "/orders?pageSize=500", nil, http.StatusOK)["orders"], "orderId")
	if !slices.IsSorted(p1) || len(p1) != 250 {
		t.Errorf("orders not in ascending orderId order")
	}
	b.c.call(http.MethodGet, "/orders?page=x", nil, http.StatusBadRequest)
}

func TestOrderNumberIsAPrefixSearch(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	for _, n := range []string{"INV-1", "INV-10", "INV-100", "INV-2", "XINV-1"} {
		b.createOrder(order("k"+n, n))
	}
	res := b.c.call(http.MethodGet, "/orders?orderNumber=INV-1", nil, http.StatusOK)
	var got []string
	for _, o := range res["orders"].([]any) {
		got = append(got, str(o.(map[string]any)["orderNumber"]))
	}
	if want := []string{"INV-1", "INV-10", "INV-100"}; !slices.Equal(got, want) {
		t.Errorf("orderNumber=INV-1 found %v, want %v", got, want)
	}
}

func TestOrderFilters(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	a := order("fa", "FA")
	a["billTo"] = map[string]any{"name": "Alice Smith"}
	a["orderStatus"] = "awaiting_payment"
	a["paymentDate"] = "2026-06-01 12:00:00"
	b.createOrder(a)
	c := order("fc", "FC")
	c["items"] = []any{map[string]any{"sku": "GADGET", "name": "Gadget", "quantity": 1, "unitPrice": 3,
		"options": []any{map[string]any{"name": "Colour", "value": "Teal"}}}}
	c["orderDate"] = "2026-06-10 08:00:00"
	b.createOrder(c)
	tests := []struct {
		query string
		want  []string
	}{
		{"customerName=alice", []string{"FA"}},
		{"itemKeyword=gadg", []string{"FC"}},
		{"itemKeyword=teal", []string{"FC"}},
		{"orderStatus=awaiting_payment", []string{"FA"}},
		{"paymentDateStart=2026-06-01", []string{"FA"}},
		{"orderDateStart=2026-06-12&orderDateEnd=2026-06-15", []string{"FA"}},
		{"sortBy=OrderDate&sortDir=ASC", []string{"FC", "FA"}},
		{"sortBy=OrderDate&sortDir=DESC", []string{"FA", "FC"}},
		{"sortDir=DESC", []string{"FC", "FA"}},
	}
	for _, tt := range tests {
		res := b.c.call(http.MethodGet, "/orders?"+tt.query, nil, http.StatusOK)
		var got []string
		for _, o := range res["orders"].([]any) {
			got = append(got, str(o.(map[string]any)["orderNumber"]))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.query, got, tt.want)
		}
	}
}

// TestPacificTimeAcrossDST creates orders on both sides of the 2026 DST
// changes and checks rendering and filtering in Pacific local time.
func TestPacificTimeAcrossDST(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	// 2026-03-08 02:00 PST becomes 03:00 PDT; 2026-11-01 02:00 PDT becomes 01:00 PST.
	instants := []struct {
		utc  time.Time
		want string
	}{
		{time.Date(2026, 3, 8, 9, 30, 0, 0, time.UTC), "2026-03-08T01:30:00.0000000"},  // PST
		{time.Date(2026, 3, 8, 10, 30, 0, 0, time.UTC), "2026-03-08T03:30:00.0000000"}, // PDT, an hour later
		{time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC), "2026-11-01T01:30:00.0000000"}, // first 01:30 (PDT)
		{time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC), "2026-11-01T01:30:00.0000000"}, // second 01:30 (PST)
		{time.Date(2026, 11, 1, 10, 30, 0, 0, time.UTC), "2026-11-01T02:30:00.0000000"},
	}
	var orderIDs []int64
	for i, in := range instants {
		b.clock.Set(in.utc.Add(123456700 * time.Nanosecond))
		o := b.createOrder(order(q("dst%d", i), q("DST%d", i)))
		want := strings.Replace(in.want, ".0000000", ".1234567", 1)
		if o["createDate"] != want {
			t.Errorf("created at %s: createDate %v, want %s", in.utc, o["createDate"], want)
		}
		orderIDs = append(orderIDs, num(o["orderId"]))
	}
	tests := []struct {
		query string
		want  []int64
	}{
		{"createDateStart=2026-03-08 01:00:00&createDateEnd=2026-03-08 03:00:00", orderIDs[0:1]},
		{"createDateStart=2026-03-08 03:00:00&createDateEnd=2026-03-08 04:00:00", orderIDs[1:2]},
		{"createDateStart=2026-03-08&createDateEnd=2026-03-09", orderIDs[0:2]},
		{"createDateStart=2026-03-08T01:00:00&createDateEnd=2026-03-08T04:00:00", orderIDs[0:2]},
		{"createDateStart=2026-03-08T09:00:00Z&createDateEnd=2026-03-08T10:00:00Z", orderIDs[0:1]},
		// The ambiguous 01:00-01:59 hour means its first (PDT) occurrence.
		{"createDateStart=2026-11-01 01:00:00&createDateEnd=2026-11-01 01:59:59", orderIDs[2:3]},
		{"createDateStart=2026-11-01 00:00:00&createDateEnd=2026-11-01 02:00:00", orderIDs[2:4]},
		{"createDateStart=2026-11-01 02:00:00", orderIDs[4:5]},
	}
	for _, tt := range tests {
		res := b.c.call(http.MethodGet, "/orders?"+strings.ReplaceAll(tt.query, " ", "%20"), nil, http.StatusOK)
		if got := ids(res["orders"], "orderId"); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.query, got, tt.want)
		}
	}
	// Request datetimes are Pacific: 09:30 local in June is 16:30 UTC.
	o := order("dates", "DATES")
	o["orderDate"] = "2026-06-14 09:30:00"
	o["shipDate"] = "2026-06-20"
	got := b.createOrder(o)
	if got["orderDate"] != "2026-06-14T09:30:00.0000000" || got["shipDate"] != "2026-06-20" {
		t.Errorf("orderDate %v, shipDate %v", got["orderDate"], got["shipDate"])
	}
	stored, _ := b.emu.OrderByKey("dates")
	if want := time.Date(2026, 6, 14, 16, 30, 0, 0, time.UTC); !stored.OrderDate.Equal(want) {
		t.Errorf("stored orderDate %s, want %s", stored.OrderDate.UTC(), want)
	}
}

func TestSoftDelete(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	o := b.createOrder(order("gone", "G1"))
	id := num(o["orderId"])
	res := b.c.call(http.MethodDelete, q("/orders/%d", id), nil, http.StatusOK)
	if res["success"] != true || str(res["message"]) == "" {
		t.Errorf("delete answered %v", res)
	}
	if list := b.c.call(http.MethodGet, "/orders", nil, http.StatusOK); num(list["total"]) != 0 {
		t.Errorf("deleted order still listed")
	}
	b.c.call(http.MethodGet, q("/orders/%d", id), nil, http.StatusNotFound)
	b.c.call(http.MethodDelete, q("/orders/%d", id), nil, http.StatusNotFound)
	if got, ok := b.emu.Order(id); !ok || !got.Deleted {
		t.Errorf("Order(%d) = deleted %v, found %v", id, got.Deleted, ok)
	}
	// Its orderKey is still taken: re-upserting restores the same order.
	again := b.createOrder(order("gone", "G1-again"))
	if num(again["orderId"]) != id {
		t.Errorf("re-upsert made order %v, want the deleted %d back", again["orderId"], id)
	}
	if list := b.c.call(http.MethodGet, "/orders", nil, http.StatusOK); num(list["total"]) != 1 {
		t.Errorf("restored order not listed")
	}
}

func TestHoldAndRestore(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	id := num(b.createOrder(order("hold", "H1"))["orderId"])
	res := b.c.call(http.MethodPost, "/orders/holduntil", map[string]any{"orderId": id, "holdUntilDate": "2026-06-20"}, http.StatusOK)
	if res["success"] != true || res["message"] != "Order held successfully." {
		t.Errorf("holduntil answered %v", res)
	}
	got := b.c.call(http.MethodGet, q("/orders/%d", id), nil, http.StatusOK)
	if got["orderStatus"] != "on_hold" || got["holdUntilDate"] != "2026-06-20" {
		t.Errorf("after hold: status %v holdUntilDate %v", got["orderStatus"], got["holdUntilDate"])
	}
	res = b.c.call(http.MethodPost, "/orders/restorefromhold", map[string]any{"orderId": id}, http.StatusOK)
	if res["success"] != true || res["message"] != "The requested order has been restored" {
		t.Errorf("restorefromhold answered %v", res)
	}
	got = b.c.call(http.MethodGet, q("/orders/%d", id), nil, http.StatusOK)
	if got["orderStatus"] != "awaiting_shipment" || got["holdUntilDate"] != nil {
		t.Errorf("after restore: status %v holdUntilDate %v", got["orderStatus"], got["holdUntilDate"])
	}
	b.c.call(http.MethodPost, "/orders/restorefromhold", map[string]any{"orderId": id}, http.StatusBadRequest)

	// The hold ends by itself on the date.
	b.c.call(http.MethodPost, "/orders/holduntil", map[string]any{"orderId": id, "holdUntilDate": "2026-06-17"}, http.StatusOK)
	b.clock.Advance(24 * time.Hour)
	if got := b.c.call(http.MethodGet, q("/orders/%d", id), nil, http.StatusOK); got["orderStatus"] != "on_hold" {
		t.Errorf("a day before the date: %v", got["orderStatus"])
	}
	b.clock.Advance(24 * time.Hour)
	if got := b.c.call(http.MethodGet, q("/orders/%d", id), nil, http.StatusOK); got["orderStatus"] != "awaiting_shipment" {
		t.Errorf("on the date: %v", got["orderStatus"])
	}
	b.c.call(http.MethodPost, "/orders/holduntil", map[string]any{"orderId": id}, http.StatusBadRequest)
	b.c.call(http.MethodPost, "/orders/holduntil", map[string]any{"orderId": 1, "holdUntilDate": "2026-07-01"}, http.StatusNotFound)
}

// TestBulkTenThousand upserts 10,000 orders in 100 calls, then re-sends
// the first thousand as updates, which must find them by orderKey.
func TestBulkTenThousand(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{})
	// One order's JSON with placeholders keeps the test's own encoding cheap.
	tmpl := string(mustJSON(t, order("@KEY@", "@NUM@")))
	for pass, calls := range []int{100, 10} {
		for call := range calls {
			batch := make([]string, 100)
			for i := range batch {
				n := call*100 + i
				batch[i] = strings.NewReplacer("@KEY@", q("bulk-%05d", n), "@NUM@", q("B%05d-%d", n, pass)).Replace(tmpl)
			}
			res := b.c.call(http.MethodPost, "/orders/createorders", "["+strings.Join(batch, ",")+"]", http.StatusOK)
			if res["hasErrors"] != false {
				t.Fatalf("pass %d call %d: %v", pass, call, path(res, "results", 0))
			}
		}
	}
	res := b.c.call(http.MethodGet, "/orders?pageSize=1&orderNumber=B", nil, http.StatusOK)
	if num(res["total"]) != 10000 {
		t.Errorf("total %v, want 10000", res["total"])
	}
	if got := b.emu.Counters().Get("POST /orders/createorders"); got != 110 {
		t.Errorf("counter %d, want 110", got)
	}
	if o, _ := b.emu.OrderByKey("bulk-00999"); o.OrderNumber != "B00999-1" {
		t.Errorf("bulk-00999 has orderNumber %q after the update pass", o.OrderNumber)
	}
}

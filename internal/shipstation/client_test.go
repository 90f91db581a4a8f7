package shipstation_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/apispec"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/testenv"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// Credentials used against fixture servers; tests check they never leak.
const (
	testKey    = "KEY-a1b2c3-never-logged"
	testSecret = "SECRET-z9y8x7-never-logged"
)

// seen is one request a fixture server received.
type seen struct {
	Method, Path string
	Query        url.Values
	Body         []byte
	Header       http.Header
}

// fixtureServer serves handler and records every request.
type fixtureServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newFixtureServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, body []byte)) *fixtureServer {
	t.Helper()
	fs := &fixtureServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.reqs = append(fs.reqs, seen{r.Method, r.URL.Path, r.URL.Query(), body, r.Header.Clone()})
		fs.mu.Unlock()
		// ShipStation answers JSON; a handler may say otherwise.
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		handler(w, r, body)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fixtureServer) requests() []seen {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]seen(nil), fs.reqs...)
}

// serveFile answers with a testdata fixture.
func serveFile(t *testing.T, name string) func(http.ResponseWriter, *http.Request, []byte) {
	t.Helper()
	data := fixture(t, name)
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func newClient(t *testing.T, baseURL string, mod ...func(*shipstation.Config)) (*shipstation.Client, *testkit.Buffer) {
	t.Helper()
	logs := &testkit.Buffer{}
	cfg := shipstation.Config{
		BaseURL:   baseURL,
		APIKey:    testKey,
		APISecret: testSecret,
		Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// Every request the client sends to a fixture server is validated
		// against ShipStation's description, and so is the fixture's
		// answer (see unvalidated for the tests whose fixture breaks it on
		// purpose).
		HTTPClient: &http.Client{Transport: apispec.NewTransport(t, apispec.Shared(t), nil)},
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := shipstation.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s := logs.String(); strings.Contains(s, testKey) || strings.Contains(s, testSecret) {
			t.Errorf("credentials appear in the log:\n%s", s)
		}
	})
	return c, logs
}

// unvalidated is a newClient option for the few tests whose fixture
// answers break ShipStation's description on purpose (statuses it does not
// document, malformed JSON, a 429 without its headers, redirects) to
// exercise the client's error handling: their exchanges go out without
// apispec's transport. Every other fixture test validates both sides.
func unvalidated(c *shipstation.Config) { c.HTTPClient = nil }

func mustUTC(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// The GET /orders documented example, decoded field by field: a wrong JSON
// tag on Order, Address, OrderItem or the option structs fails here.
func TestListOrdersDecodesDocumentedExample(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, serveFile(t, "orders_list.json"))
	c, _ := newClient(t, srv.URL)
	orders := collect(t, c.Orders(t.Context(), shipstation.OrderFilter{}))
	if len(orders) != 2 {
		t.Fatalf("got %d orders, want 2", len(orders))
	}
	// pages is 0 in the example, yet the page was short: one call only.
	if n := len(srv.requests()); n != 1 {
		t.Errorf("made %d calls, want 1", n)
	}
	intl, o := orders[0], orders[1]
	checks := []struct {
		name      string
		got, want any
	}{
		{"orderId", o.OrderID, int64(123456789)},
		{"orderNumber", o.OrderNumber, "TEST-ORDER-API-DOCS"},
		{"orderKey", o.OrderKey, "0f6bec18-9-4771-83aa-f392d84f4c74"},
		{"orderDate", c.Time(o.OrderDate), mustUTC("2015-06-29T15:46:27Z")},
		{"createDate", c.Time(o.CreateDate), mustUTC("2015-07-16T21:00:34.823Z")},
		{"modifyDate", c.Time(o.ModifyDate), mustUTC("2015-08-17T16:21:59.443Z")},
		{"paymentDate", c.Time(o.PaymentDate), mustUTC("2015-06-29T15:46:27Z")},
		{"shipByDate", c.Time(o.ShipByDate), mustUTC("2015-07-05T07:00:00Z")},
		{"orderStatus", o.OrderStatus, shipstation.StatusAwaitingShipment},
		{"customerId", o.CustomerID, int64(37701499)},
		{"customerUsername", o.CustomerUsername, "headhoncho@whitehouse.gov"},
		{"customerEmail", o.CustomerEmail, "headhoncho@whitehouse.gov"},
		{"billTo.name", o.BillTo.Name, "The President"},
		{"shipTo.name", o.ShipTo.Name, "The President"},
		{"shipTo.company", o.ShipTo.Company, "US Govt"},
		{"shipTo.street1", o.ShipTo.Street1, "1600 Pennsylvania Ave"},
		{"shipTo.street2", o.ShipTo.Street2, "Oval Office"},
		{"shipTo.city", o.ShipTo.City, "Washington"},
		{"shipTo.state", o.ShipTo.State, "DC"},
		{"shipTo.postalCode", o.ShipTo.PostalCode, "20500"},
		{"shipTo.country", o.ShipTo.Country, "US"},
		{"shipTo.phone", o.ShipTo.Phone, "555-555-5555"},
		{"shipTo.residential", *o.ShipTo.Residential, false},
		{"shipTo.addressVerified", o.ShipTo.AddressVerified, "Address validation warning"},
		{"items", len(o.Items), 2},
		{"items[0].orderItemId", o.Items[0].OrderItemID, int64(128836912)},
		{"items[0].lineItemKey", o.Items[0].LineItemKey, "vd08-MSLbtx"},
		{"items[0].sku", o.Items[0].SKU, "ABC123"},
		{"items[0].name", o.Items[0].Name, "Test item #1"},
		{"items[0].quantity", o.Items[0].Quantity, 2},
		{"items[0].unitPrice", o.Items[0].UnitPrice, 99.99},
		{"items[0].weight", *o.Items[0].Weight, shipstation.Weight{Value: 24, Units: "ounces"}},
		{"items[0].options", o.Items[0].Options[0], shipstation.ItemOption{Name: "Size", Value: "Large"}},
		{"items[0].productId", o.Items[0].ProductID, int64(7239919)},
		{"items[0].warehouseLocation", o.Items[0].WarehouseLocation, "Aisle 1, Bin 7"},
		{"items[0].createDate", c.Time(o.Items[0].CreateDate), mustUTC("2015-07-16T21:00:34.823Z")},
		{"items[1].adjustment", o.Items[1].Adjustment, true},
		{"items[1].unitPrice", o.Items[1].UnitPrice, -20.55},
		{"orderTotal", o.OrderTotal, 194.43},
		{"amountPaid", o.AmountPaid, 218.73},
		{"taxAmount", o.TaxAmount, 5.0},
		{"shippingAmount", o.ShippingAmount, 10.0},
		{"customerNotes", o.CustomerNotes, "Thanks for ordering!"},
		{"internalNotes", o.InternalNotes, "Customer called and would like to upgrade shipping"},
		{"gift", o.Gift, true},
		{"giftMessage", o.GiftMessage, "Thank you!"},
		{"paymentMethod", o.PaymentMethod, "Credit Card"},
		{"requestedShippingService", o.RequestedShippingService, "Priority Mail"},
		{"carrierCode", o.CarrierCode, shipstation.NullString("fedex")},
		{"serviceCode", o.ServiceCode, shipstation.NullString("fedex_home_delivery")},
		{"packageCode", o.PackageCode, shipstation.NullString("package")},
		{"confirmation", o.Confirmation, shipstation.NullString("delivery")},
		{"shipDate", o.ShipDate, shipstation.Date{Year: 2015, Month: time.July, Day: 2}},
		{"weight", *o.Weight, shipstation.Weight{Value: 48, Units: "ounces"}},
		{"dimensions", *o.Dimensions, shipstation.Dimensions{Length: 7, Width: 5, Height: 6, Units: "inches"}},
		{"insuranceOptions", *o.InsuranceOptions, shipstation.InsuranceOptions{Provider: "carrier", InsureShipment: true, InsuredValue: 200}},
		{"advancedOptions.storeId", o.AdvancedOptions.StoreID, int64(12345)},
		{"advancedOptions.warehouseId", o.AdvancedOptions.WarehouseID, int64(98765)},
		{"advancedOptions.customField3", o.AdvancedOptions.CustomField3, "https://help.shipstation.com/hc/en-us/articles/206639957"},
		{"advancedOptions.source", o.AdvancedOptions.Source, "Webstore"},
		{"externallyFulfilled", o.ExternallyFulfilled, false},
		// The international example.
		{"intl.orderKey", intl.OrderKey, "Test-International-API-DOCS"},
		{"intl.shipTo.street1", intl.ShipTo.Street1, "221 B Baker St"},
		{"intl.shipTo.residential", *intl.ShipTo.Residential, true},
		{"intl.items[0].fulfillmentSku", intl.Items[0].FulfillmentSKU, "Ele-1234"},
		{"intl.items[0].createDate (3 digits)", c.Time(intl.Items[0].CreateDate), mustUTC("2015-08-17T16:24:14.78Z")},
		{"intl.internationalOptions.contents", intl.InternationalOptions.Contents, "merchandise"},
		{"intl.internationalOptions.nonDelivery", intl.InternationalOptions.NonDelivery, "return_to_sender"},
		{"intl.customsItems[1]", intl.InternationalOptions.CustomsItems[1], shipstation.CustomsItem{CustomsItemID: 11558267, Description: "Elementary Disguise Kit", Quantity: 2, Value: 49.99, CountryOfOrigin: "US"}},
		{"intl.advancedOptions.customField1", intl.AdvancedOptions.CustomField1, "SKU: CN-9876 x 1"},
		{"intl.shipDate", intl.ShipDate.String(), "2015-04-25"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
}

func TestCreateOrderSendsWholeOrder(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, serveFile(t, "order_createorder.json"))
	c, _ := newClient(t, srv.URL)
	pac := c.Pacific()
	no := false
	in := shipstation.Order{
		OrderNumber: "INV-0042",
		OrderKey:    "xero:tenant:invoice-guid",
		OrderDate:   c.DateTime(mustUTC("2026-11-01T08:30:00Z")), // 01:30 PDT
		OrderStatus: shipstation.StatusAwaitingShipment,
		BillTo:      shipstation.Address{Name: "Customer Ltd", Country: "NZ"},
		ShipTo: shipstation.Address{Name: "Jane Receiver", Street1: "1 Queen St", City: "Auckland",
			PostalCode: "1010", Country: "NZ", Residential: &no},
		Items: []shipstation.OrderItem{{LineItemKey: "line-1", SKU: "WIDGET-1", Name: "Widget", Quantity: 2, UnitPrice: 25,
			Weight: &shipstation.Weight{Value: 500, Units: shipstation.WeightGrams}}},
		TaxAmount:       7.5,
		ShippingAmount:  10,
		ShipDate:        shipstation.DateOf(mustUTC("2026-03-08T10:00:00Z"), pac),
		AdvancedOptions: &shipstation.AdvancedOptions{StoreID: 123456, CustomField1: "xero-invoice-id:guid", Source: "Xero"},
	}
	got, err := c.CreateOrder(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if got.OrderID != 140335319 || got.OrderKey != "0f6bec18-3e89-4881-83aa-f392d84f4c74" ||
		got.Items[0].UPC != "32-65-98" || got.Items[0].TaxAmount != 2.5 || got.Items[0].ShippingAmount != 5 ||
		got.Items[1].FulfillmentSKU != "SKU-Discount" || !c.Time(got.CreateDate).Equal(mustUTC("2016-02-16T23:16:53.707Z")) {
		t.Errorf("decoded response wrong: %+v", got)
	}
	reqs := srv.requests()
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/orders/createorder" {
		t.Fatalf("requests = %+v", reqs)
	}
	r := reqs[0]
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if ua := r.Header.Get("User-Agent"); ua != shipstation.DefaultUserAgent {
		t.Errorf("User-Agent = %q", ua)
	}
	// The outgoing payload: every writable field present (an upsert
	// replaces the order), unset datetimes null, Pacific wall clock.
	var sent map[string]any
	if err := json.Unmarshal(r.Body, &sent); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"orderNumber", "orderKey", "orderDate", "paymentDate", "shipByDate", "orderStatus",
		"customerUsername", "customerEmail", "billTo", "shipTo", "items", "amountPaid", "taxAmount", "shippingAmount",
		"customerNotes", "internalNotes", "gift", "giftMessage", "paymentMethod", "requestedShippingService",
		"carrierCode", "serviceCode", "packageCode", "confirmation", "shipDate", "weight", "dimensions",
		"insuranceOptions", "internationalOptions", "advancedOptions", "tagIds"} {
		if _, ok := sent[k]; !ok {
			t.Errorf("sent order lacks %q", k)
		}
	}
	for _, k := range []string{"orderId", "createDate", "modifyDate", "orderTotal", "customerId", "holdUntilDate"} {
		if _, ok := sent[k]; ok {
			t.Errorf("sent order has read-only %q", k)
		}
	}
	if sent["orderDate"] != "2026-11-01 01:30:00" || sent["paymentDate"] != nil || sent["shipDate"] != "2026-03-08" || sent["gift"] != false {
		t.Errorf("sent orderDate=%v paymentDate=%v shipDate=%v gift=%v", sent["orderDate"], sent["paymentDate"], sent["shipDate"], sent["gift"])
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, r.Body, "", "  "); err != nil {
		t.Fatal(err)
	}
	testenv.Golden(t, "golden/createorder_request.json", pretty.Bytes())
}

// The docs' own example: key "ShipStation", secret "Rocks".
func TestBasicAuthMatchesDocsExample(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, serveFile(t, "stores.json"))
	c, err := shipstation.New(shipstation.Config{BaseURL: srv.URL, APIKey: "ShipStation", APISecret: "Rocks", UserAgent: "test-agent/2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stores(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	h := srv.requests()[0].Header
	if got := h.Get("Authorization"); got != "Basic U2hpcFN0YXRpb246Um9ja3M=" {
		t.Errorf("Authorization = %q", got)
	}
	if got := h.Get("User-Agent"); got != "test-agent/2" {
		t.Errorf("User-Agent = %q", got)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []shipstation.Config{
		{APIKey: "", APISecret: "s"},
		{APIKey: "k", APISecret: ""},
		{APIKey: "k", APISecret: "s", BaseURL: "ftp://x"},
		{APIKey: "k", APISecret: "s", BaseURL: "https://user:pw@ssapi.shipstation.com"},
		{APIKey: "k", APISecret: "s", BaseURL: "://"},
	} {
		if _, err := shipstation.New(cfg); err == nil {
			t.Errorf("New(%v) succeeded", cfg)
		}
	}
	cfg := shipstation.Config{APIKey: testKey, APISecret: testSecret}
	if s := fmt.Sprint(cfg); strings.Contains(s, testKey) || strings.Contains(s, testSecret) {
		t.Errorf("Config prints its secrets: %s", s)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "config", cfg)
	if strings.Contains(buf.String(), testSecret) || strings.Contains(buf.String(), testKey) {
		t.Errorf("Config logs its secrets: %s", buf.String())
	}
}

func TestBulkResultDecoding(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, serveFile(t, "orders_bulk_result_errors.json"))
	c, _ := newClient(t, srv.URL)
	orders := []shipstation.Order{
		{OrderNumber: "SHIPPED-1", OrderKey: "key-shipped-1"},
		{OrderNumber: "TEST-ORDER-API-DOCS", OrderKey: "0f6bec18-3e89-4881-83aa-f392d84f4c74"},
	}
	res, err := c.CreateOrders(t.Context(), orders)
	if err != nil {
		t.Fatal(err)
	}
	// Results come back in the other order; they map back by key.
	if res[1].Err != nil || res[1].OrderID != 58345234 {
		t.Errorf("result 1 = %+v", res[1])
	}
	var oe *shipstation.OrderError
	if !errors.As(res[0].Err, &oe) || oe.Message != "The order is locked and cannot be modified." || oe.OrderKey != "key-shipped-1" {
		t.Errorf("result 0 = %+v", res[0])
	}
	// The documented success example, errorMessage absent.
	srv2 := newFixtureServer(t, serveFile(t, "orders_bulk_result.json"))
	c2, _ := newClient(t, srv2.URL)
	res, err = c2.CreateOrders(t.Context(), orders[1:])
	if err != nil || res[0].Err != nil || res[0].OrderID != 58345234 || res[0].OrderNumber != "TEST-ORDER-API-DOCS" {
		t.Errorf("docs example: %+v, %v", res, err)
	}
}

// 250 orders make three calls of 100, 100 and 50; the server answers each
// call's results in reverse, failing every seventh, and each order still
// gets its own result.
func TestCreateOrdersChunksAndMapsByKey(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		var in []shipstation.Order
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, `{"Message":"The request is invalid."}`, http.StatusBadRequest)
			return
		}
		out := shipstation.BulkResult{}
		for i := len(in) - 1; i >= 0; i-- {
			n, _ := strconv.Atoi(strings.TrimPrefix(in[i].OrderKey, "k"))
			res := shipstation.BulkOrderResult{OrderID: int64(1000 + n), OrderKey: in[i].OrderKey, OrderNumber: in[i].OrderNumber, Success: true}
			if n%7 == 0 {
				res = shipstation.BulkOrderResult{OrderKey: in[i].OrderKey, OrderNumber: in[i].OrderNumber, ErrorMessage: "locked " + in[i].OrderKey}
				out.HasErrors = true
			}
			out.Results = append(out.Results, res)
		}
		_ = json.NewEncoder(w).Encode(out)
	})
	c, _ := newClient(t, srv.URL)
	orders := make([]shipstation.Order, 250)
	for i := range orders {
		orders[i] = shipstation.Order{OrderKey: fmt.Sprintf("k%d", i), OrderNumber: fmt.Sprintf("N-%d", i)}
	}
	res, err := c.CreateOrders(t.Context(), orders)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 3 {
		t.Fatalf("made %d calls, want 3", len(reqs))
	}
	for i, want := range []int{100, 100, 50} {
		var in []json.RawMessage
		if err := json.Unmarshal(reqs[i].Body, &in); err != nil || len(in) != want {
			t.Errorf("call %d carried %d orders (%v), want %d", i, len(in), err, want)
		}
	}
	if len(res) != 250 {
		t.Fatalf("%d results", len(res))
	}
	for i, r := range res {
		if r.OrderKey != orders[i].OrderKey {
			t.Fatalf("result %d is for %q", i, r.OrderKey)
		}
		if i%7 == 0 {
			var oe *shipstation.OrderError
			if !errors.As(r.Err, &oe) || oe.Message != "locked "+orders[i].OrderKey {
				t.Errorf("result %d: err = %v", i, r.Err)
			}
			continue
		}
		if r.Err != nil || r.OrderID != int64(1000+i) {
			t.Errorf("result %d = %+v", i, r)
		}
	}
}

// A whole call that fails marks its orders and the run goes on; an auth
// failure stops the run.
func TestCreateOrdersCallFailures(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := 0
	status := map[int]int{} // call number -> status
	srv := newFixtureServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		mu.Lock()
		calls++
		st := status[calls]
		mu.Unlock()
		if st != 0 {
			w.WriteHeader(st)
			_, _ = w.Write(fixture(t, "error_400.json"))
			return
		}
		var in []shipstation.Order
		_ = json.Unmarshal(body, &in)
		out := shipstation.BulkResult{}
		for _, o := range in {
			out.Results = append(out.Results, shipstation.BulkOrderResult{OrderID: 1, OrderKey: o.OrderKey, Success: true})
		}
		_ = json.NewEncoder(w).Encode(out)
	})
	orders := make([]shipstation.Order, 250)
	for i := range orders {
		orders[i] = shipstation.Order{OrderKey: fmt.Sprintf("k%d", i), OrderNumber: "N"}
	}

	mu.Lock()
	status[2] = http.StatusBadRequest
	mu.Unlock()
	c, _ := newClient(t, srv.URL)
	res, err := c.CreateOrders(t.Context(), orders)
	if !errors.Is(err, shipstation.ErrValidation) {
		t.Fatalf("err = %v, want ErrValidation", err)
	}
	for i, r := range res {
		failed := i >= 100 && i < 200
		if failed != errors.Is(r.Err, shipstation.ErrValidation) || (!failed && r.Err != nil) {
			t.Fatalf("result %d: %v", i, r.Err)
		}
	}

	mu.Lock()
	calls = 0
	status = map[int]int{1: http.StatusUnauthorized}
	mu.Unlock()
	before := len(srv.requests())
	res, err = c.CreateOrders(t.Context(), orders)
	if !errors.Is(err, shipstation.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if n := len(srv.requests()) - before; n != 1 {
		t.Errorf("made %d calls after a 401, want 1", n)
	}
	for i, r := range res {
		if !errors.Is(r.Err, shipstation.ErrAuth) {
			t.Fatalf("result %d: %v", i, r.Err)
		}
	}
}

func TestShipmentsDecodeDocumentedExample(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, serveFile(t, "shipments_list.json"))
	c, _ := newClient(t, srv.URL)
	ships := collect(t, c.Shipments(t.Context(), shipstation.ShipmentFilter{IncludeShipmentItems: true}))
	if len(ships) != 2 {
		t.Fatalf("got %d shipments", len(ships))
	}
	s := ships[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"shipmentId", s.ShipmentID, int64(33974374)},
		{"orderId", s.OrderID, int64(43945660)},
		{"orderNumber", s.OrderNumber, "100038-1"},
		{"userId", s.UserID, "123456AB-ab12-3c4d-5e67-89f1abc1defa"},
		{"createDate", c.Time(s.CreateDate), mustUTC("2014-10-03T13:51:33.627Z")},
		{"shipDate", s.ShipDate, shipstation.Date{Year: 2014, Month: time.October, Day: 3}},
		{"shipmentCost", s.ShipmentCost, 1.93},
		{"insuranceCost", s.InsuranceCost, 0.0},
		{"trackingNumber", s.TrackingNumber, "9400111899561704681189"},
		{"isReturnLabel", s.IsReturnLabel, false},
		{"batchNumber", s.BatchNumber, "100301"},
		{"carrierCode", s.CarrierCode, "stamps_com"},
		{"serviceCode", s.ServiceCode, "usps_first_class_mail"},
		{"packageCode", s.PackageCode, "package"},
		{"confirmation", s.Confirmation, "delivery"},
		{"warehouseId", s.WarehouseID, int64(16079)},
		{"voided", s.Voided, false},
		{"voidDate", s.VoidDate.IsZero(), true},
		{"marketplaceNotified", s.MarketplaceNotified, true},
		{"shipTo.street1", s.ShipTo.Street1, "12223 LOWDEN LN"},
		{"shipTo.postalCode", s.ShipTo.PostalCode, "78652-3602"},
		{"weight", *s.Weight, shipstation.Weight{Value: 1, Units: "ounces"}},
		{"shipmentItems[0].sku", s.ShipmentItems[0].SKU, "SQ3785739"},
		{"shipmentItems[0].orderItemId", s.ShipmentItems[0].OrderItemID, int64(56568665)},
		{"[1].orderNumber", ships[1].OrderNumber, "100028"},
		{"[1].trackingNumber", ships[1].TrackingNumber, "9400111899561704681196"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
	if q := srv.requests()[0].Query; q.Get("includeShipmentItems") != "true" || q.Get("pageSize") != "500" || q.Get("page") != "1" {
		t.Errorf("query = %v", q)
	}
}

func TestFulfillmentsDecodeDocumentedExample(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, serveFile(t, "fulfillments_list.json"))
	c, _ := newClient(t, srv.URL)
	fs := collect(t, c.Fulfillments(t.Context(), shipstation.FulfillmentFilter{}))
	if len(fs) != 2 {
		t.Fatalf("got %d fulfillments", len(fs))
	}
	f := fs[1]
	if f.FulfillmentID != 246310 || f.OrderID != 193699927 || f.OrderNumber != "101" || f.TrackingNumber != "664756278745" ||
		f.CarrierCode != "FedEx" || f.ShipDate != (shipstation.Date{Year: 2016, Month: time.June, Day: 8}) ||
		!c.Time(f.CreateDate).Equal(mustUTC("2016-06-08T19:54:53.347Z")) || f.ShipTo.Street1 != "3800 N Lamar Blvd # 220" ||
		f.UserID != "c9f06d74-95de-4263-9b04-e87095cababf" || f.FulfillmentFee != 0 || f.Voided || f.VoidRequested || !f.MarketplaceNotified {
		t.Errorf("fulfillment = %+v", f)
	}
}

func TestStoresCarriersWebhooksLabelsDecode(t *testing.T) {
	t.Parallel()
	routes := map[string]string{
		"GET /stores":                      "stores.json",
		"GET /carriers":                    "carriers.json",
		"GET /webhooks":                    "webhooks.json",
		"POST /orders/createlabelfororder": "label.json",
		"POST /shipments/voidlabel":        "voidlabel.json",
	}
	srv := newFixtureServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		name, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(fixture(t, name))
	})
	c, _ := newClient(t, srv.URL)
	ctx := t.Context()

	stores, err := c.Stores(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(stores) != 2 || stores[0].StoreID != 22766 || stores[0].StoreName != "ShipStation Manual Store" ||
		stores[0].MarketplaceID != 0 || stores[0].MarketplaceName != "ShipStation" || !stores[0].Active ||
		stores[0].PublicEmail != "testemail@email.com" || !c.Time(stores[0].CreateDate).Equal(mustUTC("2014-07-25T18:05:55.307Z")) ||
		stores[1].IntegrationURL != "http://shipstation.wpengine.com/" || !stores[1].AutoRefresh {
		t.Errorf("stores = %+v", stores)
	}

	carriers, err := c.Carriers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(carriers) != 5 || carriers[1].Nickname != "Stamps.com 2" || carriers[1].ShippingProviderID != 12346 ||
		carriers[3].AccountNumber != "297929999" || carriers[0].Balance != 24.27 || !carriers[0].RequiresFundedAccount || !carriers[0].Primary {
		t.Errorf("carriers = %+v", carriers)
	}
	names, err := c.CarrierNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"stamps_com": "Stamps.com", "ups": "UPS", "fedex": "FedEx", "endicia": "Endicia"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("CarrierNames = %v, want %v", names, want)
	}

	hooks, err := c.Webhooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 2 || hooks[1].WebHookID != 456 || hooks[1].HookType != "SHIP_NOTIFY" || hooks[1].StoreID != 98765 ||
		hooks[1].URL != "https://example.endpoint/shipment" || hooks[1].Name != "My Shipment Webhook" || !hooks[1].Active ||
		hooks[1].SellerID != 100000 || hooks[1].MessageFormat != "Json" {
		t.Errorf("webhooks = %+v", hooks)
	}

	// shipDate and confirmation are required by the description's field
	// table; the client sends null for them when unset.
	label, err := c.CreateLabelForOrder(ctx, shipstation.LabelRequest{OrderID: 1, CarrierCode: "fedex", ServiceCode: "fedex_2day", TestLabel: true,
		Confirmation: "none", ShipDate: shipstation.Date{Year: 2026, Month: time.July, Day: 14}})
	if err != nil {
		t.Fatal(err)
	}
	if label.ShipmentID != 72513480 || label.ShipmentCost != 7.3 || label.TrackingNumber != "248201115029520" || label.LabelData == "" {
		t.Errorf("label = %+v", label)
	}
	if err := c.VoidLabel(ctx, 72513480); err != nil {
		t.Errorf("VoidLabel: %v", err)
	}
}

func TestCarrierNamesPrefersPrimary(t *testing.T) {
	t.Parallel()
	got := shipstation.CarrierNames([]shipstation.Carrier{
		{Code: "stamps_com", Name: "USPS (other)", Primary: false},
		{Code: "stamps_com", Name: "Stamps.com", Primary: true},
		{Code: "ups", Name: "UPS"},
		{Code: "", Name: "nameless"},
	})
	if got["stamps_com"] != "Stamps.com" || got["ups"] != "UPS" || len(got) != 2 {
		t.Errorf("CarrierNames = %v", got)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		header   map[string]string
		sentinel error
		check    func(t *testing.T, e *shipstation.APIError)
	}{
		{"validation", 400, string(fixture(t, "error_400.json")), nil, shipstation.ErrValidation, func(t *testing.T, e *shipstation.APIError) {
			msgs := e.ValidationMessages()
			want := []string{
				"apiOrder.orderNumber: The orderNumber field is required.",
				"apiOrder.shipTo.country: The country field is required.",
				"apiOrder.shipTo.country: Country must be a two-letter code.",
			}
			if fmt.Sprint(msgs) != fmt.Sprint(want) || e.Message != "The request is invalid." {
				t.Errorf("messages = %q, message %q", msgs, e.Message)
			}
			if !strings.Contains(e.Error(), "The orderNumber field is required.") {
				t.Errorf("Error() = %q lacks the ModelState message", e.Error())
			}
		}},
		{"unauthorized, no body", 401, "", nil, shipstation.ErrAuth, nil},
		{"forbidden", 403, `{"Message":"Authorization has been denied for this request."}`, nil, shipstation.ErrAuth, nil},
		{"not found", 404, `{"Message":"No HTTP resource was found"}`, nil, shipstation.ErrNotFound, nil},
		{"rate limited", 429, `{"message":"Too Many Requests"}`, map[string]string{"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "17"},
			shipstation.ErrRateLimited, func(t *testing.T, e *shipstation.APIError) {
				if e.RetryAfter != 17*time.Second || e.Message != "Too Many Requests" {
					t.Errorf("RetryAfter = %v, message %q", e.RetryAfter, e.Message)
				}
			}},
		{"server error", 500, string(fixture(t, "error_500.json")), nil, shipstation.ErrServer, func(t *testing.T, e *shipstation.APIError) {
			if e.ExceptionMessage != "Object reference not set to an instance of an object." {
				t.Errorf("ExceptionMessage = %q", e.ExceptionMessage)
			}
		}},
		{"server error with the window's headers", 500, string(fixture(t, "error_500.json")), map[string]string{"X-Rate-Limit-Remaining": "38", "X-Rate-Limit-Reset": "54"},
			shipstation.ErrServer, func(t *testing.T, e *shipstation.APIError) {
				// The reset is the rate window's, not a wait for a 5xx.
				if e.RetryAfter != 0 {
					t.Errorf("RetryAfter = %v on a 500, want 0", e.RetryAfter)
				}
			}},
		{"html 503", 503, "<html>Service Unavailable</html>", nil, shipstation.ErrServer, func(t *testing.T, e *shipstation.APIError) {
			if e.Message != "<html>Service Unavailable</html>" {
				t.Errorf("Message = %q", e.Message)
			}
		}},
		{"teapot", 418, "", nil, shipstation.ErrUnexpectedStatus, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFixtureServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			c, _ := newClient(t, srv.URL, unvalidated, func(cfg *shipstation.Config) {
				cfg.Budget = shipstation.NewMemoryBudget(40)
			})
			_, err := c.GetOrder(t.Context(), 42)
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			var ae *shipstation.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status || ae.Method != "GET" || ae.Path != "/orders/42" {
				t.Fatalf("err = %#v", err)
			}
			for _, other := range []error{shipstation.ErrValidation, shipstation.ErrAuth, shipstation.ErrNotFound, shipstation.ErrRateLimited, shipstation.ErrServer} {
				if other != tt.sentinel && errors.Is(err, other) {
					t.Errorf("err also matches %v", other)
				}
			}
			if s := err.Error(); strings.Contains(s, testKey) || strings.Contains(s, testSecret) {
				t.Errorf("error text holds credentials: %s", s)
			}
			if tt.check != nil {
				tt.check(t, ae)
			}
		})
	}
}

func TestMalformedJSON(t *testing.T) {
	t.Parallel()
	full := fixture(t, "orders_list.json")
	bodies := map[string]string{
		"not json":        "{not json",
		"truncated":       string(full[:len(full)/2]),
		"empty 200":       "",
		"wrong type":      `{"orders": {"orderId": 1}}`,
		"bad datetime":    `{"orders":[{"orderId":1,"createDate":"yesterday"}],"page":1,"pages":1,"total":1}`,
		"array for order": `[1,2,3]`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newFixtureServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				_, _ = io.WriteString(w, body)
			})
			c, _ := newClient(t, srv.URL, unvalidated)
			var err error
			for _, e := range c.Orders(t.Context(), shipstation.OrderFilter{}) {
				if e != nil {
					err = e
				}
			}
			if !errors.Is(err, shipstation.ErrMalformedResponse) {
				t.Errorf("Orders: err = %v, want ErrMalformedResponse", err)
			}
			if name == "wrong type" || name == "bad datetime" {
				return // valid as a single Order (unknown keys are ignored)
			}
			if _, err := c.GetOrder(t.Context(), 1); !errors.Is(err, shipstation.ErrMalformedResponse) {
				t.Errorf("GetOrder: err = %v, want ErrMalformedResponse", err)
			}
		})
	}
}

// pagedServer serves n orders in pages, reporting pages and total as the
// test says (pages -1 means the true count).
func pagedServer(t *testing.T, n, pagesField, totalField int) *fixtureServer {
	return newFixtureServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
		env := struct {
			Orders []map[string]any `json:"orders"`
			Total  int              `json:"total"`
			Page   int              `json:"page"`
			Pages  int              `json:"pages"`
		}{Orders: []map[string]any{}, Total: totalField, Page: page, Pages: pagesField}
		if pagesField < 0 {
			env.Pages = (n + size - 1) / size
		}
		for i := (page - 1) * size; i < n && i < page*size; i++ {
			env.Orders = append(env.Orders, map[string]any{"orderId": i + 1, "orderNumber": fmt.Sprintf("N-%d", i+1)})
		}
		_ = json.NewEncoder(w).Encode(env)
	})
}

func TestPagingEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		n, pages, total, size int
		wantCalls             int
	}{
		{"pages 0 with a short page (docs quirk)", 2, 0, 2, 500, 1},
		{"pages 0, exact multiple, total 0", 4, 0, 0, 2, 3},
		{"pages 0, exact multiple, total right", 4, 0, 4, 2, 2},
		{"pages right, exact multiple", 6, -1, 6, 2, 3},
		{"pages right, short last page", 5, -1, 5, 2, 3},
		{"empty result", 0, 0, 0, 2, 1},
		{"pages overstated", 4, 9, 0, 2, 3},
		{"pages understated", 6, 1, 6, 2, 1},
		{"single full page, pages 1", 2, 1, 2, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := pagedServer(t, tt.n, tt.pages, tt.total)
			// Skeleton orders with only the fields the paging logic reads: unvalidated.
			c, _ := newClient(t, srv.URL, unvalidated)
			got := collect(t, c.Orders(t.Context(), shipstation.OrderFilter{PageSize: tt.size}))
			wantN := tt.n
			if tt.name == "pages understated" {
				wantN = 2 // pages > 0 is trusted as an upper bound
			}
			if len(got) != wantN {
				t.Errorf("got %d orders, want %d", len(got), wantN)
			}
			for i, o := range got {
				if o.OrderID != int64(i+1) {
					t.Fatalf("order %d has id %d", i, o.OrderID)
				}
			}
			reqs := srv.requests()
			if len(reqs) != tt.wantCalls {
				t.Errorf("made %d calls, want %d", len(reqs), tt.wantCalls)
			}
			for i, r := range reqs {
				if r.Query.Get("page") != strconv.Itoa(i+1) || r.Query.Get("pageSize") != strconv.Itoa(tt.size) {
					t.Errorf("call %d query %v", i, r.Query)
				}
			}
		})
	}
}

func TestPagingStopsWhenCallerBreaks(t *testing.T) {
	t.Parallel()
	srv := pagedServer(t, 10, 0, 0)
	// Skeleton orders with only the fields the paging logic reads: unvalidated.
	c, _ := newClient(t, srv.URL, unvalidated)
	n := 0
	for _, err := range c.Orders(t.Context(), shipstation.OrderFilter{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 3 {
			break
		}
	}
	if calls := len(srv.requests()); calls != 2 {
		t.Errorf("made %d calls for 3 orders at 2 per page, want 2", calls)
	}
	for p, err := range c.OrderPages(t.Context(), shipstation.OrderFilter{PageSize: 600}) {
		if err != nil || len(p.Items) != 10 || p.Page != 1 {
			t.Errorf("page = %+v, %v", p, err)
		}
	}
	if q := srv.requests()[2].Query; q.Get("pageSize") != "500" {
		t.Errorf("pageSize above the maximum was sent as %s", q.Get("pageSize"))
	}
}

func TestFindOrderByNumberIsExact(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		_, _ = io.WriteString(w, `{"orders":[{"orderId":1,"orderNumber":"INV-1"},{"orderId":2,"orderNumber":"INV-10"},
			{"orderId":3,"orderNumber":"INV-100"},{"orderId":4,"orderNumber":"INV-1"}],"total":4,"page":1,"pages":1}`)
	})
	// Skeleton orders with only the fields the paging logic reads: unvalidated.
	c, _ := newClient(t, srv.URL, unvalidated)
	got, err := c.FindOrderByNumber(t.Context(), "INV-1", shipstation.OrderFilter{StoreID: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].OrderID != 1 || got[1].OrderID != 4 {
		t.Errorf("got %+v", got)
	}
	if q := srv.requests()[0].Query; q.Get("orderNumber") != "INV-1" || q.Get("storeId") != "7" {
		t.Errorf("query = %v", q)
	}
	if _, err := c.FindOrderByNumber(t.Context(), "", shipstation.OrderFilter{}); err == nil {
		t.Error("empty number accepted")
	}
}

// Filter windows are sent as Pacific wall clock, correct on both sides of
// the 2026 DST changes.
func TestFilterQueries(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		_, _ = io.WriteString(w, `{"orders":[],"shipments":[],"fulfillments":[],"total":0,"page":1,"pages":0}`)
	})
	c, _ := newClient(t, srv.URL)
	ctx := t.Context()
	collect(t, c.Orders(ctx, shipstation.OrderFilter{
		OrderNumber: "INV-", OrderStatus: shipstation.StatusShipped, StoreID: 55,
		ModifyDateStart: mustUTC("2026-03-08T09:59:59Z"), ModifyDateEnd: mustUTC("2026-03-08T10:00:00Z"),
		CreateDateStart: mustUTC("2026-11-01T08:30:00Z"), CreateDateEnd: mustUTC("2026-11-01T09:30:00Z"),
		SortBy: shipstation.SortModifyDate, SortDir: shipstation.SortAsc, PageSize: 100,
	}))
	collect(t, c.Shipments(ctx, shipstation.ShipmentFilter{
		OrderID: 9, StoreID: 55, CreateDateStart: mustUTC("2026-11-01T10:00:00Z"),
		VoidDateStart: mustUTC("2026-03-08T10:00:00Z"), VoidDateEnd: mustUTC("2026-03-09T07:59:59Z"),
		ShipDateStart: shipstation.Date{Year: 2026, Month: 3, Day: 8}, SortBy: shipstation.SortShipDate, SortDir: shipstation.SortDesc,
	}))
	collect(t, c.Fulfillments(ctx, shipstation.FulfillmentFilter{
		OrderID: 9, CreateDateStart: mustUTC("2026-03-08T09:00:00Z"), CreateDateEnd: mustUTC("2026-11-01T12:00:00Z"),
		ShipDateEnd: shipstation.Date{Year: 2026, Month: 11, Day: 1},
	}))
	reqs := srv.requests()
	want := []map[string]string{
		{"orderNumber": "INV-", "orderStatus": "shipped", "storeId": "55", "sortBy": "ModifyDate", "sortDir": "ASC",
			"modifyDateStart": "2026-03-08 01:59:59", "modifyDateEnd": "2026-03-08 03:00:00",
			"createDateStart": "2026-11-01 00:59:59", "createDateEnd": "2026-11-01 02:00:00", "pageSize": "100", "page": "1"},
		{"orderId": "9", "storeId": "55", "createDateStart": "2026-11-01 02:00:00", "voidDateStart": "2026-03-08 03:00:00",
			"voidDateEnd": "2026-03-09 00:59:59", "shipDateStart": "2026-03-08", "sortBy": "ShipDate", "sortDir": "DESC",
			"pageSize": "500", "page": "1"},
		{"orderId": "9", "createDateStart": "2026-03-08 01:00:00", "createDateEnd": "2026-11-01 04:00:00",
			"shipDateEnd": "2026-11-01", "pageSize": "500", "page": "1"},
	}
	wantPaths := []string{"/orders", "/shipments", "/fulfillments"}
	for i, r := range reqs {
		if r.Path != wantPaths[i] {
			t.Errorf("call %d path %s", i, r.Path)
		}
		got := map[string]string{}
		for k := range r.Query {
			got[k] = r.Query.Get(k)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("call %d query\n got %v\nwant %v", i, got, want[i])
		}
	}
}

func TestOrderActionsRequests(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		switch r.URL.Path {
		case "/orders/markasshipped":
			_, _ = io.WriteString(w, `{"orderId":123456789,"orderNumber":"ABC123"}`)
		case "/orders/holduntil":
			_, _ = io.WriteString(w, `{"success":true,"message":"Order held successfully."}`)
		case "/orders/restorefromhold":
			_, _ = io.WriteString(w, `{"success":false,"message":"The order is not on hold"}`)
		case "/orders/77":
			_, _ = io.WriteString(w, `{"success":true,"message":"The requested order has been deleted."}`)
		case "/webhooks/subscribe":
			_, _ = io.WriteString(w, `{"id":123456}`)
		case "/webhooks/123456":
			w.WriteHeader(200)
		default:
			http.NotFound(w, r)
		}
	})
	c, _ := newClient(t, srv.URL)
	ctx := t.Context()
	if err := c.MarkAsShipped(ctx, shipstation.MarkShipped{OrderID: 5, CarrierCode: "ups", TrackingNumber: "1Z", ShipDate: shipstation.Date{Year: 2026, Month: 11, Day: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := c.HoldUntil(ctx, 5, shipstation.Date{Year: 2026, Month: 12, Day: 24}); err != nil {
		t.Fatal(err)
	}
	if err := c.RestoreFromHold(ctx, 5); err == nil || !strings.Contains(err.Error(), "not on hold") {
		t.Errorf("RestoreFromHold with success:false: %v", err)
	}
	if err := c.DeleteOrder(ctx, 77); err != nil {
		t.Fatal(err)
	}
	id, err := c.SubscribeWebhook(ctx, shipstation.Subscription{TargetURL: "https://example.test/hook?token=t", Event: shipstation.EventShipNotify, StoreID: 12, FriendlyName: "orderbridge"})
	if err != nil || id != 123456 {
		t.Fatalf("SubscribeWebhook = %d, %v", id, err)
	}
	if err := c.DeleteWebhook(ctx, id); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	wantBodies := []string{
		`{"orderId":5,"carrierCode":"ups","shipDate":"2026-11-01","trackingNumber":"1Z","notifyCustomer":false,"notifySalesChannel":false}`,
		`{"orderId":5,"holdUntilDate":"2026-12-24"}`,
		`{"orderId":5}`,
		``,
		`{"target_url":"https://example.test/hook?token=t","event":"SHIP_NOTIFY","store_id":12,"friendly_name":"orderbridge"}`,
		``,
	}
	wantMethods := []string{"POST", "POST", "POST", "DELETE", "POST", "DELETE"}
	for i, r := range reqs {
		if string(r.Body) != wantBodies[i] || r.Method != wantMethods[i] {
			t.Errorf("call %d: %s %s body %s, want %s %s", i, r.Method, r.Path, r.Body, wantMethods[i], wantBodies[i])
		}
	}
}

func TestVoidLabelRefused(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		_, _ = io.WriteString(w, `{"approved":false,"message":"Label already voided"}`)
	})
	c, _ := newClient(t, srv.URL)
	var ve *shipstation.VoidRefusedError
	if err := c.VoidLabel(t.Context(), 9); !errors.As(err, &ve) || ve.Message != "Label already voided" || ve.ShipmentID != 9 {
		t.Errorf("err = %v", err)
	}
}

// A resource_url on any other host (or scheme) is refused before any
// request: the credentials must not travel to a host the payload chose.
func TestWebhookResourceOnlyFromAPIHost(t *testing.T) {
	t.Parallel()
	api := newFixtureServer(t, serveFile(t, "shipments_list.json"))
	other := newFixtureServer(t, serveFile(t, "shipments_list.json"))
	c, _ := newClient(t, api.URL)
	ctx := t.Context()
	apiURL, _ := url.Parse(api.URL)
	foreign := []string{
		other.URL + "/shipments?storeID=123456&batchId=12345678",
		"https://" + apiURL.Host + "/shipments?batchId=1", // wrong scheme
		"http://" + apiURL.Hostname() + ":1/shipments",    // wrong port
		"http://user@" + apiURL.Host + "/shipments",       // userinfo
	}
	for _, u := range foreign {
		_, err := c.FetchWebhookResource(ctx, shipstation.WebhookPayload{ResourceURL: u, ResourceType: shipstation.EventShipNotify})
		var fe *shipstation.ForeignURLError
		if !errors.Is(err, shipstation.ErrForeignResourceURL) || !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want ErrForeignResourceURL", u, err)
		}
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("the other host saw %d requests", n)
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("the API host saw %d requests", n)
	}

	// The same host works, with the query kept and the credentials sent.
	payload, err := shipstation.ParseWebhookPayload([]byte(`{"resource_url":"` + api.URL +
		`/shipments?storeID=123456&batchId=12345678&includeShipmentItems=False","resource_type":"SHIP_NOTIFY"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.FetchWebhookResource(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Shipments) != 2 || b.Shipments[0].TrackingNumber != "9400111899561704681189" || b.Total != 2 || len(b.Orders) != 0 {
		t.Errorf("batch = %+v", b)
	}
	r := api.requests()[0]
	if r.Path != "/shipments" || r.Query.Get("batchId") != "12345678" || r.Query.Get("storeID") != "123456" {
		t.Errorf("fetched %s %v", r.Path, r.Query)
	}
	if user, pass, ok := (&http.Request{Header: r.Header}).BasicAuth(); !ok || user != testKey || pass != testSecret {
		t.Error("resource fetch lacked the credentials")
	}

	for _, bad := range []string{`{}`, `{"resource_url":"x"}`, `not json`} {
		if _, err := shipstation.ParseWebhookPayload([]byte(bad)); err == nil {
			t.Errorf("ParseWebhookPayload(%s) succeeded", bad)
		}
	}
	if _, err := c.FetchWebhookResource(ctx, shipstation.WebhookPayload{ResourceURL: api.URL + "/x", ResourceType: "SOMETHING"}); err == nil {
		t.Error("unknown resource_type accepted")
	}
	if _, err := c.FetchWebhookResource(ctx, shipstation.WebhookPayload{ResourceURL: "/relative", ResourceType: shipstation.EventShipNotify}); err == nil {
		t.Error("relative resource_url accepted")
	}
}

func TestWebhookOrderBatch(t *testing.T) {
	t.Parallel()
	api := newFixtureServer(t, serveFile(t, "orders_list.json"))
	c, _ := newClient(t, api.URL)
	b, err := c.FetchWebhookResource(t.Context(), shipstation.WebhookPayload{
		ResourceURL: api.URL + "/orders?storeID=123456&importBatch=abc", ResourceType: shipstation.EventOrderNotify})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Orders) != 2 || b.Orders[1].OrderKey != "0f6bec18-9-4771-83aa-f392d84f4c74" || b.ResourceType != "ORDER_NOTIFY" {
		t.Errorf("batch = %+v", b)
	}
}

// With RetryRateLimited a 429 is waited out once; without it the typed
// error comes straight back.
func TestRateLimitedRetryOption(t *testing.T) {
	t.Parallel()
	for _, retry := range []bool{false, true} {
		t.Run(fmt.Sprint("retry=", retry), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			n := 0
			srv := newFixtureServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				mu.Lock()
				n++
				first := n == 1
				mu.Unlock()
				if first {
					w.Header().Set("X-Rate-Limit-Remaining", "0")
					w.Header().Set("X-Rate-Limit-Reset", "0.01")
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = io.WriteString(w, `{"message":"Too Many Requests"}`)
					return
				}
				_, _ = w.Write(fixture(t, "stores.json"))
			})
			c, _ := newClient(t, srv.URL, unvalidated, func(cfg *shipstation.Config) { cfg.RetryRateLimited = retry })
			_, err := c.Stores(t.Context(), false)
			if retry {
				if err != nil || len(srv.requests()) != 2 {
					t.Errorf("err = %v after %d calls", err, len(srv.requests()))
				}
				return
			}
			if !errors.Is(err, shipstation.ErrRateLimited) || len(srv.requests()) != 1 {
				t.Errorf("err = %v after %d calls", err, len(srv.requests()))
			}
		})
	}
}

// Fuzz Order decoding: no panic, and what decodes re-encodes and decodes
// to the same key fields.
func FuzzOrderJSON(f *testing.F) {
	list, err := os.ReadFile(filepath.Join("testdata", "orders_list.json"))
	if err != nil {
		f.Fatal(err)
	}
	var env struct{ Orders []json.RawMessage }
	if err := json.Unmarshal(list, &env); err != nil {
		f.Fatal(err)
	}
	for _, o := range env.Orders {
		f.Add([]byte(o))
	}
	created, _ := os.ReadFile(filepath.Join("testdata", "order_createorder.json"))
	f.Add(created)
	f.Add([]byte(`{"orderDate":null,"shipDate":"2016-06-07T00:00:00.0000000","items":null,"shipTo":{"residential":null}}`))
	f.Add([]byte(`{"orderId":1e400}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var o shipstation.Order
		if err := json.Unmarshal(data, &o); err != nil {
			return
		}
		out, err := json.Marshal(o)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var again shipstation.Order
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("decode of own output %s: %v", out, err)
		}
		if again.OrderKey != o.OrderKey || again.OrderNumber != o.OrderNumber || again.OrderDate != o.OrderDate ||
			again.ShipDate != o.ShipDate || len(again.Items) != len(o.Items) || again.ShipTo.Street1 != o.ShipTo.Street1 {
			t.Fatalf("round trip changed the order:\n%+v\n%+v", o, again)
		}
	})
}

// A redirect to another host is not followed, so the Authorization header
// never reaches it (Go would forward it to a subdomain).
func TestRedirectToOtherHostRefused(t *testing.T) {
	t.Parallel()
	other := newFixtureServer(t, serveFile(t, "stores.json"))
	api := newFixtureServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		http.Redirect(w, r, other.URL+"/stores", http.StatusFound)
	})
	c, _ := newClient(t, api.URL, unvalidated)
	if _, err := c.Stores(t.Context(), false); err == nil {
		t.Error("a cross-host redirect was followed")
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("the other host saw %d requests", n)
	}
	// Same-host redirects still work.
	same := newFixtureServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Path == "/stores" {
			http.Redirect(w, r, "/stores2", http.StatusFound)
			return
		}
		_, _ = w.Write(fixture(t, "stores.json"))
	})
	c2, _ := newClient(t, same.URL, unvalidated)
	if stores, err := c2.Stores(t.Context(), false); err != nil || len(stores) != 2 {
		t.Errorf("same-host redirect: %d stores, %v", len(stores), err)
	}
}

func TestCreateOrdersEmpty(t *testing.T) {
	t.Parallel()
	srv := newFixtureServer(t, serveFile(t, "orders_bulk_result.json"))
	c, _ := newClient(t, srv.URL)
	res, err := c.CreateOrders(t.Context(), nil)
	if err != nil || len(res) != 0 || len(srv.requests()) != 0 {
		t.Errorf("CreateOrders(nil) = %v, %v after %d calls", res, err, len(srv.requests()))
	}
}

// Real resource_urls sometimes name a numbered host (ssapi4...): with the
// real API as base they are fetched from the configured host; nothing
// else moves, and no other host is accepted.
func TestResourceURLOnHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, in, want string // want "" means refused as foreign
	}{
		{"", "https://ssapi.shipstation.com/shipments?batchId=1", "https://ssapi.shipstation.com/shipments?batchId=1"},
		{"", "https://ssapi4.shipstation.com/shipments?batchId=1&storeID=2", "https://ssapi.shipstation.com/shipments?batchId=1&storeID=2"},
		{"https://ssapi.shipstation.com", "https://SSAPI11.shipstation.com/orders?importBatch=x", "https://ssapi.shipstation.com/orders?importBatch=x"},
		{"", "http://ssapi4.shipstation.com/shipments", ""},              // scheme
		{"", "https://ssapi4.shipstation.com:8443/shipments", ""},        // port
		{"", "https://ssapix.shipstation.com/shipments", ""},             // not a number
		{"", "https://ssapi.shipstation.com.evil.example/x", ""},         // suffix trick
		{"", "https://evil.example/?h=ssapi.shipstation.com", ""},        // host elsewhere
		{"", "https://u:p@ssapi.shipstation.com/shipments", ""},          // user info
		{"http://127.0.0.1:7002", "http://ssapi4.shipstation.com/x", ""}, // numbered hosts only for the real API
		{"http://127.0.0.1:7002", "http://127.0.0.1:7002/shipments?batchId=3", "http://127.0.0.1:7002/shipments?batchId=3"},
		{"http://127.0.0.1:7002", "http://127.0.0.1:7003/shipments", ""},
	} {
		u, err := shipstation.ResourceURLOnHost(tc.base, tc.in)
		if tc.want == "" {
			if !errors.Is(err, shipstation.ErrForeignResourceURL) {
				t.Errorf("ResourceURLOnHost(%q, %q) = %v, %v; want refused", tc.base, tc.in, u, err)
			}
			continue
		}
		if err != nil || u.String() != tc.want {
			t.Errorf("ResourceURLOnHost(%q, %q) = %v, %v; want %s", tc.base, tc.in, u, err, tc.want)
		}
	}
	if _, err := shipstation.ResourceURLOnHost("", "/relative"); err == nil || errors.Is(err, shipstation.ErrForeignResourceURL) {
		t.Errorf("a relative URL: err = %v, want a plain refusal", err)
	}
}

// TestWebhookBatchLastPage: a webhook's batch can span pages, and the
// documented envelopes say "pages": 0 beside a non-zero total
// (shipstation-api.md §2.2), so a reader that stops once page >= pages
// reads only the first page. LastPage decides by pages when it is set,
// else by total, else by whether the page came back full.
func TestWebhookBatchLastPage(t *testing.T) {
	t.Parallel()
	full := make([]shipstation.Shipment, 100)
	tests := []struct {
		name string
		b    shipstation.WebhookBatch
		want bool
	}{
		{"documented pages 0, all on page 1", shipstation.WebhookBatch{Shipments: full[:2], Page: 1, Pages: 0, Total: 2, PageSize: 100}, true},
		{"pages 0, more by total", shipstation.WebhookBatch{Shipments: full, Page: 1, Pages: 0, Total: 150, PageSize: 100}, false},
		{"pages 0, last by total", shipstation.WebhookBatch{Shipments: full[:50], Page: 2, Pages: 0, Total: 150, PageSize: 100}, true},
		{"no counts, full page", shipstation.WebhookBatch{Shipments: full, Page: 1, PageSize: 100}, false},
		{"no counts, short page", shipstation.WebhookBatch{Shipments: full[:99], Page: 1, PageSize: 100}, true},
		{"pages counted, more", shipstation.WebhookBatch{Shipments: full, Page: 1, Pages: 2, Total: 150, PageSize: 100}, false},
		{"pages counted, last", shipstation.WebhookBatch{Shipments: full[:50], Page: 2, Pages: 2, Total: 150, PageSize: 100}, true},
		{"empty", shipstation.WebhookBatch{Page: 3, Total: 150, PageSize: 100}, true},
		{"orders count too", shipstation.WebhookBatch{Orders: make([]shipstation.Order, 100), Page: 1, Total: 101, PageSize: 100}, false},
	}
	for _, tt := range tests {
		if got := tt.b.LastPage(); got != tt.want {
			t.Errorf("%s: LastPage() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestWebhookShipBatchPages: fetching a SHIP_NOTIFY batch of 150 whose
// first page says pages 0 (as documented) reports that more follow, and
// the page size comes from the resource_url (100 when it names none).
func TestWebhookShipBatchPages(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/shipments_list.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Shipments []json.RawMessage `json:"shipments"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	api := newFixtureServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		page, n := r.URL.Query().Get("page"), 100
		if page == "2" {
			n = 50
		}
		if page == "" {
			page = "1"
		}
		items := make([]string, n)
		for i := range items {
			items[i] = string(doc.Shipments[0]) // the documented shipment, repeated
		}
		fmt.Fprintf(w, `{"shipments":[%s],"total":150,"page":%s,"pages":0}`, strings.Join(items, ","), page)
	})
	c, _ := newClient(t, api.URL)
	p := shipstation.WebhookPayload{ResourceURL: api.URL + "/shipments?storeID=1&batchId=7&includeShipmentItems=False", ResourceType: shipstation.EventShipNotify}
	b, err := c.FetchWebhookResource(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Shipments) != 100 || b.PageSize != 100 || b.LastPage() {
		t.Fatalf("page 1: %d shipments, page size %d, last %v", len(b.Shipments), b.PageSize, b.LastPage())
	}
	p.ResourceURL += "&page=2"
	if b, err = c.FetchWebhookResource(t.Context(), p); err != nil || len(b.Shipments) != 50 || !b.LastPage() {
		t.Fatalf("page 2: %d shipments, last %v, %v", len(b.Shipments), b.LastPage(), err)
	}
}

package shipstation_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
)

// emuBundle is a client wired to a fresh emulator.
type emuBundle struct {
	emu    *shipstationemu.Emulator
	client *shipstation.Client
}

func setupEmu(t testing.TB, opts shipstationemu.Options, mod ...func(*shipstation.Config)) emuBundle {
	t.Helper()
	if opts.RateLimit == (emukit.RateLimit{}) {
		opts.RateLimit = emukit.NoRateLimit
	}
	e := shipstationemutest.NewServer(t, opts)
	cfg := shipstation.Config{BaseURL: e.URL(), APIKey: e.APIKey(), APISecret: e.APISecret()}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := shipstation.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return emuBundle{emu: e, client: c}
}

// testOrder is a complete order as orderbridge would send it.
func testOrder(c *shipstation.Client, key, number string, storeID int64, orderDate time.Time) shipstation.Order {
	res := true
	return shipstation.Order{
		OrderNumber:      number,
		OrderKey:         key,
		OrderDate:        c.DateTime(orderDate),
		OrderStatus:      shipstation.StatusAwaitingShipment,
		CustomerUsername: "acct@customer.example",
		CustomerEmail:    "acct@customer.example",
		BillTo:           shipstation.Address{Name: "Customer Ltd", Company: "Customer Ltd", Street1: "PO Box 12", City: "Auckland", PostalCode: "1010", Country: "NZ"},
		ShipTo: shipstation.Address{Name: "Jane Receiver", Company: "Customer Ltd", Street1: "1 Queen St", Street2: "Level 3",
			City: "Auckland", State: "AUK", PostalCode: "1010", Country: "NZ", Phone: "+64 9 555 0000", Residential: &res},
		Items: []shipstation.OrderItem{
			{LineItemKey: key + "-line-1", SKU: "WIDGET-1", Name: "Widget", Quantity: 2, UnitPrice: 25, TaxAmount: 3.75,
				Weight: &shipstation.Weight{Value: 500, Units: shipstation.WeightGrams}, Options: []shipstation.ItemOption{{Name: "Colour", Value: "Red"}}},
			{LineItemKey: key + "-discount", SKU: "DISCOUNT", Name: "10% off", Quantity: 1, UnitPrice: -5, Adjustment: true},
		},
		TaxAmount:       7.5,
		ShippingAmount:  10,
		InternalNotes:   "Xero invoice " + number,
		AdvancedOptions: &shipstation.AdvancedOptions{StoreID: storeID, CustomField1: "xero-invoice-id:" + key, Source: "Xero"},
	}
}

func TestEmuUpsertIsIdempotentAndRoundTrips(t *testing.T) {
	t.Parallel()
	b := setupEmu(t, shipstationemu.Options{})
	ctx := t.Context()
	// Instants on the far side of both 2026 DST changes.
	spring := mustUTC("2026-03-08T10:15:00Z") // 03:15 PDT
	fall := mustUTC("2026-11-01T10:15:00Z")   // 02:15 PST
	o := testOrder(b.client, "xero:t1:inv-1", "INV-1", b.emu.DefaultStoreID(), spring)
	o.ShipDate = shipstation.DateOf(fall, b.client.Pacific())
	first, err := b.client.CreateOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	o.InternalNotes = "edited"
	o.OrderDate = b.client.DateTime(fall)
	second, err := b.client.CreateOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if first.OrderID == 0 || first.OrderID != second.OrderID {
		t.Fatalf("upsert made two orders: %d and %d", first.OrderID, second.OrderID)
	}
	if n := len(b.emu.Orders()); n != 1 {
		t.Fatalf("emulator holds %d orders, want 1", n)
	}
	stored, ok := b.emu.OrderByKey("xero:t1:inv-1")
	if !ok || stored.InternalNotes != "edited" || !stored.OrderDate.Equal(fall) {
		t.Errorf("emulator stored %+v", stored)
	}
	got, err := b.client.GetOrder(ctx, first.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"orderKey", got.OrderKey, "xero:t1:inv-1"},
		{"orderNumber", got.OrderNumber, "INV-1"},
		{"orderDate", b.client.Time(got.OrderDate), fall},
		{"shipDate", got.ShipDate, shipstation.Date{Year: 2026, Month: time.November, Day: 1}},
		{"shipTo.street1", got.ShipTo.Street1, "1 Queen St"},
		{"shipTo.street2", got.ShipTo.Street2, "Level 3"},
		{"shipTo.country", got.ShipTo.Country, "NZ"},
		{"shipTo.residential", *got.ShipTo.Residential, true},
		{"items[0].lineItemKey", got.Items[0].LineItemKey, "xero:t1:inv-1-line-1"},
		{"items[0].options", got.Items[0].Options[0], shipstation.ItemOption{Name: "Colour", Value: "Red"}},
		{"items[0].weight", *got.Items[0].Weight, shipstation.Weight{Value: 500, Units: "grams"}},
		{"items[1].adjustment", got.Items[1].Adjustment, true},
		{"items[1].unitPrice", got.Items[1].UnitPrice, -5.0},
		{"orderTotal", got.OrderTotal, 2*25 + -5 + 7.5 + 10},
		{"advancedOptions.storeId", got.AdvancedOptions.StoreID, b.emu.DefaultStoreID()},
		{"advancedOptions.customField1", got.AdvancedOptions.CustomField1, "xero-invoice-id:xero:t1:inv-1"},
		{"internalNotes", got.InternalNotes, "edited"},
		{"paymentDate", got.PaymentDate.IsZero(), true},
		{"createDate set", got.CreateDate.IsZero(), false},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
	// createDate is an instant near the emulator's clock, whatever the zone.
	if d := time.Since(b.client.Time(got.CreateDate)); d < -time.Minute || d > time.Minute {
		t.Errorf("createDate %v is %v away from now", b.client.Time(got.CreateDate), d)
	}
}

// Every writable field set to a non-zero value goes through the emulator
// (which reads the documented names) and comes back: a wrong tag on the
// write side leaves the emulator's stored value empty, one on the read side
// leaves the decoded value empty.
func TestEmuEveryWritableFieldRoundTrips(t *testing.T) {
	t.Parallel()
	b := setupEmu(t, shipstationemu.Options{})
	ctx := t.Context()
	c := b.client
	paid := mustUTC("2026-06-01T17:00:00Z")
	shipBy := mustUTC("2026-06-05T07:00:00Z")
	o := testOrder(c, "full-1", "FULL-1", b.emu.DefaultStoreID(), mustUTC("2026-06-01T16:00:00Z"))
	o.PaymentDate = c.DateTime(paid)
	o.ShipByDate = c.DateTime(shipBy)
	o.AmountPaid = 62.5
	o.CustomerNotes = "leave at door"
	o.Gift = true
	o.GiftMessage = "Happy birthday"
	o.PaymentMethod = "Bank transfer"
	o.RequestedShippingService = "Courier"
	o.CarrierCode, o.ServiceCode, o.PackageCode, o.Confirmation = "fedex", "fedex_ground", "package", "signature"
	o.ShipDate = shipstation.Date{Year: 2026, Month: time.June, Day: 3}
	o.Weight = &shipstation.Weight{Value: 2.5, Units: shipstation.WeightPounds}
	o.Dimensions = &shipstation.Dimensions{Length: 10, Width: 8, Height: 4, Units: "inches"}
	o.InsuranceOptions = &shipstation.InsuranceOptions{Provider: "carrier", InsureShipment: true, InsuredValue: 55}
	o.InternationalOptions = &shipstation.InternationalOptions{Contents: "merchandise", NonDelivery: "return_to_sender",
		CustomsItems: []shipstation.CustomsItem{{Description: "Widget", Quantity: 2, Value: 25, HarmonizedTariffCode: "8471.30", CountryOfOrigin: "NZ"}}}
	o.AdvancedOptions.NonMachinable = true
	o.AdvancedOptions.SaturdayDelivery = true
	o.AdvancedOptions.ContainsAlcohol = true
	o.AdvancedOptions.CustomField2 = "cf2"
	o.AdvancedOptions.CustomField3 = "cf3"
	o.AdvancedOptions.BillToParty = "third_party"
	o.AdvancedOptions.BillToAccount = "ACC-9"
	o.AdvancedOptions.BillToPostalCode = "1010"
	o.AdvancedOptions.BillToCountry = "NZ"
	o.Items[0].ImageURL = "https://img.example/w.png"
	o.Items[0].ShippingAmount = 1.5
	o.Items[0].WarehouseLocation = "Aisle 1"
	o.Items[0].FulfillmentSKU = "F-WIDGET"
	o.Items[0].UPC = "012345678905"
	o.BillTo.Street3 = "Box 3"
	o.BillTo.Phone = "+64 9 000"

	created, err := c.CreateOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := b.emu.Order(created.OrderID)
	if !ok {
		t.Fatal("emulator lost the order")
	}
	got, err := c.GetOrder(ctx, created.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	it, sit := got.Items[0], st.Items[0]
	checks := []struct {
		name              string
		stored, got, want any
	}{
		{"paymentDate", st.PaymentDate.UTC(), c.Time(got.PaymentDate), paid},
		{"shipByDate", st.ShipByDate.UTC(), c.Time(got.ShipByDate), shipBy},
		{"amountPaid", st.AmountPaid, got.AmountPaid, 62.5},
		{"taxAmount", st.TaxAmount, got.TaxAmount, 7.5},
		{"shippingAmount", st.ShippingAmount, got.ShippingAmount, 10.0},
		{"customerUsername", st.CustomerUsername, got.CustomerUsername, "acct@customer.example"},
		{"customerEmail", st.CustomerEmail, got.CustomerEmail, "acct@customer.example"},
		{"customerNotes", st.CustomerNotes, got.CustomerNotes, "leave at door"},
		{"internalNotes", st.InternalNotes, got.InternalNotes, "Xero invoice FULL-1"},
		{"gift", st.Gift, got.Gift, true},
		{"giftMessage", st.GiftMessage, got.GiftMessage, "Happy birthday"},
		{"paymentMethod", st.PaymentMethod, got.PaymentMethod, "Bank transfer"},
		{"requestedShippingService", st.RequestedShippingService, got.RequestedShippingService, "Courier"},
		{"carrierCode", st.CarrierCode, string(got.CarrierCode), "fedex"},
		{"serviceCode", st.ServiceCode, string(got.ServiceCode), "fedex_ground"},
		{"packageCode", st.PackageCode, string(got.PackageCode), "package"},
		{"confirmation", st.Confirmation, string(got.Confirmation), "signature"},
		{"shipDate", st.ShipDate.In(c.Pacific()).Format("2006-01-02"), got.ShipDate.String(), "2026-06-03"},
		{"weight", st.Weight.Value, got.Weight.Value, 2.5},
		{"weight.units", st.Weight.Units, got.Weight.Units, "pounds"},
		{"dimensions.length", st.Dimensions.Length, got.Dimensions.Length, 10.0},
		{"dimensions.width", st.Dimensions.Width, got.Dimensions.Width, 8.0},
		{"dimensions.height", st.Dimensions.Height, got.Dimensions.Height, 4.0},
		{"dimensions.units", st.Dimensions.Units, got.Dimensions.Units, "inches"},
		{"insurance.provider", st.InsuranceOptions.Provider, got.InsuranceOptions.Provider, "carrier"},
		{"insurance.insureShipment", st.InsuranceOptions.InsureShipment, got.InsuranceOptions.InsureShipment, true},
		{"insurance.insuredValue", st.InsuranceOptions.InsuredValue, got.InsuranceOptions.InsuredValue, 55.0},
		{"intl.contents", st.InternationalOptions.Contents, got.InternationalOptions.Contents, "merchandise"},
		{"intl.nonDelivery", st.InternationalOptions.NonDelivery, got.InternationalOptions.NonDelivery, "return_to_sender"},
		{"intl.customs.description", st.InternationalOptions.CustomsItems[0].Description, got.InternationalOptions.CustomsItems[0].Description, "Widget"},
		{"intl.customs.quantity", st.InternationalOptions.CustomsItems[0].Quantity, got.InternationalOptions.CustomsItems[0].Quantity, 2},
		{"intl.customs.value", st.InternationalOptions.CustomsItems[0].Value, got.InternationalOptions.CustomsItems[0].Value, 25.0},
		{"intl.customs.tariff", st.InternationalOptions.CustomsItems[0].HarmonizedTariffCode, got.InternationalOptions.CustomsItems[0].HarmonizedTariffCode, "8471.30"},
		{"intl.customs.origin", st.InternationalOptions.CustomsItems[0].CountryOfOrigin, got.InternationalOptions.CustomsItems[0].CountryOfOrigin, "NZ"},
		{"adv.nonMachinable", st.AdvancedOptions.NonMachinable, got.AdvancedOptions.NonMachinable, true},
		{"adv.saturdayDelivery", st.AdvancedOptions.SaturdayDelivery, got.AdvancedOptions.SaturdayDelivery, true},
		{"adv.containsAlcohol", st.AdvancedOptions.ContainsAlcohol, got.AdvancedOptions.ContainsAlcohol, true},
		{"adv.customField2", st.AdvancedOptions.CustomField2, got.AdvancedOptions.CustomField2, "cf2"},
		{"adv.customField3", st.AdvancedOptions.CustomField3, got.AdvancedOptions.CustomField3, "cf3"},
		{"adv.source", st.AdvancedOptions.Source, got.AdvancedOptions.Source, "Xero"},
		{"billTo.street3", st.BillTo.Street3, got.BillTo.Street3, "Box 3"},
		{"billTo.phone", st.BillTo.Phone, got.BillTo.Phone, "+64 9 000"},
		{"billTo.company", st.BillTo.Company, got.BillTo.Company, "Customer Ltd"},
		{"shipTo.state", st.ShipTo.State, got.ShipTo.State, "AUK"},
		{"shipTo.city", st.ShipTo.City, got.ShipTo.City, "Auckland"},
		{"shipTo.postalCode", st.ShipTo.PostalCode, got.ShipTo.PostalCode, "1010"},
		{"shipTo.phone", st.ShipTo.Phone, got.ShipTo.Phone, "+64 9 555 0000"},
		{"item.sku", sit.SKU, it.SKU, "WIDGET-1"},
		{"item.name", sit.Name, it.Name, "Widget"},
		{"item.imageUrl", sit.ImageURL, it.ImageURL, "https://img.example/w.png"},
		{"item.quantity", sit.Quantity, it.Quantity, 2},
		{"item.unitPrice", sit.UnitPrice, it.UnitPrice, 25.0},
		{"item.taxAmount", sit.TaxAmount, it.TaxAmount, 3.75},
		{"item.shippingAmount", sit.ShippingAmount, it.ShippingAmount, 1.5},
		{"item.warehouseLocation", sit.WarehouseLocation, it.WarehouseLocation, "Aisle 1"},
		{"item.fulfillmentSku", sit.FulfillmentSKU, it.FulfillmentSKU, "F-WIDGET"},
		{"item.upc", sit.UPC, it.UPC, "012345678905"},
		{"item.orderItemId", sit.OrderItemID, it.OrderItemID, sit.OrderItemID},
		{"item.productId", sit.ProductID, it.ProductID, sit.ProductID},
		{"customerId", st.CustomerID, got.CustomerID, st.CustomerID},
	}
	for _, ck := range checks {
		if ck.stored != ck.want {
			t.Errorf("%s: emulator stored %#v, want %#v (write tag?)", ck.name, ck.stored, ck.want)
		}
		if ck.got != ck.want {
			t.Errorf("%s: client decoded %#v, want %#v (read tag?)", ck.name, ck.got, ck.want)
		}
	}
	if it.OrderItemID == 0 || it.ProductID == 0 || got.CustomerID == 0 {
		t.Errorf("ids not assigned: item %d product %d customer %d", it.OrderItemID, it.ProductID, got.CustomerID)
	}
	// The write-only billTo* options reach the emulator.
	if a := st.AdvancedOptions; a.BillToParty != "third_party" || a.BillToAccount != "ACC-9" || a.BillToPostalCode != "1010" || a.BillToCountryCode != "NZ" {
		t.Errorf("billTo* options stored as %+v", a)
	}
}

// Shipped orders are locked: a bulk upsert reports a per-order error, the
// single upsert a validation error.
func TestEmuLockedOrders(t *testing.T) {
	t.Parallel()
	b := setupEmu(t, shipstationemu.Options{})
	ctx := t.Context()
	now := time.Now()
	orders := []shipstation.Order{
		testOrder(b.client, "k-open", "N-OPEN", 0, now),
		testOrder(b.client, "k-shipped", "N-SHIPPED", 0, now),
	}
	res, err := b.client.CreateOrders(ctx, orders)
	if err != nil || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("create: %v %+v", err, res)
	}
	if _, err := b.emu.MarkAsShipped(res[1].OrderID, "ups", "1Z999", time.Time{}); err != nil {
		t.Fatal(err)
	}
	orders[0].InternalNotes, orders[1].InternalNotes = "again", "again"
	res, err = b.client.CreateOrders(ctx, orders)
	if err != nil {
		t.Fatalf("a locked order failed the whole call: %v", err)
	}
	if res[0].Err != nil {
		t.Errorf("open order: %v", res[0].Err)
	}
	var oe *shipstation.OrderError
	if !errors.As(res[1].Err, &oe) || oe.OrderKey != "k-shipped" || !strings.Contains(oe.Message, "shipped") {
		t.Errorf("shipped order: %v", res[1].Err)
	}
	_, err = b.client.CreateOrder(ctx, orders[1])
	if !errors.Is(err, shipstation.ErrValidation) {
		t.Errorf("single upsert of a shipped order: %v", err)
	}
}

// 250 orders go in three calls; each order's result maps back to it, with
// the failures (locked, invalid) in the right places.
func TestEmuBulk250(t *testing.T) {
	t.Parallel()
	b := setupEmu(t, shipstationemu.Options{})
	ctx := t.Context()
	orders := make([]shipstation.Order, 250)
	for i := range orders {
		orders[i] = testOrder(b.client, fmt.Sprintf("bulk-%03d", i), fmt.Sprintf("INV-%03d", i), 0, time.Now())
	}
	// Lock two orders before the run.
	pre, err := b.client.CreateOrders(ctx, []shipstation.Order{orders[42], orders[199]})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range pre {
		if _, err := b.emu.MarkAsShipped(r.OrderID, "ups", "1Z", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	orders[7].ShipTo.Country = "New Zealand" // not an ISO code
	orders[230].OrderNumber = ""             // required
	b.emu.Counters().Reset()

	res, err := b.client.CreateOrders(ctx, orders)
	if err != nil {
		t.Fatal(err)
	}
	if n := b.emu.Counters().Get("POST /orders/createorders"); n != 3 {
		t.Errorf("made %d createorders calls, want 3", n)
	}
	failed := map[int]string{7: "country", 42: "shipped", 199: "shipped", 230: "orderNumber"}
	for i, r := range res {
		if r.OrderKey != orders[i].OrderKey {
			t.Fatalf("result %d is for %q", i, r.OrderKey)
		}
		if want, ok := failed[i]; ok {
			var oe *shipstation.OrderError
			if !errors.As(r.Err, &oe) || !strings.Contains(oe.Message, want) {
				t.Errorf("result %d: err = %v, want an OrderError about %s", i, r.Err, want)
			}
			continue
		}
		if r.Err != nil {
			t.Errorf("result %d: %v", i, r.Err)
			continue
		}
		stored, ok := b.emu.OrderByKey(orders[i].OrderKey)
		if !ok || stored.OrderID != r.OrderID || stored.OrderNumber != orders[i].OrderNumber {
			t.Errorf("result %d: id %d, emulator has %+v", i, r.OrderID, stored.OrderID)
		}
	}
}

// Paging against the emulator: a short last page and an exact multiple.
func TestEmuPaging(t *testing.T) {
	t.Parallel()
	b := setupEmu(t, shipstationemu.Options{})
	ctx := t.Context()
	storeA := b.emu.AddStore("Xero A").StoreID
	storeB := b.emu.AddStore("Xero B").StoreID
	var all []shipstation.Order
	for i := range 1050 {
		store := storeA
		if i >= 1000 {
			store = storeB
		}
		all = append(all, testOrder(b.client, fmt.Sprintf("p-%04d", i), fmt.Sprintf("P-%04d", i), store, time.Now()))
	}
	if _, err := b.client.CreateOrders(ctx, all); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		filter    shipstation.OrderFilter
		want      int
		wantCalls int64
	}{
		{"exact multiple of 500", shipstation.OrderFilter{StoreID: storeA}, 1000, 2},
		{"short last page", shipstation.OrderFilter{}, 1050, 3},
		{"small pages", shipstation.OrderFilter{StoreID: storeB, PageSize: 20}, 50, 3},
		{"exact multiple of small pages", shipstation.OrderFilter{StoreID: storeB, PageSize: 25}, 50, 2},
		{"no match", shipstation.OrderFilter{StoreID: storeB, OrderNumber: "NOPE"}, 0, 1},
	}
	for _, tt := range tests {
		before := b.emu.Counters().Get("GET /orders")
		seen := map[int64]bool{}
		for o, err := range b.client.Orders(ctx, tt.filter) {
			if err != nil {
				t.Fatal(err)
			}
			seen[o.OrderID] = true
		}
		if len(seen) != tt.want {
			t.Errorf("%s: %d distinct orders, want %d", tt.name, len(seen), tt.want)
		}
		if calls := b.emu.Counters().Get("GET /orders") - before; calls != tt.wantCalls {
			t.Errorf("%s: %d calls, want %d", tt.name, calls, tt.wantCalls)
		}
	}
	// orderNumber is a prefix search; FindOrderByNumber keeps exact matches.
	var xs []shipstation.Order
	for _, n := range []string{"X-1", "X-10", "X-100", "Y-1"} {
		xs = append(xs, testOrder(b.client, "key-"+n, n, storeB, time.Now()))
	}
	if _, err := b.client.CreateOrders(ctx, xs); err != nil {
		t.Fatal(err)
	}
	if prefix := collect(t, b.client.Orders(ctx, shipstation.OrderFilter{OrderNumber: "X-1"})); len(prefix) != 3 {
		t.Errorf("prefix search found %d orders, want 3", len(prefix))
	}
	got, err := b.client.FindOrderByNumber(ctx, "X-1", shipstation.OrderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].OrderNumber != "X-1" || got[0].OrderKey != "key-X-1" {
		t.Errorf("FindOrderByNumber = %+v", got)
	}
}

// Several labels for one order, a void, windows across the fall-back hour,
// and mark-as-shipped showing up under fulfillments.
func TestEmuLabelsVoidsAndWindows(t *testing.T) {
	t.Parallel()
	// The emulator's clock sits in the SECOND pass through 01:xx on
	// 2026-11-01 (PST), the hardest case for Pacific filter text.
	var mu sync.Mutex
	clock := mustUTC("2026-11-01T09:30:00Z")
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	b := setupEmu(t, shipstationemu.Options{Now: now})
	ctx := t.Context()
	c := b.client
	o, err := c.CreateOrder(ctx, testOrder(c, "lab-1", "LAB-1", 0, clock.Add(-time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	l1, err := c.CreateLabelForOrder(ctx, shipstation.LabelRequest{OrderID: o.OrderID, CarrierCode: "stamps_com", ServiceCode: "usps_priority_mail",
		Confirmation: "delivery", ShipDate: shipstation.DateOf(clock, c.Pacific()), Weight: &shipstation.Weight{Value: 16, Units: "ounces"}, TestLabel: true})
	if err != nil {
		t.Fatal(err)
	}
	if l1.ShipmentID == 0 || l1.TrackingNumber == "" || l1.LabelData == "" {
		t.Fatalf("label = %+v", l1)
	}
	s2, err := b.emu.CreateLabel(o.OrderID, shipstationemu.LabelRequest{CarrierCode: "fedex", ServiceCode: "fedex_ground"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.VoidLabel(ctx, l1.ShipmentID); err != nil {
		t.Fatal(err)
	}
	ships := collect(t, c.Shipments(ctx, shipstation.ShipmentFilter{OrderID: o.OrderID, IncludeShipmentItems: true}))
	if len(ships) != 2 {
		t.Fatalf("got %d shipments, want 2", len(ships))
	}
	byID := map[int64]shipstation.Shipment{}
	for _, s := range ships {
		byID[s.ShipmentID] = s
	}
	v, live := byID[l1.ShipmentID], byID[s2.ShipmentID]
	// The wire text "2026-11-01T01:30:00.0000000" happens twice; the client
	// reads it as the first (PDT) occurrence, an hour before the emulator's
	// clock. That loss is the wire format's, and the earlier instant is the
	// documented, safe choice for sync cursors.
	seenAs := clock.Add(-time.Hour)
	if !v.Voided || !c.Time(v.VoidDate).Equal(seenAs) || v.TrackingNumber != l1.TrackingNumber || v.ShipmentCost != l1.ShipmentCost {
		t.Errorf("voided shipment = %+v", v)
	}
	if live.Voided || live.TrackingNumber != s2.TrackingNumber || live.ShipmentCost != s2.ShipmentCost || live.CarrierCode != "fedex" ||
		live.OrderKey != "lab-1" || live.OrderNumber != "LAB-1" || !c.Time(live.CreateDate).Equal(seenAs) ||
		live.ShipDate != (shipstation.Date{Year: 2026, Month: time.November, Day: 1}) || live.ShipTo.Street1 != "1 Queen St" ||
		len(live.ShipmentItems) == 0 || live.ShipmentItems[0].LineItemKey != "lab-1-line-1" {
		t.Errorf("live shipment = %+v", live)
	}

	// Windows around the clock: the bounds fall in the repeated hour.
	count := func(f shipstation.ShipmentFilter) int {
		t.Helper()
		return len(collect(t, c.Shipments(ctx, f)))
	}
	if n := count(shipstation.ShipmentFilter{CreateDateStart: clock.Add(-time.Minute), CreateDateEnd: clock.Add(time.Minute)}); n != 2 {
		t.Errorf("createDate window around the clock found %d, want 2", n)
	}
	if n := count(shipstation.ShipmentFilter{CreateDateEnd: clock.Add(-2 * time.Hour)}); n != 0 {
		t.Errorf("createDate window ending two hours earlier found %d, want 0", n)
	}
	if n := count(shipstation.ShipmentFilter{CreateDateStart: clock.Add(2 * time.Hour)}); n != 0 {
		t.Errorf("createDate window starting two hours later found %d, want 0", n)
	}
	if n := count(shipstation.ShipmentFilter{VoidDateStart: clock.Add(-time.Second)}); n != 1 {
		t.Errorf("voidDate window found %d, want 1", n)
	}

	// Mark as shipped: a fulfillment, not a shipment.
	o2, err := c.CreateOrder(ctx, testOrder(c, "ful-1", "FUL-1", 0, clock))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MarkAsShipped(ctx, shipstation.MarkShipped{OrderID: o2.OrderID, CarrierCode: "fedex", TrackingNumber: "7777",
		ShipDate: shipstation.Date{Year: 2026, Month: time.October, Day: 31}}); err != nil {
		t.Fatal(err)
	}
	fs := collect(t, c.Fulfillments(ctx, shipstation.FulfillmentFilter{OrderID: o2.OrderID}))
	if len(fs) != 1 || fs[0].TrackingNumber != "7777" || fs[0].CarrierCode != "fedex" || fs[0].OrderNumber != "FUL-1" ||
		fs[0].ShipDate != (shipstation.Date{Year: 2026, Month: time.October, Day: 31}) || !c.Time(fs[0].CreateDate).Equal(seenAs) {
		t.Errorf("fulfillments = %+v", fs)
	}
	if n := count(shipstation.ShipmentFilter{OrderID: o2.OrderID}); n != 0 {
		t.Errorf("a marked-as-shipped order has %d shipments", n)
	}
	got, err := c.GetOrder(ctx, o2.OrderID)
	if err != nil || got.OrderStatus != shipstation.StatusShipped {
		t.Errorf("order after markasshipped: %q, %v", got.OrderStatus, err)
	}
}

func TestEmuHoldRestoreDelete(t *testing.T) {
	t.Parallel()
	b := setupEmu(t, shipstationemu.Options{})
	ctx := t.Context()
	c := b.client
	o, err := c.CreateOrder(ctx, testOrder(c, "hold-1", "HOLD-1", 0, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	until := shipstation.DateOf(time.Now().Add(30*24*time.Hour), c.Pacific())
	if err := c.HoldUntil(ctx, o.OrderID, until); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetOrder(ctx, o.OrderID)
	if err != nil || got.OrderStatus != shipstation.StatusOnHold || got.HoldUntilDate != until {
		t.Fatalf("after hold: %q until %v, %v", got.OrderStatus, got.HoldUntilDate, err)
	}
	if err := c.RestoreFromHold(ctx, o.OrderID); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.emu.Order(o.OrderID); st.OrderStatus != shipstation.StatusAwaitingShipment {
		t.Errorf("after restore: %q", st.OrderStatus)
	}
	if err := c.DeleteOrder(ctx, o.OrderID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOrder(ctx, o.OrderID); !errors.Is(err, shipstation.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if _, err := c.GetOrder(ctx, 1); !errors.Is(err, shipstation.ErrNotFound) {
		t.Errorf("get of an unknown id: %v", err)
	}
}

func TestEmuStoresAndCarriers(t *testing.T) {
	t.Parallel()
	b := setupEmu(t, shipstationemu.Options{})
	ctx := t.Context()
	xero := b.emu.AddStore("Xero")
	stores, err := b.client.Stores(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range stores {
		if s.StoreID == xero.StoreID && s.StoreName == "Xero" && s.Active {
			found = true
		}
	}
	if !found || len(stores) != 2 {
		t.Errorf("stores = %+v", stores)
	}
	names, err := b.client.CarrierNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b.emu.Carriers() {
		if names[c.Code] == "" {
			t.Errorf("no name for carrier %q in %v", c.Code, names)
		}
	}
}

func TestEmuErrors(t *testing.T) {
	t.Parallel()
	b := setupEmu(t, shipstationemu.Options{})
	ctx := t.Context()

	bad, err := shipstation.New(shipstation.Config{BaseURL: b.emu.URL(), APIKey: b.emu.APIKey(), APISecret: "wrong-secret-value"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Stores(ctx, false)
	if !errors.Is(err, shipstation.ErrAuth) || strings.Contains(err.Error(), "wrong-secret-value") || strings.Contains(err.Error(), b.emu.APIKey()) {
		t.Errorf("bad secret: %v", err)
	}

	o := testOrder(b.client, "v-1", "", 0, time.Now())
	o.ShipTo.Country = ""
	_, err = b.client.CreateOrder(ctx, o)
	var ae *shipstation.APIError
	if !errors.Is(err, shipstation.ErrValidation) || !errors.As(err, &ae) {
		t.Fatalf("invalid order: %v", err)
	}
	msgs := strings.Join(ae.ValidationMessages(), "\n")
	for _, want := range []string{"apiOrder.orderNumber: The orderNumber field is required.", "apiOrder.shipTo.country"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("validation messages lack %q:\n%s", want, msgs)
		}
	}

	b.emu.SetFaults(emukit.FaultConfig{ErrorRate: 1, ErrorStatuses: []int{500}, Seed: 1})
	_, err = b.client.Stores(ctx, false)
	if !errors.Is(err, shipstation.ErrServer) || !errors.As(err, &ae) || ae.ExceptionMessage == "" {
		t.Errorf("injected 500: %v", err)
	}
	b.emu.SetFaults(emukit.FaultConfig{})
}

// noBudget lets every call through and ignores the headers: a client
// without pacing.
type noBudget struct{}

func (noBudget) Wait(ctx context.Context) error       { return ctx.Err() }
func (noBudget) Update(int, time.Duration, time.Time) {}

// Without pacing the client runs into the emulator's 429, which comes back
// typed with the reset time.
func TestEmu429IsTyped(t *testing.T) {
	t.Parallel()
	b := setupEmu(t, shipstationemu.Options{RateLimit: emukit.RealRateLimit}, func(cfg *shipstation.Config) {
		cfg.Budget = noBudget{}
	})
	ctx := t.Context()
	var err error
	calls := 0
	for calls < 100 && err == nil {
		_, err = b.client.Stores(ctx, false)
		calls++
	}
	var ae *shipstation.APIError
	if !errors.Is(err, shipstation.ErrRateLimited) || !errors.As(err, &ae) {
		t.Fatalf("after %d calls: %v", calls, err)
	}
	if calls != shipstation.DefaultRateLimit+1 || ae.RetryAfter <= 0 || ae.RetryAfter > time.Minute {
		t.Errorf("429 on call %d with RetryAfter %v", calls, ae.RetryAfter)
	}
}

// At a time scale (a minute lasts a second), more calls than one window
// allows complete without a 429, for one client and for two clients
// sharing one Budget.
func TestEmuPacingAvoids429(t *testing.T) {
	t.Parallel()
	rl := emukit.RateLimit{Scale: 60}
	t.Run("one client", func(t *testing.T) {
		t.Parallel()
		b := setupEmu(t, shipstationemu.Options{RateLimit: rl})
		for i := range 2*shipstation.DefaultRateLimit + 10 {
			if _, err := b.client.Stores(t.Context(), false); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
	})
	t.Run("two clients sharing a budget", func(t *testing.T) {
		t.Parallel()
		budget := shipstation.NewMemoryBudget(shipstation.DefaultRateLimit)
		share := func(cfg *shipstation.Config) { cfg.Budget = budget }
		b := setupEmu(t, shipstationemu.Options{RateLimit: rl}, share)
		other, err := shipstation.New(shipstation.Config{BaseURL: b.emu.URL(), APIKey: b.emu.APIKey(), APISecret: b.emu.APISecret(), Budget: budget})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for _, c := range []*shipstation.Client{b.client, other} {
			wg.Go(func() {
				for i := range shipstation.DefaultRateLimit + 20 {
					if _, err := c.Stores(t.Context(), false); err != nil {
						errs <- fmt.Errorf("call %d: %w", i, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := b.emu.Counters().Get("GET /stores"); n != 2*(shipstation.DefaultRateLimit+20) {
			t.Errorf("emulator saw %d calls", n)
		}
	})
}

// The emulator delivers SHIP_NOTIFY to a subscriber; the receiver fetches
// the resource_url through the client and finds the label. A payload that
// names another host is refused without a request to it.
func TestEmuWebhookFlow(t *testing.T) {
	t.Parallel()
	payloads := make(chan []byte, 10)
	var foreignHits sync.Mutex
	foreignCount := 0
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/hooks/shipstation" {
			body, _ := io.ReadAll(r.Body)
			payloads <- body
			return
		}
		foreignHits.Lock()
		foreignCount++
		foreignHits.Unlock()
		_, _ = io.WriteString(w, `{"shipments":[],"total":0,"page":1,"pages":0}`)
	}))
	t.Cleanup(receiver.Close)

	b := setupEmu(t, shipstationemu.Options{})
	ctx := t.Context()
	c := b.client
	id, err := c.SubscribeWebhook(ctx, shipstation.Subscription{TargetURL: receiver.URL + "/hooks/shipstation", Event: shipstation.EventShipNotify, FriendlyName: "orderbridge"})
	if err != nil || id == 0 {
		t.Fatalf("subscribe: %d %v", id, err)
	}
	hooks, err := c.Webhooks(ctx)
	if err != nil || len(hooks) != 1 || hooks[0].WebHookID != id || hooks[0].HookType != "SHIP_NOTIFY" || hooks[0].URL != receiver.URL+"/hooks/shipstation" {
		t.Fatalf("webhooks = %+v, %v", hooks, err)
	}
	o, err := c.CreateOrder(ctx, testOrder(c, "hook-1", "HOOK-1", 0, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.emu.CreateLabel(o.OrderID, shipstationemu.LabelRequest{CarrierCode: "fedex", ServiceCode: "fedex_ground"})
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	select {
	case body = <-payloads:
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook delivered")
	}
	p, err := shipstation.ParseWebhookPayload(body)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.FetchWebhookResource(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Shipments) != 1 || batch.Shipments[0].TrackingNumber != s.TrackingNumber || batch.Shipments[0].OrderKey != "hook-1" {
		t.Errorf("batch = %+v", batch)
	}

	forged := shipstation.WebhookPayload{ResourceURL: strings.Replace(p.ResourceURL, b.emu.URL(), receiver.URL, 1), ResourceType: p.ResourceType}
	if _, err := c.FetchWebhookResource(ctx, forged); !errors.Is(err, shipstation.ErrForeignResourceURL) {
		t.Errorf("forged resource_url: %v", err)
	}
	foreignHits.Lock()
	if foreignCount != 0 {
		t.Errorf("the foreign host saw %d requests", foreignCount)
	}
	foreignHits.Unlock()

	if err := c.DeleteWebhook(ctx, id); err != nil {
		t.Fatal(err)
	}
	if hooks, err := c.Webhooks(ctx); err != nil || len(hooks) != 0 {
		t.Errorf("after delete: %+v %v", hooks, err)
	}
}

// BenchmarkBulkUpsert10k upserts 10,000 orders into the emulator (rate
// limits off) per iteration, with the client's default Budget.
func BenchmarkBulkUpsert10k(b *testing.B) {
	bundle := setupEmu(b, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	ctx := context.Background()
	const n = 10000
	orders := make([]shipstation.Order, n)
	for i := range orders {
		orders[i] = testOrder(bundle.client, fmt.Sprintf("bench-%05d", i), fmt.Sprintf("B-%05d", i), 0, time.Now())
	}
	bundle.emu.Counters().Reset()
	start := time.Now()
	iters := 0
	for b.Loop() {
		res, err := bundle.client.CreateOrders(ctx, orders)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		iters++
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(iters*n)/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(bundle.emu.Counters().Total())/float64(iters), "calls/op")
}

package conformance_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/apispec"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// TestCoverage drives every used operation through the clients against the
// emulators, with the client-side rule (apispec.NewTransport on the
// client) and the server-side rule (apispec.Middleware in front of the
// emulator) both on, then prints the coverage report and fails if a used
// operation was not exercised or had a violation. It records into its own
// coverage (Specs.Fork), so what it reports is what it drove.
func TestCoverage(t *testing.T) {
	t.Parallel()
	specs := apispec.Shared(t).Fork()
	t.Run("xero", func(t *testing.T) { driveXero(t, specs) })
	t.Run("shipstation", func(t *testing.T) { driveShipStation(t, specs) })

	cov := specs.Coverage()
	t.Log("\n" + cov.String())
	for _, oc := range cov.Ops {
		if !oc.Used {
			continue
		}
		switch {
		case oc.Calls == 0:
			t.Errorf("%s (%s) was not exercised", oc.Op, oc.Endpoint)
		case oc.Failed > 0:
			t.Errorf("%s (%s): %d of %d exchanges had violations", oc.Op, oc.Endpoint, oc.Failed, oc.Calls)
		}
	}
	if len(cov.Undocumented) > 0 {
		t.Errorf("undocumented requests: %v", cov.Undocumented)
	}
}

func driveXero(t *testing.T, specs *apispec.Specs) {
	hc := testkit.HTTPClient(t)
	defer hc.CloseIdleConnections()
	ctx := t.Context()
	emu := xeroemutest.Serve(t, specs, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	tenant := emu.DefaultTenantID()
	contact, err := emu.SeedContact(tenant, xeroemu.Contact{Name: "Conformance Customer", EmailAddress: "c@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	seeded, err := emu.SeedInvoice(tenant, xeroemu.Invoice{
		Contact: xeroemu.Contact{ContactID: contact.ContactID}, Status: "AUTHORISED",
		Date:      time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		LineItems: []xeroemu.LineItem{{Description: "Widget", Quantity: 2, UnitAmount: 10, AccountCode: "200", ItemCode: "W-1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.SeedTrackingCategory(tenant, "Channel", "Web"); err != nil {
		t.Fatal(err)
	}
	app, err := xero.New(xero.Config{
		ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(), BaseURL: emu.URL(),
		RedirectURL: "http://localhost:8080/xero/callback",
		// Every operation the client offers, payments included (the
		// emulator checks each call's scope, as Xero does).
		Scopes:     []string{"openid", "offline_access", "accounting.invoices", "accounting.payments", "accounting.contacts", "accounting.settings"},
		HTTPClient: &http.Client{Transport: apispec.NewTransport(t, specs, nil), Timeout: 30 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}

	// Consent (getAuthorize), as a browser would follow it, then the code
	// exchange (postToken).
	verifier := oauth2.GenerateVerifier()
	noFollow := &http.Client{Transport: hc.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(app.AuthCodeURL("state-1", verifier))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %s %v", resp.StatusCode, resp.Header.Get("Location"), err)
	}
	tok, err := app.Exchange(ctx, loc.Query().Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	c := app.Client(app.TokenSource(tok, func(context.Context, *oauth2.Token) error { return nil }))

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	conns, err := c.Connections(ctx, "")
	must("connections", err)
	_, err = c.Organisation(ctx, tenant)
	must("organisation", err)
	_, err = c.TrackingCategories(ctx, tenant, false)
	must("tracking categories", err)
	_, err = c.Contacts(ctx, tenant, xero.ContactQuery{})
	must("contacts", err)
	_, err = c.Contact(ctx, tenant, contact.ContactID)
	must("contact", err)
	_, err = c.Invoices(ctx, tenant, xero.InvoiceQuery{Statuses: []string{xero.StatusAuthorised}})
	must("invoices", err)
	_, err = c.Invoice(ctx, tenant, seeded.InvoiceID)
	must("invoice", err)
	created, err := c.CreateInvoice(ctx, tenant, xero.Invoice{Type: xero.InvoiceTypeSales, Contact: &xero.Contact{ContactID: contact.ContactID},
		Date: xero.NewDate(2026, 7, 2), LineItems: []xero.LineItem{{Description: "Gadget", Quantity: 1, UnitAmount: 5, AccountCode: "200"}}}, "")
	must("create invoice", err)
	_, err = c.UpdateInvoice(ctx, tenant, xero.Invoice{InvoiceID: created.InvoiceID, Reference: "ORDER-1"}, "")
	must("update invoice", err)
	_, err = c.History(ctx, tenant, seeded.InvoiceID)
	must("history", err)
	_, err = c.AddNote(ctx, tenant, seeded.InvoiceID, "Shipped via UPS, tracking 1Z999", "")
	must("add note", err)
	_, err = c.CreatePayment(ctx, tenant, xero.Payment{Invoice: &xero.Invoice{InvoiceID: seeded.InvoiceID},
		Account: &xero.Account{Code: "090"}, Date: xero.NewDate(2026, 7, 3), Amount: 1}, "")
	must("payment", err)
	if len(conns) == 0 {
		t.Fatal("no connections")
	}
	must("delete connection", c.DeleteConnection(ctx, conns[0].ID))
}

func driveShipStation(t *testing.T, specs *apispec.Specs) {
	ctx := t.Context()
	emu := shipstationemutest.Serve(t, specs, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	c, err := shipstation.New(shipstation.Config{BaseURL: emu.URL(), APIKey: emu.APIKey(), APISecret: emu.APISecret(),
		HTTPClient: &http.Client{Transport: apispec.NewTransport(t, specs, nil), Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	stores, err := c.Stores(ctx, false)
	must("stores", err)
	_, err = c.Carriers(ctx)
	must("carriers", err)
	store := stores[0].StoreID
	at := time.Date(2026, 7, 1, 17, 0, 0, 0, time.UTC)
	one, err := c.CreateOrder(ctx, order(c, "xero:t:1", "INV-1", store, at))
	must("create order", err)
	res, err := c.CreateOrders(ctx, []shipstation.Order{order(c, "xero:t:2", "INV-2", store, at), order(c, "xero:t:3", "INV-3", store, at)})
	must("create orders", err)
	_, err = c.GetOrder(ctx, one.OrderID)
	must("get order", err)
	for _, err := range c.OrderPages(ctx, shipstation.OrderFilter{StoreID: store}) {
		must("list orders", err)
	}
	must("hold", c.HoldUntil(ctx, one.OrderID, shipstation.Date{Year: 2030, Month: time.January, Day: 1}))
	must("restore", c.RestoreFromHold(ctx, one.OrderID))
	label, err := c.CreateLabelForOrder(ctx, shipstation.LabelRequest{OrderID: res[0].OrderID, CarrierCode: "stamps_com",
		ServiceCode: "usps_priority_mail", Confirmation: "none", ShipDate: shipstation.Date{Year: 2026, Month: time.July, Day: 2}, TestLabel: true})
	must("label", err)
	for _, err := range c.ShipmentPages(ctx, shipstation.ShipmentFilter{StoreID: store, IncludeShipmentItems: true}) {
		must("list shipments", err)
	}
	must("void label", c.VoidLabel(ctx, label.ShipmentID))
	must("mark shipped", c.MarkAsShipped(ctx, shipstation.MarkShipped{OrderID: res[1].OrderID, CarrierCode: "fedex", TrackingNumber: "1"}))
	for _, err := range c.FulfillmentPages(ctx, shipstation.FulfillmentFilter{OrderID: res[1].OrderID}) {
		must("list fulfillments", err)
	}
	id, err := c.SubscribeWebhook(ctx, shipstation.Subscription{TargetURL: "https://example.com/hook", Event: shipstation.EventShipNotify, StoreID: store})
	must("subscribe", err)
	_, err = c.Webhooks(ctx)
	must("webhooks", err)
	must("unsubscribe", c.DeleteWebhook(ctx, id))
	must("delete order", c.DeleteOrder(ctx, one.OrderID))
}

// order is a complete order as orderbridge sends it.
func order(c *shipstation.Client, key, number string, storeID int64, at time.Time) shipstation.Order {
	res := true
	return shipstation.Order{
		OrderNumber: number, OrderKey: key, OrderDate: c.DateTime(at), OrderStatus: shipstation.StatusAwaitingShipment,
		CustomerUsername: "acct@customer.example", CustomerEmail: "acct@customer.example",
		BillTo: shipstation.Address{Name: "Customer Ltd", Company: "Customer Ltd", Street1: "PO Box 12", City: "Auckland", PostalCode: "1010", Country: "NZ"},
		ShipTo: shipstation.Address{Name: "Jane Receiver", Street1: "1 Queen St", City: "Auckland", State: "AUK", PostalCode: "1010",
			Country: "NZ", Phone: "+64 9 555 0000", Residential: &res},
		Items: []shipstation.OrderItem{{LineItemKey: key + "-1", SKU: "WIDGET-1", Name: "Widget", Quantity: 2, UnitPrice: 25,
			Weight: &shipstation.Weight{Value: 500, Units: shipstation.WeightGrams}}},
		ShippingAmount:  10,
		AdvancedOptions: &shipstation.AdvancedOptions{StoreID: storeID, Source: "Xero"},
	}
}

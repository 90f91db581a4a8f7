package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// orderCardEnv is an account with one invoice exported to the ShipStation
// emulator, with two labels bought for its order (the first voided), and
// the invoice's log lines; the preview is the worker's decision.
type orderCardEnv struct {
	e       *env
	b       *browser
	semu    *shipstationemu.Emulator
	src     *fakeInvoices
	acc     int64
	orderID int64
	labels  []shipstationemu.Shipment
}

func newOrderCardEnv(t *testing.T, status, hash string) *orderCardEnv {
	t.Helper()
	ctx := t.Context()
	semu := newSSEmu(t, shipstationemu.Options{})
	src := &fakeInvoices{shortCode: "!kT9pq"}
	e := newEnv(t, func(c *web.Config) {
		withShipStation(semu)(c)
		c.Invoices = src
	})
	b, acc := e.signUpAnn(t)
	connectFake(t, e, acc)
	ss, err := shipstation.New(shipstation.Config{BaseURL: semu.URL(), APIKey: semu.APIKey(), APISecret: semu.APISecret()})
	if err != nil {
		t.Fatal(err)
	}
	stores, err := ss.Stores(ctx, false)
	if err != nil || len(stores) == 0 {
		t.Fatalf("stores: %v %v", stores, err)
	}
	if err := e.st.SaveShipStationConnection(ctx, acc, store.ConnectionMetadata{StoreID: stores[0].StoreID, StoreName: stores[0].StoreName},
		store.ShipStationCredentials{APIKey: semu.APIKey(), APISecret: semu.APISecret()}); err != nil {
		t.Fatal(err)
	}
	src.account, src.st = acc, e.st
	src.inv = xero.Invoice{InvoiceID: "9f1c2d3e-0000-4000-8000-000000000036", InvoiceNumber: "INV-0036", Type: xero.InvoiceTypeSales,
		Status: xero.StatusAuthorised, Date: xero.NewDate(2026, 3, 10), DueDate: xero.NewDate(2026, 3, 24),
		CurrencyCode: "NZD", LineAmountTypes: "NoTax", SubTotal: 46, Total: 46, AmountDue: 46,
		Contact: &xero.Contact{ContactID: "c-1", Name: "Smith & Sons"},
		LineItems: []xero.LineItem{{LineItemID: "l-1", Description: "Widget", Quantity: 2, UnitAmount: 23, LineAmount: 46, ItemCode: "W1",
			Tracking: []xero.LineItemTracking{{Name: "Channel", Option: "ShipStation"}}}}}
	src.contact = &xero.Contact{ContactID: "c-1", Name: "Smith & Sons", EmailAddress: "orders@smith.example", Addresses: []xero.Address{
		{AddressType: xero.AddressStreet, AddressLine1: "1 Queen St", City: "Auckland", PostalCode: "1010", Country: "New Zealand", AttentionTo: "Jane Buyer"},
		{AddressType: xero.AddressPOBox, AddressLine1: "PO Box 12", City: "Auckland", PostalCode: "1140", Country: "NZ"}}}

	// Send the order as the worker would, then buy two labels for it.
	res, err := decideLikeTheWorker(ctx, e.st, acc, src.inv, src.contact)
	if err != nil || res.Decision.Kind != bridge.Export {
		t.Fatalf("decide: %v %+v", err, res.Decision)
	}
	o, err := ss.CreateOrder(ctx, *res.Decision.Order)
	if err != nil {
		t.Fatal(err)
	}
	var labels []shipstationemu.Shipment
	for _, l := range []shipstationemu.LabelRequest{
		{CarrierCode: "fedex", ServiceCode: "fedex_ground", ShipDate: time.Date(2026, 3, 11, 20, 0, 0, 0, time.UTC)},
		{CarrierCode: "ups_walleted", ServiceCode: "ups_ground", ShipDate: time.Date(2026, 3, 12, 20, 0, 0, 0, time.UTC)},
	} {
		s, err := semu.CreateLabel(o.OrderID, l)
		if err != nil {
			t.Fatal(err)
		}
		labels = append(labels, s)
	}
	if err := semu.VoidLabel(labels[0].ShipmentID); err != nil {
		t.Fatal(err)
	}
	if err := e.st.UpsertInvoiceLink(ctx, store.InvoiceLink{AccountID: acc, InvoiceID: src.inv.InvoiceID, InvoiceNumber: "INV-0036",
		OrderKey: o.OrderKey, OrderID: o.OrderID, OrderStatus: status, Decision: store.DecisionExported, ContentHash: hash}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	if _, err := e.st.AppendLog(ctx,
		store.LogEntry{AccountID: acc, At: at, Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess, InvoiceID: src.inv.InvoiceID,
			InvoiceNumber: "INV-0036", OrderNumber: "INV-0036", Message: "INV-0036 exported: 1 item, 46.00, ship to Jane Buyer, Auckland NZ",
			Detail: "notes: contact \"Smith & Sons\" has only a street address; it was used for bill-to too"},
		store.LogEntry{AccountID: acc, At: at.Add(50 * time.Hour), Direction: store.ShipStationToXero, Outcome: store.OutcomeSuccess, InvoiceID: src.inv.InvoiceID,
			InvoiceNumber: "INV-0036", OrderNumber: "INV-0036", Message: "INV-0036: shipment note written"},
	); err != nil {
		t.Fatal(err)
	}
	return &orderCardEnv{e: e, b: b, semu: semu, src: src, acc: acc, orderID: o.OrderID, labels: labels}
}

// link finds the <a> whose text is label.
func (b *browser) link(label string) *html.Node {
	b.t.Helper()
	for _, a := range b.find(func(n *html.Node) bool { return n.DataAtom == atom.A && text(n) == label }) {
		return a
	}
	b.t.Errorf("no link %q on the page", label)
	return &html.Node{}
}

// TestInvoiceOrderCard is the invoice page as a merchant reads it: who the
// customer is, where the parcel goes, what is in it, what Xero says about
// the invoice, links to both services, a card per label with a tracking
// link, and what orderbridge did, in words (no internal ids or raw
// statuses).
func TestInvoiceOrderCard(t *testing.T) {
	t.Parallel()
	oc := newOrderCardEnv(t, "shipped", "sent")
	b := oc.b
	b.get("/invoices/" + oc.src.inv.InvoiceID)
	b.wantStatus(http.StatusOK)
	if b.h1() != "Invoice INV-0036" {
		t.Errorf("h1 = %q", b.h1())
	}
	current := b.find(func(n *html.Node) bool { return n.DataAtom == atom.A && attr(n, "aria-current") == "page" })
	if len(current) != 1 || text(current[0]) != "Invoices" {
		var names []string
		for _, n := range current {
			names = append(names, text(n))
		}
		t.Errorf("the active nav items are %q, want only Invoices", names)
	}
	want := map[string]string{
		"order-customer":   "Smith & Sons",
		"ship-to":          "1 Queen St",
		"bill-to":          "PO Box 12",
		"xero-status":      "Awaiting payment",
		"due-date":         "24 Mar 2026",
		"order-total":      "46.00",
		"invoice-decision": "Shipped",
	}
	for id, w := range want {
		if got := text(b.byID(id)); !strings.Contains(got, w) {
			t.Errorf("#%s = %q; want it to contain %q", id, got, w)
		}
	}
	if rows := b.rows("order-items"); len(rows) != 1 || !strings.Contains(strings.Join(rows[0], "|"), "Widget") || !strings.Contains(strings.Join(rows[0], "|"), "2") {
		t.Errorf("items = %q", rows)
	}
	for _, raw := range []string{"awaiting_shipment", "(shipped)", "#" + itoa64(oc.orderID)} {
		if strings.Contains(b.body, raw) {
			t.Errorf("page shows the raw %q", raw)
		}
	}
	wantXero := "https://go.xero.com/organisationlogin/default.aspx?shortcode=%21kT9pq&redirecturl=/AccountsReceivable/View.aspx?InvoiceID=" + oc.src.inv.InvoiceID
	if got := attr(b.link("Open in Xero"), "href"); got != wantXero {
		t.Errorf("Xero link %q; want %q", got, wantXero)
	}
	if got := attr(b.link("Open in ShipStation"), "href"); !strings.HasPrefix(got, "https://ship.shipstation.com/") || !strings.Contains(got, "INV-0036") {
		t.Errorf("ShipStation link %q", got)
	}

	// A card per label: the live one with its tracking link, the voided
	// one saying so.
	cards := b.find(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "shipment-card") })
	if len(cards) != 2 {
		t.Fatalf("%d shipment cards; want 2", len(cards))
	}
	byTracking := map[string]*html.Node{}
	for _, c := range cards {
		for _, l := range oc.labels {
			if strings.Contains(text(c), l.TrackingNumber) {
				byTracking[l.TrackingNumber] = c
			}
		}
	}
	ups, fedex := byTracking[oc.labels[1].TrackingNumber], byTracking[oc.labels[0].TrackingNumber]
	if ups == nil || fedex == nil {
		t.Fatalf("cards %q do not name the tracking numbers", []string{text(cards[0]), text(cards[1])})
	}
	if got := text(ups); !strings.Contains(got, "UPS") || !strings.Contains(got, "Ground") || !strings.Contains(got, "12 Mar 2026") || strings.Contains(got, "Voided") {
		t.Errorf("UPS card %q", got)
	}
	links := findIn(ups, func(n *html.Node) bool { return n.DataAtom == atom.A })
	if len(links) == 0 || attr(links[0], "href") != "https://www.ups.com/track?tracknum="+oc.labels[1].TrackingNumber {
		t.Errorf("UPS card has no tracking link: %q", text(ups))
	}
	if got := text(fedex); !strings.Contains(got, "FedEx") || !strings.Contains(got, "Voided") {
		t.Errorf("FedEx card %q; want voided", got)
	}

	// The timeline: what orderbridge did, oldest first, info neutral.
	items := findIn(b.byID("timeline"), func(n *html.Node) bool { return n.DataAtom == atom.Li })
	if len(items) != 2 || !strings.Contains(text(items[0]), "exported") || !strings.Contains(text(items[1]), "note written") {
		t.Errorf("timeline = %d items %q", len(items), text(b.byID("timeline")))
	}
}

// TestInvoicePreviewCard: the preview is what ShipStation will get, as an
// order card; the JSON is behind a toggle and says "&", not \u0026.
func TestInvoicePreviewCard(t *testing.T) {
	t.Parallel()
	// The invoice changed since its order was sent: Re-sync replaces it.
	oc := newOrderCardEnv(t, "awaiting_shipment", "an older order")
	b := oc.b
	b.get("/invoices/" + oc.src.inv.InvoiceID)
	b.wantStatus(http.StatusOK)
	if got := text(b.byID("preview-kind")); !strings.Contains(got, "Would be sent to ShipStation") {
		t.Errorf("preview kind %q", got)
	}
	if got := text(b.byID("ship-to")); !strings.Contains(got, "1 Queen St") || !strings.Contains(got, "Auckland") {
		t.Errorf("ship-to %q", got)
	}
	if rows := b.rows("order-items"); len(rows) != 1 || !strings.Contains(strings.Join(rows[0], "|"), "Widget") {
		t.Errorf("preview items = %q", rows)
	}
	pre := b.byID("preview-order")
	js := text(pre)
	if strings.Contains(js, `\u0026`) || !strings.Contains(js, "Smith & Sons") {
		t.Errorf("preview JSON escapes &: %q", truncate(js))
	}
	var details *html.Node
	for n := pre.Parent; n != nil; n = n.Parent {
		if n.DataAtom == atom.Details {
			details = n
			break
		}
	}
	if details == nil || hasAttr(details, "open") {
		t.Error("the preview JSON is not behind a closed <details>")
	}
}

// TestInvoicePageWithoutShipStation: with ShipStation disconnected the
// page still shows the invoice and says why there are no shipments,
// rather than claiming no label was bought.
func TestInvoicePageWithoutShipStation(t *testing.T) {
	t.Parallel()
	semu := newSSEmu(t, shipstationemu.Options{})
	e := newEnv(t, withShipStation(semu))
	b, acc := e.signUpAnn(t)
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: "inv-1", InvoiceNumber: "INV-1",
		Decision: store.DecisionExported, OrderID: 42, OrderStatus: "shipped"}); err != nil {
		t.Fatal(err)
	}
	b.get("/invoices/inv-1")
	b.wantStatus(http.StatusOK)
	if got := text(b.byID("ship-h").Parent); !strings.Contains(got, "ShipStation is not connected") || strings.Contains(got, "No label") {
		t.Errorf("shipments section = %q", got)
	}
}

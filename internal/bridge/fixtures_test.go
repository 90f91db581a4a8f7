package bridge

import (
	"testing"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

const (
	testTenant  = "6B1F0E3A-51C2-4B8B-9D3E-2A0F5C7D8E91"
	testInvoice = "0C5A3E6B-7F21-4D0A-9E44-1B2C3D4E5F60"
)

// testSettings are the defaults with an account filled in.
func testSettings(mods ...func(*Settings)) Settings {
	s := DefaultSettings()
	s.TenantID = testTenant
	s.StoreID = 123456
	for _, f := range mods {
		f(&s)
	}
	return s
}

func shipStationTag() []xero.LineItemTracking {
	return []xero.LineItemTracking{{TrackingCategoryID: "c1", TrackingOptionID: "o1", Name: "Sales Channel", Option: "ShipStation"}}
}

// testInvoiceOf is an approved, tax-exclusive sales invoice for 2 widgets
// carrying the ShipStation option: 50.00 + 7.50 GST = 57.50.
func testInvoiceOf(mods ...func(*xero.Invoice)) xero.Invoice {
	inv := xero.Invoice{
		Type:            xero.InvoiceTypeSales,
		InvoiceID:       testInvoice,
		InvoiceNumber:   "INV-0042",
		Reference:       "PO 7781",
		Status:          xero.StatusAuthorised,
		Contact:         &xero.Contact{ContactID: "c0ffee00-0000-4000-8000-000000000001", Name: "Acme Ltd"},
		Date:            xero.NewDate(2026, 11, 20),
		DueDate:         xero.NewDate(2026, 12, 20),
		LineAmountTypes: "Exclusive",
		LineItems: []xero.LineItem{{
			LineItemID: "11111111-1111-4111-8111-111111111111", ItemCode: "WIDGET-1", Description: "Widget",
			Quantity: 2, UnitAmount: 25, LineAmount: 50, TaxType: "OUTPUT2", TaxAmount: 7.5, Tracking: shipStationTag(),
		}},
		SubTotal:     50,
		TotalTax:     7.5,
		Total:        57.5,
		AmountDue:    57.5,
		CurrencyCode: "NZD",
	}
	for _, f := range mods {
		f(&inv)
	}
	return inv
}

// testContactOf is a company with both addresses and a DEFAULT phone.
func testContactOf(mods ...func(*xero.Contact)) *xero.Contact {
	c := &xero.Contact{
		ContactID:    "c0ffee00-0000-4000-8000-000000000001",
		Name:         "Acme Ltd",
		FirstName:    "Jane",
		LastName:     "Receiver",
		EmailAddress: "orders@acme.example",
		Addresses: []xero.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 12", City: "Auckland", PostalCode: "1140", Country: "New Zealand"},
			{AddressType: "STREET", AddressLine1: "1 Queen St", AddressLine2: "Level 3", City: "Auckland", Region: "Auckland", PostalCode: "1010", Country: "New Zealand"},
		},
		Phones: []xero.Phone{
			{PhoneType: "DDI"},
			{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "9", PhoneNumber: "555 0000"},
			{PhoneType: "FAX"},
			{PhoneType: "MOBILE", PhoneCountryCode: "64", PhoneAreaCode: "21", PhoneNumber: "123 4567"},
		},
	}
	for _, f := range mods {
		f(c)
	}
	return c
}

// mustExport decides and fails the test unless the decision is Export.
func mustExport(t *testing.T, inv xero.Invoice, c *xero.Contact, s Settings) Decision {
	t.Helper()
	d := Decide(inv, c, s, nil)
	if d.Kind != Export || d.Order == nil {
		t.Fatalf("Decide = %s (%s): %s; want export", d.Kind, d.Cause, d.Reason)
	}
	return d
}

// itemsTotal is the items' part of ShipStation's orderTotal, in cents.
func itemsCents(o *shipstation.Order) int64 {
	var n int64
	for _, it := range o.Items {
		n += int64(it.Quantity) * xero.Cents(it.UnitPrice)
	}
	return n
}

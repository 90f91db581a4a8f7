package bridge

import (
	"encoding/json"
	"testing"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/testenv"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// golden is what a golden file holds: the whole decision, with the order
// exactly as it would be sent.
type golden struct {
	Kind     Kind               `json:"kind"`
	Cause    Cause              `json:"cause,omitempty"`
	Reason   string             `json:"reason"`
	Summary  string             `json:"summary"`
	Warnings []string           `json:"warnings,omitempty"`
	Notes    []string           `json:"notes,omitempty"`
	Hash     string             `json:"hash,omitempty"`
	Order    *shipstation.Order `json:"order,omitempty"`
}

// TestGolden maps a handful of realistic invoices and compares the result
// with testdata/<name>.golden.json (go test -run Golden -update rewrites
// them; read the diff before committing).
func TestGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		inv     xero.Invoice
		contact *xero.Contact
		s       Settings
		prev    *Previous
	}{
		{"nz-exclusive-gst", nzInvoice(), nzContact(), testSettings(), nil},
		{"au-inclusive-paid", auInvoice(), auContact(), testSettings(func(s *Settings) { s.DefaultCountry = "AU" }), nil},
		{"us-notax-fractional", usInvoice(), usContact(), testSettings(func(s *Settings) { s.TrackingRule = false; s.ShippingItemCode = "FREIGHT" }), nil},
		{"non-latin", nonLatinInvoice(), nonLatinContact(), testSettings(), nil},
		{"nz-voided-cancel", func() xero.Invoice { inv := nzInvoice(); inv.Status = xero.StatusVoided; return inv }(), nzContact(), testSettings(),
			&Previous{OrderID: 58345234, OrderStatus: shipstation.StatusAwaitingShipment, Hash: "earlier"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Decide(tt.inv, tt.contact, tt.s, tt.prev)
			if d.Kind != Export && d.Kind != Cancel {
				t.Fatalf("Decide = %s/%s: %s", d.Kind, d.Cause, d.Reason)
			}
			got, err := json.MarshalIndent(golden{d.Kind, d.Cause, d.Reason, d.Summary(), d.Warnings, d.Notes, d.Hash, d.Order}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			testenv.Golden(t, tt.name+".golden.json", append(got, '\n'))
		})
	}
}

// nzInvoice: a wholesale order with two tagged lines (one discounted), a
// promotional credit and a courier charge, GST 15% exclusive, part paid.
func nzInvoice() xero.Invoice {
	return xero.Invoice{
		Type: xero.InvoiceTypeSales, InvoiceID: "9f2c1a7e-3b44-4c1e-a0d2-5e8f7a6b1c01", InvoiceNumber: "INV-0107",
		Reference: "PO 44821", Status: xero.StatusAuthorised,
		Contact: &xero.Contact{ContactID: "a3675fc4-0000-4000-8000-0000000000aa", Name: "Kōwhai Garden Supplies Ltd"},
		Date:    xero.NewDate(2026, 11, 23), DueDate: xero.NewDate(2026, 12, 20), LineAmountTypes: "Exclusive",
		LineItems: []xero.LineItem{
			{LineItemID: "5f7a612b-0001-4000-8000-000000000001", ItemCode: "POT-30", Description: "Glazed pot, 30 cm, sea green",
				Quantity: 4, UnitAmount: 42.5, LineAmount: 170, TaxType: "OUTPUT2", TaxAmount: 25.5, AccountCode: "200",
				Tracking: []xero.LineItemTracking{{Name: "Sales Channel", Option: "ShipStation"}, {Name: "Region", Option: "North"}}},
			{LineItemID: "5f7a612b-0001-4000-8000-000000000002", ItemCode: "SOIL-40L", Description: "Potting mix 40 L",
				Quantity: 6, UnitAmount: 18.9, DiscountRate: 10, LineAmount: 102.06, TaxType: "OUTPUT2", TaxAmount: 15.31, AccountCode: "200",
				Tracking: []xero.LineItemTracking{{Name: "Sales Channel", Option: "ShipStation"}}},
			{LineItemID: "5f7a612b-0001-4000-8000-000000000003", ItemCode: "PROMO", Description: "Spring promotion",
				Quantity: 1, UnitAmount: -20, LineAmount: -20, TaxType: "OUTPUT2", TaxAmount: -3, AccountCode: "200"},
			{LineItemID: "5f7a612b-0001-4000-8000-000000000004", ItemCode: "SHIPPING", Description: "Overnight courier, rural",
				Quantity: 1, UnitAmount: 24, LineAmount: 24, TaxType: "OUTPUT2", TaxAmount: 3.6, AccountCode: "260"},
			{LineItemID: "5f7a612b-0001-4000-8000-000000000005", Description: "Please deliver to the loading bay, not reception."},
		},
		SubTotal: 276.06, TotalTax: 41.41, Total: 317.47, AmountPaid: 100, AmountDue: 217.47, CurrencyCode: "NZD",
	}
}

func nzContact() *xero.Contact {
	return &xero.Contact{
		ContactID: "a3675fc4-0000-4000-8000-0000000000aa", Name: "Kōwhai Garden Supplies Ltd", FirstName: "Aroha", LastName: "Ngata",
		EmailAddress: "orders@kowhai.example.nz", ContactStatus: "ACTIVE",
		Addresses: []xero.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 3310", City: "Hamilton", PostalCode: "3240", Country: "New Zealand", AttentionTo: "Accounts"},
			{AddressType: "STREET", AddressLine1: "Unit 4", AddressLine2: "118 Kahikatea Drive", AddressLine3: "Frankton",
				City: "Hamilton", Region: "Waikato", PostalCode: "3204", Country: "NZ", AttentionTo: "Goods Inwards"},
		},
		Phones: []xero.Phone{
			{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "7", PhoneNumber: "847 1200"},
			{PhoneType: "MOBILE", PhoneCountryCode: "64", PhoneAreaCode: "21", PhoneNumber: "555 0199"},
			{PhoneType: "DDI"}, {PhoneType: "FAX"},
		},
	}
}

// auInvoice: a paid retail order, prices including 10% GST, shipping
// included; the contact has a street address only, with no country.
func auInvoice() xero.Invoice {
	return xero.Invoice{
		Type: xero.InvoiceTypeSales, InvoiceID: "3c1d9e20-5a6b-4f3c-9d1e-7b8a9c0d1e02", InvoiceNumber: "AU-2291",
		Status:  xero.StatusPaid,
		Contact: &xero.Contact{ContactID: "b1", Name: "Liam O'Brien"},
		Date:    xero.NewDate(2026, 11, 24), LineAmountTypes: "Inclusive",
		LineItems: []xero.LineItem{
			{LineItemID: "6a000000-0000-4000-8000-000000000001", ItemCode: "TEE-M-NVY", Description: "Merino tee, navy, M",
				Quantity: 3, UnitAmount: 59.95, LineAmount: 179.85, TaxType: "OUTPUT", TaxAmount: 16.35,
				Tracking: []xero.LineItemTracking{{Name: "Channel", Option: "shipstation"}}},
			{LineItemID: "6a000000-0000-4000-8000-000000000002", ItemCode: "SHIPPING", Description: "Express post",
				Quantity: 1, UnitAmount: 12.95, LineAmount: 12.95, TaxType: "OUTPUT", TaxAmount: 1.18},
		},
		SubTotal: 175.27, TotalTax: 17.53, Total: 192.8, AmountPaid: 192.8, FullyPaidOnDate: xero.NewDate(2026, 11, 25), CurrencyCode: "AUD",
	}
}

func auContact() *xero.Contact {
	return &xero.Contact{
		ContactID: "b1", Name: "Liam O'Brien", FirstName: "Liam", LastName: "O'Brien", EmailAddress: "liam@example.com.au",
		Addresses: []xero.Address{
			{AddressType: "POBOX"},
			{AddressType: "STREET", AddressLine1: "22 Wattle Street", City: "Fitzroy", Region: "VIC", PostalCode: "3065"},
		},
		Phones: []xero.Phone{{PhoneType: "DEFAULT"}, {PhoneType: "MOBILE", PhoneCountryCode: "61", PhoneNumber: "412 345 678"}},
	}
}

// usInvoice: no tax, cable sold by the metre, a line without an item code,
// freight under a custom item code; the tracking rule is off.
func usInvoice() xero.Invoice {
	return xero.Invoice{
		Type: xero.InvoiceTypeSales, InvoiceID: "7e4f2b10-aaaa-4bbb-8ccc-ddddeeee0003", InvoiceNumber: "US-50012",
		Reference: "Web order #118822", Status: xero.StatusAuthorised,
		Contact: &xero.Contact{ContactID: "c3", Name: "Northwind Robotics"},
		Date:    xero.NewDate(2026, 11, 2), LineAmountTypes: "NoTax",
		LineItems: []xero.LineItem{
			{LineItemID: "7b000000-0000-4000-8000-000000000001", ItemCode: "CBL-CAT6", Description: "Cat6 cable, per metre",
				Quantity: 12.5, UnitAmount: 1.2, LineAmount: 15},
			{LineItemID: "7b000000-0000-4000-8000-000000000002", Description: "Custom bracket (drawing 44-B)",
				Quantity: 3, UnitAmount: 33.33, LineAmount: 99.99},
			{LineItemID: "7b000000-0000-4000-8000-000000000003", ItemCode: "FREIGHT", Description: "Ground freight",
				Quantity: 1, UnitAmount: 18, LineAmount: 18},
		},
		SubTotal: 132.99, Total: 132.99, CurrencyCode: "USD",
	}
}

func usContact() *xero.Contact {
	return &xero.Contact{
		ContactID: "c3", Name: "Northwind Robotics", EmailAddress: "purchasing@northwind.example",
		ContactPersons: []xero.ContactPerson{{FirstName: "Dana", LastName: "Whitfield", EmailAddress: "dana@northwind.example"}},
		Addresses: []xero.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 7781", City: "Austin", Region: "TX", PostalCode: "78767", Country: "U.S.A."},
			{AddressType: "STREET", AddressLine1: "4100 Industrial Blvd", AddressLine2: "Dock 3", City: "Austin", Region: "TX",
				PostalCode: "78744-1221", Country: "United States"},
		},
		Phones: []xero.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "1", PhoneAreaCode: "512", PhoneNumber: "555-0142"}},
	}
}

// nonLatinInvoice: a Japanese customer shipping to Moscow.
func nonLatinInvoice() xero.Invoice {
	return xero.Invoice{
		Type: xero.InvoiceTypeSales, InvoiceID: "1a2b3c4d-0000-4000-8000-00000000jp04", InvoiceNumber: "INV-日本-0004",
		Reference: "注文番号 ４４２", Status: xero.StatusAuthorised,
		Contact: &xero.Contact{ContactID: "d4", Name: "株式会社さくら商事"},
		Date:    xero.NewDate(2026, 11, 10), LineAmountTypes: "NoTax",
		LineItems: []xero.LineItem{
			{LineItemID: "8c000000-0000-4000-8000-000000000001", ItemCode: "MATCHA-100", Description: "抹茶 100g «премиум»",
				Quantity: 10, UnitAmount: 24, LineAmount: 240, Tracking: []xero.LineItemTracking{{Name: "販売チャネル", Option: "ShipStation"}}},
		},
		SubTotal: 240, Total: 240, CurrencyCode: "JPY",
	}
}

func nonLatinContact() *xero.Contact {
	return &xero.Contact{
		ContactID: "d4", Name: "株式会社さくら商事", FirstName: "花子", LastName: "佐藤", EmailAddress: "hanako@sakura.example.jp",
		Addresses: []xero.Address{
			{AddressType: "STREET", AddressLine1: "ул. Тверская, д. 7", AddressLine2: "кв. 12", City: "Москва", Region: "Москва",
				PostalCode: "125009", Country: "Russia", AttentionTo: "Ольга Иванова"},
			{AddressType: "POBOX", AddressLine1: "千代田区丸の内1-1-1", City: "東京都", PostalCode: "100-0005", Country: "Japan"},
		},
		Phones: []xero.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "81", PhoneAreaCode: "3", PhoneNumber: "1234-5678"}},
	}
}

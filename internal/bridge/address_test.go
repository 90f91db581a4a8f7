package bridge

import (
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

func TestAddressFallbacks(t *testing.T) {
	t.Parallel()
	street := xero.Address{AddressType: "STREET", AddressLine1: "1 Queen St", City: "Auckland", PostalCode: "1010", Country: "New Zealand"}
	postal := xero.Address{AddressType: "POBOX", AddressLine1: "PO Box 12", City: "Auckland", PostalCode: "1140", Country: "NZ"}
	countryOnly := xero.Address{AddressType: "STREET", Country: "New Zealand", Region: "Auckland"}
	blank := xero.Address{AddressType: "POBOX", AddressLine1: " ", City: ""}
	tests := []struct {
		name        string
		addresses   []xero.Address
		wantBill    string // street1, or "" for a skip
		wantShip    string
		wantWarning string
		wantReason  string
	}{
		{"both", []xero.Address{postal, street}, "PO Box 12", "1 Queen St", "", ""},
		{"both, other order", []xero.Address{street, postal}, "PO Box 12", "1 Queen St", "", ""},
		{"lower-case types", []xero.Address{{AddressType: "pobox", AddressLine1: "PO Box 12", Country: "NZ"}, {AddressType: "street", AddressLine1: "1 Queen St", Country: "NZ"}}, "PO Box 12", "1 Queen St", "", ""},
		{"only postal", []xero.Address{postal}, "PO Box 12", "PO Box 12",
			`contact "Acme Ltd" has only a postal (POBOX) address; it was used for ship-to too`, ""},
		{"only street", []xero.Address{street, blank}, "1 Queen St", "1 Queen St",
			`contact "Acme Ltd" has only a street address; it was used for bill-to too`, ""},
		{"street with only a country is not an address", []xero.Address{countryOnly, postal}, "PO Box 12", "PO Box 12", "only a postal", ""},
		{"neither", []xero.Address{countryOnly, blank}, "", "", "",
			`contact "Acme Ltd" has no address; add a street (delivery) address to the contact in Xero`},
		{"none at all", nil, "", "", "", `contact "Acme Ltd" has no address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testContactOf(func(c *xero.Contact) { c.Addresses = tt.addresses })
			d := Decide(testInvoiceOf(), c, testSettings(), nil)
			if tt.wantReason != "" {
				if d.Kind != Skip || d.Cause != CauseNoAddress || !strings.Contains(d.Reason, tt.wantReason) {
					t.Fatalf("Decide = %s/%s %q; want skip containing %q", d.Kind, d.Cause, d.Reason, tt.wantReason)
				}
				return
			}
			if d.Kind != Export {
				t.Fatalf("Decide = %s: %s", d.Kind, d.Reason)
			}
			if d.Order.BillTo.Street1 != tt.wantBill || d.Order.ShipTo.Street1 != tt.wantShip {
				t.Errorf("billTo %q shipTo %q; want %q %q", d.Order.BillTo.Street1, d.Order.ShipTo.Street1, tt.wantBill, tt.wantShip)
			}
			// Either severity: TestNoteSeverity says which is which.
			if got := strings.Join(append(d.Warnings, d.Notes...), "|"); !strings.Contains(got, tt.wantWarning) || (tt.wantWarning == "" && got != "") {
				t.Errorf("notes %q; want %q", got, tt.wantWarning)
			}
		})
	}
}

func TestAddressFields(t *testing.T) {
	t.Parallel()
	a := xero.Address{
		AddressType: "STREET", AddressLine1: " Unit 4 ", AddressLine2: "12  Smith\nRoad", AddressLine3: "Industrial Park",
		AddressLine4: "Gate 2", City: "Wellington", Region: "Wellington", PostalCode: " 6011 ", Country: "new zealand",
	}
	d := mustExport(t, testInvoiceOf(), testContactOf(func(c *xero.Contact) { c.Addresses = []xero.Address{a} }), testSettings())
	want := shipstation.Address{
		Name: "Jane Receiver", Company: "Acme Ltd", Street1: "Unit 4", Street2: "12 Smith Road", Street3: "Industrial Park, Gate 2",
		City: "Wellington", State: "Wellington", PostalCode: "6011", Country: "NZ", Phone: "+64 9 555 0000",
	}
	if d.Order.ShipTo != want {
		t.Errorf("shipTo =\n %+v\nwant\n %+v", d.Order.ShipTo, want)
	}
}

func TestShipToWithoutStreet(t *testing.T) {
	t.Parallel()
	c := testContactOf(func(c *xero.Contact) {
		c.Addresses = []xero.Address{{AddressType: "STREET", City: "Auckland", PostalCode: "1010", Country: "NZ"}}
	})
	d := mustExport(t, testInvoiceOf(), c, testSettings())
	if w := strings.Join(d.Warnings, "|"); !strings.Contains(w, `the ship-to address of contact "Acme Ltd" has no street line`) {
		t.Errorf("warnings %q", w)
	}
}

func TestStreetLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		l1, l2, l3, l4 string
		want           [3]string
	}{
		{"1 Queen St", "", "", "", [3]string{"1 Queen St", "", ""}},
		{"", "", "1 Queen St", "", [3]string{"1 Queen St", "", ""}},
		{"a", "", "c", "d", [3]string{"a", "c", "d"}},
		{"a", "b", "", "d", [3]string{"a", "b", "d"}},
		{"a", "b", "c", "d", [3]string{"a", "b", "c, d"}},
	}
	for _, tt := range tests {
		got := streetLines(&xero.Address{AddressLine1: tt.l1, AddressLine2: tt.l2, AddressLine3: tt.l3, AddressLine4: tt.l4})
		if got != tt.want {
			t.Errorf("streetLines(%q,%q,%q,%q) = %q, want %q", tt.l1, tt.l2, tt.l3, tt.l4, got, tt.want)
		}
	}
}

func TestNameAndCompany(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		mod         func(*xero.Contact)
		wantShip    string
		wantBill    string
		wantCompany string
	}{
		{"attention on each address", func(c *xero.Contact) {
			c.Addresses[0].AttentionTo, c.Addresses[1].AttentionTo = "Accounts Payable", "Goods In"
		}, "Goods In", "Accounts Payable", "Acme Ltd"},
		{"primary person", func(*xero.Contact) {}, "Jane Receiver", "Jane Receiver", "Acme Ltd"},
		{"first name only", func(c *xero.Contact) { c.LastName = "" }, "Jane", "Jane", "Acme Ltd"},
		{"additional person", func(c *xero.Contact) {
			c.FirstName, c.LastName = "", ""
			c.ContactPersons = []xero.ContactPerson{{EmailAddress: "x@y"}, {FirstName: "Debbie", LastName: "Gwyther"}}
		}, "Debbie Gwyther", "Debbie Gwyther", "Acme Ltd"},
		{"contact name", func(c *xero.Contact) { c.FirstName, c.LastName = "", "" }, "Acme Ltd", "Acme Ltd", ""},
		{"person is the contact", func(c *xero.Contact) { c.Name = "jane  receiver" }, "Jane Receiver", "Jane Receiver", ""},
		{"attention beats person", func(c *xero.Contact) { c.Addresses[1].AttentionTo = " Bob " }, "Bob", "Jane Receiver", "Acme Ltd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := mustExport(t, testInvoiceOf(), testContactOf(tt.mod), testSettings()).Order
			if o.ShipTo.Name != tt.wantShip || o.BillTo.Name != tt.wantBill || o.ShipTo.Company != tt.wantCompany {
				t.Errorf("ship %q bill %q company %q; want %q %q %q", o.ShipTo.Name, o.BillTo.Name, o.ShipTo.Company, tt.wantShip, tt.wantBill, tt.wantCompany)
			}
		})
	}
	// Nobody to address it to at all.
	d := Decide(testInvoiceOf(), testContactOf(func(c *xero.Contact) { c.Name, c.FirstName, c.LastName = "", "", "" }), testSettings(), nil)
	if d.Kind != Skip || d.Cause != CauseContactName {
		t.Errorf("nameless contact: Decide = %s/%s %q", d.Kind, d.Cause, d.Reason)
	}
}

func TestPhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		phones []xero.Phone
		want   string
	}{
		{"default composed", []xero.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "9", PhoneNumber: "555 0000"}}, "+64 9 555 0000"},
		{"country code with plus", []xero.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "+1", PhoneAreaCode: "212", PhoneNumber: "222-2222"}}, "+1 212 222-2222"},
		{"no country code", []xero.Phone{{PhoneType: "DEFAULT", PhoneAreaCode: "212", PhoneNumber: "222-2222"}}, "212 222-2222"},
		{"number only", []xero.Phone{{PhoneType: "DEFAULT", PhoneNumber: "0800 123 456"}}, "0800 123 456"},
		{"default beats mobile", []xero.Phone{{PhoneType: "MOBILE", PhoneNumber: "021 1"}, {PhoneType: "DEFAULT", PhoneNumber: "09 2"}}, "09 2"},
		{"blank default falls back to mobile", []xero.Phone{{PhoneType: "DEFAULT", PhoneAreaCode: "9"}, {PhoneType: "DDI", PhoneNumber: "09 3"}, {PhoneType: "MOBILE", PhoneNumber: "021 1"}}, "021 1"},
		{"then ddi", []xero.Phone{{PhoneType: "DEFAULT"}, {PhoneType: "DDI", PhoneNumber: "09 3"}}, "09 3"},
		{"fax is never used", []xero.Phone{{PhoneType: "FAX", PhoneNumber: "09 4"}}, ""},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		if got := phone(&xero.Contact{Phones: tt.phones}); got != tt.want {
			t.Errorf("%s: phone = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAddressCountries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		street     string // the ship-to country
		postal     string // the bill-to country
		defaultCC  string
		wantShip   string
		wantBill   string
		wantCause  Cause
		wantReason string
	}{
		{"names", "New Zealand", "USA", "", "NZ", "US", CauseNone, ""},
		{"codes and case", "NZ", "united kingdom", "", "NZ", "GB", CauseNone, ""},
		{"blank uses the default", "", "", "NZ", "NZ", "NZ", CauseNone, ""},
		{"default does not override", "Australia", "", "NZ", "AU", "NZ", CauseNone, ""},
		{"blank without default", "", "NZ", "", "", "", CauseNoCountry,
			`the street address of contact "Acme Ltd" has no country; fill in its country in Xero (or set a default country)`},
		{"unknown ship-to", "Narnia", "NZ", "NZ", "", "", CauseUnknownCountry,
			`the country "Narnia" in the street address of contact "Acme Ltd" is not one we recognise; write the country's name or its 2-letter code in Xero (e.g. New Zealand or NZ)`},
		{"unknown bill-to", "NZ", "Narnia", "", "", "", CauseUnknownCountry, `"Narnia" in the postal address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testContactOf(func(c *xero.Contact) { c.Addresses[0].Country, c.Addresses[1].Country = tt.postal, tt.street })
			d := Decide(testInvoiceOf(), c, testSettings(func(s *Settings) { s.DefaultCountry = tt.defaultCC }), nil)
			if tt.wantCause != CauseNone {
				if d.Kind != Skip || d.Cause != tt.wantCause || !strings.Contains(d.Reason, tt.wantReason) {
					t.Fatalf("Decide = %s/%s %q; want skip/%s containing %q", d.Kind, d.Cause, d.Reason, tt.wantCause, tt.wantReason)
				}
				return
			}
			if d.Kind != Export || d.Order.ShipTo.Country != tt.wantShip || d.Order.BillTo.Country != tt.wantBill {
				t.Errorf("Decide = %s %q; countries ship %q bill %q, want %q %q", d.Kind, d.Reason, shipCountry(d), billCountry(d), tt.wantShip, tt.wantBill)
			}
		})
	}
}

func shipCountry(d Decision) string {
	if d.Order == nil {
		return ""
	}
	return d.Order.ShipTo.Country
}

func billCountry(d Decision) string {
	if d.Order == nil {
		return ""
	}
	return d.Order.BillTo.Country
}

func TestNonLatinContact(t *testing.T) {
	t.Parallel()
	c := &xero.Contact{
		ContactID: "c2", Name: "株式会社日本語商事", FirstName: "太郎", LastName: "山田", EmailAddress: "taro@example.jp",
		Addresses: []xero.Address{
			{AddressType: "STREET", AddressLine1: "ул. Тверская, д. 7", AddressLine2: "кв. 12", City: "Москва", PostalCode: "125009", Country: "Russia"},
			{AddressType: "POBOX", AddressLine1: "千代田区丸の内1-1", City: "東京都", PostalCode: "100-0005", Country: "Japan"},
		},
	}
	o := mustExport(t, testInvoiceOf(func(inv *xero.Invoice) { inv.LineItems[0].Description = "抹茶 (Matcha) 100g — «премиум»" }), c, testSettings()).Order
	if o.ShipTo.Street1 != "ул. Тверская, д. 7" || o.ShipTo.City != "Москва" || o.ShipTo.Country != "RU" ||
		o.BillTo.Street1 != "千代田区丸の内1-1" || o.BillTo.City != "東京都" || o.BillTo.Country != "JP" ||
		o.ShipTo.Name != "太郎 山田" || o.ShipTo.Company != "株式会社日本語商事" || o.Items[0].Name != "抹茶 (Matcha) 100g — «премиум»" {
		t.Errorf("non-Latin text changed: shipTo %+v billTo %+v item %q", o.ShipTo, o.BillTo, o.Items[0].Name)
	}
}

package demo

import "github.com/orderbridge/orderbridge/internal/xero/xeroemu"

// OrgName is a name for the demo organisation, for xeroemu.Options.OrgNames:
// a New Zealand café and homeware supplier, which is who the data describes.
const OrgName = "Kōwhai Café Supplies Ltd"

// OrgTimezone is the demo organisation's Timezone, as Xero names New
// Zealand's: the demo's pages show times in Auckland.
const OrgTimezone = "NEWZEALANDSTANDARDTIME"

// The tracking categories every demo organisation has. "ShipStation" is the
// option the default tracking rule looks for; the others are what a
// merchant uses for orders that do not ship (trade counter sales, wholesale
// collected from the warehouse).
const (
	// ChannelCategory is the tracking category that routes invoices.
	ChannelCategory = "Sales Channel"
	// OptionShipStation is the option the default settings sync.
	OptionShipStation = "ShipStation"
	// OptionWholesale marks wholesale invoices collected by the customer.
	OptionWholesale = "Wholesale"
	// OptionRetail marks over-the-counter sales.
	OptionRetail = "Retail Counter"
	// RegionCategory is a second category, so some lines carry two options
	// (Xero allows two per line).
	RegionCategory = "Region"
)

// regionOptions are RegionCategory's options.
var regionOptions = []string{"North Island", "South Island", "International"}

// product is a catalogue item: the Xero ItemCode (the ShipStation SKU), the
// description (the item name) and a unit price without tax.
type product struct {
	code, desc string
	price      float64
	// perMetre items are sold in fractional quantities.
	perMetre bool
}

// catalogue is the merchant's range: café and homeware supplies.
var catalogue = []product{
	{code: "BEAN-ESP-1KG", desc: "Espresso beans, 1 kg bag", price: 42.00},
	{code: "BEAN-FLT-500", desc: "Filter roast, 500 g", price: 21.50},
	{code: "GRND-HAND", desc: "Hand grinder, ceramic burr", price: 89.00},
	{code: "MUG-ENM-350", desc: "Enamel mug, 350 ml", price: 14.90},
	{code: "KETL-GOOSE", desc: "Gooseneck kettle, 1 L", price: 119.00},
	{code: "TEA-SENCHA-100", desc: "Sencha green tea, 100 g tin", price: 18.00},
	{code: "FLTR-PAPER-100", desc: "Paper filters, pack of 100", price: 9.50},
	{code: "SCALE-BREW", desc: "Brew scale with timer", price: 65.00},
	{code: "POUR-V60", desc: "Pour-over dripper, ceramic", price: 39.00},
	{code: "TOWEL-LINEN", desc: "Linen tea towel", price: 16.00},
	{code: "CABLE-CAT6", desc: "Cat6 network cable, per metre", price: 3.20, perMetre: true},
}

// shippingCode is the item code of the shipping line, as DefaultSettings
// expects it.
const shippingCode = "SHIPPING"

// notes are description-only lines: no quantity, no price.
var notes = []string{
	"Please deliver to the loading bay",
	"Gift wrap requested: card reads \"Happy birthday!\"",
	"Leave with the neighbour at no. 12 if nobody is home",
	"Thank you for your business",
}

// supplies are what the merchant buys on bills (ACCPAY).
var supplies = []product{
	{desc: "Kraft mailer boxes, pack of 50", price: 64.00},
	{desc: "Bubble wrap roll, 50 m", price: 38.50},
	{desc: "Courier account, monthly charges", price: 212.40},
	{desc: "Green coffee, 30 kg sack", price: 315.00},
}

// curated are the showcase contacts, each there to show one rule (Role).
// Countries are written as people type them into Xero.
var curated = []contactSpec{
	{role: "both-addresses", c: xeroemu.Contact{
		Name: "Kauri Coffee Roasters Ltd", FirstName: "Mere", LastName: "Tane", EmailAddress: "orders@kauricoffee.co.nz",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 5123", City: "Auckland", PostalCode: "1141", Country: "New Zealand"},
			{AddressType: "STREET", AddressLine1: "Unit 4", AddressLine2: "27 Gaunt Street", AddressLine3: "Wynyard Quarter", City: "Auckland", Region: "Auckland", PostalCode: "1010", Country: "New Zealand", AttentionTo: "Goods Inwards"},
		},
		Phones:         []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "09", PhoneNumber: "379 4410"}, {PhoneType: "MOBILE", PhoneCountryCode: "64", PhoneAreaCode: "021", PhoneNumber: "555 0192"}},
		ContactPersons: []xeroemu.ContactPerson{{FirstName: "Sam", LastName: "Whitcombe", EmailAddress: "sam@kauricoffee.co.nz", IncludeInEmails: true}},
	}},
	{role: "street-only", c: xeroemu.Contact{
		Name: "Harbourside Deli", EmailAddress: "hello@harboursidedeli.nz",
		Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "112 Oriental Parade", City: "Wellington", PostalCode: "6011", Country: "NZ"}},
		Phones:    []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "04", PhoneNumber: "801 7720"}},
	}},
	{role: "pobox-only", c: xeroemu.Contact{
		Name: "Ōtaki Wool Co", FirstName: "Hēmi", LastName: "Parata", EmailAddress: "hemi@otakiwool.co.nz",
		Addresses: []xeroemu.Address{{AddressType: "POBOX", AddressLine1: "PO Box 88", City: "Ōtaki", PostalCode: "5542", Country: "new zealand"}},
		Phones:    []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "06", PhoneNumber: "364 8120"}},
	}},
	{role: "us-state", c: xeroemu.Contact{
		Name: "Golden Gate Outfitters Inc", FirstName: "Dana", LastName: "Okafor", EmailAddress: "purchasing@ggoutfitters.com",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 77210", City: "San Francisco", Region: "CA", PostalCode: "94107", Country: "USA"},
			{AddressType: "STREET", AddressLine1: "1450 Folsom Street", AddressLine2: "Suite 300", City: "San Francisco", Region: "CA", PostalCode: "94103", Country: "USA"},
		},
		Phones: []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "1", PhoneAreaCode: "415", PhoneNumber: "555 0134"}},
	}},
	{role: "attention-to", c: xeroemu.Contact{
		Name: "Brooklyn Paper Goods LLC", EmailAddress: "ap@brooklynpaper.com",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 1187", City: "Brooklyn", Region: "NY", PostalCode: "11201", Country: "United States"},
			{AddressType: "STREET", AddressLine1: "55 Water Street", AddressLine2: "Building B", City: "Brooklyn", Region: "NY", PostalCode: "11201", Country: "United States", AttentionTo: "Receiving Dock 4"},
		},
		Phones:         []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "1", PhoneAreaCode: "718", PhoneNumber: "555 0199"}},
		ContactPersons: []xeroemu.ContactPerson{{FirstName: "Priya", LastName: "Raman", EmailAddress: "priya@brooklynpaper.com", IncludeInEmails: true}},
	}},
	{role: "mobile-only", c: xeroemu.Contact{
		Name: "Lone Star Leather Co", FirstName: "Cody", LastName: "Alvarez", EmailAddress: "cody@lonestarleather.com",
		Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "2201 E Cesar Chavez St", City: "Austin", Region: "TX", PostalCode: "78702", Country: "U.S.A."}},
		Phones:    []xeroemu.Phone{{PhoneType: "MOBILE", PhoneCountryCode: "1", PhoneAreaCode: "512", PhoneNumber: "555 0175"}},
	}},
	{role: "uk", c: xeroemu.Contact{
		Name: "Thames Valley Tea Merchants Ltd", FirstName: "Oliver", LastName: "Hughes", EmailAddress: "oliver@tvtea.co.uk",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 431", City: "Reading", Region: "Berkshire", PostalCode: "RG1 1AX", Country: "United Kingdom"},
			{AddressType: "STREET", AddressLine1: "Unit 9, Kennet Side", AddressLine2: "Bank Side", City: "Reading", Region: "Berkshire", PostalCode: "RG1 3DW", Country: "United Kingdom"},
		},
		Phones: []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "44", PhoneAreaCode: "118", PhoneNumber: "496 0321"}},
	}},
	{role: "uk-pobox", c: xeroemu.Contact{
		Name: "Highland Knitwear", EmailAddress: "shop@highlandknitwear.co.uk",
		Addresses: []xeroemu.Address{{AddressType: "POBOX", AddressLine1: "PO Box 12", City: "Inverness", PostalCode: "IV1 1AA", Country: "UK"}},
		Phones:    []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "44", PhoneAreaCode: "1463", PhoneNumber: "710 200"}},
	}},
	{role: "germany", c: xeroemu.Contact{
		Name: "Müller & Söhne GmbH", FirstName: "Jürgen", LastName: "Müller", EmailAddress: "einkauf@mueller-soehne.de",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "Postfach 10 12 34", City: "Berlin", PostalCode: "10002", Country: "Deutschland"},
			{AddressType: "STREET", AddressLine1: "Friedrichstraße 123", AddressLine2: "Hinterhaus, 2. OG", City: "Berlin", PostalCode: "10117", Country: "Deutschland"},
		},
		Phones: []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "49", PhoneAreaCode: "30", PhoneNumber: "2094 5566"}},
	}},
	{role: "non-latin", c: xeroemu.Contact{
		Name: "株式会社さくら商事", FirstName: "太郎", LastName: "山田", EmailAddress: "yamada@sakura-shoji.co.jp",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "渋谷郵便局私書箱 第45号", City: "渋谷区", Region: "東京都", PostalCode: "150-8799", Country: "Japan"},
			{AddressType: "STREET", AddressLine1: "神宮前1丁目2番3号", AddressLine2: "さくらビル5階", City: "渋谷区", Region: "東京都", PostalCode: "150-0001", Country: "Japan", AttentionTo: "山田 太郎 様"},
		},
		Phones:         []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "81", PhoneAreaCode: "3", PhoneNumber: "5555 0123"}},
		ContactPersons: []xeroemu.ContactPerson{{FirstName: "花子", LastName: "佐藤", EmailAddress: "sato@sakura-shoji.co.jp"}},
	}},
	{role: "canada", c: xeroemu.Contact{
		Name: "Maple Leaf Provisions Inc", FirstName: "Émilie", LastName: "Tremblay", EmailAddress: "emilie@mapleleafprovisions.ca",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 4410, Station A", City: "Toronto", Region: "ON", PostalCode: "M5W 4B2", Country: "Canada"},
			{AddressType: "STREET", AddressLine1: "388 King Street West", City: "Toronto", Region: "ON", PostalCode: "M5V 1K2", Country: "Canada"},
		},
		Phones: []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "1", PhoneAreaCode: "416", PhoneNumber: "555 0148"}},
	}},
	{role: "australia", c: xeroemu.Contact{
		Name: "Brisbane Surf Supplies Pty Ltd", FirstName: "Liam", LastName: "Nguyen", EmailAddress: "liam@brissurf.com.au",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 310", City: "Fortitude Valley", Region: "QLD", PostalCode: "4006", Country: "Australia"},
			{AddressType: "STREET", AddressLine1: "41 Ann Street", City: "Brisbane", Region: "QLD", PostalCode: "4000", Country: "Australia"},
		},
		Phones: []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "61", PhoneAreaCode: "7", PhoneNumber: "3555 0111"}},
	}},
	{role: "australia-street", c: xeroemu.Contact{
		Name: "Melbourne Tea House", EmailAddress: "orders@melbteahouse.com.au",
		Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "210 Flinders Lane", City: "Melbourne", Region: "VIC", PostalCode: "3000", Country: "AU"}},
		Phones:    []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "61", PhoneAreaCode: "3", PhoneNumber: "9555 0162"}},
	}},
	{role: "australia-pobox", c: xeroemu.Contact{
		Name: "Perth Pet Supplies", EmailAddress: "accounts@perthpets.com.au",
		Addresses: []xeroemu.Address{{AddressType: "POBOX", AddressLine1: "Locked Bag 7", City: "Osborne Park", Region: "WA", PostalCode: "6917", Country: "Australia"}},
		Phones:    []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "61", PhoneAreaCode: "8", PhoneNumber: "9555 0187"}},
	}},
	{role: "no-address", c: xeroemu.Contact{
		Name: "Tui Gardens", EmailAddress: "tui.gardens@xtra.co.nz",
		Phones: []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "07", PhoneNumber: "838 1122"}},
	}},
	{role: "unknown-country", c: xeroemu.Contact{
		Name: "Cair Paravel Trading", FirstName: "Susan", LastName: "Pevensie", EmailAddress: "susan@cairparavel.example",
		Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "1 Castle Causeway", City: "Cair Paravel", Country: "Narnia"}},
	}},
	{role: "blank-country", c: xeroemu.Contact{
		Name: "Aro Valley Books", EmailAddress: "books@arovalley.nz",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 9021", City: "Wellington", PostalCode: "6141"},
			{AddressType: "STREET", AddressLine1: "88 Aro Street", City: "Wellington", PostalCode: "6021"},
		},
	}},
	{role: "person", c: xeroemu.Contact{
		Name: "Aroha Ngata", FirstName: "Aroha", LastName: "Ngata", EmailAddress: "aroha.ngata@gmail.com",
		Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "14 Kowhai Road", AddressLine2: "RD 2", City: "Whakatāne", Region: "Bay of Plenty", PostalCode: "3192", Country: "NZ"}},
		Phones:    []xeroemu.Phone{{PhoneType: "MOBILE", PhoneCountryCode: "64", PhoneAreaCode: "027", PhoneNumber: "555 0166"}},
	}},
	{role: "south-island", c: xeroemu.Contact{
		Name: "Southern Alps Outdoor Ltd", FirstName: "Fiona", LastName: "McKenzie", EmailAddress: "fiona@southernalps.co.nz",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 13 456", City: "Christchurch", Region: "Canterbury", PostalCode: "8141", Country: "NZ"},
			{AddressType: "STREET", AddressLine1: "300 Tuam Street", City: "Christchurch", Region: "Canterbury", PostalCode: "8011", Country: "NZ"},
		},
		Phones: []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "03", PhoneNumber: "366 2010"}},
	}},
	{role: "lower-case-country", c: xeroemu.Contact{
		Name: "Kiwi Kitchenware Ltd", EmailAddress: "buying@kiwikitchenware.co.nz",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 19 220", City: "Hamilton", PostalCode: "3244", Country: "nz"},
			{AddressType: "STREET", AddressLine1: "Te Rapa Road", AddressLine2: "Gate 3", City: "Hamilton", Region: "Waikato", PostalCode: "3200", Country: "nz"},
		},
		Phones: []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "07", PhoneNumber: "849 3300"}},
	}},
	{role: "seattle", c: xeroemu.Contact{
		Name: "Pacific Northwest Coffee Co", EmailAddress: "orders@pnwcoffee.com",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 3390", City: "Seattle", Region: "WA", PostalCode: "98114", Country: "US"},
			{AddressType: "STREET", AddressLine1: "1912 Pike Place", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"},
		},
		Phones: []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "1", PhoneAreaCode: "206", PhoneNumber: "555 0110"}},
	}},
	{role: "walk-in", c: xeroemu.Contact{
		Name: "Walk-in Customer",
	}},
	{role: "supplier", supplier: true, c: xeroemu.Contact{
		Name: "Pacific Packaging Supplies Ltd", EmailAddress: "accounts@pacpack.co.nz",
		Addresses: []xeroemu.Address{{AddressType: "POBOX", AddressLine1: "PO Box 76 001", City: "Manukau", PostalCode: "2241", Country: "New Zealand"}},
		Phones:    []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "09", PhoneNumber: "262 4000"}},
	}},
	{role: "supplier-green-coffee", supplier: true, c: xeroemu.Contact{
		Name: "Highlands Green Coffee Importers", EmailAddress: "billing@highlandsgreen.co.nz",
		Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "5 Port Road", City: "Tauranga", PostalCode: "3116", Country: "New Zealand"}},
	}},
	{role: "canada-street", c: xeroemu.Contact{
		Name: "Vancouver Island Mercantile", FirstName: "Noah", LastName: "Singh", EmailAddress: "noah@vimercantile.ca",
		Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "620 Johnson Street", City: "Victoria", Region: "BC", PostalCode: "V8W 1M6", Country: "Canada"}},
		Phones:    []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "1", PhoneAreaCode: "250", PhoneNumber: "555 0121"}},
	}},
}

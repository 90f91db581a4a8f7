package demo

import (
	"fmt"

	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// showcase is an invoice that is always seeded, to show one rule.
type showcase struct {
	role, contact, status, note string
	// bill makes it an ACCPAY bill from the (supplier) contact.
	bill bool
	// amounts is LineAmountTypes; Exclusive when empty.
	amounts   string
	reference string
	// deposit is a part payment applied to an AUTHORISED invoice.
	deposit float64
	// lines builds the lines with the contact's tax type.
	lines func(g *gen, tax string) []xeroemu.LineItem
}

// showcases are the invoices every demo has, in the order Summary lists
// them. Each line-building function takes the tax type matching its contact
// (GST at home, zero-rated for exports).
var showcases = []showcase{
	{role: "exported", contact: "both-addresses", status: "AUTHORISED", reference: "PO-4471",
		note: "bill-to from the POBOX, ship-to from the STREET address (attention Goods Inwards); 10% discount; shipping line",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			beans := g.line("BEAN-ESP-1KG", 6, tax, OptionShipStation)
			beans.DiscountRate = 10
			return []xeroemu.LineItem{beans, g.line("GRND-HAND", 2, tax, OptionShipStation), g.line("MUG-ENM-350", 12, tax, ""), g.shipping(12.50, tax)}
		}},
	{role: "paid-inclusive", contact: "street-only", status: "PAID", amounts: "Inclusive",
		note: "paid; tax-inclusive prices; the street address is used for bill-to too (an info note, not a warning)",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("TEA-SENCHA-100", 4, tax, OptionShipStation), g.line("TOWEL-LINEN", 6, tax, OptionShipStation)}
		}},
	{role: "pobox-only", contact: "pobox-only", status: "AUTHORISED",
		note: "the postal address is used for ship-to too (warning); the note line goes to internal notes",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("POUR-V60", 2, tax, OptionShipStation), g.line("FLTR-PAPER-100", 5, tax, OptionShipStation), g.note(notes[0])}
		}},
	{role: "fractional", contact: "us-state", status: "AUTHORISED",
		note: "12.5 m of cable: one item with the real quantity in its name (warning); state CA; export shipping",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("CABLE-CAT6", 12.5, tax, OptionShipStation), g.line("SCALE-BREW", 3, tax, OptionShipStation), g.shipping(45, tax)}
		}},
	{role: "discount-amount", contact: "attention-to", status: "AUTHORISED", amounts: "NoTax",
		note: "ship-to name from AttentionTo (Receiving Dock 4); a 5.00 discount on 3 mugs leaves a rounding cent",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			mugs := g.line("MUG-ENM-350", 3, tax, OptionShipStation)
			mugs.DiscountAmount = 5
			return []xeroemu.LineItem{mugs, g.line("KETL-GOOSE", 1, tax, OptionShipStation)}
		}},
	{role: "germany", contact: "germany", status: "PAID",
		note: "country typed as Deutschland is sent as DE; umlauts and ß kept",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("BEAN-FLT-500", 10, tax, OptionShipStation), g.shipping(60, tax)}
		}},
	{role: "non-latin", contact: "non-latin", status: "AUTHORISED",
		note: "Japanese contact, address and note go through untouched",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("TEA-SENCHA-100", 20, tax, OptionShipStation), g.note("のし紙をお願いします（御礼）")}
		}},
	{role: "credit-line", contact: "canada", status: "AUTHORISED",
		note: "a negative loyalty-credit line becomes an adjustment item",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			credit := xeroemu.LineItem{LineItemID: g.uuid(), Description: "Loyalty credit", Quantity: 1, UnitAmount: -20, AccountCode: "200", TaxType: tax}
			return []xeroemu.LineItem{g.line("KETL-GOOSE", 2, tax, OptionShipStation), credit}
		}},
	{role: "two-categories", contact: "uk-pobox", status: "AUTHORISED",
		note: "a line with two tracking categories (Sales Channel and Region); UK written as UK",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			li := g.line("TOWEL-LINEN", 10, tax, OptionShipStation)
			li.Tracking = append(li.Tracking, xeroemu.LineItemTracking{Name: RegionCategory, Option: "International"})
			return []xeroemu.LineItem{li}
		}},
	{role: "part-paid", contact: "mobile-only", status: "AUTHORISED", deposit: 100,
		note: "a 100.00 deposit paid (amountPaid); phone from the MOBILE number",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("KETL-GOOSE", 2, tax, OptionShipStation)}
		}},
	{role: "person", contact: "person", status: "PAID", amounts: "Inclusive",
		note: "a person who is their own contact: no company on the label; an engraving line without an item code (no SKU)",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			engraving := xeroemu.LineItem{LineItemID: g.uuid(), Description: "Engraving on the scale: \"For Mum\"", Quantity: 1, UnitAmount: 15, AccountCode: "200", TaxType: tax}
			return []xeroemu.LineItem{g.line("SCALE-BREW", 1, tax, OptionShipStation), g.line("POUR-V60", 1, tax, OptionShipStation), engraving}
		}},
	{role: "no-address", contact: "no-address", status: "AUTHORISED",
		note: "the contact has no address: the log names the contact to fix",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("BEAN-ESP-1KG", 2, tax, OptionShipStation)}
		}},
	{role: "unknown-country", contact: "unknown-country", status: "AUTHORISED",
		note: "the country Narnia is not one the mapping recognises",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("GRND-HAND", 1, tax, OptionShipStation)}
		}},
	{role: "blank-country", contact: "blank-country", status: "AUTHORISED",
		note: "the address has no country and no default country is set",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("MUG-ENM-350", 4, tax, OptionShipStation)}
		}},
	{role: "retail-counter", contact: "walk-in", status: "PAID", amounts: "Inclusive",
		note: "sold over the counter (Retail Counter): no ShipStation line",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("MUG-ENM-350", 2, tax, OptionRetail), g.line("BEAN-FLT-500", 1, tax, OptionRetail)}
		}},
	{role: "wholesale", contact: "uk", status: "AUTHORISED", reference: "TVT-PO-2231",
		note: "a wholesale order the customer collects (Wholesale option)",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("TEA-SENCHA-100", 48, tax, OptionWholesale)}
		}},
	{role: "draft", contact: "lower-case-country", status: "DRAFT",
		note: "a draft: sent once approved",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("KETL-GOOSE", 3, tax, OptionShipStation)}
		}},
	{role: "submitted", contact: "south-island", status: "SUBMITTED",
		note: "awaiting approval: sent once approved",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("BEAN-ESP-1KG", 4, tax, OptionShipStation), g.shipping(8.50, tax)}
		}},
	{role: "voided", contact: "australia", status: "VOIDED",
		note: "voided before it was ever sent: nothing to cancel",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("SCALE-BREW", 2, tax, OptionShipStation)}
		}},
	{role: "deleted", contact: "australia-street", status: "DELETED",
		note: "deleted before it was ever sent: nothing to cancel",
		lines: func(g *gen, tax string) []xeroemu.LineItem {
			return []xeroemu.LineItem{g.line("TEA-SENCHA-100", 6, tax, OptionShipStation)}
		}},
	{role: "bill", contact: "supplier", status: "AUTHORISED", bill: true,
		note: "a supplier's bill (ACCPAY): never an order, even with a ShipStation line"},
	{role: "bill-paid", contact: "supplier-green-coffee", status: "PAID", bill: true,
		note: "a paid bill (ACCPAY): never an order"},
}

// showcase builds one showcase invoice.
func (g *gen) showcase(sc showcase) *invoiceSpec {
	cs := g.byRole[sc.contact]
	if cs == nil {
		panic(fmt.Sprintf("demo: showcase %s: no contact with role %s", sc.role, sc.contact)) // a typo in the table
	}
	if sc.bill {
		is := g.bill(cs, sc.status, sc.status == "AUTHORISED")
		is.role, is.note = sc.role, sc.note
		return is
	}
	tax := "ZERORATEDOUTPUT"
	if cs.domestic {
		tax = "OUTPUT"
	}
	date, upd := g.date(laterDays(sc.status))
	inv := xeroemu.Invoice{
		Type: "ACCREC", InvoiceID: g.uuid(), Status: sc.status, Reference: sc.reference,
		Contact: xeroemu.Contact{ContactID: cs.c.ContactID}, Date: date, DueDate: date.AddDate(0, 0, 20),
		LineAmountTypes: sc.amounts, LineItems: sc.lines(g, tax), UpdatedDateUTC: upd,
	}
	if sc.deposit > 0 {
		inv.Payments = []xeroemu.Payment{{PaymentID: g.uuid(), Date: date, Amount: sc.deposit, Reference: "Deposit"}}
	}
	return &invoiceSpec{role: sc.role, note: sc.note, contact: cs, inv: inv}
}

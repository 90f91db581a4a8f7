package bridge

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// maxQuantity is the largest item quantity ShipStation stores (1-99999).
const maxQuantity = 99999

// RoundingKey is the lineItemKey of the adjustment item that absorbs the
// cents lost when a line's amount does not divide evenly by its quantity,
// so the order's total still equals the invoice's.
const RoundingKey = "rounding"

// QuantityOption is the item option that carries a Xero quantity
// ShipStation cannot take (fractional, or above 99,999).
const QuantityOption = "Quantity in Xero"

// lineResult is what the invoice's lines become.
type lineResult struct {
	items         []shipstation.OrderItem
	shippingCents int64
	notes         string
}

// lines maps the invoice's lines: items, the shipping amount, notes.
//
// Every amount is taken without tax, and the order's taxAmount is the
// invoice's TotalTax. ShipStation computes orderTotal as items + taxAmount
// + shippingAmount, so that is the invoice's SubTotal + TotalTax = Total
// for Exclusive, Inclusive and NoTax invoices alike. For Inclusive
// invoices the tax in each line (its TaxAmount) is taken out of the line.
func (m *mapper) lines() (lineResult, *problem) {
	inv := m.inv
	var r lineResult
	if len(inv.LineItems) == 0 {
		return r, &problem{CauseNothingToShip, "the invoice has no lines, so there is nothing to ship"}
	}
	inclusive := strings.EqualFold(strings.TrimSpace(inv.LineAmountTypes), "Inclusive")
	var notes []string
	var lost int64 // cents lost to per-unit rounding
	physical := 0
	for i := range inv.LineItems {
		l := &inv.LineItems[i]
		amount := lineCents(l)
		if inclusive {
			amount -= xero.Cents(l.TaxAmount)
		}
		if m.s.isShipping(l) {
			r.shippingCents += amount
			continue
		}
		qty := math.Round(l.Quantity*10000) / 10000 // Xero's 4 decimal places
		if qty == 0 && amount == 0 {
			// A description-only line (Xero allows lines with no quantity
			// or price): a note for whoever packs, not an item.
			if d := multiLine(l.Description); d != "" {
				notes = append(notes, d)
			}
			continue
		}
		it := shipstation.OrderItem{
			LineItemKey: l.LineItemID,
			SKU:         m.fit(fmt.Sprintf("the SKU of line %d", i+1), oneLine(l.ItemCode), maxSKU, false),
			Name:        itemName(l),
		}
		switch {
		case amount < 0:
			// A discount, credit or return: an adjustment item, which
			// ShipStation allows to have a negative price (its quantity
			// must still be positive).
			it.Quantity, it.UnitPrice, it.Adjustment = 1, xero.FromCents(amount), true
		case qty == 0:
			it.Quantity, it.UnitPrice = 1, xero.FromCents(amount)
			m.note(NoteNoQuantity, "line %d (%s) has an amount but no quantity; it was sent as 1", i+1, it.Name)
			physical++
		case qty != math.Trunc(qty) || qty < 1 || qty > maxQuantity:
			// ShipStation quantities are whole numbers from 1 to 99,999.
			// 1.5 m of cable ships as one item priced at the whole line,
			// with the real quantity in the name and an option, so the
			// packer sees it and the total stays right.
			q := strconv.FormatFloat(qty, 'f', -1, 64)
			it.Quantity, it.UnitPrice = 1, xero.FromCents(amount)
			it.Name = q + " × " + it.Name
			it.Options = []shipstation.ItemOption{{Name: QuantityOption, Value: q}}
			m.note(NoteFractionalQuantity, "line %d (%s) has quantity %s, which ShipStation cannot take; it was sent as 1 at the line's total", i+1, itemName(l), q)
			physical++
		default:
			n := int64(qty)
			unit := divRound(amount, n)
			lost += amount - unit*n
			it.Quantity, it.UnitPrice = int(n), xero.FromCents(unit)
			physical++
		}
		it.Name = m.fit(fmt.Sprintf("the name of line %d", i+1), it.Name, maxItemName, true)
		r.items = append(r.items, it)
	}
	if physical == 0 {
		return r, &problem{CauseNothingToShip, "no line of the invoice has a quantity and a price (only notes, shipping or discounts), so there is nothing to ship"}
	}
	r.notes = strings.Join(notes, "\n")
	m.balance(&r, lost)
	return r, nil
}

// balance makes the order's total equal the invoice's. The cents lost to
// per-unit rounding, and any cent Xero's invoice-level tax rounding adds,
// become one "Rounding" adjustment item; a larger gap means the invoice's
// lines do not add up to its total (for example lines missing from the
// data) and is only warned about, never papered over.
func (m *mapper) balance(r *lineResult, lost int64) {
	got := xero.Cents(m.inv.TotalTax) + r.shippingCents
	for _, it := range r.items {
		got += int64(it.Quantity) * xero.Cents(it.UnitPrice)
	}
	gap := xero.Cents(m.inv.Total) - got
	if gap == 0 {
		return
	}
	tolerance := max(abs(lost), int64(len(m.inv.LineItems)))
	if abs(gap) > tolerance {
		m.note(NoteTotalDiffers, "the order's total %s differs from the invoice's total %s; check the invoice's lines in Xero", money(got), money(xero.Cents(m.inv.Total)))
		return
	}
	r.items = append(r.items, shipstation.OrderItem{
		LineItemKey: RoundingKey,
		Name:        "Rounding",
		Quantity:    1,
		UnitPrice:   xero.FromCents(gap),
		Adjustment:  true,
	})
}

// lineCents is the line's amount in cents as Xero gives it (LineAmount:
// after discount; with or without tax per the invoice's LineAmountTypes),
// worked out from quantity, unit price and discount when Xero left it out.
func lineCents(l *xero.LineItem) int64 {
	if l.LineAmount != 0 {
		return xero.Cents(l.LineAmount)
	}
	gross := l.Quantity * l.UnitAmount
	switch {
	case l.DiscountRate != 0:
		gross *= 1 - l.DiscountRate/100
	case l.DiscountAmount != 0:
		gross -= l.DiscountAmount
	}
	return xero.Cents(gross)
}

// itemName is the item's name: the line's Description (on one line), else
// the Xero item's name, else its code, else "Item" (ShipStation requires a
// name).
func itemName(l *xero.LineItem) string {
	if d := oneLine(l.Description); d != "" {
		return d
	}
	if l.Item != nil {
		if n := oneLine(l.Item.Name); n != "" {
			return n
		}
	}
	if c := oneLine(l.ItemCode); c != "" {
		return c
	}
	return "Item"
}

// divRound divides cents by n, rounding half away from zero.
func divRound(cents, n int64) int64 {
	q, rem := cents/n, cents%n
	if 2*abs(rem) >= n {
		if cents < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

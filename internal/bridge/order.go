package bridge

import (
	"fmt"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// SourceXero is advancedOptions.source on every order, so ShipStation users
// (and our own reconciliation) can tell where an order came from.
const SourceXero = "Xero"

// problem is a reason the order cannot be built; it becomes a Skip.
type problem struct {
	cause  Cause
	reason string
}

// mapper builds one order and collects its notes on the way.
type mapper struct {
	inv     *xero.Invoice
	contact *xero.Contact
	s       Settings
	notes   []mappingNote
}

// fit cuts a field to its limit and warns when it had to.
func (m *mapper) fit(what, s string, limit int, mark bool) string {
	out, wasCut := cut(s, limit, mark)
	if wasCut {
		m.note(NoteTextCut, "%s was cut to %d characters (ShipStation's limit)", what, limit)
	}
	return out
}

// build maps an invoice and its contact to the whole ShipStation order.
func build(inv *xero.Invoice, contact *xero.Contact, s Settings) (*shipstation.Order, []mappingNote, *problem) {
	m := &mapper{inv: inv, contact: contact, s: s}
	o, p := m.order()
	if p != nil {
		return nil, nil, p
	}
	return o, m.notes, nil
}

func (m *mapper) order() (*shipstation.Order, *problem) {
	inv := m.inv
	if strings.TrimSpace(inv.InvoiceID) == "" {
		return nil, &problem{CauseInvalidInvoice, "the invoice has no InvoiceID, so it cannot be given a stable order key"}
	}
	number := oneLine(inv.InvoiceNumber)
	if number == "" {
		return nil, &problem{CauseInvalidInvoice, "the invoice has no number; give it one in Xero"}
	}
	if inv.Date.IsZero() {
		return nil, &problem{CauseInvalidInvoice, "the invoice has no date; set its date in Xero"}
	}
	if m.contact == nil {
		name := "its contact"
		if inv.Contact != nil && oneLine(inv.Contact.Name) != "" {
			name = fmt.Sprintf("its contact %q", oneLine(inv.Contact.Name))
		}
		return nil, &problem{CauseMissingContact, fmt.Sprintf("%s could not be found in Xero (archived or merged?); attach the invoice to an active contact", name)}
	}
	billTo, shipTo, p := m.addresses()
	if p != nil {
		return nil, p
	}
	li, p := m.lines()
	if p != nil {
		return nil, p
	}
	status := shipstation.StatusAwaitingShipment
	if inv.Status == xero.StatusVoided || inv.Status == xero.StatusDeleted {
		status = shipstation.StatusCancelled
	}
	email := oneLine(m.contact.EmailAddress)
	username := email
	if username == "" {
		username = strings.ToLower(strings.TrimSpace(m.contact.ContactID))
	}
	o := &shipstation.Order{
		OrderNumber:      m.fit("the order number (the invoice number)", number, maxOrderNumber, false),
		OrderKey:         OrderKey(m.s.TenantID, inv.InvoiceID),
		OrderDate:        wallMidnight(inv.Date),
		PaymentDate:      wallMidnight(inv.FullyPaidOnDate),
		OrderStatus:      status,
		CustomerUsername: username,
		CustomerEmail:    email,
		BillTo:           billTo,
		ShipTo:           shipTo,
		Items:            li.items,
		AmountPaid:       xero.FromCents(xero.Cents(inv.AmountPaid)),
		TaxAmount:        xero.FromCents(xero.Cents(inv.TotalTax)),
		ShippingAmount:   xero.FromCents(li.shippingCents),
		InternalNotes:    m.fit("the internal notes (description-only lines)", li.notes, maxNotes, true),
		AdvancedOptions: &shipstation.AdvancedOptions{
			StoreID:      m.s.StoreID,
			CustomField1: m.fit("customField1 (the invoice reference)", oneLine(inv.Reference), maxCustomField, false),
			Source:       SourceXero,
		},
	}
	return o, nil
}

// wallMidnight turns a Xero calendar date into the ShipStation datetime
// "YYYY-MM-DD 00:00:00". ShipStation reads it as Pacific wall time, so the
// order shows the invoice's own date in ShipStation (and stays on that date
// for any viewer between UTC-8 and UTC+16). Passing UTC as the "Pacific"
// zone keeps the date's fields as they are: a Xero date is a calendar day,
// not an instant to convert. The zero date gives null.
func wallMidnight(d xero.Date) shipstation.DateTime {
	if d.IsZero() {
		return shipstation.DateTime{}
	}
	return shipstation.PacificDateTime(d.Time(), time.UTC)
}

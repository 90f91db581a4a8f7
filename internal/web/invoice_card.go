package web

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// orderCard is a ShipStation order as a merchant reads it.
type orderCard struct {
	Customer    string
	Email       string
	BillTo      []string
	ShipTo      []string
	SameAddr    bool // bill-to is the ship-to
	Items       []itemView
	Shipping    string
	Tax         string
	Total       string
	Paid        string
	ShipNotes   string
	OrderNumber string
}

type itemView struct {
	SKU, Name  string
	Quantity   int
	Unit       string
	Amount     string
	Adjustment bool
}

// xeroView is what Xero says about the invoice, in words.
type xeroView struct {
	Status string
	// Due is the due date in words with how far off it is ("24 Mar 2026,
	// in 3 days"); "" for an invoice without one.
	Due       string
	Overdue   bool
	Total     string
	AmountDue string
	URL       string
}

// shipmentView is one label.
type shipmentView struct {
	Carrier     string
	Service     string
	Tracking    string
	TrackingURL string
	ShipDate    string
	Cost        string
	Voided      bool
	VoidDate    string
	Return      bool
}

// timelineItem is one thing orderbridge did about the invoice.
type timelineItem struct {
	At       time.Time
	What     string // "Xero → ShipStation" or "ShipStation → Xero"
	Message  string
	Class    string // ok, warning, failed, neutral
	Notes    []string
	Warnings []string
	Detail   string
}

// money is an amount with two decimals and the currency code when known.
func money(v float64, currency string) string {
	s := fmt.Sprintf("%.2f", math.Round(v*100)/100)
	if currency != "" {
		return currency + " " + s
	}
	return s
}

// addressLines is an address as printed on a label, one line each, empty
// parts left out.
func addressLines(a shipstation.Address) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	add(a.Name)
	add(a.Company)
	add(a.Street1)
	add(a.Street2)
	add(a.Street3)
	add(strings.Join(strings.Fields(a.City+" "+a.State+" "+a.PostalCode), " "))
	add(a.Country)
	add(a.Phone)
	return out
}

// cardOf builds the order card of an order; inv (may be nil) names the
// customer as Xero does and gives the currency.
func cardOf(o *shipstation.Order, inv *xero.Invoice) *orderCard {
	cur := ""
	c := &orderCard{Email: o.CustomerEmail, BillTo: addressLines(o.BillTo), ShipTo: addressLines(o.ShipTo), ShipNotes: o.InternalNotes,
		OrderNumber: o.OrderNumber}
	if inv != nil {
		cur = inv.CurrencyCode
		if inv.Contact != nil {
			c.Customer = inv.Contact.Name
		}
	}
	if c.Customer == "" {
		c.Customer = firstNonEmpty(o.BillTo.Company, o.BillTo.Name, o.ShipTo.Company, o.ShipTo.Name)
	}
	c.SameAddr = strings.Join(c.BillTo, "\n") == strings.Join(c.ShipTo, "\n")
	var items float64
	for _, it := range o.Items {
		amount := float64(it.Quantity) * it.UnitPrice
		items += amount
		c.Items = append(c.Items, itemView{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity, Unit: money(it.UnitPrice, ""),
			Amount: money(amount, ""), Adjustment: it.Adjustment})
	}
	c.Shipping, c.Tax = money(o.ShippingAmount, cur), money(o.TaxAmount, cur)
	c.Total = money(items+o.ShippingAmount+o.TaxAmount, cur)
	c.Paid = money(o.AmountPaid, cur)
	return c
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// xeroStatusText is a Xero invoice status in the words Xero's own screens
// use.
func xeroStatusText(inv *xero.Invoice) string {
	switch inv.Status {
	case xero.StatusDraft:
		return "Draft"
	case xero.StatusSubmitted:
		return "Awaiting approval"
	case xero.StatusAuthorised:
		if inv.AmountPaid > 0 && inv.AmountDue > 0 {
			return "Part paid"
		}
		return "Awaiting payment"
	case xero.StatusPaid:
		return "Paid"
	case xero.StatusVoided:
		return "Voided"
	case xero.StatusDeleted:
		return "Deleted"
	}
	return inv.Status
}

// xeroViewOf says what Xero says about the invoice; the due date counts
// days from today only while the invoice is unpaid.
func xeroViewOf(inv *xero.Invoice, shortCode string, now time.Time) *xeroView {
	v := &xeroView{Status: xeroStatusText(inv), Total: money(inv.Total, inv.CurrencyCode), URL: xeroInvoiceURL(shortCode, inv.InvoiceID)}
	if inv.AmountDue > 0 && inv.AmountDue != inv.Total {
		v.AmountDue = money(inv.AmountDue, inv.CurrencyCode)
	}
	if !inv.DueDate.IsZero() {
		due := inv.DueDate.Time()
		v.Due = due.Format("2 Jan 2006")
		if inv.Status == xero.StatusAuthorised || inv.Status == xero.StatusSubmitted {
			today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
			days := int(math.Round(time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC).Sub(today).Hours() / 24))
			switch {
			case days == 0:
				v.Due += ", due today"
			case days == 1:
				v.Due += ", tomorrow"
			case days > 1:
				v.Due += fmt.Sprintf(", in %d days", days)
			case days == -1:
				v.Due += ", 1 day overdue"
				v.Overdue = true
			default:
				v.Due += fmt.Sprintf(", %d days overdue", -days)
				v.Overdue = true
			}
		}
	}
	return v
}

// orderStatusText is a ShipStation order status in words.
func orderStatusText(status string) string {
	switch status {
	case shipstation.StatusAwaitingPayment:
		return "In ShipStation, awaiting payment"
	case shipstation.StatusAwaitingShipment:
		return "In ShipStation, awaiting shipment"
	case shipstation.StatusPendingFulfillment:
		return "In ShipStation, pending fulfilment"
	case shipstation.StatusOnHold:
		return "In ShipStation, on hold"
	case shipstation.StatusShipped:
		return "Shipped"
	case shipstation.StatusCancelled:
		return "Cancelled in ShipStation"
	case shipstation.StatusRejectedFulfillment:
		return "In ShipStation, fulfilment rejected"
	case "":
		return "Sent to ShipStation"
	}
	return "In ShipStation (" + strings.ReplaceAll(status, "_", " ") + ")"
}

// invoiceState is where the invoice stands, in words, and its colour.
func invoiceState(l store.InvoiceLink) (text, class string) {
	switch l.Decision {
	case store.DecisionExported, store.DecisionUnchanged:
		t := orderStatusText(l.OrderStatus)
		if l.OrderStatus == shipstation.StatusCancelled {
			return t, "warning"
		}
		return t, "ok"
	case store.DecisionCancelled:
		return "Order cancelled (the invoice was voided or deleted)", "neutral"
	case store.DecisionSkipped:
		return "Skipped", "neutral"
	case store.DecisionFailed:
		return "Failed", "failed"
	case store.DecisionAlert:
		return "Needs attention", "warning"
	}
	return string(l.Decision), "neutral"
}

// shipmentViewOf is a label as a merchant reads it.
func shipmentViewOf(sh shipstation.Shipment) shipmentView {
	v := shipmentView{Carrier: carrierName(sh.CarrierCode), Service: serviceName(sh.CarrierCode, sh.ServiceCode),
		Tracking: sh.TrackingNumber, TrackingURL: trackingURL(sh.CarrierCode, sh.TrackingNumber),
		Cost: money(sh.ShipmentCost+sh.InsuranceCost, ""), Voided: sh.Voided, Return: sh.IsReturnLabel}
	if !sh.ShipDate.IsZero() {
		v.ShipDate = sh.ShipDate.Time(time.UTC).Format("2 Jan 2006")
	}
	if sh.Voided && !sh.VoidDate.IsZero() {
		v.VoidDate = sh.VoidDate.Instant(time.UTC).Format("2 Jan 2006")
	}
	return v
}

// timelineOf turns the invoice's log lines (newest first) into what
// orderbridge did, oldest first. The detail's "warnings:" and "notes:"
// lines (the worker's) become the item's warnings and neutral notes.
func timelineOf(entries []store.LogEntry) []timelineItem {
	out := make([]timelineItem, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		it := timelineItem{At: e.At, Message: e.Message, What: "Xero → ShipStation"}
		if e.Direction == store.ShipStationToXero {
			it.What = "ShipStation → Xero"
		}
		switch e.Outcome {
		case store.OutcomeSuccess:
			it.Class = "ok"
		case store.OutcomeWarning:
			it.Class = "warning"
		case store.OutcomeFailed:
			it.Class = "failed"
		default:
			it.Class = "neutral"
		}
		var rest []string
		for line := range strings.SplitSeq(e.Detail, "\n") {
			switch {
			// A note's own text may hold "; ", the worker's separator
			// too: the line is shown whole.
			case strings.HasPrefix(line, "notes: "):
				it.Notes = append(it.Notes, strings.TrimPrefix(line, "notes: "))
			case strings.HasPrefix(line, "warnings: "):
				it.Warnings = append(it.Warnings, strings.TrimPrefix(line, "warnings: "))
			case strings.TrimSpace(line) != "":
				rest = append(rest, line)
			}
		}
		it.Detail = strings.Join(rest, "\n")
		out = append(out, it)
	}
	return out
}

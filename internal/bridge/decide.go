package bridge

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// Kind is what the worker should do with an invoice.
type Kind string

// The kinds of decision. The strings are stable: the store and the
// transaction log keep them.
const (
	// Export: upsert Decision.Order (create it, or replace the open order
	// with the same orderKey).
	Export Kind = "export"
	// Cancel: the invoice was voided or deleted and its order is still
	// open; upsert Decision.Order, whose status is cancelled (or, when the
	// order could not be rebuilt, the stored order passed through
	// Cancelled).
	Cancel Kind = "cancel"
	// Skip: send nothing; Reason says why and how to fix it.
	Skip Kind = "skip"
	// Alert: send nothing, but a person must act (Reason says what).
	Alert Kind = "alert"
	// Unchanged: ShipStation already has exactly this order.
	Unchanged Kind = "unchanged"
)

// Cause is a machine-readable reason for a Skip or an Alert, for
// dashboards and notifications (for example "contacts to fix"). The
// strings are stable.
type Cause string

// The causes.
const (
	CauseNone             Cause = ""
	CauseSettings         Cause = "settings"          // the account's settings are incomplete
	CauseNotSalesInvoice  Cause = "not_sales_invoice" // a bill or credit note
	CauseStatus           Cause = "status"            // status does not sync (draft, awaiting approval)
	CauseTrackingRule     Cause = "tracking_rule"     // no line carries the tracking option
	CauseInvalidInvoice   Cause = "invalid_invoice"   // no id, number or date
	CauseMissingContact   Cause = "missing_contact"   // the contact could not be found
	CauseContactName      Cause = "contact_name"      // nobody to address the parcel to
	CauseNoAddress        Cause = "no_address"        // the contact has no usable address
	CauseNoCountry        Cause = "no_country"        // blank country and no default
	CauseUnknownCountry   Cause = "unknown_country"   // a country we cannot map to ISO-2
	CauseNothingToShip    Cause = "nothing_to_ship"   // no line with a quantity
	CauseShipped          Cause = "shipped"           // the order already shipped
	CauseCancelled        Cause = "cancelled"         // the order was cancelled in ShipStation
	CauseNeverExported    Cause = "never_exported"    // voided or deleted before it was sent
	CauseVoidedAfterShip  Cause = "voided_after_ship" // Alert: voided after the parcel left
	CauseCannotRebuild    Cause = "cannot_rebuild"    // Cancel without a rebuilt order
	CauseAlreadyCancelled Cause = "already_cancelled" // Unchanged: the cancel already happened
)

// ContactToFix returns the causes that hold an invoice back until the
// merchant fixes its contact's address or country in Xero (it then syncs
// on the next run): the invoices the dashboard says wait for the merchant.
func ContactToFix() []Cause { return []Cause{CauseNoAddress, CauseNoCountry, CauseUnknownCountry} }

// Previous is what the worker knows of the order it sent for this invoice
// before, if any.
type Previous struct {
	// OrderID is ShipStation's id of the order (zero if not known).
	OrderID int64
	// OrderStatus is the order's ShipStation status as last seen. Empty
	// means not known, which is treated as open.
	OrderStatus string
	// Hash is Decision.Hash of the order last sent.
	Hash string
}

// Decision is the outcome of Decide for one invoice.
type Decision struct {
	Kind  Kind
	Cause Cause
	// Invoice is the invoice's number (or id when it has none), for
	// messages.
	Invoice string
	// Update is true when an order for the invoice was sent before, so an
	// Export replaces it rather than creating it.
	Update bool
	// Order is the whole order to upsert (Export, Cancel) or the order that
	// ShipStation already has (Unchanged). Nil otherwise.
	Order *shipstation.Order
	// Hash is the content hash of Order (see Hash); store it as
	// Previous.Hash once the upsert succeeded.
	Hash string
	// Reason says, in words a merchant understands, why the decision was
	// taken and, for a Skip or an Alert, what to do about it. It does not
	// repeat the kind ("skipped: ..."); Summary adds that.
	Reason string
	// Warnings are the notes the merchant may want to act on about an
	// order that was still sent (text cut, a fractional quantity, a PO box
	// as ship-to): they make the outcome a warning.
	Warnings []string
	// Notes are the harmless notes (the street address used for bill-to
	// too): shown neutral, never a warning. NoteKind.Severity sorts them.
	Notes []string
}

// OrderKey is the ShipStation orderKey of an invoice:
// "xero:<tenant id>:<invoice id>", trimmed and lowercased, so the same
// invoice always upserts the same order whatever case a webhook or a list
// call spelled the GUIDs in. It is 78 characters for two GUIDs; ShipStation
// documents no limit for orderKey.
func OrderKey(tenantID, invoiceID string) string {
	return "xero:" + strings.ToLower(strings.TrimSpace(tenantID)) + ":" + strings.ToLower(strings.TrimSpace(invoiceID))
}

// Hash is the content hash of an order: the hex SHA-256 of its JSON
// encoding, which is canonical because encoding/json writes struct fields
// in declaration order. Two orders hash alike exactly when ShipStation
// would be sent the same bytes.
func Hash(o *shipstation.Order) string {
	b, err := json.Marshal(o)
	if err != nil {
		// An Order has no field that can fail to marshal except a DateTime
		// out of range, which Decide never builds.
		panic(fmt.Sprintf("bridge: hash order %q: %v", o.OrderNumber, err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Eligible reports whether the invoice is one the account sends (type,
// status and the tracking rule), and if not, why. It looks at nothing
// else, so the UI can use it to list what would sync.
func Eligible(inv xero.Invoice, s Settings) (bool, string) {
	cause, reason := eligible(&inv, s)
	return cause == CauseNone, reason
}

func eligible(inv *xero.Invoice, s Settings) (Cause, string) {
	if inv.Type != xero.InvoiceTypeSales {
		return CauseNotSalesInvoice, fmt.Sprintf("not a sales invoice (type %s); only sales invoices (ACCREC) become orders", orDash(inv.Type))
	}
	if inv.Status == xero.StatusVoided || inv.Status == xero.StatusDeleted {
		return CauseStatus, fmt.Sprintf("the invoice is %s; it is never sent (an order already sent for it is cancelled)", statusPhrase(inv.Status))
	}
	if !s.syncs(inv.Status) {
		return CauseStatus, fmt.Sprintf("the invoice is %s and only %s invoices are sent; approve it in Xero, or change which statuses sync",
			statusPhrase(inv.Status), strings.Join(s.statuses(), " or "))
	}
	if s.TrackingRule && !hasTrackingOption(inv, s) {
		where := ""
		if c := oneLine(s.TrackingCategory); c != "" {
			where = fmt.Sprintf(" in category %q", c)
		}
		return CauseTrackingRule, fmt.Sprintf("no line carries the tracking option %q%s; add it to a line in Xero, or turn the tracking rule off",
			oneLine(s.TrackingOption), where)
	}
	return CauseNone, ""
}

func hasTrackingOption(inv *xero.Invoice, s Settings) bool {
	category := oneLine(s.TrackingCategory)
	for _, l := range inv.LineItems {
		for _, t := range l.Tracking {
			if sameName(t.Option, s.TrackingOption) && (category == "" || sameName(t.Name, category)) {
				return true
			}
		}
	}
	return false
}

// statusPhrase names a status as Xero's UI does, with the API's name.
func statusPhrase(status string) string {
	words := map[string]string{
		xero.StatusDraft: "a draft", xero.StatusSubmitted: "awaiting approval", xero.StatusAuthorised: "awaiting payment",
		xero.StatusPaid: "paid", xero.StatusVoided: "voided", xero.StatusDeleted: "deleted",
	}[status]
	if words == "" {
		return "in status " + orDash(status)
	}
	return words + " (" + status + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// open reports whether ShipStation still lets the API change an order in
// this status; shipped and cancelled orders are locked.
func open(status string) bool {
	return status != shipstation.StatusShipped && status != shipstation.StatusCancelled
}

// Decide maps one invoice to what the worker should do. contact is the
// invoice's contact as fetched from Xero in full (the contact embedded in
// an invoice has no addresses); nil means it could not be found. prev is
// what is known of the order sent before, or nil if none was.
//
// The rules, in order: settings must be complete; only sales invoices
// count; a VOIDED or DELETED
// invoice cancels its open order (an Alert if it shipped, a Skip if it was
// never sent); otherwise the invoice must be eligible (Eligible); an order
// that shipped or was cancelled in ShipStation is never re-sent; then the
// order is built (every problem with the contact or the lines is a Skip
// naming what to fix in Xero) and compared by hash with the one sent before.
func Decide(inv xero.Invoice, contact *xero.Contact, s Settings, prev *Previous) Decision {
	d := Decision{Invoice: invoiceLabel(&inv), Update: prev != nil}
	skip := func(c Cause, reason string) Decision {
		d.Kind, d.Cause, d.Reason = Skip, c, reason
		return d
	}
	if problems := s.problems(); len(problems) > 0 {
		return skip(CauseSettings, "the account's settings are incomplete: "+strings.Join(problems, "; "))
	}
	if inv.Type != xero.InvoiceTypeSales {
		// Before the void check: a voided bill has no order to cancel.
		cause, reason := eligible(&inv, s)
		return skip(cause, reason)
	}
	if inv.Status == xero.StatusVoided || inv.Status == xero.StatusDeleted {
		return decideCancel(d, &inv, contact, s, prev)
	}
	if cause, reason := eligible(&inv, s); cause != CauseNone {
		if prev != nil && open(prev.OrderStatus) {
			reason += "; the order already in ShipStation was left as it is"
		}
		return skip(cause, reason)
	}
	if prev != nil && prev.OrderStatus == shipstation.StatusShipped {
		return skip(CauseShipped, "order already shipped in ShipStation; changes to the invoice are not sent after shipping")
	}
	if prev != nil && prev.OrderStatus == shipstation.StatusCancelled {
		return skip(CauseCancelled, "the order was cancelled in ShipStation, which locks it; restore it there, or raise a new invoice")
	}
	o, notes, p := build(&inv, contact, s)
	if p != nil {
		if prev != nil {
			p.reason += "; the order already in ShipStation was left as it is"
		}
		return skip(p.cause, p.reason)
	}
	d.Order, d.Hash = o, Hash(o)
	d.Warnings, d.Notes = split(notes)
	if prev != nil && prev.Hash == d.Hash {
		d.Kind, d.Reason = Unchanged, "ShipStation already has this order as it is now"
		return d
	}
	d.Kind = Export
	if d.Update {
		d.Reason = "the invoice changed since its order was sent; the order is replaced"
	} else {
		d.Reason = "the invoice is eligible and becomes a new order"
	}
	return d
}

func decideCancel(d Decision, inv *xero.Invoice, contact *xero.Contact, s Settings, prev *Previous) Decision {
	what := "voided"
	if inv.Status == xero.StatusDeleted {
		what = "deleted"
	}
	switch {
	case prev == nil:
		d.Kind, d.Cause, d.Reason = Skip, CauseNeverExported, fmt.Sprintf("invoice %s before it was exported; nothing to cancel", what)
		return d
	case prev.OrderStatus == shipstation.StatusShipped:
		d.Kind, d.Cause, d.Reason = Alert, CauseVoidedAfterShip,
			fmt.Sprintf("invoice %s after its order shipped: recall the parcel or credit the customer", what)
		return d
	case prev.OrderStatus == shipstation.StatusCancelled:
		d.Kind, d.Cause, d.Reason = Unchanged, CauseAlreadyCancelled, fmt.Sprintf("invoice %s and its order is already cancelled in ShipStation", what)
		return d
	}
	d.Kind = Cancel
	o, notes, p := build(inv, contact, s)
	if p != nil {
		// The upsert must carry the whole order, and Xero no longer gives
		// us enough to rebuild it: the worker cancels the stored copy.
		d.Cause = CauseCannotRebuild
		d.Reason = fmt.Sprintf("invoice %s in Xero, so its ShipStation order is cancelled as ShipStation has it (it could not be rebuilt from Xero: %s)", what, p.reason)
		return d
	}
	d.Order, d.Hash = o, Hash(o)
	d.Warnings, d.Notes = split(notes)
	d.Reason = fmt.Sprintf("invoice %s in Xero, so its ShipStation order is cancelled", what)
	return d
}

func invoiceLabel(inv *xero.Invoice) string {
	if n := oneLine(inv.InvoiceNumber); n != "" {
		return n
	}
	if inv.InvoiceID != "" {
		return "invoice " + inv.InvoiceID
	}
	return "invoice (no number)"
}

// Cancelled returns the order as ShipStation has it (from GET /orders)
// turned into an upsert that cancels it: orderStatus cancelled and the
// read-only fields cleared, everything else kept, because an upsert
// replaces the whole order. The worker uses it when Decide returns Cancel
// without an Order. The argument is not modified.
func Cancelled(o shipstation.Order) shipstation.Order {
	o.OrderStatus = shipstation.StatusCancelled
	var zero shipstation.Order
	o.CreateDate, o.ModifyDate, o.HoldUntilDate = zero.CreateDate, zero.ModifyDate, zero.HoldUntilDate
	o.CustomerID, o.OrderTotal = 0, 0
	o.UserID, o.ExternallyFulfilled, o.ExternallyFulfilledBy = "", false, ""
	o.ExternallyFulfilledByID, o.ExternallyFulfilledByName = 0, ""
	if o.Items != nil {
		items := make([]shipstation.OrderItem, len(o.Items))
		for i, it := range o.Items {
			it.OrderItemID = 0
			it.CreateDate, it.ModifyDate = shipstation.DateTime{}, shipstation.DateTime{}
			items[i] = it
		}
		o.Items = items
	}
	if o.AdvancedOptions != nil {
		ao := *o.AdvancedOptions
		ao.MergedOrSplit, ao.MergedIDs, ao.ParentID = false, nil, 0
		o.AdvancedOptions = &ao
	}
	return o
}

// Summary is the decision as one line for the transaction log, such as
// "INV-0042 exported: 3 items, 123.45, ship to Jane Receiver, Auckland NZ".
func (d Decision) Summary() string {
	var b strings.Builder
	b.WriteString(d.Invoice)
	switch d.Kind {
	case Export:
		if d.Update {
			b.WriteString(" updated in ShipStation")
		} else {
			b.WriteString(" exported")
		}
		if d.Order != nil {
			fmt.Fprintf(&b, ": %s, %s, ship to %s", count(len(d.Order.Items), "item"), money(orderTotalCents(d.Order)), placeOf(&d.Order.ShipTo))
		}
	case Cancel:
		b.WriteString(": " + d.Reason)
	case Skip:
		b.WriteString(" skipped: " + d.Reason)
	case Alert:
		b.WriteString(" needs attention: " + d.Reason)
	case Unchanged:
		b.WriteString(" unchanged: " + d.Reason)
	default:
		b.WriteString(": " + d.Reason)
	}
	if len(d.Warnings) > 0 {
		fmt.Fprintf(&b, " (%s)", count(len(d.Warnings), "warning"))
	}
	return b.String()
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func placeOf(a *shipstation.Address) string {
	var parts []string
	for _, s := range []string{a.Name, strings.TrimSpace(a.City + " " + a.Country)} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// orderTotalCents is ShipStation's orderTotal: the items plus the order's
// tax and shipping.
func orderTotalCents(o *shipstation.Order) int64 {
	total := xero.Cents(o.TaxAmount) + xero.Cents(o.ShippingAmount)
	for _, it := range o.Items {
		total += int64(it.Quantity) * xero.Cents(it.UnitPrice)
	}
	return total
}

// money writes cents as "123.45" or "-0.05".
func money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

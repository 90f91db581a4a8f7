package bridge

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// This file is the other direction: a ShipStation shipment (a label) or
// fulfillment (an order marked shipped) written back to its Xero invoice.
// DecideWriteBack plans; the worker carries the plan out and records each
// action as done, so a retry plans only what is missing.

// EventKind says where a ShipmentEvent came from.
type EventKind string

// The kinds of shipment event. The strings are stable: they prefix the
// event ids the store keeps.
const (
	// EventLabel is a label bought in ShipStation (GET /shipments).
	EventLabel EventKind = "shipment"
	// EventFulfillment is an order marked shipped without a ShipStation
	// label, in the UI, the API or by a fulfillment provider
	// (GET /fulfillments). It has no postage cost.
	EventFulfillment EventKind = "fulfillment"
)

// ShipmentEvent is a shipment or a fulfillment in the one shape the
// write-back needs. Build it with ShipmentEventOf or FulfillmentEventOf.
type ShipmentEvent struct {
	// ID is "shipment:<shipmentId>" or "fulfillment:<fulfillmentId>":
	// ShipStation numbers the two independently, so the kind is part of
	// the id to keep them from colliding in the store and in idempotency
	// keys.
	ID   string
	Kind EventKind
	// OrderID is ShipStation's id of the order shipped. ParentOrderID is
	// the original order's id when the order was split (zero otherwise):
	// a split-off child has its own id and orderKey, and is ours when its
	// parent is.
	OrderID       int64
	ParentOrderID int64
	// OrderKey is the order's orderKey (labels only: fulfillments carry
	// none, so they are matched by OrderID).
	OrderKey string
	// OrderNumber is the ShipStation order number (the invoice number
	// when orderbridge created the order).
	OrderNumber    string
	TrackingNumber string
	CarrierCode    string
	ServiceCode    string
	ShipDate       shipstation.Date
	// ShipmentCents and InsuranceCents are what the seller paid for the
	// label's postage and its insurance, in cents, in the ShipStation
	// account's currency (ShipStation's API does not say which).
	ShipmentCents  int64
	InsuranceCents int64
	Voided         bool
	VoidDate       shipstation.DateTime
	IsReturnLabel  bool
}

// ShipmentEventOf normalises a ShipStation label.
func ShipmentEventOf(s shipstation.Shipment) ShipmentEvent {
	ev := ShipmentEvent{
		ID:             string(EventLabel) + ":" + strconv.FormatInt(s.ShipmentID, 10),
		Kind:           EventLabel,
		OrderID:        s.OrderID,
		OrderKey:       strings.TrimSpace(s.OrderKey),
		OrderNumber:    s.OrderNumber,
		TrackingNumber: strings.TrimSpace(s.TrackingNumber),
		CarrierCode:    strings.TrimSpace(s.CarrierCode),
		ServiceCode:    strings.TrimSpace(s.ServiceCode),
		ShipDate:       s.ShipDate,
		ShipmentCents:  xero.Cents(s.ShipmentCost),
		InsuranceCents: xero.Cents(s.InsuranceCost),
		Voided:         s.Voided,
		VoidDate:       s.VoidDate,
		IsReturnLabel:  s.IsReturnLabel,
	}
	if s.AdvancedOptions != nil {
		ev.ParentOrderID = s.AdvancedOptions.ParentID
	}
	return ev
}

// FulfillmentEventOf normalises a ShipStation fulfillment. Its
// FulfillmentFee is a provider's fee, not postage, so the event has no
// cost; a void that is only requested (VoidRequested) is not a void yet.
func FulfillmentEventOf(f shipstation.Fulfillment) ShipmentEvent {
	return ShipmentEvent{
		ID:             string(EventFulfillment) + ":" + strconv.FormatInt(f.FulfillmentID, 10),
		Kind:           EventFulfillment,
		OrderID:        f.OrderID,
		OrderNumber:    f.OrderNumber,
		TrackingNumber: strings.TrimSpace(f.TrackingNumber),
		CarrierCode:    strings.TrimSpace(f.CarrierCode),
		ServiceCode:    strings.TrimSpace(f.FulfillmentServiceCode),
		ShipDate:       f.ShipDate,
		Voided:         f.Voided,
		VoidDate:       f.VoidDate,
	}
}

// CostCents is what the label cost the seller: postage plus insurance.
func (ev ShipmentEvent) CostCents() int64 { return ev.ShipmentCents + ev.InsuranceCents }

// Action is one thing written to Xero for a shipment event. The strings
// are stable; "note" and "line" are the store's WriteBackNote and
// WriteBackLine.
type Action string

// The actions, at most one of each per event.
const (
	ActionNote        Action = "note"         // the History note for the shipment
	ActionLine        Action = "line"         // the shipping-cost line added to the invoice
	ActionVoidNote    Action = "void_note"    // the History note saying the label was voided
	ActionLineRemoved Action = "line_removed" // the shipping-cost line removed after the void
)

// WrittenState is what was already recorded as done for one event.
type WrittenState struct {
	Note, Line, VoidNote, LineRemoved bool
}

// WrittenStateOf builds the state from the actions recorded (unknown
// actions are ignored, so a newer store does not break an older worker).
func WrittenStateOf(actions ...Action) WrittenState {
	var w WrittenState
	for _, a := range actions {
		w.set(a)
	}
	return w
}

// Done reports whether action a is recorded.
func (w WrittenState) Done(a Action) bool {
	switch a {
	case ActionNote:
		return w.Note
	case ActionLine:
		return w.Line
	case ActionVoidNote:
		return w.VoidNote
	case ActionLineRemoved:
		return w.LineRemoved
	}
	return false
}

func (w *WrittenState) set(a Action) {
	switch a {
	case ActionNote:
		w.Note = true
	case ActionLine:
		w.Line = true
	case ActionVoidNote:
		w.VoidNote = true
	case ActionLineRemoved:
		w.LineRemoved = true
	}
}

// WriteBackSettings are the account's write-back choices: "Update tracking
// and shipping information" (Enabled) and "Add shipping cost to the
// invoice" (CostLine) with the line's codes.
type WriteBackSettings struct {
	// Enabled turns the write-back on. Off, nothing is written at all.
	Enabled bool
	// CostLine adds each label's cost to its invoice as a line, where Xero
	// lets the invoice be edited.
	CostLine bool
	// CostItemCode is the Xero item of the line (it must exist in Xero).
	// Empty adds a line without an item.
	CostItemCode string
	// CostAccountCode is the revenue account the line posts to. Required
	// with CostLine: Xero rejects a line without one unless its item has a
	// sales account, and guessing would post money to the wrong account.
	CostAccountCode string
	// CostTaxType is the Xero tax type of the line (e.g. OUTPUT2); empty
	// lets Xero use the account's default.
	CostTaxType string
	// CostDescription starts the line's description, which then names
	// the carrier, service and tracking number ("Shipping: UPS Ground,
	// tracking 1Z..."). Empty means "Shipping".
	CostDescription string
	// CostCurrency is the currency ShipStation charges in (ShipStation's
	// API does not say). When set, the cost is written with it in notes
	// and no line is added to an invoice in another currency. Empty
	// assumes the invoices' currency.
	CostCurrency string
}

// DefaultWriteBackSettings returns the defaults: write-back off (MISSION
// makes it the merchant's choice), no cost line, item code SHIPPING (the
// same item the export treats as the shipping charge) and the description
// "Shipping". The account and tax codes belong to the organisation.
func DefaultWriteBackSettings() WriteBackSettings {
	return WriteBackSettings{CostItemCode: "SHIPPING", CostDescription: "Shipping"}
}

// Validate reports every problem with the settings at once.
func (s WriteBackSettings) Validate() error {
	var errs []error
	for _, p := range s.problems() {
		errs = append(errs, errors.New("bridge: write-back settings: "+p))
	}
	return errors.Join(errs...)
}

func (s WriteBackSettings) problems() []string {
	var out []string
	if s.CostLine && oneLine(s.CostAccountCode) == "" {
		out = append(out, "adding the shipping cost to the invoice needs an account code")
	}
	if c := oneLine(s.CostCurrency); c != "" && !isCurrencyCode(c) {
		out = append(out, fmt.Sprintf("currency %q is not a 3-letter ISO 4217 code", s.CostCurrency))
	}
	return out
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}

func (s WriteBackSettings) description() string {
	if d := oneLine(s.CostDescription); d != "" {
		return d
	}
	return "Shipping"
}

// LinkInfo is what the worker knows of the invoice an event's order came
// from: the invoice link the export recorded, found by the event's
// orderKey (a label) or order id (a fulfillment). The zero value means no
// link was found: the order is not one orderbridge created.
type LinkInfo struct {
	InvoiceID string // Xero InvoiceID
	OrderKey  string // the orderKey orderbridge sent
	OrderID   int64  // ShipStation's order id (zero if never learned)
}

// Note is a History note to write.
type Note struct {
	// Text is the note, at most xero.MaxNoteLength characters (counted in
	// UTF-16 units, which is never fewer than runes), so it is one record.
	Text string
	// Key is the Idempotency-Key for the write: stable for the event and
	// action, at most 120 characters (xero.Client.AddNote appends "-0",
	// and Xero allows 128).
	Key string
	// Records are the actions to record once the note is in Xero (two for
	// a label bought and voided before its first note was written).
	Records []Action
}

// LineEdit is a change to the invoice's lines: Xero's update replaces
// LineItems whole and deletes any line not re-sent, so Lines is the
// complete new list, every existing line re-sent as read.
type LineEdit struct {
	// Action is ActionLine (a line added) or ActionLineRemoved.
	Action Action
	// Lines is the invoice's complete new LineItems, to POST as they are.
	Lines []xero.LineItem
	// Added is the line added (ActionLine); Removed the lines taken out
	// (ActionLineRemoved).
	Added   *xero.LineItem
	Removed []xero.LineItem
	// Key is the Idempotency-Key: the event and action plus a hash of
	// Lines, because Xero rejects a key re-used with another body and the
	// invoice may change between attempts. Repeats are prevented by
	// DecideWriteBack looking for the line on the invoice, not by the key.
	Key string
}

// WriteBack is what DecideWriteBack plans for one event. The worker, in
// this order: records MarkShipped; writes Note; applies Edit (re-fetching
// the invoice and deciding again if it changed meanwhile); records each
// action in Record, Note.Records and Edit.Action as it succeeds; and logs
// Summary and Warnings.
type WriteBack struct {
	// Event is the event's id; Invoice names the invoice in messages.
	Event   string
	Invoice string
	// Skip is true when nothing is written; Cause and Reason say why.
	Skip   bool
	Cause  Cause
	Reason string
	// MarkShipped tells the worker to record the invoice's order as
	// shipped before it edits the invoice: Decide never re-sends a shipped
	// order, so our own edit (an INVOICE webhook from Xero) cannot bounce
	// back as an export. Set for every live label or fulfillment of our
	// orders, also when its write-back was already done.
	MarkShipped bool
	// Note is the History note to write, or nil.
	Note *Note
	// Edit is the line change to make, or nil.
	Edit *LineEdit
	// Record are actions found already done in Xero (our line is on the
	// invoice but was not recorded): record them, write nothing.
	Record []Action
	// Warnings say why something the account asked for was not done
	// ("shipping cost 12.50 not added: the invoice has a payment
	// allocated, so Xero does not allow edits; ...").
	Warnings []string
}

// The causes of a write-back Skip (besides CauseSettings and
// CauseNotSalesInvoice). The strings are stable.
const (
	CauseWriteBackOff   Cause = "write_back_off"  // the account has write-back turned off
	CauseInvalidEvent   Cause = "invalid_event"   // the event has no id
	CauseReturnLabel    Cause = "return_label"    // return labels are not written
	CauseNotOurOrder    Cause = "not_our_order"   // the order was not created by orderbridge
	CauseNoInvoice      Cause = "no_invoice"      // the invoice is gone from Xero
	CauseAlreadyWritten Cause = "already_written" // every action is recorded
)

// DecideWriteBack plans the write-back of one event to its invoice. inv is
// the invoice as just fetched from Xero (nil if Xero no longer has it);
// link is the invoice link of the event's order; carriers maps carrier
// codes to the names the account's /carriers gives (CarrierNames); done is
// what was recorded for the event before.
//
// The rules, in order: write-back must be on; return labels and orders we
// did not create are skipped; only sales invoices are written to. A live
// event gets its note, and its cost as a line when the account asks for it
// and Xero lets the invoice be edited (else a warning says why not). A
// voided event gets a "label voided" note (a single "bought and voided"
// note when its first note was never written) and its line removed while
// the invoice is editable. Actions in done are not planned again.
func DecideWriteBack(ev ShipmentEvent, inv *xero.Invoice, link LinkInfo, carriers map[string]string, s WriteBackSettings, done WrittenState) WriteBack {
	w := WriteBack{Event: ev.ID, Invoice: "order " + orDash(oneLine(ev.OrderNumber))}
	if inv != nil {
		w.Invoice = invoiceLabel(inv)
	}
	skip := func(c Cause, reason string) WriteBack {
		w.Skip, w.Cause, w.Reason = true, c, reason
		w.MarkShipped = false
		return w
	}
	switch {
	case !s.Enabled:
		return skip(CauseWriteBackOff, "write-back is turned off for this account")
	case strings.TrimSpace(ev.ID) == "" || strings.HasSuffix(ev.ID, ":0"):
		return skip(CauseInvalidEvent, "the shipment has no ShipStation id")
	case ev.IsReturnLabel:
		return skip(CauseReturnLabel, "a return label; return labels are not written to Xero")
	}
	if why := notOurs(ev, link); why != "" {
		return skip(CauseNotOurOrder, why)
	}
	if inv == nil {
		return skip(CauseNoInvoice, "the invoice is no longer in Xero (deleted or archived?); nothing can be written to it")
	}
	if inv.Type != xero.InvoiceTypeSales {
		return skip(CauseNotSalesInvoice, fmt.Sprintf("not a sales invoice (type %s); only sales invoices (ACCREC) are written to", orDash(inv.Type)))
	}
	if link.InvoiceID != "" && !strings.EqualFold(strings.TrimSpace(link.InvoiceID), strings.TrimSpace(inv.InvoiceID)) {
		return skip(CauseNotOurOrder, fmt.Sprintf("the order belongs to invoice %s, not to %s", link.InvoiceID, orDash(inv.InvoiceID)))
	}
	w.MarkShipped = !ev.Voided

	label := eventLabel(ev, carriers)
	if ev.Voided {
		planVoid(&w, ev, inv, carriers, s, done, label)
	} else {
		planLive(&w, ev, inv, carriers, s, done, label)
	}
	if w.Note == nil && w.Edit == nil && len(w.Record) == 0 {
		w.Skip, w.Cause = true, CauseAlreadyWritten
		w.Reason = "already written to Xero"
		if len(w.Warnings) > 0 {
			w.Reason = "nothing (more) can be written to Xero"
		}
	}
	return w
}

// ReopensOrder reports whether the worker must ask ShipStation for the
// status of an event's order after handling the event, and decide its
// invoice again: a voided label or fulfillment of an order last seen
// shipped (orderStatus, the link's). ShipStation puts an order back to
// awaiting_shipment when its last label or fulfillment is voided, and the
// event cannot tell whether it was the last; without asking, the link
// would stay shipped, and Decide would never send a later edit of the
// invoice to the open order. A live event never reopens: it is what ships.
func ReopensOrder(ev ShipmentEvent, orderStatus string) bool {
	return ev.Voided && !ev.IsReturnLabel && orderStatus == shipstation.StatusShipped
}

// notOurs says why the event's order is not one orderbridge created, or
// "" when it is. A label names its orderKey, which must be the link's; a
// fulfillment names only its order id (or a split child its parent's).
func notOurs(ev ShipmentEvent, link LinkInfo) string {
	if link == (LinkInfo{}) {
		return "the order was not created by orderbridge (no invoice is linked to it); shipments of other orders are not written to Xero"
	}
	key := strings.ToLower(strings.TrimSpace(ev.OrderKey))
	linkKey := strings.ToLower(strings.TrimSpace(link.OrderKey))
	switch {
	case key != "" && linkKey != "" && key == linkKey:
		return ""
	case link.OrderID != 0 && (ev.OrderID == link.OrderID || ev.ParentOrderID == link.OrderID):
		return ""
	}
	return fmt.Sprintf("the order (key %q, id %d) is not the one linked to the invoice (key %q, id %d)", ev.OrderKey, ev.OrderID, link.OrderKey, link.OrderID)
}

func planLive(w *WriteBack, ev ShipmentEvent, inv *xero.Invoice, carriers map[string]string, s WriteBackSettings, done WrittenState, label string) {
	if !done.Note {
		w.Note = &Note{Text: shippedNote(ev, carriers, s), Key: writeBackKey(inv.InvoiceID, ev.ID, ActionNote), Records: []Action{ActionNote}}
	}
	if !s.CostLine || done.Line {
		return
	}
	cost := ev.CostCents()
	costText := money(cost)
	switch {
	case ev.Kind == EventFulfillment:
		w.warn("no shipping cost to add to the invoice: the order was marked shipped without a ShipStation label, so there is no postage cost")
		return
	case cost <= 0:
		w.warn("no shipping cost to add to the invoice: ShipStation reports no cost for the %s label", label)
		return
	}
	if p := s.problems(); len(p) > 0 {
		w.warn("shipping cost %s not added: the write-back settings are incomplete (%s)", costText, strings.Join(p, "; "))
		return
	}
	if cur := oneLine(s.CostCurrency); cur != "" && inv.CurrencyCode != "" && !strings.EqualFold(cur, inv.CurrencyCode) {
		w.warn("shipping cost %s %s not added: the invoice is in %s; add it in Xero if the customer pays for it", costText, strings.ToUpper(cur), inv.CurrencyCode)
		return
	}
	if len(ourLines(inv, ev, s)) > 0 {
		// Added before, but the record was lost (a crash between Xero's
		// answer and our commit): record it, never add it twice.
		w.Record = append(w.Record, ActionLine)
		return
	}
	if !inv.Editable() {
		w.warn("shipping cost %s not added: %s; the shipment is recorded in a note only", costText, lockedReason(inv))
		return
	}
	add := CostLine(ev, carriers, s)
	lines := append(cloneLines(inv.LineItems), add)
	w.Edit = &LineEdit{Action: ActionLine, Lines: lines, Added: &add, Key: editKey(inv.InvoiceID, ev.ID, ActionLine, lines)}
}

func planVoid(w *WriteBack, ev ShipmentEvent, inv *xero.Invoice, carriers map[string]string, s WriteBackSettings, done WrittenState, label string) {
	switch {
	case done.VoidNote:
	case done.Note:
		w.Note = &Note{Text: voidedNote(ev, carriers, false), Key: writeBackKey(inv.InvoiceID, ev.ID, ActionVoidNote), Records: []Action{ActionVoidNote}}
	default:
		// Bought and voided between two looks: one note says both, so the
		// History never shows a live tracking number that is not.
		w.Note = &Note{Text: voidedNote(ev, carriers, true), Key: writeBackKey(inv.InvoiceID, ev.ID, ActionVoidNote), Records: []Action{ActionNote, ActionVoidNote}}
	}
	if done.LineRemoved {
		return
	}
	ours := ourLines(inv, ev, s)
	if len(ours) == 0 {
		// Never added, or removed by hand: nothing to do. (Not recorded:
		// there is nothing to remember.)
		return
	}
	if !inv.Editable() {
		w.warn("the shipping line for the voided %s label stays on the invoice: %s; credit the customer in Xero if they were charged for it", label, lockedReason(inv))
		return
	}
	var keep, removed []xero.LineItem
	for i, l := range inv.LineItems {
		if isIn(i, ours) {
			removed = append(removed, cloneLine(l))
		} else {
			keep = append(keep, cloneLine(l))
		}
	}
	if keep == nil {
		keep = []xero.LineItem{}
	}
	w.Edit = &LineEdit{Action: ActionLineRemoved, Lines: keep, Removed: removed, Key: editKey(inv.InvoiceID, ev.ID, ActionLineRemoved, keep)}
}

func isIn(i int, set []int) bool {
	for _, j := range set {
		if i == j {
			return true
		}
	}
	return false
}

func (w *WriteBack) warn(format string, args ...any) {
	w.Warnings = append(w.Warnings, fmt.Sprintf(format, args...))
}

// lockedReason says why Xero will not take an edit of the invoice, in
// the words of its own error where it has one.
func lockedReason(inv *xero.Invoice) string {
	var why string
	switch {
	case inv.Status == xero.StatusVoided || inv.Status == xero.StatusDeleted:
		why = "the invoice is " + statusPhrase(inv.Status)
	case len(inv.Payments) > 0 || xero.Cents(inv.AmountPaid) != 0 || inv.Status == xero.StatusPaid:
		why = "the invoice has a payment allocated"
	case len(inv.CreditNotes) > 0 || xero.Cents(inv.AmountCredited) != 0:
		why = "the invoice has a credit note allocated"
	case len(inv.Prepayments) > 0:
		why = "the invoice has a prepayment allocated"
	case len(inv.Overpayments) > 0:
		why = "the invoice has an overpayment allocated"
	default:
		why = "the invoice is " + statusPhrase(inv.Status)
	}
	return why + ", so Xero does not allow edits"
}

// ourLines returns the indexes of the invoice's lines that are the cost
// line of ev.
func ourLines(inv *xero.Invoice, ev ShipmentEvent, s WriteBackSettings) []int {
	var out []int
	for i, l := range inv.LineItems {
		if IsOurCostLine(l, ev, s) {
			out = append(out, i)
		}
	}
	return out
}

// CostLine is the invoice line DecideWriteBack adds for a label: quantity
// 1 at the label's cost (postage plus insurance), with the account's item,
// account and tax codes, and a description that names the carrier, the
// service and the tracking number, which is also how IsOurCostLine finds
// it again.
func CostLine(ev ShipmentEvent, carriers map[string]string, s WriteBackSettings) xero.LineItem {
	desc := s.description() + ": " + carrierAndService(ev, carriers)
	desc += ", " + costMarker(ev)
	return xero.LineItem{
		ItemCode:    oneLine(s.CostItemCode),
		Description: desc,
		Quantity:    1,
		UnitAmount:  xero.FromCents(ev.CostCents()),
		AccountCode: oneLine(s.CostAccountCode),
		TaxType:     oneLine(s.CostTaxType),
	}
}

// costMarker is the part of a cost line's description that identifies its
// label: the tracking number, or the shipment id for a label without one.
func costMarker(ev ShipmentEvent) string {
	if tn := oneLine(ev.TrackingNumber); tn != "" {
		return "tracking " + tn
	}
	return "ShipStation " + strings.Replace(ev.ID, ":", " ", 1)
}

// IsOurCostLine reports whether l is the cost line orderbridge added for
// ev: its item code is the settings' (when one is set, ignoring case) and
// its description carries the event's marker (the tracking number, or the
// shipment id). The description's first words are not compared, so a
// changed CostDescription still finds old lines; the worker uses this to
// remove the line when the label is voided.
func IsOurCostLine(l xero.LineItem, ev ShipmentEvent, s WriteBackSettings) bool {
	if code := oneLine(s.CostItemCode); code != "" && !sameName(l.ItemCode, code) {
		return false
	}
	desc := oneLine(l.Description)
	marker := costMarker(ev)
	for {
		i := strings.Index(desc, marker)
		if i < 0 {
			return false
		}
		// The marker must end there: tracking 123 is not tracking 1234.
		desc = desc[i+len(marker):]
		if desc == "" || !isIDChar(desc[0]) {
			return true
		}
	}
}

func isIDChar(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '-' || b == '_'
}

func cloneLines(ls []xero.LineItem) []xero.LineItem {
	out := make([]xero.LineItem, 0, len(ls)+1)
	for _, l := range ls {
		out = append(out, cloneLine(l))
	}
	return out
}

// cloneLine copies a line deeply enough that the plan never shares
// memory with the invoice it was made from.
func cloneLine(l xero.LineItem) xero.LineItem {
	if l.Item != nil {
		it := *l.Item
		l.Item = &it
	}
	if l.Tracking != nil {
		l.Tracking = append([]xero.LineItemTracking(nil), l.Tracking...)
	}
	if l.TaxBreakdown != nil {
		l.TaxBreakdown = append([]xero.TaxBreakdown(nil), l.TaxBreakdown...)
	}
	return l
}

// maxKey keeps idempotency keys under Xero's 128 characters with room for
// the "-<index>" xero.Client.AddNote appends.
const maxKey = 120

// writeBackKey is the Idempotency-Key of one action of one event on one
// invoice: "orderbridge:<invoice id>:<event id>:<action>". The invoice id
// is part of it because Xero's key cache may be shared by every
// organisation our app reaches. A key that would be too long, or has
// characters a header cannot carry, is hashed instead.
func writeBackKey(invoiceID, eventID string, a Action) string {
	k := "orderbridge:" + strings.ToLower(strings.TrimSpace(invoiceID)) + ":" + eventID + ":" + string(a)
	if len(k) <= maxKey && headerSafe(k) {
		return k
	}
	sum := sha256.Sum256([]byte(invoiceID + "\x00" + eventID))
	return "orderbridge:" + hex.EncodeToString(sum[:24]) + ":" + string(a)
}

// editKey is writeBackKey plus a short hash of the lines sent.
func editKey(invoiceID, eventID string, a Action, lines []xero.LineItem) string {
	b, err := json.Marshal(lines)
	if err != nil {
		// A LineItem holds only strings, numbers and slices of them.
		panic(fmt.Sprintf("bridge: hash lines: %v", err))
	}
	sum := sha256.Sum256(b)
	k := writeBackKey(invoiceID, eventID, a) + ":" + hex.EncodeToString(sum[:6])
	if len(k) > maxKey {
		sum := sha256.Sum256([]byte(k))
		k = "orderbridge:" + hex.EncodeToString(sum[:24]) + ":" + string(a)
	}
	return k
}

func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// HasNote reports whether the invoice's History already holds a note with
// exactly this text (ignoring spacing). Xero caches idempotency keys for
// minutes only, so a worker that cannot tell whether an earlier attempt
// reached Xero reads the History and asks this before writing again.
func HasNote(records []xero.HistoryRecord, text string) bool {
	want := oneLine(text)
	if want == "" {
		return false
	}
	for _, r := range records {
		if oneLine(r.Details) == want {
			return true
		}
	}
	return false
}

// Summary is the write-back as one line for the transaction log, such as
// "INV-0042: shipment 33974374 written back: note, shipping line 12.50".
func (w WriteBack) Summary() string {
	var b strings.Builder
	b.WriteString(w.Invoice + ": " + strings.Replace(w.Event, ":", " ", 1))
	if w.Skip {
		b.WriteString(" not written back: " + w.Reason)
	} else {
		var parts []string
		if w.Note != nil {
			if len(w.Note.Records) > 0 && w.Note.Records[len(w.Note.Records)-1] == ActionVoidNote {
				parts = append(parts, "label voided note")
			} else {
				parts = append(parts, "note")
			}
		}
		if w.Edit != nil {
			if w.Edit.Action == ActionLine && w.Edit.Added != nil {
				parts = append(parts, "shipping line "+money(xero.Cents(w.Edit.Added.UnitAmount)))
			} else {
				parts = append(parts, "shipping line removed")
			}
		}
		for _, a := range w.Record {
			parts = append(parts, string(a)+" found already in Xero")
		}
		b.WriteString(" written back: " + strings.Join(parts, ", "))
	}
	if len(w.Warnings) > 0 {
		fmt.Fprintf(&b, " (%s)", count(len(w.Warnings), "warning"))
	}
	return b.String()
}

package bridge

import "fmt"

// Severity says how much a mapping note asks of the merchant.
type Severity string

const (
	// SeverityInfo is a harmless note: the order is right as sent, and the
	// merchant need do nothing (pages show it neutral, not orange).
	SeverityInfo Severity = "info"
	// SeverityWarning is a note the merchant may want to act on: the order
	// was sent, but something on it may be wrong.
	SeverityWarning Severity = "warning"
)

// NoteKind names one kind of note the mapping makes about an order it
// still sends.
type NoteKind string

// The notes the mapping makes. Each kind's severity is NoteKind.Severity's
// to say, nowhere else.
const (
	NoteBillToFromStreet   NoteKind = "bill_to_from_street" // only a street address: used for bill-to too
	NoteShipToFromPostal   NoteKind = "ship_to_from_postal" // only a postal address: the parcel goes to it
	NoteShipToNoStreet     NoteKind = "ship_to_no_street"   // the ship-to has a city or postcode but no street line
	NoteTextCut            NoteKind = "text_cut"            // a field cut to ShipStation's limit
	NoteNoQuantity         NoteKind = "no_quantity"         // a line with an amount and no quantity, sent as 1
	NoteFractionalQuantity NoteKind = "fractional_quantity" // a quantity ShipStation cannot take, sent as 1 at the line's total
	NoteTotalDiffers       NoteKind = "total_differs"       // the order's total is not the invoice's
)

// NoteKinds lists every kind, for tests and documentation.
func NoteKinds() []NoteKind {
	return []NoteKind{NoteBillToFromStreet, NoteShipToFromPostal, NoteShipToNoStreet, NoteTextCut,
		NoteNoQuantity, NoteFractionalQuantity, NoteTotalDiffers}
}

// Severity is the one place that decides how loud a note is: a warning
// only where the merchant may want to act, info otherwise.
func (k NoteKind) Severity() Severity {
	switch k {
	case NoteBillToFromStreet:
		// Most contacts have one address; the invoice goes by email, so
		// the bill-to on the order matters to nobody.
		return SeverityInfo
	case NoteNoQuantity:
		// A fee or service line with only an amount: one of it is what
		// the invoice means, and the total is right.
		return SeverityInfo
	case NoteShipToFromPostal, NoteShipToNoStreet:
		// A carrier may not deliver to a PO box or to a city alone.
		return SeverityWarning
	case NoteTextCut, NoteFractionalQuantity, NoteTotalDiffers:
		// What the packer or the label shows differs from the invoice.
		return SeverityWarning
	}
	return SeverityWarning
}

// mappingNote is one thing the mapping says about an order it sent.
type mappingNote struct {
	Kind     NoteKind
	Severity Severity
	Text     string
}

// note records a note; its severity sorts it into Warnings (which make
// the outcome a warning) or Notes (neutral).
func (m *mapper) note(k NoteKind, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	m.notes = append(m.notes, mappingNote{Kind: k, Severity: k.Severity(), Text: text})
}

// split returns the warnings' texts and the info notes' texts.
func split(notes []mappingNote) (warnings, info []string) {
	for _, n := range notes {
		if n.Severity == SeverityWarning {
			warnings = append(warnings, n.Text)
		} else {
			info = append(info, n.Text)
		}
	}
	return warnings, info
}

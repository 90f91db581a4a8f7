package bridge

import (
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/xero"
)

// TestStreetOnlyContactIsNoWarning: a contact with only a street address
// is the demo's most common case (15 of 35 exports were orange for it).
// Using that address for bill-to too is harmless, so the order is sent
// without a warning and the merchant is told in a neutral note.
func TestStreetOnlyContactIsNoWarning(t *testing.T) {
	t.Parallel()
	street := xero.Address{AddressType: "STREET", AddressLine1: "112 Oriental Parade", City: "Wellington", PostalCode: "6011", Country: "NZ"}
	c := testContactOf(func(c *xero.Contact) { c.Addresses = []xero.Address{street} })
	d := Decide(testInvoiceOf(), c, testSettings(), nil)
	if d.Kind != Export {
		t.Fatalf("Decide = %s: %s", d.Kind, d.Reason)
	}
	if len(d.Warnings) != 0 {
		t.Errorf("warnings %q; want none for a street-only contact", d.Warnings)
	}
	if strings.Contains(d.Summary(), "warning") {
		t.Errorf("summary %q counts a warning", d.Summary())
	}
}

// TestNoteSeverity holds every note kind to its severity: a warning only
// where the merchant may want to act.
func TestNoteSeverity(t *testing.T) {
	t.Parallel()
	want := map[NoteKind]Severity{
		NoteBillToFromStreet:   SeverityInfo,
		NoteNoQuantity:         SeverityInfo,
		NoteShipToFromPostal:   SeverityWarning,
		NoteShipToNoStreet:     SeverityWarning,
		NoteTextCut:            SeverityWarning,
		NoteFractionalQuantity: SeverityWarning,
		NoteTotalDiffers:       SeverityWarning,
	}
	if len(want) != len(NoteKinds()) {
		t.Errorf("the table has %d kinds, NoteKinds %d: a kind is missing here or there", len(want), len(NoteKinds()))
	}
	for _, k := range NoteKinds() {
		if got, ok := want[k]; !ok {
			t.Errorf("%s: no expected severity in the table", k)
		} else if k.Severity() != got {
			t.Errorf("%s.Severity() = %s; want %s", k, k.Severity(), got)
		}
	}
}

// TestNotesLandBySeverity decides invoices that make one note each and
// checks the text lands in Notes (neutral) or Warnings (orange).
func TestNotesLandBySeverity(t *testing.T) {
	t.Parallel()
	street := xero.Address{AddressType: "STREET", AddressLine1: "1 Queen St", City: "Auckland", PostalCode: "1010", Country: "NZ"}
	postal := xero.Address{AddressType: "POBOX", AddressLine1: "PO Box 12", City: "Auckland", PostalCode: "1140", Country: "NZ"}
	tests := []struct {
		name     string
		inv      xero.Invoice
		contact  *xero.Contact
		text     string
		severity Severity
	}{
		{"street only", testInvoiceOf(), testContactOf(func(c *xero.Contact) { c.Addresses = []xero.Address{street} }),
			"used for bill-to too", SeverityInfo},
		{"postal only", testInvoiceOf(), testContactOf(func(c *xero.Contact) { c.Addresses = []xero.Address{postal} }),
			"used for ship-to too", SeverityWarning},
		{"no quantity", testInvoiceOf(func(inv *xero.Invoice) { inv.LineItems[0].Quantity = 0 }), testContactOf(),
			"has an amount but no quantity", SeverityInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Decide(tt.inv, tt.contact, testSettings(), nil)
			if d.Order == nil {
				t.Fatalf("Decide = %s: %s", d.Kind, d.Reason)
			}
			in, other := d.Warnings, d.Notes
			if tt.severity == SeverityInfo {
				in, other = d.Notes, d.Warnings
			}
			if !strings.Contains(strings.Join(in, "|"), tt.text) || strings.Contains(strings.Join(other, "|"), tt.text) {
				t.Errorf("warnings %q notes %q; want %q as %s", d.Warnings, d.Notes, tt.text, tt.severity)
			}
		})
	}
}

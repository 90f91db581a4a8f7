package bridge

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orderbridge/orderbridge/internal/xero"
)

// FuzzCut: whatever the text, a cut field is valid UTF-8, within the limit
// and a prefix of the cleaned original.
func FuzzCut(f *testing.F) {
	for _, s := range []string{"Widget", "日本語の長い商品名", "ab😀cd", "a\x00\xffb", "  \n ", "ул. Тверская"} {
		f.Add(s, 5, true)
	}
	f.Fuzz(func(t *testing.T, s string, limit int, mark bool) {
		if limit < 2 || limit > 2000 {
			return
		}
		in := oneLine(s)
		got, wasCut := cut(in, limit, mark)
		if !utf8.ValidString(got) || utf16Len(got) > limit {
			t.Fatalf("cut(%q, %d) = %q: invalid or too long", in, limit, got)
		}
		if !strings.HasPrefix(in, strings.TrimSuffix(got, ellipsis)) {
			t.Fatalf("cut(%q, %d) = %q: not a prefix", in, limit, got)
		}
		if wasCut != (utf16Len(in) > limit) {
			t.Fatalf("cut(%q, %d) reported cut=%v", in, limit, wasCut)
		}
	})
}

// FuzzDecide: free text anywhere in the contact and lines never makes
// Decide panic, and an exported order always balances or says why not.
func FuzzDecide(f *testing.F) {
	f.Add("New Zealand", "1 Queen St", "Widget", "W-1", 2.0, 25.0)
	f.Add("Narnia", "", "", "", 1.5, -3.0)
	f.Add("", "ул. Тверская", "日本語", "", 0.0, 0.0)
	f.Fuzz(func(t *testing.T, country, street, desc, code string, qty, unit float64) {
		if qty != qty || unit != unit || qty > 1e6 || qty < -1e6 || unit > 1e6 || unit < -1e6 {
			return // NaN and absurd amounts cannot come from Xero
		}
		amount := xero.FromCents(xero.Cents(qty * unit))
		inv := testInvoiceOf(withLines("NoTax", amount, 0, amount,
			xero.LineItem{ItemCode: code, Description: desc, Quantity: qty, UnitAmount: unit, LineAmount: amount}))
		c := testContactOf(func(c *xero.Contact) {
			c.Addresses = []xero.Address{{AddressType: "STREET", AddressLine1: street, City: "X", Country: country}}
		})
		d := Decide(inv, c, testSettings(), nil)
		switch d.Kind {
		case Export:
			if d.Order == nil || d.Hash != Hash(d.Order) {
				t.Fatal("export without a hashed order")
			}
			if orderTotalCents(d.Order) != xero.Cents(inv.Total) {
				t.Fatalf("total %s != %v", money(orderTotalCents(d.Order)), inv.Total)
			}
		case Skip:
			if d.Reason == "" || d.Cause == CauseNone {
				t.Fatalf("skip without a reason: %+v", d)
			}
		default:
			t.Fatalf("unexpected kind %s", d.Kind)
		}
	})
}

func BenchmarkDecide(b *testing.B) {
	inv, c, s := nzInvoice(), nzContact(), testSettings()
	for b.Loop() {
		if d := Decide(inv, c, s, nil); d.Kind != Export {
			b.Fatal(d.Reason)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "invoices/s")
}

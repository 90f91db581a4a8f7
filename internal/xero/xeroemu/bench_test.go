package xeroemu_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

func seedBulk(b *testing.B, emu *xeroemu.Emulator, n int) {
	b.Helper()
	tenant := emu.DefaultTenantID()
	c, err := emu.SeedContact(tenant, xeroemu.Contact{Name: "Bulk"})
	if err != nil {
		b.Fatal(err)
	}
	for range n {
		if _, err := emu.SeedInvoice(tenant, xeroemu.Invoice{Contact: xeroemu.Contact{ContactID: c.ContactID}, Status: "AUTHORISED",
			LineItems: []xeroemu.LineItem{{Description: "Widget", Quantity: 1, UnitAmount: 9.99}}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeed100k measures seeding 100,000 invoices from Go.
func BenchmarkSeed100k(b *testing.B) {
	for b.Loop() {
		emu := xeroemu.New(xeroemu.Options{})
		start := time.Now()
		seedBulk(b, emu, 100_000)
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/100_000, "ns/invoice")
		emu.Close()
	}
}

// BenchmarkPage100k pages through 100,000 invoices, 1000 at a time, in
// UpdatedDateUTC order over HTTP, as the client's sync does.
func BenchmarkPage100k(b *testing.B) {
	bundle := setup(b, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	seedBulk(b, bundle.emu, 100_000)
	for b.Loop() {
		start := time.Now()
		pages := 0
		for page := 1; ; page++ {
			r := bundle.do(b, "GET", fmt.Sprintf("/api.xro/2.0/Invoices?page=%d&pageSize=1000&order=UpdatedDateUTC%%20ASC", page), nil).must(b, 200)
			pages++
			if len(r.body["Invoices"].([]any)) < 1000 {
				break
			}
		}
		b.ReportMetric(float64(pages), "pages")
		b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(pages), "ms/page")
	}
}

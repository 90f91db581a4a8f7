package xero_test

import (
	"context"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// BenchmarkPageInvoices100k pages through 100,000 seeded invoices (two lines
// each) with pageSize 1000 over real HTTP to the emulator, rate limits off.
// It reports invoices per second and the client's allocations per invoice
// (the emulator runs in the same process, so allocs include its side).
//
//	go test ./internal/xero/ -run '^$' -bench PageInvoices100k -benchtime 3x
func BenchmarkPageInvoices100k(b *testing.B) {
	const total = 100_000
	bd := setupBench(b)
	seedInvoices(b, bd.emu, bd.emu.DefaultTenantID(), total)
	ctx := context.Background()
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	b.ReportAllocs()
	b.ResetTimer()
	pages := 0
	for b.Loop() {
		n := 0
		for p, err := range bd.client.InvoicePages(ctx, bd.tenant, xero.InvoiceQuery{PageSize: xero.MaxPageSize}) {
			if err != nil {
				b.Fatal(err)
			}
			n += len(p.Invoices)
			pages++
		}
		if n != total {
			b.Fatalf("paged %d invoices, want %d", n, total)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	invoices := float64(total) * float64(b.N)
	b.ReportMetric(invoices/b.Elapsed().Seconds(), "invoices/s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/invoices, "allocs/invoice")
	b.ReportMetric(float64(pages)/float64(b.N), "calls/op")
}

// setupBench is setup for benchmarks: an emulator without rate limits and
// a connected client.
func setupBench(b *testing.B) *bundle {
	b.Helper()
	bd := &bundle{store: &tokenStore{}}
	// Served without apispec.Middleware: the figures are the client's
	// and the emulator's, not the validator's (validating 100 pages of
	// 1,000 invoices takes most of a minute); the same exchanges are
	// validated by the package's tests.
	bd.emu = xeroemu.New(xeroemu.Options{RateLimit: emukit.NoRateLimit})
	srv := httptest.NewServer(bd.emu)
	b.Cleanup(func() { bd.emu.Close(); srv.Close() })
	bd.emu.SetURL(srv.URL)
	bd.tenant = bd.emu.DefaultTenantID()
	app, err := xero.New(xero.Config{ClientID: bd.emu.ClientID(), ClientSecret: bd.emu.ClientSecret(), BaseURL: bd.emu.URL(),
		RedirectURL: "http://localhost:8080/xero/callback", Pacing: xero.Pacing{Off: true}})
	if err != nil {
		b.Fatal(err)
	}
	bd.app = app
	cc := app.ClientCredentials()
	bd.client = app.Client(cc)
	bd.tenant = "" // a custom connection: one organisation, no tenant header
	return bd
}

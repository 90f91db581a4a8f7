package e2e_test

import (
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/demo"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// BenchmarkXeroEgress measures what Xero bills by the byte (egress): the
// response bytes of a first backfill per 1,000 invoices read and per 1,000
// orders exported, and the bytes of one idle merchant-day, the export runs
// of a day for an organisation where nothing changes, with the
// emulator's clock moved between runs instead of waited for, starting an
// hour after the backfill: 24 runs (the
// safety sweep's hour, with healthy webhooks) and 288 (the five-minute
// sync interval, without); and the bytes per 1,000 orders when a merchant
// approves one invoice a minute and each starts a run (as its webhook
// does). Bytes are the emulator's count for the
// organisation (response bodies); the store's own count is checked
// against it. It reports, never asserts. Run it with
//
//	go test -run '^$' -bench XeroEgress -benchtime 1x ./internal/e2e/
//
// ORDERBRIDGE_BENCH_EGRESS_INVOICES resizes the organisation (default
// 2,000 invoices and bills over 400 contacts).
func BenchmarkXeroEgress(b *testing.B) {
	invoices := 2_000
	if s := os.Getenv("ORDERBRIDGE_BENCH_EGRESS_INVOICES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("ORDERBRIDGE_BENCH_EGRESS_INVOICES=%q", s)
		}
		invoices = n
	}
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		var ahead atomic.Int64 // how far the organisation's day has moved on
		xemu := xeroemu.New(xeroemu.Options{RateLimit: emukit.NoRateLimit, DayLimit: 1 << 30,
			Now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }})
		benchServe(b, xemu)
		tenant := xemu.DefaultTenantID()
		if _, err := demo.SeedXero(xemu, tenant, demo.Options{Seed: 1, Contacts: max(invoices/5, 1), Invoices: invoices}); err != nil {
			b.Fatal(err)
		}
		semu := shipstationemu.New(shipstationemu.Options{RateLimit: emukit.NoRateLimit})
		benchServe(b, semu)
		a, acct := benchApp(b, xemu, semu, tenant)
		b.StartTimer()

		before := xemu.EgressBytes(tenant)
		sum, err := a.ExportNow(ctx, acct, worker.RunOptions{})
		if err != nil {
			b.Fatalf("backfill: %v (%s)", err, sum)
		}
		backfill := xemu.EgressBytes(tenant) - before
		b.ReportMetric(float64(backfill)*1000/float64(sum.Invoices), "bytes/1k_invoices")
		b.ReportMetric(float64(backfill)*1000/float64(max(sum.Exported, 1)), "bytes/1k_orders")
		b.Logf("backfill: %s; %d bytes from Xero", sum, backfill)

		idleDay := func(runs int, every time.Duration) (bytes int64, calls int) {
			start := xemu.EgressBytes(tenant)
			for range runs {
				ahead.Add(int64(every))
				s, err := a.ExportNow(ctx, acct, worker.RunOptions{})
				if err != nil {
					b.Fatalf("idle run: %v (%s)", err, s)
				}
				if s.Exported+s.Updated+s.Cancelled > 0 {
					b.Fatalf("an idle run sent orders: %s", s)
				}
				calls += s.XeroCalls
			}
			return xemu.EgressBytes(tenant) - start, calls
		}
		// The first run after the last change reads its overlap window once
		// more (here the whole seeded organisation, changed within it); the
		// idle day is the ones after.
		once, _ := idleDay(1, time.Hour)
		b.Logf("the first run after the backfill: %d bytes", once)
		safety, safetyCalls := idleDay(24, time.Hour)
		sync, syncCalls := idleDay(288, 5*time.Minute)
		b.ReportMetric(float64(safety), "bytes/idle_day_hourly")
		b.ReportMetric(float64(sync), "bytes/idle_day_5min")
		b.Logf("idle merchant-day: %d bytes in %d Xero calls (24 runs, hourly); %d bytes in %d calls (288 runs, every 5 minutes)",
			safety, safetyCalls, sync, syncCalls)

		// Steady work: a new tagged invoice a minute, a run after each (as
		// a webhook would start), so each run also reads again the
		// invoices of the overlap before it.
		c, err := xemu.SeedContact(tenant, xeroemu.Contact{Name: "Steady Customer", Addresses: []xeroemu.Address{
			{AddressType: "STREET", AddressLine1: "12 Dock Road", City: "Hamilton", PostalCode: "3204", Country: "NZ"}}})
		if err != nil {
			b.Fatal(err)
		}
		const steady = 100
		start, exported := xemu.EgressBytes(tenant), 0
		for range steady {
			ahead.Add(int64(time.Minute))
			if _, err := xemu.SeedInvoice(tenant, xeroemu.Invoice{Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: c.ContactID},
				LineItems: []xeroemu.LineItem{{ItemCode: "TENT-2P", Description: "Two-person tent", Quantity: 1, UnitAmount: 150, AccountCode: "200",
					Tracking: []xeroemu.LineItemTracking{{Name: demo.ChannelCategory, Option: demo.OptionShipStation}}}},
			}); err != nil {
				b.Fatal(err)
			}
			s, err := a.ExportNow(ctx, acct, worker.RunOptions{})
			if err != nil {
				b.Fatalf("steady run: %v (%s)", err, s)
			}
			exported += s.Exported
		}
		steadyBytes := xemu.EgressBytes(tenant) - start
		b.ReportMetric(float64(steadyBytes)*1000/float64(max(exported, 1)), "bytes/1k_orders_one_a_minute")
		b.Logf("one invoice a minute: %d orders, %d bytes from Xero", exported, steadyBytes)

		days, err := a.Store.XeroEgress(ctx, acct, time.Now().AddDate(0, 0, -1))
		if err != nil {
			b.Fatal(err)
		}
		var counted int64
		for _, d := range days {
			counted += d.Bytes
		}
		// The store counts a little more than the emulator: the 401s of
		// expired tokens (the organisation's clock moved a day) come before
		// the emulator knows the organisation.
		b.Logf("the store counted %d bytes, the emulator sent the organisation %d", counted, xemu.EgressBytes(tenant))
		b.StopTimer()
		if err := a.Close(); err != nil {
			b.Fatal(err)
		}
		semu.Close()
		xemu.Close()
	}
}

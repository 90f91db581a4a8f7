package e2e_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// Environment variables that size BenchmarkWebhookLatency.
const (
	envBenchTenants  = "ORDERBRIDGE_BENCH_TENANTS"
	envBenchInvoices = "ORDERBRIDGE_BENCH_INVOICES"
	envBenchGap      = "ORDERBRIDGE_BENCH_GAP"
	envBenchBurst    = "ORDERBRIDGE_BENCH_BURST"
	// envBenchWebhookDelay is the app's webhook export delay
	// (config.WebhookExportDelay; default the product's).
	envBenchWebhookDelay = "ORDERBRIDGE_BENCH_WEBHOOK_DELAY"
)

// benchGap is how often one merchant approves an invoice by default. Each
// invoice costs the merchant's Xero organisation about two calls (the
// export reads the announced invoice; the write-back writes the note), so
// one every 6 seconds stays well under Xero's 60 calls a minute, and under
// ShipStation's 40 a minute per key pair (about two calls: the order, the
// webhook's batch).
const benchGap = 6 * time.Second

// starterDayLimit is the daily call cap of an organisation on Xero's free
// Starter developer tier (5,000 on the others).
const starterDayLimit = 1000

// latencyMode is one sub-benchmark of BenchmarkWebhookLatency.
type latencyMode struct {
	name string
	// drop makes both emulators lose every webhook.
	drop bool
	// every is the sweeps' period; sync and safety the accounts'
	// SyncInterval and SafetySweepInterval.
	every, sync, safety time.Duration
}

// BenchmarkWebhookLatency measures how long a merchant waits, and what it
// costs in calls (Xero and ShipStation calls per invoice, end to end, and
// the invoices a day an organisation on Xero's Starter tier could sync at
// that rate), through both
// emulators over HTTP with their real rate limits and the Xero client's
// real pacing: from approving an invoice in Xero (SeedInvoice returned) to
// its order in ShipStation, and from buying a label in ShipStation
// (CreateLabel returned) to the tracking note on the Xero invoice. River
// looks for jobs at the default 200 ms (SQLite, no notifications).
// Several merchants, each with its own Xero organisation and ShipStation
// key pair and store, approve a tagged invoice every few seconds, spread
// over the gap, and buys each order's label at a random moment within 30 s
// of the order arriving. It reports p50/p95/p99 in seconds each way:
//
//   - webhooks: webhooks on, the sweeps at their production settings
//     (every minute; accounts at 5 minutes, 1 hour while webhooks are
//     healthy). Issue 7's target is p95 under 5 s each way.
//   - dropped: both emulators lose every webhook; the sweep runs every
//     5 s and accounts are due every 30 s, so latency is bounded by that.
//
// One iteration is the whole measurement; run it with
//
//	go test -run '^$' -bench WebhookLatency -benchtime 1x ./internal/e2e/
//
// ORDERBRIDGE_BENCH_TENANTS (default 10), ORDERBRIDGE_BENCH_INVOICES
// (default 200 in all) and ORDERBRIDGE_BENCH_GAP (default 6s per merchant)
// size it; the defaults take about six minutes. ORDERBRIDGE_BENCH_BURST
// (default 1) makes each merchant approve that many invoices at once every
// gap (a batch approval), whose webhooks Xero delivers together: the
// export then reads them in one call. ORDERBRIDGE_BENCH_WEBHOOK_DELAY
// (default config.DefaultWebhookExportDelay) is how long a webhook's
// export waits for more events: a steady stream (a gap of a second or
// two) shares reads, an isolated invoice only waits.
func BenchmarkWebhookLatency(b *testing.B) {
	tenants := benchEnvInt(b, envBenchTenants, 10)
	invoices := benchEnvInt(b, envBenchInvoices, 200)
	burst := benchEnvInt(b, envBenchBurst, 1)
	gap := benchEnvDuration(b, envBenchGap, benchGap, false)
	delay := benchEnvDuration(b, envBenchWebhookDelay, config.DefaultWebhookExportDelay, true)
	modes := []latencyMode{
		{name: "webhooks", every: time.Minute, sync: store.DefaultSyncInterval, safety: store.DefaultSafetySweepInterval},
		{name: "dropped", drop: true, every: 5 * time.Second, sync: 30 * time.Second, safety: store.DefaultSafetySweepInterval},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			var r latencyResult
			for range b.N {
				r = runLatency(b, m, tenants, invoices, gap, burst, delay)
			}
			r.report(b)
		})
	}
}

// benchEnvDuration reads a duration from the environment: def when unset,
// zero refused unless zeroOK.
func benchEnvDuration(b *testing.B, name string, def time.Duration, zeroOK bool) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d == 0 && !zeroOK {
		b.Fatalf("%s=%q: want a positive duration such as 6s", name, v)
	}
	return d
}

func benchEnvInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// latencyResult is one measurement.
type latencyResult struct {
	mode                     string
	tenants, invoices        int
	gap                      time.Duration
	delay                    time.Duration // the webhook export delay
	burst                    int           // invoices a merchant approves at once
	export, note             []time.Duration
	missing                  int // orders or notes that never came
	xeroCalls, ssCalls       int64
	elapsed                  time.Duration
	xeroByRoute, ssByRoute   map[string]int64
	deliveriesX, deliveriesS int64
}

// merchant is one account of the benchmark.
type merchant struct {
	acct    int64
	tenant  string
	contact xeroemu.Contact
	count   int // invoices it approves
}

// runLatency sets up the merchants on fresh emulators and a fresh app,
// has them approve their invoices and buy their labels, and measures.
func runLatency(b *testing.B, m latencyMode, tenants, invoices int, gap time.Duration, burst int, delay time.Duration) latencyResult {
	b.StopTimer()
	names := make([]string, tenants)
	for i := range names {
		names[i] = fmt.Sprintf("Merchant %02d Ltd", i+1)
	}
	// Real limits: Xero 60 calls a minute and 5 at once per
	// organisation, ShipStation 40 a minute per key pair.
	xemu := xeroemu.New(xeroemu.Options{RateLimit: emukit.RealRateLimit, OrgNames: names})
	b.Cleanup(xemu.Close)
	benchServe(b, xemu)
	semu := shipstationemu.New(shipstationemu.Options{RateLimit: emukit.RealRateLimit})
	b.Cleanup(semu.Close)
	benchServe(b, semu)
	if m.drop {
		xemu.SetWebhookDelivery(1, 0)
		semu.SetWebhookDelivery(1, 0)
	}
	a := startHookApp(b, hookAppOptions{
		xemu: xemu, semu: semu, sweep: true, every: m.every, poll: config.DefaultJobPoll, webhookDelay: delay,
		logger: slog.New(slog.NewTextHandler(tlogWriter{b}, &slog.HandlerOptions{Level: slog.LevelError})),
	})

	ms := make([]*merchant, tenants)
	for i, tenant := range xemu.TenantIDs() {
		key, secret, storeID := semu.APIKey(), semu.APISecret(), semu.DefaultStoreID()
		if i > 0 {
			key, secret = semu.AddKeyPair()
			storeID = semu.AddStore(names[i] + " web store").StoreID
		}
		acct := connectHookAccount(b, a, xemu, hookAccount{
			name: names[i], tenant: tenant, ssKey: key, ssSecret: secret, storeID: storeID,
			settings: hookSettings(m.sync, m.safety),
		})
		c, err := xemu.SeedContact(tenant, xeroemu.Contact{
			Name: "Customer of " + names[i], FirstName: "Jane", LastName: "Receiver", EmailAddress: "jane@example.com",
			Addresses: []xeroemu.Address{
				{AddressType: "STREET", AddressLine1: "12 Dock Road", City: "Hamilton", Region: "Waikato", PostalCode: "3204", Country: "NZ"},
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		ms[i] = &merchant{acct: acct, tenant: tenant, contact: c, count: invoices / tenants}
		if i < invoices%tenants {
			ms[i].count++
		}
	}
	// Warm up: every account's first export (the backfill, the contact
	// sweep) is done before anyone approves; its calls are not counted.
	testkit.WaitFor(b, "every account's first export", 2*time.Minute, func() bool {
		done := exportedAccounts(b, a)
		return !slices.ContainsFunc(ms, func(mc *merchant) bool { return !done[mc.acct] })
	})
	// And the set-up's own webhooks (the contacts created) are handled:
	// Xero delivers them a moment later (the emulator within milliseconds;
	// a second is plenty), and their export is set-up too.
	time.Sleep(time.Second)
	testkit.WaitFor(b, "the set-up's webhooks handled", 2*time.Minute, func() bool {
		return !slices.ContainsFunc(ms, func(mc *merchant) bool { return setupBusy(b, a, mc.acct) })
	})
	xemu.Counters().Reset()
	semu.Counters().Reset()

	r := latencyResult{mode: m.name, tenants: tenants, invoices: invoices, gap: gap, burst: burst, delay: delay}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	b.StartTimer()
	for i, mc := range ms {
		offset := gap * time.Duration(i) / time.Duration(tenants)
		wg.Go(func() {
			for j := range mc.count {
				time.Sleep(time.Until(start.Add(offset + time.Duration(j/burst)*gap)))
				inv, approved := approveBenchInvoice(b, xemu, mc, j)
				wg.Go(func() {
					exp, note, err := trackInvoice(xemu, semu, mc.tenant, inv, approved)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						r.missing++
						b.Errorf("%s %s: %v", mc.tenant, inv.InvoiceNumber, err)
						return
					}
					r.export = append(r.export, exp)
					r.note = append(r.note, note)
				})
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	r.elapsed = time.Since(start)
	r.xeroByRoute, r.ssByRoute = xemu.Counters().Snapshot(), semu.Counters().Snapshot()
	r.xeroCalls, r.ssCalls = xemu.Counters().Total(), semu.Counters().Total()
	for _, mc := range ms {
		h, err := a.Store.WebhookHealthOf(b.Context(), mc.acct)
		if err != nil {
			b.Fatal(err)
		}
		r.deliveriesX += h[store.SourceXero].Deliveries
		r.deliveriesS += h[store.SourceShipStation].Deliveries
	}
	return r
}

// setupBusy reports whether the account has a Xero event not yet read or
// an export job not finished.
func setupBusy(b *testing.B, a *app.App, acct int64) bool {
	pending, err := a.Store.HasPendingWebhookEvents(b.Context(), acct, store.SourceXero)
	if err != nil {
		b.Fatal(err)
	}
	if pending {
		return true
	}
	res, err := a.River.JobList(b.Context(), river.NewJobListParams().Kinds(worker.KindExportInvoices).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStatePending).First(1000))
	if err != nil {
		b.Fatal(err)
	}
	return slices.ContainsFunc(res.Jobs, func(j *rivertype.JobRow) bool {
		var args worker.ExportInvoicesArgs
		return json.Unmarshal(j.EncodedArgs, &args) == nil && args.AccountID == acct
	})
}

// exportedAccounts returns the accounts with a completed export job.
func exportedAccounts(b *testing.B, a *app.App) map[int64]bool {
	res, err := a.River.JobList(b.Context(), river.NewJobListParams().Kinds(worker.KindExportInvoices).
		States(rivertype.JobStateCompleted).First(10000))
	if err != nil {
		b.Fatal(err)
	}
	out := map[int64]bool{}
	for _, j := range res.Jobs {
		var args worker.ExportInvoicesArgs
		if json.Unmarshal(j.EncodedArgs, &args) == nil {
			out[args.AccountID] = true
		}
	}
	return out
}

// approveBenchInvoice approves the merchant's jth tagged invoice and
// returns it with the moment the approval returned.
func approveBenchInvoice(b *testing.B, xemu *xeroemu.Emulator, mc *merchant, j int) (xeroemu.Invoice, time.Time) {
	inv, err := xemu.SeedInvoice(mc.tenant, xeroemu.Invoice{
		Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: mc.contact.ContactID}, Date: time.Now().UTC(),
		Reference: fmt.Sprintf("PO-%d", j+1), CurrencyCode: "NZD",
		LineItems: []xeroemu.LineItem{
			{ItemCode: "TENT-2P", Description: "Two-person tent", Quantity: 1, UnitAmount: 150, AccountCode: "200", TaxType: "OUTPUT2",
				Tracking: []xeroemu.LineItemTracking{{Name: "Sales Channel", Option: "ShipStation"}}},
		},
	})
	if err != nil {
		b.Error(err)
	}
	return inv, time.Now()
}

// labelWithin spreads the label purchases: each is bought at a random
// moment within this long of its order arriving. Without it a label would
// be bought just after the sweep that made its order, and the write-back
// sweep that follows at once would hide the sweep's interval.
const labelWithin = 30 * time.Second

// trackLimit is how long the benchmark waits for an order or a note
// before counting it missing.
const trackLimit = 3 * time.Minute

// trackInvoice polls, every 20 ms, for the invoice's order; then buys its
// label and polls for the note on the invoice's History.
func trackInvoice(xemu *xeroemu.Emulator, semu *shipstationemu.Emulator, tenant string, inv xeroemu.Invoice, approved time.Time) (export, note time.Duration, err error) {
	if inv.InvoiceID == "" {
		return 0, 0, fmt.Errorf("not approved")
	}
	key := bridge.OrderKey(tenant, inv.InvoiceID)
	var o shipstationemu.Order
	if !poll(approved, func() (ok bool) { o, ok = semu.OrderByKey(key); return ok }) {
		return 0, 0, fmt.Errorf("no order after %s", trackLimit)
	}
	export = time.Since(approved)
	// Merchants buy labels whenever they pack, not in step with the
	// sweep that made the order.
	time.Sleep(rand.N(labelWithin))
	if _, err := semu.CreateLabel(o.OrderID, shipstationemu.LabelRequest{CarrierCode: "ups_walleted", ServiceCode: "ups_ground",
		Weight: &shipstationemu.Weight{Value: 2, Units: "pounds"}}); err != nil {
		return export, 0, fmt.Errorf("create label: %w", err)
	}
	bought := time.Now()
	if !poll(bought, func() bool {
		return slices.ContainsFunc(xemu.History(tenant, inv.InvoiceID), func(h xeroemu.HistoryRecord) bool { return h.Changes == "Note" })
	}) {
		return export, 0, fmt.Errorf("no note after %s", trackLimit)
	}
	return export, time.Since(bought), nil
}

func poll(since time.Time, cond func() bool) bool {
	for !cond() {
		if time.Since(since) > trackLimit {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// percentile is the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// report puts the percentiles on the benchmark line and a table in the log.
func (r latencyResult) report(b *testing.B) {
	slices.Sort(r.export)
	slices.Sort(r.note)
	var tbl strings.Builder
	fmt.Fprintf(&tbl, "%s: %d merchants, %d invoices (%d every %s per merchant), webhook export delay %s, %s; %d missing\n",
		r.mode, r.tenants, r.invoices, r.burst, r.gap, r.delay, r.elapsed.Round(time.Second), r.missing)
	fmt.Fprintf(&tbl, "%-34s %6s %8s %8s %8s %8s %8s\n", "", "n", "p50", "p95", "p99", "max", "min")
	for _, row := range []struct {
		name, unit string
		d          []time.Duration
	}{{"approved -> order in ShipStation", "export", r.export}, {"label bought -> note in Xero", "note", r.note}} {
		for _, p := range []float64{50, 95, 99} {
			b.ReportMetric(percentile(row.d, p).Seconds(), fmt.Sprintf("s_p%.0f_%s", p, row.unit))
		}
		var lo, hi time.Duration
		if len(row.d) > 0 {
			lo, hi = row.d[0], row.d[len(row.d)-1]
		}
		fmt.Fprintf(&tbl, "%-34s %6d %7.2fs %7.2fs %7.2fs %7.2fs %7.2fs\n", row.name, len(row.d),
			percentile(row.d, 50).Seconds(), percentile(row.d, 95).Seconds(), percentile(row.d, 99).Seconds(), hi.Seconds(), lo.Seconds())
	}
	n := max(int64(len(r.export)), 1)
	// Calls per invoice end to end (export and write-back), and what they
	// let an organisation on Xero's Starter tier (1,000 calls a day) sync
	// in a day.
	perInvoice := float64(r.xeroCalls) / float64(n)
	b.ReportMetric(perInvoice, "xero_calls/invoice")
	b.ReportMetric(float64(r.ssCalls)/float64(n), "shipstation_calls/invoice")
	if perInvoice > 0 {
		b.ReportMetric(starterDayLimit/perInvoice, "starter_invoices/day")
	}
	fmt.Fprintf(&tbl, "calls: Xero %d (%.1f an invoice), ShipStation %d (%.1f an invoice); webhook deliveries recorded: Xero %d, ShipStation %d\n",
		r.xeroCalls, float64(r.xeroCalls)/float64(n), r.ssCalls, float64(r.ssCalls)/float64(n), r.deliveriesX, r.deliveriesS)
	for _, c := range []struct {
		name string
		m    map[string]int64
	}{{"Xero", r.xeroByRoute}, {"ShipStation", r.ssByRoute}} {
		keys := slices.Sorted(maps.Keys(c.m))
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s=%d", k, c.m[k]))
		}
		fmt.Fprintf(&tbl, "  %s by route: %s\n", c.name, strings.Join(parts, ", "))
	}
	b.Logf("\n%s", tbl.String())
}

//go:build unix

package e2e_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// Environment variables that size BenchmarkScale.
const (
	envScaleAccounts = "ORDERBRIDGE_SCALE_ACCOUNTS"         // merchants simulated (default 100)
	envScaleTime     = "ORDERBRIDGE_SCALE_TIMESCALE"        // time scale (default 60: a minute lasts a second)
	envScaleMinutes  = "ORDERBRIDGE_SCALE_MINUTES"          // simulated minutes of approvals (default 45)
	envScalePerDay   = "ORDERBRIDGE_SCALE_INVOICES_PER_DAY" // invoices a merchant approves a day (default 50)
	// envScaleUncapped set to 1 lifts the sweep's cap (worker.SweepCap), as
	// before it existed: the start's sweep then enqueues every account at
	// once.
	envScaleUncapped = "ORDERBRIDGE_SCALE_UNCAPPED"
)

// scaleAppAccounts is how many merchants one Xero app may connect on the
// Advanced developer tier (xero-api.md §1.8): what the simulation stands
// for.
const scaleAppAccounts = 10000

// scaleLabelWithin spreads label purchases, in simulated time: each
// order's label is bought at a random moment within this long of the
// order arriving.
const scaleLabelWithin = 20 * time.Minute

// scalePoll is how often a tracked invoice is looked at. Coarser than
// BenchmarkWebhookLatency's 20 ms: hundreds are tracked at once on two
// cores, and polling must not take the engine's CPU.
const scalePoll = 50 * time.Millisecond

// scaleTables are the tables whose rows a simulated invoice adds,
// counted to project the database's load (scale.md).
var scaleTables = []string{"invoice_link", "transaction_log", "webhook_event", "written_shipment",
	"river_job", "work_demand", "swept_change", "xero_egress", "sync_cursor", "contact_cache"}

// BenchmarkScale simulates many merchants on one Xero app, with the real
// engine (River on SQLite, the Xero client's pacing) and both emulators
// over HTTP, every limit and interval compressed by a time scale (60 by
// default: a minute lasts a second; Xero's 60 calls a minute per
// organisation become 60 a second, the sweeps run every scaled minute and
// the accounts' intervals are the defaults scaled: 5 minutes without
// healthy webhooks, an hour with them).
//
// It simulates a deployment that turns sync on for every account at once,
// as a start with thousands of accounts does: every account is due at the
// first sweep. From then on each merchant approves tagged invoices at a
// realistic rate (50 a day by default, Poisson arrivals, scaled), each
// announced by Xero's webhook, and buys each order's label within 20
// simulated minutes, announced by ShipStation's webhook. The export
// sweep's share of the Xero app's minute (worker.SweepCap) is scaled to
// the accounts simulated (half of 10,000 calls × accounts / 10,000), so the
// start's sweeps spread over as many ticks as 10,000 accounts' would.
//
// It reports, never asserts: approved → order and label → note latency
// (p50/p95/p99, real seconds), Xero calls per simulated minute across the
// app (peak and mean) and that peak extrapolated linearly to 10,000
// accounts (every load in the simulation is per account, the sweep share
// included), the Xero emulator's 429s, how many simulated minutes the start's
// sweeps took to reach every account, calls per invoice, database rows per
// invoice by table, database bytes per invoice, and the process's CPU per
// invoice (emulators and trackers included: an upper bound for the engine).
// The Xero emulator's app-wide window stays 10,000 per (scaled) minute, which
// far fewer accounts cannot reach: the app-wide figure at 10,000 is the
// extrapolation, not a measurement.
//
//	go test -run '^$' -bench Scale -benchtime 1x ./internal/e2e/
//
// takes about a minute; ORDERBRIDGE_SCALE_ACCOUNTS,
// ORDERBRIDGE_SCALE_TIMESCALE, ORDERBRIDGE_SCALE_MINUTES and
// ORDERBRIDGE_SCALE_INVOICES_PER_DAY resize it, and
// ORDERBRIDGE_SCALE_UNCAPPED=1 lifts the sweep's cap to show the start's
// herd as it was before the cap.
func BenchmarkScale(b *testing.B) {
	o := scaleOptions{
		accounts: benchEnvInt(b, envScaleAccounts, 100),
		scale:    benchEnvInt(b, envScaleTime, 60),
		minutes:  benchEnvInt(b, envScaleMinutes, 45),
		perDay:   benchEnvInt(b, envScalePerDay, 50),
		uncapped: os.Getenv(envScaleUncapped) == "1",
	}
	var r scaleResult
	for range b.N {
		r = runScale(b, o)
	}
	r.report(b, o)
}

// scaleOptions size one simulation.
type scaleOptions struct {
	accounts, scale, minutes, perDay int
	uncapped                         bool
}

// sweepCalls is the export sweep's share of the app's calls a minute for
// the accounts simulated (app.Options.XeroAppSweepCalls): half the app's
// minute × accounts / 10,000. SweepCap reads it per real minute and the
// sweep ticks every scaled one, hence × scale.
func (o scaleOptions) sweepCalls() int {
	if o.uncapped {
		return 1 << 40
	}
	return max(1, worker.XeroAppMinuteLimit/2*o.accounts/scaleAppAccounts) * o.scale
}

// scaleResult is what one simulation measured.
type scaleResult struct {
	invoices          int
	export, note      []time.Duration
	missing           int
	windows           []int64 // Xero API calls in each simulated minute
	tooMany           int64   // Xero 429s
	xeroCalls         int64
	ssCalls           int64
	firstRound        time.Duration    // simulated time until the sweeps reached every account
	rows, jobs        map[string]int64 // rows added by table, River jobs by kind
	tableBytes        map[string]int64 // bytes added by table (with its indexes)
	jobMillis         map[string][2]float64
	dbBytes           int64
	cpu               time.Duration
	elapsed, setupDur time.Duration
}

// xeroCounter wraps the Xero emulator and counts its API answers (not
// the identity or admin routes, which Xero's app limit does not count).
type xeroCounter struct {
	h              http.Handler
	calls, tooMany atomic.Int64
}

func (c *xeroCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &emukit.StatusWriter{ResponseWriter: w}
	c.h.ServeHTTP(sw, r)
	if !strings.HasPrefix(r.URL.Path, "/api.xro/") {
		return
	}
	c.calls.Add(1)
	if sw.Code() == http.StatusTooManyRequests {
		c.tooMany.Add(1)
	}
}

// runScale builds the world, runs the simulation and measures it.
func runScale(b *testing.B, o scaleOptions) scaleResult {
	b.StopTimer()
	ctx := b.Context()
	setupStart := time.Now()
	rate := emukit.RateLimit{Scale: float64(o.scale)}
	minute := rate.Window(time.Minute)
	names := make([]string, o.accounts)
	for i := range names {
		names[i] = fmt.Sprintf("Merchant %05d Ltd", i+1)
	}
	// The Advanced tier: up to 10,000 organisations on one app, 5,000
	// calls a day each (xero-api.md §1.8).
	xemu := xeroemu.New(xeroemu.Options{RateLimit: rate, OrgNames: names, Tier: xeroemu.TierAdvanced})
	b.Cleanup(xemu.Close)
	counter := &xeroCounter{h: xemu}
	xsrv := httptest.NewServer(counter)
	b.Cleanup(xsrv.Close)
	xemu.SetURL(xsrv.URL)
	semu := shipstationemu.New(shipstationemu.Options{RateLimit: rate})
	b.Cleanup(semu.Close)
	benchServe(b, semu)

	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	cfg.XeroClientID, cfg.XeroClientSecret = xemu.ClientID(), xemu.ClientSecret()
	cfg.XeroBaseURL = xemu.URL()
	cfg.ShipStationBaseURL = semu.URL()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.XeroWebhookKey = xemu.WebhookKey()
	cfg.SweepEvery = minute
	cfg.XeroTier = string(xero.TierAdvanced)
	_, key, err := seal.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	cfg.SecretKey = key
	a, err := app.New(ctx, cfg, app.Options{
		Logger:   slog.New(slog.NewTextHandler(tlogWriter{b}, &slog.HandlerOptions{Level: slog.LevelError})),
		Migrate:  true,
		ServeWeb: true,
		// The Xero client paces to the scaled minute, as the emulator
		// counts it.
		XeroPacing:        xero.Pacing{Minute: minute},
		XeroAppSweepCalls: o.sweepCalls(),
	})
	if err != nil {
		b.Fatalf("app.New: %v", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("run: %v", err)
		}
		if err := a.Close(); err != nil {
			b.Errorf("close: %v", err)
		}
	})
	if a.WebURL() == "" {
		b.Fatal("the app serves no web app")
	}
	xemu.SetWebhook(a.WebURL()+"/webhooks/xero", "")

	// Every account connected with sync off, so that none is swept yet;
	// each merchant's customer seeded after the webhook is set, so that a
	// delivery makes each account's Xero webhooks healthy.
	settings := hookSettings(store.DefaultSyncInterval/time.Duration(o.scale), store.DefaultSafetySweepInterval/time.Duration(o.scale))
	off := settings
	off.SyncEnabled = false
	ms := make([]*merchant, o.accounts)
	for i, tenant := range xemu.TenantIDs() {
		k, s := semu.APIKey(), semu.APISecret()
		storeID := semu.DefaultStoreID()
		if i > 0 {
			k, s = semu.AddKeyPair()
			storeID = semu.AddStore(names[i] + " web store").StoreID
		}
		acct := connectHookAccount(b, a, xemu, hookAccount{
			name: names[i], tenant: tenant, ssKey: k, ssSecret: s, storeID: storeID, settings: off, noSubscribe: true,
		})
		if err := a.SubscribeShipStation(ctx, acct); err != nil {
			b.Fatal(err)
		}
		c, err := xemu.SeedContact(tenant, xeroemu.Contact{
			Name: "Customer of " + names[i], FirstName: "Jane", LastName: "Receiver", EmailAddress: "jane@example.com",
			Addresses: []xeroemu.Address{
				{AddressType: "STREET", AddressLine1: "12 Dock Road", City: "Hamilton", Region: "Waikato", PostalCode: "3204", Country: "NZ"},
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		ms[i] = &merchant{acct: acct, tenant: tenant, contact: c}
	}
	testkit.WaitFor(b, "every ShipStation subscription", 5*time.Minute, func() bool {
		return !slices.ContainsFunc(ms, func(mc *merchant) bool {
			hook, err := a.Store.ShipStationHookOf(ctx, mc.acct)
			return err != nil || hook.WebhookID == 0
		})
	})
	testkit.WaitFor(b, "the set-up's webhooks handled", 5*time.Minute, func() bool {
		return !slices.ContainsFunc(ms, func(mc *merchant) bool { return setupBusy(b, a, mc.acct) })
	})
	dbPath := filepath.Join(cfg.DataDir, config.DatabaseFile)
	before := readDB(b, dbPath)
	r := scaleResult{setupDur: time.Since(setupStart)}

	// The start: sync on for every account at once.
	for _, mc := range ms {
		if err := a.Store.SaveSettings(ctx, mc.acct, settings); err != nil {
			b.Fatal(err)
		}
	}
	cpuBefore := cpuTime()
	start := time.Now()
	b.StartTimer()
	stopSampling := sampleWindows(counter, minute, &r.windows)
	firstRound := make(chan time.Duration, 1)
	go func() {
		for {
			if !slices.ContainsFunc(ms, func(mc *merchant) bool {
				_, ok, err := a.Store.Cursor(ctx, mc.acct, worker.CursorSweepEnqueued)
				return err != nil || !ok
			}) {
				firstRound <- time.Since(start)
				return
			}
			if ctx.Err() != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()

	var mu sync.Mutex
	var wg sync.WaitGroup
	end := start.Add(time.Duration(o.minutes) * minute)
	meanGap := 24 * time.Hour / time.Duration(o.perDay) / time.Duration(o.scale)
	labelWithin := scaleLabelWithin / time.Duration(o.scale)
	for i, mc := range ms {
		rnd := rand.New(rand.NewPCG(1, uint64(i)))
		wg.Go(func() {
			at := start
			for j := 0; ; j++ {
				// Poisson arrivals: exponential gaps at the merchant's rate.
				at = at.Add(time.Duration(rnd.ExpFloat64() * float64(meanGap)))
				if at.After(end) {
					return
				}
				time.Sleep(time.Until(at))
				inv, approved := approveBenchInvoice(b, xemu, mc, j)
				delay := time.Duration(rnd.Int64N(int64(labelWithin)))
				mu.Lock()
				r.invoices++
				mu.Unlock()
				wg.Go(func() {
					exp, note, err := trackScaled(xemu, semu, mc.tenant, inv, approved, delay)
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
	r.cpu = cpuTime() - cpuBefore
	stopSampling()
	select {
	case d := <-firstRound:
		r.firstRound = d
	default:
		r.firstRound = -1
	}
	r.tooMany = counter.tooMany.Load()
	r.xeroCalls, r.ssCalls = counter.calls.Load(), semu.Counters().Total()
	after := readDB(b, dbPath)
	r.rows, r.jobs = map[string]int64{}, map[string]int64{}
	for t, n := range after.rows {
		r.rows[t] = n - before.rows[t]
	}
	for k, n := range after.jobs {
		r.jobs[k] = n - before.jobs[k]
	}
	r.dbBytes = after.bytes - before.bytes
	r.jobMillis = after.jobMillis
	r.tableBytes = map[string]int64{}
	for t, n := range after.tableBytes {
		if d := n - before.tableBytes[t]; d != 0 {
			r.tableBytes[t] = d
		}
	}
	return r
}

// sampleWindows appends to windows the Xero API calls of each simulated
// minute until stop is called (the last, partial, minute is left out).
func sampleWindows(c *xeroCounter, minute time.Duration, windows *[]int64) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(minute)
		defer t.Stop()
		last := c.calls.Load()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				n := c.calls.Load()
				*windows = append(*windows, n-last)
				last = n
			}
		}
	}()
	return func() { close(quit); <-done }
}

// trackScaled polls for the invoice's order, buys its label after delay
// and polls for the note on the invoice's History.
func trackScaled(xemu *xeroemu.Emulator, semu *shipstationemu.Emulator, tenant string, inv xeroemu.Invoice, approved time.Time, delay time.Duration) (export, note time.Duration, err error) {
	if inv.InvoiceID == "" {
		return 0, 0, fmt.Errorf("not approved")
	}
	key := bridge.OrderKey(tenant, inv.InvoiceID)
	var o shipstationemu.Order
	if !pollEvery(approved, scalePoll, func() (ok bool) { o, ok = semu.OrderByKey(key); return ok }) {
		return 0, 0, fmt.Errorf("no order after %s", trackLimit)
	}
	export = time.Since(approved)
	time.Sleep(delay)
	if _, err := semu.CreateLabel(o.OrderID, shipstationemu.LabelRequest{CarrierCode: "ups_walleted", ServiceCode: "ups_ground",
		Weight: &shipstationemu.Weight{Value: 2, Units: "pounds"}}); err != nil {
		return export, 0, fmt.Errorf("create label: %w", err)
	}
	bought := time.Now()
	if !pollEvery(bought, scalePoll, func() bool {
		return slices.ContainsFunc(xemu.History(tenant, inv.InvoiceID), func(h xeroemu.HistoryRecord) bool { return h.Changes == "Note" })
	}) {
		return export, 0, fmt.Errorf("no note after %s", trackLimit)
	}
	return export, time.Since(bought), nil
}

// pollEvery is poll at another period.
func pollEvery(since time.Time, every time.Duration, cond func() bool) bool {
	for !cond() {
		if time.Since(since) > trackLimit {
			return false
		}
		time.Sleep(every)
	}
	return true
}

// dbStats is what the database holds: rows of scaleTables, River jobs by
// kind, and the bytes of its pages in use (tables and indexes, SQLite's
// dbstat; free pages and the write-ahead log's copies left out).
type dbStats struct {
	rows, jobs map[string]int64
	bytes      int64
	// tableBytes are the bytes of each table's pages with its indexes'.
	tableBytes map[string]int64
	// jobMillis is each job kind's mean and longest last attempt, in
	// milliseconds, over its completed jobs.
	jobMillis map[string][2]float64
}

// readDB reads dbStats from the SQLite file beside the app (WAL lets a
// reader in).
func readDB(b *testing.B, path string) dbStats {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	ctx := b.Context()
	st := dbStats{rows: map[string]int64{}, jobs: map[string]int64{}, tableBytes: map[string]int64{}}
	for _, t := range scaleTables {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			b.Fatalf("count %s: %v", t, err)
		}
		st.rows[t] = n
	}
	rows, err := db.QueryContext(ctx, "SELECT kind, COUNT(*) FROM river_job GROUP BY kind")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var kind string
		var n int64
		if err := rows.Scan(&kind, &n); err != nil {
			b.Fatal(err)
		}
		st.jobs[kind] = n
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat").Scan(&st.bytes); err != nil {
		b.Fatalf("dbstat: %v", err)
	}
	trows, err := db.QueryContext(ctx, `SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name GROUP BY m.tbl_name`)
	if err != nil {
		b.Fatalf("dbstat by table: %v", err)
	}
	defer func() { _ = trows.Close() }()
	for trows.Next() {
		var t string
		var n int64
		if err := trows.Scan(&t, &n); err != nil {
			b.Fatal(err)
		}
		st.tableBytes[t] = n
	}
	if err := trows.Err(); err != nil {
		b.Fatal(err)
	}
	jrows, err := db.QueryContext(ctx, `SELECT kind, AVG(ms), MAX(ms) FROM (
		SELECT kind, (julianday(finalized_at) - julianday(attempted_at)) * 86400000.0 AS ms
		FROM river_job WHERE state = 'completed' AND attempted_at IS NOT NULL AND finalized_at IS NOT NULL) GROUP BY kind`)
	if err != nil {
		b.Fatalf("job durations: %v", err)
	}
	defer func() { _ = jrows.Close() }()
	st.jobMillis = map[string][2]float64{}
	for jrows.Next() {
		var k string
		var mean, most float64
		if err := jrows.Scan(&k, &mean, &most); err != nil {
			b.Fatal(err)
		}
		st.jobMillis[k] = [2]float64{mean, most}
	}
	if err := jrows.Err(); err != nil {
		b.Fatal(err)
	}
	return st
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report puts the figures on the benchmark line and a table in the log.
func (r scaleResult) report(b *testing.B, o scaleOptions) {
	slices.Sort(r.export)
	slices.Sort(r.note)
	n := max(int64(len(r.export)), 1)
	var peak, sum int64
	for _, w := range r.windows {
		peak = max(peak, w)
		sum += w
	}
	mean := float64(sum) / float64(max(len(r.windows), 1))
	factor := float64(scaleAppAccounts) / float64(o.accounts)
	b.ReportMetric(float64(o.accounts), "accounts")
	b.ReportMetric(float64(r.invoices), "invoices")
	for _, p := range []float64{50, 95, 99} {
		b.ReportMetric(percentile(r.export, p).Seconds(), fmt.Sprintf("s_p%.0f_export", p))
		b.ReportMetric(percentile(r.note, p).Seconds(), fmt.Sprintf("s_p%.0f_note", p))
	}
	b.ReportMetric(float64(peak), "xero_calls/min_peak")
	b.ReportMetric(mean, "xero_calls/min_mean")
	b.ReportMetric(float64(peak)*factor, "xero_calls/min_peak_at_10k")
	b.ReportMetric(float64(r.tooMany), "xero_429s")
	b.ReportMetric(r.firstRound.Seconds()*float64(o.scale)/60, "sweep_first_round_min")
	b.ReportMetric(float64(r.xeroCalls)/float64(n), "xero_calls/invoice")
	b.ReportMetric(float64(r.ssCalls)/float64(n), "shipstation_calls/invoice")
	accountMinutes := float64(o.accounts) * r.elapsed.Seconds() * float64(o.scale) / 60
	b.ReportMetric(float64(r.xeroCalls)/accountMinutes, "xero_calls/account_min")
	b.ReportMetric(float64(r.ssCalls)/accountMinutes, "shipstation_calls/account_min")
	var jobs int64
	for _, k := range r.jobs {
		jobs += k
	}
	b.ReportMetric(float64(jobs)/accountMinutes, "river_jobs/account_min")
	b.ReportMetric(float64(r.dbBytes)/float64(n), "db_bytes/invoice")
	b.ReportMetric(float64(r.cpu.Milliseconds())/float64(n), "cpu_ms/invoice")
	var tbl strings.Builder
	fmt.Fprintf(&tbl, "%d merchants at time scale %d (a minute lasts %s), %d simulated minutes of approvals at %d invoices a merchant-day: %d invoices, %d missing; set-up %s, run %s\n",
		o.accounts, o.scale, (time.Minute / time.Duration(o.scale)).Round(time.Millisecond), o.minutes, o.perDay,
		r.invoices, r.missing, r.setupDur.Round(time.Second), r.elapsed.Round(time.Second))
	fmt.Fprintf(&tbl, "latency (real s) p50/p95/p99: approved -> order %.2f/%.2f/%.2f, label -> note %.2f/%.2f/%.2f\n",
		percentile(r.export, 50).Seconds(), percentile(r.export, 95).Seconds(), percentile(r.export, 99).Seconds(),
		percentile(r.note, 50).Seconds(), percentile(r.note, 95).Seconds(), percentile(r.note, 99).Seconds())
	fmt.Fprintf(&tbl, "Xero calls per simulated minute across the app: peak %d, mean %.1f (x%.0f for 10,000 accounts: peak %.0f, mean %.0f, limit %d); 429s %d\n",
		peak, mean, factor, float64(peak)*factor, mean*factor, worker.XeroAppMinuteLimit, r.tooMany)
	fmt.Fprintf(&tbl, "per simulated minute: %v\n", r.windows)
	fmt.Fprintf(&tbl, "start: the sweeps reached every account in %.1f simulated minutes (cap %d a tick)\n",
		r.firstRound.Seconds()*float64(o.scale)/60, worker.SweepCap(o.sweepCalls(), time.Minute/time.Duration(o.scale)))
	fmt.Fprintf(&tbl, "calls: Xero %d (%.2f an invoice), ShipStation %d (%.2f an invoice); CPU %s (%.1f ms an invoice, whole process)\n",
		r.xeroCalls, float64(r.xeroCalls)/float64(n), r.ssCalls, float64(r.ssCalls)/float64(n), r.cpu.Round(time.Millisecond), float64(r.cpu.Milliseconds())/float64(n))
	var parts []string
	for _, t := range scaleTables {
		parts = append(parts, t+"="+strconv.FormatFloat(float64(r.rows[t])/float64(n), 'f', 2, 64))
	}
	fmt.Fprintf(&tbl, "rows added per invoice: %s; database pages in use +%d bytes (%.0f an invoice)\n", strings.Join(parts, ", "), r.dbBytes, float64(r.dbBytes)/float64(n))
	parts = parts[:0]
	for _, t := range slices.Sorted(maps.Keys(r.tableBytes)) {
		parts = append(parts, fmt.Sprintf("%s=%.0f", t, float64(r.tableBytes[t])/float64(n)))
	}
	fmt.Fprintf(&tbl, "bytes added per invoice by table (with its indexes): %s\n", strings.Join(parts, ", "))
	parts = parts[:0]
	for _, k := range slices.Sorted(maps.Keys(r.jobs)) {
		parts = append(parts, fmt.Sprintf("%s=%d (%.3f an account-minute)", k, r.jobs[k], float64(r.jobs[k])/accountMinutes))
	}
	parts = parts[:0]
	for _, k := range slices.Sorted(maps.Keys(r.jobMillis)) {
		parts = append(parts, fmt.Sprintf("%s %.0f/%.0f", k, r.jobMillis[k][0], r.jobMillis[k][1]))
	}
	fmt.Fprintf(&tbl, "last attempt of completed jobs, mean/longest ms (set-up's included): %s\n", strings.Join(parts, ", "))
	if m, ok := r.jobMillis[worker.KindSweep]; ok {
		b.ReportMetric(m[0], "ms/sweep_accounts")
	}
	fmt.Fprintf(&tbl, "River jobs over %.0f simulated account-minutes: %s\n", accountMinutes, strings.Join(parts, ", "))
	fmt.Fprintf(&tbl, "calls per simulated account-minute: Xero %.3f, ShipStation %.3f\n", float64(r.xeroCalls)/accountMinutes, float64(r.ssCalls)/accountMinutes)
	b.Logf("\n%s", tbl.String())
}

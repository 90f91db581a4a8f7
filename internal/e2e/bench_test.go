package e2e_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/demo"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// BenchmarkExport10k is the first backfill of an organisation with 10,000
// invoices and bills (demo scale mode) over 2,000 contacts, through both
// emulators over HTTP with rate limits off, into a fresh database and
// ShipStation account per iteration. It reports throughput, the API calls
// per 1,000 invoices (the target is at most 2 to Xero and 10 to
// ShipStation) and the peak heap. Run it with
//
//	go test -run '^$' -bench 'Export10k' -benchtime 1x ./internal/e2e/
func BenchmarkExport10k(b *testing.B) {
	benchExport(b, 10_000, 2_000, nil)
}

// BenchmarkBackfill50k is the same with 50,000 invoices and bills over
// 5,000 contacts (some 47,500 of them sales invoices), reporting the live
// heap after 10k, 25k and 45k invoices to show that an export's memory does not grow with the backfill: pages
// are handled one at a time and nothing is kept across them.
func BenchmarkBackfill50k(b *testing.B) {
	benchExport(b, 50_000, 5_000, []int{10_000, 25_000, 45_000})
}

// benchServe serves an emulator on a plain httptest server. The
// benchmarks do not use the validating servers (xeroemutest,
// shipstationemutest): checking every 1,000-invoice page against the
// OpenAPI description costs more than the export itself and would be
// what the benchmark measures. The e2e and crash tests validate the same
// traffic.
func benchServe(b *testing.B, h interface {
	http.Handler
	SetURL(string)
}) (stop func()) {
	srv := httptest.NewServer(h)
	h.SetURL(srv.URL)
	var once sync.Once
	stop = func() { once.Do(srv.Close) }
	b.Cleanup(stop)
	return stop
}

func benchExport(b *testing.B, invoices, contacts int, checkpoints []int) {
	ctx := context.Background()
	xemu := xeroemu.New(xeroemu.Options{RateLimit: emukit.NoRateLimit, DayLimit: 1 << 30})
	b.Cleanup(xemu.Close)
	benchServe(b, xemu)
	tenant := xemu.DefaultTenantID()
	start := time.Now()
	if _, err := demo.SeedXero(xemu, tenant, demo.Options{Seed: 1, Contacts: contacts, Invoices: invoices}); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d invoices and bills over %d contacts in %s", invoices, contacts, time.Since(start).Round(time.Millisecond))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		semu := shipstationemu.New(shipstationemu.Options{RateLimit: emukit.NoRateLimit})
		stopSemu := benchServe(b, semu)
		a, acct := benchApp(b, xemu, semu, tenant)
		xBefore, sBefore := xemu.Counters().Snapshot(), semu.Counters().Total()
		mem := startHeapSampler()
		var marks []heapMark
		next := 0
		opts := worker.RunOptions{AfterPage: func(s worker.Summary) {
			if next < len(checkpoints) && s.Invoices >= checkpoints[next] {
				runtime.GC()
				marks = append(marks, heapMark{invoices: s.Invoices, orders: s.Exported, live: readMetric(liveHeapMetric), peak: mem.peakSoFar()})
				next++
				if next == len(checkpoints) && *benchHeapProfile != "" {
					writeHeapProfile(b, *benchHeapProfile)
				}
			}
		}}
		b.StartTimer()
		t0 := time.Now()
		sum, err := a.ExportNow(ctx, acct, opts)
		elapsed := time.Since(t0)
		b.StopTimer()
		peak, base := mem.stop()
		if err != nil {
			b.Fatalf("export: %v (%s)", err, sum)
		}
		if sum.Failed > 0 || sum.Exported == 0 {
			b.Fatalf("export: %s", sum)
		}
		xCalls := diffCounters(xemu.Counters().Snapshot(), xBefore)
		sCalls := semu.Counters().Total() - sBefore
		var xTotal int64
		for _, n := range xCalls {
			xTotal += n
		}
		per1k := func(n int64) float64 { return float64(n) * 1000 / float64(sum.Invoices) }
		b.ReportMetric(float64(sum.Invoices)/elapsed.Seconds(), "invoices/s")
		b.ReportMetric(per1k(xTotal), "xero_calls/1k_invoices")
		b.ReportMetric(per1k(sCalls), "shipstation_calls/1k_invoices")
		b.ReportMetric(float64(sCalls)*1000/float64(sum.Exported), "shipstation_calls/1k_orders")
		b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
		b.ReportMetric(float64(peak-base)/(1<<20), "peak_heap_over_start_MB")
		b.Logf("%s in %s; Xero calls by endpoint %v; heap at start %.0f MB", sum, elapsed.Round(time.Millisecond), xCalls, float64(base)/(1<<20))
		if err := a.Close(); err != nil {
			b.Fatal(err)
		}
		// Both emulators live in this process and keep everything: the
		// live heap grows with the orders the ShipStation emulator stores
		// (about 2 KB each); a heap profile at the last checkpoint
		// (-e2e.heapprofile) shows the worker itself holding a few MB.
		for _, m := range marks {
			b.ReportMetric(float64(m.live)/(1<<20), fmt.Sprintf("live_heap_MB_at_%dk", m.invoices/1000))
			b.Logf("after %d invoices (%d orders in the emulator): live heap %.1f MB, peak so far %.1f MB",
				m.invoices, m.orders, float64(m.live)/(1<<20), float64(m.peak)/(1<<20))
		}
		stopSemu()
		semu.Close()
	}
}

// benchApp builds an app on a fresh SQLite database with one account
// connected to the tenant and to a fresh ShipStation.
func benchApp(b *testing.B, xemu *xeroemu.Emulator, semu *shipstationemu.Emulator, tenant string) (*app.App, int64) {
	ctx := context.Background()
	_, key, err := seal.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	cfg.XeroClientID, cfg.XeroClientSecret = xemu.ClientID(), xemu.ClientSecret()
	cfg.XeroBaseURL = xemu.URL()
	cfg.XeroRedirectURL = "http://127.0.0.1:1/connect/xero/callback"
	cfg.ShipStationBaseURL = semu.URL()
	cfg.SecretKey = key
	// demo dates invoices over the last 30 days: read them all.
	cfg.Backfill = 60 * 24 * time.Hour
	a, err := app.New(ctx, cfg, app.Options{
		Logger: slog.New(slog.DiscardHandler), NoSweep: true, FetchPollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		b.Fatal(err)
	}
	acct, err := a.Store.CreateAccount(ctx, "Bench Ltd")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.ConnectXeroAutoConsent(ctx, acct.ID, tenant); err != nil {
		b.Fatalf("connect xero: %v", err)
	}
	if _, err := a.ConnectShipStation(ctx, acct.ID, semu.APIKey(), semu.APISecret(), 0); err != nil {
		b.Fatalf("connect shipstation: %v", err)
	}
	s := store.DefaultSettings()
	s.SyncEnabled = true
	if err := a.Store.SaveSettings(ctx, acct.ID, s); err != nil {
		b.Fatal(err)
	}
	return a, acct.ID
}

// benchHeapProfile names a file for a heap profile taken at the backfill
// benchmark's last checkpoint (with the emulators still alive), to see what
// the live heap holds.
var benchHeapProfile = flag.String("e2e.heapprofile", "", "write a heap profile at BenchmarkBackfill50k's last checkpoint")

func writeHeapProfile(b *testing.B, name string) {
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

func diffCounters(after, before map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if d := after[k] - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// Heap metrics: objects is the heap in use now (garbage included, what the
// process really holds); live is the heap marked live by the last GC.
const (
	heapObjectsMetric = "/memory/classes/heap/objects:bytes"
	liveHeapMetric    = "/gc/heap/live:bytes"
)

func readMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

type heapMark struct {
	invoices   int
	orders     int
	live, peak uint64
}

// heapSampler records the peak of the heap in use while an export runs.
// (The process also holds both emulators, so the absolute figure includes
// their data; the peak over the start is the export's own.)
type heapSampler struct {
	mu   sync.Mutex
	peak uint64
	base uint64
	quit chan struct{}
	done chan struct{}
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	s := &heapSampler{quit: make(chan struct{}), done: make(chan struct{})}
	s.base = readMetric(heapObjectsMetric)
	s.peak = s.base
	go func() {
		defer close(s.done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-tick.C:
				v := readMetric(heapObjectsMetric)
				s.mu.Lock()
				s.peak = max(s.peak, v)
				s.mu.Unlock()
			}
		}
	}()
	return s
}

func (s *heapSampler) peakSoFar() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

func (s *heapSampler) stop() (peak, base uint64) {
	close(s.quit)
	<-s.done
	return s.peakSoFar(), s.base
}

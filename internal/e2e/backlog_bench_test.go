package e2e_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// Environment variables that size BenchmarkWriteBackBacklog.
const (
	envBenchLabels = "ORDERBRIDGE_BENCH_LABELS"
	envBenchScale  = "ORDERBRIDGE_BENCH_SCALE"
)

// backlogScale is the default time scale of BenchmarkWriteBackBacklog: a
// Xero minute lasts 6 s. The figure is scaled back to real time, which is
// honest only while the write-back's own work per call (SQLite commits,
// mostly) stays well inside a scaled call slot (1 s / 60 real, 100 ms at
// scale 10): at scale 60 the slot is 17 ms, about what a label's commits
// take on a shared 2-core machine, and the scaled-back time would then
// count local work 60 times over.
const backlogScale = 10

// BenchmarkWriteBackBacklog writes back a backlog of labels (1,000 by
// default) with the cost line off, through both emulators with Xero's real
// limits (60 calls a minute, 5 at once per organisation) at a time scale,
// and the Xero client's real pacing at the same scale. It reports the
// calls per label and the time the backlog takes, scaled back to real
// time (elapsed × scale), against the floor of one note a call at 60 a
// minute. Run it with
//
//	go test -run '^$' -bench WriteBackBacklog -benchtime 1x ./internal/e2e/
//
// ORDERBRIDGE_BENCH_LABELS and ORDERBRIDGE_BENCH_SCALE (default 10) size
// it; the default takes under two minutes.
func BenchmarkWriteBackBacklog(b *testing.B) {
	labels := benchEnvInt(b, envBenchLabels, 1000)
	scale := backlogScale
	if v := os.Getenv(envBenchScale); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive whole time scale such as 10", envBenchScale, v)
		}
		scale = n
	}
	rate := emukit.RateLimit{Scale: float64(scale)}
	var elapsed time.Duration
	var sum worker.WriteBackSummary
	var xeroCalls, ssCalls int64
	for range b.N {
		b.StopTimer()
		w := backlogWorld(b, rate)
		_, orders := seedShippedOrders(b, w, labels)
		since := time.Now().Add(-time.Second)
		for _, o := range orders {
			buyLabel(b, w, o, "ups_walleted", "ups_ground")
		}
		// The export's calls are spent: let the window they used pass, so
		// the backlog starts on a fresh minute as a real one would.
		time.Sleep(rate.Window(time.Minute) + 100*time.Millisecond)
		w.xemu.Counters().Reset()
		w.semu.Counters().Reset()
		b.StartTimer()
		start := time.Now()
		var err error
		sum, err = w.app.WriteBackNow(w.ctx, w.acct, worker.WriteBackOptions{Since: since})
		elapsed = time.Since(start)
		b.StopTimer()
		if err != nil || sum.Notes != labels {
			b.Fatalf("write back: %v (%s)", err, sum)
		}
		xeroCalls, ssCalls = w.xemu.Counters().Total(), w.semu.Counters().Total()
	}
	real := elapsed * time.Duration(scale)
	// The floor: one note a call, 60 a minute in windows that open with
	// the first call, so the last window's calls go at its start.
	floor := time.Duration((labels-1)/60) * time.Minute
	b.ReportMetric(float64(xeroCalls)/float64(labels), "xero_calls/label")
	b.ReportMetric(float64(ssCalls)/float64(labels), "shipstation_calls/label")
	b.ReportMetric(real.Minutes(), "real_min")
	b.ReportMetric(float64(labels)/real.Minutes(), "labels/real_min")
	b.Logf("%d labels, cost line off, Xero limits at scale %d: %s elapsed = %s at real limits (floor %s: one note a call, 60 a minute); Xero %d calls, ShipStation %d calls; %s",
		labels, scale, elapsed.Round(time.Millisecond), real.Round(time.Second), floor.Round(time.Second), xeroCalls, ssCalls, sum)
}

// backlogWorld is writeBackWorld with Xero's and ShipStation's limits on at
// a time scale, the Xero client pacing at the same scale, and the cost
// line off.
func backlogWorld(b *testing.B, rate emukit.RateLimit) *world {
	b.Helper()
	ctx := b.Context()
	xemu := xeroemutest.NewServer(b, xeroemu.Options{RateLimit: rate})
	semu := shipstationemutest.NewServer(b, shipstationemu.Options{RateLimit: rate})
	cfg := emuConfig(b, xemu, semu)
	a, err := app.New(ctx, cfg, app.Options{Logger: testLoggerTB(b), NoSweep: true,
		XeroPacing: xero.Pacing{Minute: rate.Window(time.Minute)}})
	if err != nil {
		b.Fatalf("app.New: %v", err)
	}
	b.Cleanup(func() { _ = a.Close() })
	acct, tenant := connectAcme(b, a, xemu, semu)
	s := store.DefaultSettings()
	s.SyncEnabled, s.WriteBackEnabled = true, true
	if err := a.Store.SaveSettings(ctx, acct.ID, s); err != nil {
		b.Fatal(err)
	}
	return &world{ctx: ctx, xemu: xemu, semu: semu, app: a, acct: acct.ID, tenant: tenant}
}

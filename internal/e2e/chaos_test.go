package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// The chaos test: several `serve` processes (this test binary, re-executed)
// share one PostgreSQL schema and serve several merchants while invoices
// are approved and labels bought over time, both emulators answer 3% 5xx
// and enforce the vendors' real rate limits, and the parent SIGKILLs the
// processes at random (once all of them at once) and restarts them. Then,
// after a quiet period, every eligible invoice must have exactly one
// ShipStation order and every label exactly one note (a voided label one
// void note too), read from the emulators' state. It reports, without
// asserting on time, how long each kill kept accounts from working, the
// 429s per 1,000 Xero calls and the p95 latency each way.

// Environment variables that size TestChaos.
const (
	envChaosProcesses = "ORDERBRIDGE_CHAOS_PROCESSES"
	envChaosMerchants = "ORDERBRIDGE_CHAOS_MERCHANTS"
	envChaosSeconds   = "ORDERBRIDGE_CHAOS_SECONDS"
	// envChaosKillEvery is the gap between kills, "min-max" such as
	// "15s-45s".
	envChaosKillEvery = "ORDERBRIDGE_CHAOS_KILL_EVERY"
	// envChaosGap is one merchant's gap between invoices (default 4s):
	// shorter presses each Xero organisation's 60 calls a minute (about
	// two calls an invoice, so 2s is near the limit) and ShipStation's 40
	// a minute per key, and the report's 429s per 1,000 calls show whether
	// the processes' shared budgets hold.
	envChaosGap = "ORDERBRIDGE_CHAOS_GAP"
	// envChaosSeed repeats a run's plan (its log names the seed).
	envChaosSeed = "ORDERBRIDGE_CHAOS_SEED"
	// envChaosLogs, a file name, receives every serve process's log
	// (warnings and errors, each line as the process wrote it).
	envChaosLogs = "ORDERBRIDGE_CHAOS_LOGS"
)

// chaosChildEnv carries a chaosChild, as JSON, to the re-executed test
// binary: its presence is what makes TestChaosServeChild act.
const chaosChildEnv = "ORDERBRIDGE_E2E_CHAOS_CHILD"

// chaosChild is what a serve process needs: the emulators, the shared
// schema and key, and where webhooks reach the processes.
type chaosChild struct {
	childApp
	DatabaseURL, Schema string
	// BaseURL is the test's load balancer in front of the processes: the
	// webhook URLs ShipStation subscriptions name.
	BaseURL        string
	XeroWebhookKey string
	SweepEvery     time.Duration
}

// chaosListening starts the line a child writes once it serves, with its
// URL, so that the parent can route webhooks to it.
const chaosListening = "listening"

// TestChaosServeChild is not a test: it is the body of the serve processes
// TestChaos starts (and kills), doing nothing unless chaosChildEnv is set.
func TestChaosServeChild(t *testing.T) {
	childMain(chaosChildEnv, "chaos child", runChaosChild)
}

// runChaosChild runs the app as `orderbridge serve` does, until killed.
func runChaosChild(c chaosChild) {
	ctx := context.Background()
	fail := func(what string, err error) {
		fmt.Fprintf(os.Stderr, "chaos child: %s: %v\n", what, err)
		os.Exit(3)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := store.Open(ctx, c.DatabaseURL, &store.Options{Logger: logger, Schema: c.Schema, MaxConns: 4})
	if err != nil {
		fail("open postgres", err)
	}
	cfg := c.config()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.MetricsAddr = "" // several processes on one machine: no fixed port
	cfg.BaseURL = c.BaseURL
	cfg.XeroWebhookKey = c.XeroWebhookKey
	cfg.SweepEvery = c.SweepEvery
	// Its own listener: with BaseURL set, WebURL names the balancer, not
	// this process.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen", err)
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: logger, Store: st, ServeWeb: true, HTTPListener: ln})
	if err != nil {
		fail("app", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	fmt.Fprintln(os.Stdout, chaosListening, "http://"+ln.Addr().String())
	fail("run", <-done)
}

// chaosSizes sizes one run.
type chaosSizes struct {
	processes, merchants int
	chaos                time.Duration // how long invoices arrive and kills happen
	killMin, killMax     time.Duration // the gap between kills
	gap                  time.Duration // one merchant's gap between invoices
	labelWithin          time.Duration // a label is bought this long after its order, at most
}

func chaosSizesFromEnv(t *testing.T) chaosSizes {
	sz := chaosSizes{processes: 3, merchants: 4, chaos: 40 * time.Second,
		killMin: 2 * time.Second, killMax: 6 * time.Second, gap: 4 * time.Second, labelWithin: 3 * time.Second}
	if testing.Short() {
		sz.processes, sz.merchants, sz.chaos = 2, 2, 12*time.Second
	}
	envInt := func(name string, into *int) {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				t.Fatalf("%s=%q: want a positive number", name, v)
			}
			*into = n
		}
	}
	envInt(envChaosProcesses, &sz.processes)
	envInt(envChaosMerchants, &sz.merchants)
	secs := 0
	envInt(envChaosSeconds, &secs)
	if secs > 0 {
		sz.chaos = time.Duration(secs) * time.Second
		if sz.chaos >= 2*time.Minute {
			// The full size: kills as far apart as issue 14 asks.
			sz.killMin, sz.killMax = 15*time.Second, 45*time.Second
			sz.labelWithin = 20 * time.Second
		}
	}
	if v := os.Getenv(envChaosKillEvery); v != "" {
		lo, hi, _ := strings.Cut(v, "-")
		a, err1 := time.ParseDuration(lo)
		b, err2 := time.ParseDuration(hi)
		if err1 != nil || err2 != nil || a <= 0 || b <= a {
			t.Fatalf("%s=%q: want min-max such as 15s-45s", envChaosKillEvery, v)
		}
		sz.killMin, sz.killMax = a, b
	}
	if v := os.Getenv(envChaosGap); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("%s=%q: want a positive duration such as 2s", envChaosGap, v)
		}
		sz.gap = d
	}
	return sz
}

// chaosProxy is the load balancer in front of the serve processes: it
// sends each request (the emulators' webhooks) to one live process, in
// turn, and answers 502 when none is up, as a real one would.
type chaosProxy struct {
	// transport is the test's own (testkit.HTTPClient): another parallel
	// test's httptest.Server.Close closes http.DefaultTransport's idle
	// connections under a request.
	transport http.RoundTripper
	mu        sync.Mutex
	backends  map[int]*url.URL // process slot -> its web app
	next      int
}

func (p *chaosProxy) set(slot int, u *url.URL) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u == nil {
		delete(p.backends, slot)
		return
	}
	p.backends[slot] = u
}

func (p *chaosProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	slots := make([]int, 0, len(p.backends))
	for s := range p.backends {
		slots = append(slots, s)
	}
	slices.Sort(slots)
	targets := make([]*url.URL, len(slots))
	p.next++
	for i := range slots {
		targets[i] = p.backends[slots[(p.next+i)%len(slots)]]
	}
	p.mu.Unlock()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// A process refusing the connection (just killed) did not see the
	// request: the next one gets it, as a load balancer retries a
	// connect failure. Any other failure is the sender's to retry.
	for _, target := range targets {
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host = target.Scheme, target.Host
		out.Body = io.NopCloser(bytes.NewReader(body))
		resp, err := p.transport.RoundTrip(out)
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			continue
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		_ = resp.Body.Close()
		return
	}
	http.Error(w, "no process up", http.StatusBadGateway)
}

// statusCounter counts the API calls an emulator answered and its 429s
// (the admin API left out).
type statusCounter struct {
	h                http.Handler
	calls, status429 atomic.Int64
}

func (c *statusCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emulator") {
		c.h.ServeHTTP(w, r)
		return
	}
	sw := &emukit.StatusWriter{ResponseWriter: w}
	c.h.ServeHTTP(sw, r)
	c.calls.Add(1)
	if sw.Status == http.StatusTooManyRequests {
		c.status429.Add(1)
	}
}

// chaosProc is one running serve process.
type chaosProc struct {
	cmd    *exec.Cmd
	done   chan struct{}
	stderr *testkit.Buffer
}

// startChaosProc starts a serve process and waits until it serves.
func startChaosProc(t *testing.T, c chaosChild) (*chaosProc, *url.URL) {
	t.Helper()
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestChaosServeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), chaosChildEnv+"="+string(raw))
	p := &chaosProc{cmd: cmd, done: make(chan struct{}), stderr: &testkit.Buffer{}}
	cmd.Stderr = p.stderr
	if name := os.Getenv(envChaosLogs); name != "" {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = f.Close() })
		cmd.Stderr = io.MultiWriter(p.stderr, f)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), chaosListening+" "); ok {
				urls <- u
			}
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	select {
	case u := <-urls:
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return p, parsed
	case <-p.done:
		t.Fatalf("a serve process ended before serving:\n%s", tail(p.stderr.String(), 20))
	case <-time.After(time.Minute):
		p.kill()
		t.Fatalf("a serve process did not serve within a minute:\n%s", tail(p.stderr.String(), 20))
	}
	return nil, nil
}

// kill SIGKILLs the process and waits for it (idempotent).
func (p *chaosProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// chaosLabel is a label the test bought.
type chaosLabel struct {
	tenant, invoiceID, tracking string
	voided                      bool
}

// chaosInvoice is an invoice the test approved.
type chaosInvoice struct {
	tenant, invoiceID, number string
	eligible                  bool
}

// chaosRecord is what the merchants' goroutines saw.
type chaosRecord struct {
	mu        sync.Mutex
	invoices  []chaosInvoice
	labels    []*chaosLabel
	toOrder   []time.Duration // approved -> order in ShipStation
	toNote    []time.Duration // label bought -> note in Xero
	notTimely int             // orders or notes the trackers gave up on (the final check decides)
	slow      []string        // orders and notes that took over 10 s
	// worked is when the trackers saw each organisation's orders (index 0)
	// and notes (1) arrive: its exports and write-backs at work.
	worked map[string]*[2][]time.Time
}

// chaosKill is one kill: when, and which process slots.
type chaosKill struct {
	at    time.Time
	slots []int
}

// TestChaos runs several serve processes on one PostgreSQL database under
// SIGKILLs, with webhooks, faults and real rate limits, and checks that no
// order or note is lost or doubled. Sizes: by default 3 processes, 4
// merchants, 40 s of kills every 2-6 s (45 to 65 s in all, -race
// included: the children mostly wait on webhooks and River's rescuer; a
// kill just before the end can add up to a minute of rescue); -short 2,
// 2 and 12 s (about 15 s). ORDERBRIDGE_CHAOS_PROCESSES, ORDERBRIDGE_CHAOS_MERCHANTS and
// ORDERBRIDGE_CHAOS_SECONDS resize it; from 120 seconds on, kills come
// every 15-45 s (doc/operations.md, "Chaos"); ORDERBRIDGE_CHAOS_GAP sets
// each merchant's gap between invoices (4 s) to press the rate limits.
func TestChaos(t *testing.T) {
	t.Parallel()
	st := storetest.OpenPostgres(t)
	sz := chaosSizesFromEnv(t)
	ctx := t.Context()
	// A new plan each run; ORDERBRIDGE_CHAOS_SEED repeats one (the kills'
	// gaps and targets, the invoices, labels and voids, the faults; not
	// the timing of the processes).
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(envChaosSeed); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: want a number", envChaosSeed, v)
		}
		seed = n
	}
	rng := rand.New(rand.NewPCG(seed, 14))
	t.Logf("%d processes, %d merchants (an invoice every %s each), %s of kills every %s-%s (seed %d)",
		sz.processes, sz.merchants, sz.gap, sz.chaos, sz.killMin, sz.killMax, seed)

	names := make([]string, sz.merchants)
	for i := range names {
		names[i] = fmt.Sprintf("Merchant %02d Ltd", i+1)
	}
	// Real limits (Xero 60 calls a minute and 5 at once per organisation,
	// ShipStation 40 a minute per key pair): the processes share them.
	xemu := xeroemu.New(xeroemu.Options{RateLimit: emukit.RealRateLimit, OrgNames: names,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	xcount := &statusCounter{h: xemu}
	xsrv := httptest.NewServer(xcount)
	xemu.SetURL(xsrv.URL)
	semu := shipstationemu.New(shipstationemu.Options{RateLimit: emukit.RealRateLimit})
	ssrv := httptest.NewServer(semu)
	semu.SetURL(ssrv.URL)
	proxy := &chaosProxy{transport: testkit.HTTPClient(t).Transport, backends: map[int]*url.URL{}}
	psrv := httptest.NewServer(proxy)
	// Registered first, so they run last: after every process is killed.
	t.Cleanup(func() {
		psrv.Close()
		xemu.Close()
		xsrv.Close()
		semu.Close()
		ssrv.Close()
	})

	_, key, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	child := chaosChild{
		childApp: childApp{XeroURL: xemu.URL(), XeroClientID: xemu.ClientID(), XeroClientSecret: xemu.ClientSecret(),
			ShipStationURL: semu.URL(), DataDir: t.TempDir(), SecretKey: key},
		DatabaseURL: os.Getenv(storetest.EnvDatabaseURL), Schema: st.Schema(),
		BaseURL: psrv.URL, XeroWebhookKey: xemu.WebhookKey(), SweepEvery: 5 * time.Second,
	}
	xemu.SetWebhook(psrv.URL+"/webhooks/xero", "")

	// Set-up: the merchants connect through the app, as a first process
	// (in this test process) serves; it stops before the chaos begins.
	type merchantOf struct {
		acct    int64
		tenant  string
		contact xeroemu.Contact
	}
	merchants := make([]merchantOf, sz.merchants)
	// The set-up process stops once the serve processes are up, so that
	// no webhook meets an empty balancer (Xero would retry it a minute
	// later).
	var stopSetup func()
	func() {
		cfg := child.config()
		cfg.HTTPAddr, cfg.MetricsAddr, cfg.BaseURL = "127.0.0.1:0", "", child.BaseURL
		cfg.XeroWebhookKey, cfg.SweepEvery = child.XeroWebhookKey, child.SweepEvery
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(ctx, cfg, app.Options{Logger: testLogger(t), Store: st, Migrate: true, ServeWeb: true, HTTPListener: ln})
		if err != nil {
			t.Fatalf("app.New: %v", err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- a.Run(runCtx) }()
		stopSetup = sync.OnceFunc(func() {
			proxy.set(-1, nil)
			cancel()
			if err := <-done; err != nil {
				t.Errorf("set-up run: %v", err)
			}
			if err := a.Close(); err != nil {
				t.Errorf("set-up close: %v", err)
			}
		})
		t.Cleanup(stopSetup)
		proxy.set(-1, &url.URL{Scheme: "http", Host: ln.Addr().String()})
		for i, tenant := range xemu.TenantIDs() {
			key, secret, storeID := semu.APIKey(), semu.APISecret(), semu.DefaultStoreID()
			if i > 0 {
				key, secret = semu.AddKeyPair()
				storeID = semu.AddStore(names[i] + " web store").StoreID
			}
			// The sweep runs an account every 10 s, every 20 s while its
			// webhooks are healthy: the safety net for a webhook a kill
			// lost.
			acct := connectHookAccount(t, a, xemu, hookAccount{
				name: names[i], tenant: tenant, ssKey: key, ssSecret: secret, storeID: storeID,
				settings: hookSettings(10*time.Second, 20*time.Second),
			})
			c, err := xemu.SeedContact(tenant, xeroemu.Contact{
				Name: "Customer of " + names[i], FirstName: "Jane", LastName: "Receiver", EmailAddress: "jane@example.com",
				Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "12 Dock Road", City: "Hamilton", Region: "Waikato", PostalCode: "3204", Country: "NZ"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			merchants[i] = merchantOf{acct: acct, tenant: tenant, contact: c}
		}
	}()

	// The serve processes, one per slot.
	procs := make([]*chaosProc, sz.processes)
	var started []*chaosProc
	start := func(slot int) {
		p, u := startChaosProc(t, child)
		procs[slot] = p
		started = append(started, p)
		proxy.set(slot, u)
	}
	for slot := range procs {
		start(slot)
	}
	stopSetup()
	faults := emukit.FaultConfig{ErrorRate: 0.03, ErrorStatuses: []int{500, 503}, Seed: seed}
	xemu.SetFaults(faults)
	semu.SetFaults(faults)
	xBase429, xBaseCalls := xcount.status429.Load(), xcount.calls.Load()

	// Business: every merchant approves an invoice every gap (one in six
	// not for ShipStation); each order gets a label within labelWithin,
	// and one label in five is voided once its note is in.
	rec := &chaosRecord{}
	began := time.Now()
	chaosEnd := began.Add(sz.chaos)
	// Trackers give up at this bound; the final check waits on its own.
	trackBound := sz.chaos + 3*time.Minute
	var traffic sync.WaitGroup
	for i, m := range merchants {
		mrng := rand.New(rand.NewPCG(seed, uint64(i)))
		traffic.Go(func() {
			offset := sz.gap * time.Duration(i) / time.Duration(len(merchants))
			for j := 0; ; j++ {
				at := began.Add(offset + time.Duration(j)*sz.gap)
				if at.After(chaosEnd) || ctx.Err() != nil {
					return
				}
				time.Sleep(time.Until(at))
				eligible := mrng.IntN(6) != 0
				option := "ShipStation"
				if !eligible {
					option = "Retail"
				}
				inv, err := xemu.SeedInvoice(m.tenant, xeroemu.Invoice{
					Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: m.contact.ContactID}, Date: time.Now().UTC(),
					Reference: fmt.Sprintf("PO-%d", j+1), CurrencyCode: "NZD",
					LineItems: []xeroemu.LineItem{{ItemCode: "TENT-2P", Description: "Two-person tent", Quantity: 1, UnitAmount: 150,
						AccountCode: "200", TaxType: "OUTPUT2", Tracking: []xeroemu.LineItemTracking{{Name: "Sales Channel", Option: option}}}},
				})
				if err != nil {
					t.Errorf("approve: %v", err)
					return
				}
				approved := time.Now()
				rec.mu.Lock()
				rec.invoices = append(rec.invoices, chaosInvoice{tenant: m.tenant, invoiceID: inv.InvoiceID, number: inv.InvoiceNumber, eligible: eligible})
				rec.mu.Unlock()
				if !eligible {
					continue
				}
				wait := time.Duration(mrng.Int64N(int64(sz.labelWithin)))
				void := mrng.IntN(5) == 0
				traffic.Go(func() { trackChaosInvoice(ctx, t, xemu, semu, rec, m.tenant, inv, approved, wait, void, trackBound) })
			}
		})
	}

	// Kills: a random process every killMin-killMax, restarted at once;
	// one kill, halfway, takes every process at once.
	var kills []chaosKill
	allAt := began.Add(sz.chaos / 2)
	allDone := false
	for ctx.Err() == nil {
		next := time.Now().Add(sz.killMin + time.Duration(rng.Int64N(int64(sz.killMax-sz.killMin))))
		if next.After(chaosEnd) {
			if allDone {
				break
			}
			// The kill of every process must happen: now, then.
			next = time.Now()
		}
		time.Sleep(time.Until(next))
		slots := []int{rng.IntN(sz.processes)}
		if !allDone && !next.Before(allAt) {
			slots = make([]int, sz.processes)
			for i := range slots {
				slots[i] = i
			}
			allDone = true
		}
		kills = append(kills, chaosKill{at: time.Now(), slots: slots})
		t.Logf("kill %d at %s: %v", len(kills), time.Now().Format("15:04:05.0"), slots)
		for _, s := range slots {
			proxy.set(s, nil)
			procs[s].kill()
		}
		for _, s := range slots {
			start(s)
		}
	}
	time.Sleep(time.Until(chaosEnd))
	chaosOver := time.Now()
	t.Logf("%d kills (one of all %d processes at once), %d processes started in all, over %s",
		len(kills), sz.processes, len(started), chaosOver.Sub(began).Round(time.Second))
	t.Cleanup(func() {
		if t.Failed() {
			for i, p := range started {
				t.Logf("serve process %d's stderr, last lines:\n%s", i, tail(p.stderr.String(), 15))
			}
		}
	})

	// Quiet: no kills; the trackers finish, then the emulators' state
	// must show everything done exactly once.
	traffic.Wait()
	checkChaosOutcome(t, xemu, semu, rec)
	t.Logf("everything in %s after the last kill and %s after the chaos ended",
		time.Since(kills[len(kills)-1].at).Round(time.Second), time.Since(chaosOver).Round(time.Second))

	// The figures.
	x429, xCalls := xcount.status429.Load()-xBase429, xcount.calls.Load()-xBaseCalls
	per1000 := 0.0
	if xCalls > 0 {
		per1000 = float64(x429) * 1000 / float64(xCalls)
	}
	rec.mu.Lock()
	slices.Sort(rec.toOrder)
	slices.Sort(rec.toNote)
	t.Logf("%d invoices, %d labels (%d voided); Xero: %d calls, %d 429s (%.1f per 1,000); ShipStation: %d calls",
		len(rec.invoices), len(rec.labels), countVoidedChaos(rec.labels), xCalls, x429, per1000, semu.Counters().Total())
	t.Logf("approved -> order: n=%d p50 %.2fs p95 %.2fs max %.2fs; label -> note: n=%d p50 %.2fs p95 %.2fs max %.2fs; %d not seen by the trackers",
		len(rec.toOrder), percentile(rec.toOrder, 50).Seconds(), percentile(rec.toOrder, 95).Seconds(), lastOf(rec.toOrder).Seconds(),
		len(rec.toNote), percentile(rec.toNote, 50).Seconds(), percentile(rec.toNote, 95).Seconds(), lastOf(rec.toNote).Seconds(), rec.notTimely)
	if len(rec.slow) > 0 {
		t.Logf("over 10 s: %s", strings.Join(rec.slow, "; "))
	}
	tenants := make([]string, len(merchants))
	for i, m := range merchants {
		tenants[i] = m.tenant
	}
	for _, w := range rec.worked {
		for kind := range w {
			slices.SortFunc(w[kind], func(a, b time.Time) int { return a.Compare(b) })
		}
	}
	reportWorkAgain(t, rec, kills, tenants)
	rec.mu.Unlock()
	accts := make([]int64, len(merchants))
	for i, m := range merchants {
		accts[i] = m.acct
	}
	reportRecovery(t, st, kills, accts)
}

func lastOf(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[len(d)-1]
}

func countVoidedChaos(labels []*chaosLabel) int {
	n := 0
	for _, l := range labels {
		if l.voided {
			n++
		}
	}
	return n
}

// trackChaosInvoice waits for the invoice's order, buys its label after
// wait, waits for the note, and voids the label then if void; it records
// the latencies it saw. A tracker that gives up records nothing: the final
// check decides.
func trackChaosInvoice(ctx context.Context, t *testing.T, xemu *xeroemu.Emulator, semu *shipstationemu.Emulator, rec *chaosRecord,
	tenant string, inv xeroemu.Invoice, approved time.Time, wait time.Duration, void bool, bound time.Duration) {
	giveUp := func() {
		rec.mu.Lock()
		rec.notTimely++
		rec.mu.Unlock()
	}
	until := func(since time.Time, cond func() bool) bool {
		for !cond() {
			if time.Since(since) > bound || ctx.Err() != nil {
				return false
			}
			time.Sleep(50 * time.Millisecond)
		}
		return true
	}
	key := bridge.OrderKey(tenant, inv.InvoiceID)
	var o shipstationemu.Order
	if !until(approved, func() (ok bool) { o, ok = semu.OrderByKey(key); return ok }) {
		giveUp()
		return
	}
	rec.mu.Lock()
	rec.sawWork(tenant, 0)
	rec.toOrder = append(rec.toOrder, time.Since(approved))
	if d := time.Since(approved); d > 10*time.Second {
		rec.slow = append(rec.slow, fmt.Sprintf("order of %s approved %s: %s", inv.InvoiceNumber, approved.Format("15:04:05.0"), d.Round(100*time.Millisecond)))
	}
	rec.mu.Unlock()
	time.Sleep(wait)
	s, err := semu.CreateLabel(o.OrderID, shipstationemu.LabelRequest{CarrierCode: "ups_walleted", ServiceCode: "ups_ground",
		Weight: &shipstationemu.Weight{Value: 2, Units: "pounds"}})
	if err != nil {
		t.Errorf("create label for %s: %v", inv.InvoiceNumber, err)
		return
	}
	bought := time.Now()
	l := &chaosLabel{tenant: tenant, invoiceID: inv.InvoiceID, tracking: s.TrackingNumber}
	rec.mu.Lock()
	rec.labels = append(rec.labels, l)
	rec.mu.Unlock()
	if !until(bought, func() bool { return noteCounts(xemu, tenant, inv.InvoiceID)[s.TrackingNumber][0] > 0 }) {
		giveUp()
		return
	}
	rec.mu.Lock()
	rec.sawWork(tenant, 1)
	rec.toNote = append(rec.toNote, time.Since(bought))
	if d := time.Since(bought); d > 10*time.Second {
		rec.slow = append(rec.slow, fmt.Sprintf("note of %s bought %s: %s", s.TrackingNumber, bought.Format("15:04:05.0"), d.Round(100*time.Millisecond)))
	}
	rec.mu.Unlock()
	if void {
		if err := semu.VoidLabel(s.ShipmentID); err != nil {
			t.Errorf("void label of %s: %v", inv.InvoiceNumber, err)
			return
		}
		rec.mu.Lock()
		l.voided = true
		rec.mu.Unlock()
	}
}

// sawWork records that an order (kind 0) or a note (1) of the
// organisation arrived now. rec.mu is held.
func (rec *chaosRecord) sawWork(tenant string, kind int) {
	if rec.worked == nil {
		rec.worked = map[string]*[2][]time.Time{}
	}
	w := rec.worked[tenant]
	if w == nil {
		w = &[2][]time.Time{}
		rec.worked[tenant] = w
	}
	w[kind] = append(w[kind], time.Now())
}

// reportWorkAgain logs, for every kill, how long until each merchant had
// both an order and a note arrive again (seen by the trackers, from the
// emulators), and the worst of those over the kills: the time until every
// account works again, as a merchant sees it. It includes the wait for
// the next invoice or label when an account had none pending (an invoice
// every gap, a label within labelWithin of its order), so it is an upper
// bound. rec.mu is held.
func reportWorkAgain(t *testing.T, rec *chaosRecord, kills []chaosKill, tenants []string) {
	t.Helper()
	units := make([][][]time.Time, len(tenants))
	for i, tenant := range tenants {
		units[i] = make([][]time.Time, 2)
		if rec.worked[tenant] != nil {
			units[i] = rec.worked[tenant][:]
		}
	}
	var worst []time.Duration
	for i, k := range kills {
		w, per := untilWorking(k.at, units)
		worst = append(worst, w)
		t.Logf("kill %2d at +%s of %v: every merchant had an order and a note again within %s (per merchant: %s)", i+1,
			k.at.Sub(kills[0].at).Round(time.Second), k.slots, w.Round(100*time.Millisecond), strings.Join(per, " "))
	}
	slices.Sort(worst)
	t.Logf("kill -> every merchant had an order and a note again: p50 %s, p95 %s, max %s over %d kills",
		percentile(worst, 50).Round(100*time.Millisecond), percentile(worst, 95).Round(100*time.Millisecond), lastOf(worst).Round(100*time.Millisecond), len(kills))
}

// noteCounts returns, per tracking number named in the invoice's notes,
// how many shipped notes ([0]) and void notes ([1]) name it.
func noteCounts(xemu *xeroemu.Emulator, tenant, invoiceID string) map[string][2]int {
	out := map[string][2]int{}
	for _, h := range xemu.History(tenant, invoiceID) {
		if h.Changes != "Note" {
			continue
		}
		kind := 0
		if strings.Contains(h.Details, "voided") {
			kind = 1
		}
		for tok, k := range tokens(h.Details) {
			c := out[tok]
			c[kind] += k
			out[tok] = c
		}
	}
	return out
}

// checkChaosOutcome waits (up to a bound) until every eligible invoice has
// its order and every label its notes, then checks that none is doubled
// and no ineligible invoice has an order.
func checkChaosOutcome(t *testing.T, xemu *xeroemu.Emulator, semu *shipstationemu.Emulator, rec *chaosRecord) {
	t.Helper()
	rec.mu.Lock()
	invoices := slices.Clone(rec.invoices)
	labels := make([]chaosLabel, len(rec.labels))
	for i, l := range rec.labels {
		labels[i] = *l
	}
	rec.mu.Unlock()
	ordersByKey := func() map[string]int {
		out := map[string]int{}
		for _, o := range semu.Orders() {
			out[strings.ToLower(o.OrderKey)]++
		}
		return out
	}
	// Missing is what a slow recovery explains; wait for it. A rescued
	// job comes back within about a minute (doc/design.md), its retries
	// within a few more; the trackers waited up to 3 minutes already.
	testkit.Until(t, 2*time.Minute, func() error {
		orders := ordersByKey()
		var missing []string
		for _, inv := range invoices {
			if inv.eligible && orders[strings.ToLower(bridge.OrderKey(inv.tenant, inv.invoiceID))] == 0 {
				missing = append(missing, "order of "+inv.number)
			}
		}
		for _, l := range labels {
			c := noteCounts(xemu, l.tenant, l.invoiceID)[l.tracking]
			if c[0] == 0 {
				missing = append(missing, "note of "+l.tracking)
			}
			if l.voided && c[1] == 0 {
				missing = append(missing, "void note of "+l.tracking)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%d missing after the chaos, e.g. %s", len(missing), strings.Join(missing[:min(len(missing), 20)], ", "))
		}
		return nil
	})
	orders := ordersByKey()
	var problems []string
	for _, inv := range invoices {
		n := orders[strings.ToLower(bridge.OrderKey(inv.tenant, inv.invoiceID))]
		want := 0
		if inv.eligible {
			want = 1
		}
		if n != want {
			problems = append(problems, fmt.Sprintf("%s (eligible %v): %d orders, want %d", inv.number, inv.eligible, n, want))
		}
	}
	for _, l := range labels {
		c := noteCounts(xemu, l.tenant, l.invoiceID)[l.tracking]
		wantVoid := 0
		if l.voided {
			wantVoid = 1
		}
		if c[0] != 1 || c[1] != wantVoid {
			problems = append(problems, fmt.Sprintf("label %s (voided %v): %d shipped notes, %d void notes; want 1, %d", l.tracking, l.voided, c[0], c[1], wantVoid))
		}
	}
	if len(problems) > 0 {
		t.Errorf("%d lost or doubled after the chaos:\n%s", len(problems), strings.Join(problems[:min(len(problems), 30)], "\n"))
	}
}

// reportRecovery logs, for every kill, how long until each account had
// both an export and a write-back job complete again (its next successful
// runs after the kill), and the worst of those. Read from River's completed
// jobs; not asserted. A job completes only when it finds no new request,
// so under steady traffic a busy account's write-back job may work on,
// slice after slice, for minutes without completing: this measure then
// says "never" of an account at work, and reportWorkAgain (what the
// merchant sees) is the one that says when it works again.
func reportRecovery(t *testing.T, st *store.Store, kills []chaosKill, accts []int64) {
	t.Helper()
	rc, err := st.NewRiverClient(&river.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	// kind -> account -> its jobs' completion times
	done := map[string]map[int64][]time.Time{}
	kinds := []string{worker.KindExportInvoices, worker.KindWriteBack}
	// What the rescues did (every process's, worker.RescueStuckJobs, and
	// River's leader's), and the errors jobs retried after.
	rescued, riverRescued, errored, maxAttempt := 0, 0, 0, 0
	for _, kind := range kinds {
		done[kind] = map[int64][]time.Time{}
		params := river.NewJobListParams().Kinds(kind).States(rivertype.JobStateCompleted).First(10000)
		for {
			res, err := rc.JobList(t.Context(), params)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range res.Jobs {
				var args struct {
					AccountID int64 `json:"account_id"`
				}
				if json.Unmarshal(j.EncodedArgs, &args) == nil && j.FinalizedAt != nil {
					done[kind][args.AccountID] = append(done[kind][args.AccountID], *j.FinalizedAt)
				}
				maxAttempt = max(maxAttempt, j.Attempt)
				for _, e := range j.Errors {
					switch {
					case strings.Contains(e.Error, "rescued by JobRescuer"):
						riverRescued++
					case strings.Contains(e.Error, "rescued"):
						rescued++
					default:
						errored++
					}
				}
			}
			if len(res.Jobs) < 10000 || res.LastCursor == nil {
				break
			}
			params = params.After(res.LastCursor)
		}
		for _, ts := range done[kind] {
			slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		}
	}
	t.Logf("completed export and write-back jobs: %d rescues by the processes' rescue, %d by River's rescuer, %d other errors, at most %d attempts a job",
		rescued, riverRescued, errored, maxAttempt)
	// An account works again once both its export and its write-back
	// have completed a job after the kill.
	units := make([][][]time.Time, len(accts))
	for i, acct := range accts {
		for _, kind := range kinds {
			units[i] = append(units[i], done[kind][acct])
		}
	}
	var worst []time.Duration
	for i, k := range kills {
		w, per := untilWorking(k.at, units)
		worst = append(worst, w)
		within := w.Round(100 * time.Millisecond).String()
		if slices.Contains(per, "never") {
			within = "never (a job never completed again)"
		}
		t.Logf("kill %2d at +%s of %v: every account ran again within %s (per account: %s)", i+1,
			k.at.Sub(kills[0].at).Round(time.Second), k.slots, within, strings.Join(per, " "))
		if w > time.Minute {
			t.Logf("kill %d kept an account waiting over a minute", i+1)
		}
	}
	for _, acct := range accts {
		var parts []string
		for _, kind := range kinds {
			ts := done[kind][acct]
			if len(ts) == 0 {
				parts = append(parts, kind+" never")
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %d, last %s", kind, len(ts), ts[len(ts)-1].Format("15:04:05.0")))
		}
		t.Logf("account %d completed: %s", acct, strings.Join(parts, "; "))
	}
	reportOpenJobs(t, rc)
	slices.Sort(worst)
	t.Logf("kill -> every account ran again (accounts that never did left out): p50 %s, p95 %s, max %s over %d kills",
		percentile(worst, 50).Round(100*time.Millisecond), percentile(worst, 95).Round(100*time.Millisecond), lastOf(worst).Round(100*time.Millisecond), len(kills))
}

// untilWorking measures how long after a kill at each unit (a merchant,
// an account) worked again: until every one of its series (the sorted
// times it did each kind of work) has a time after at. per holds each
// unit's wait, rounded, or "never"; worst is the longest wait of the
// units that did work again.
func untilWorking(at time.Time, units [][][]time.Time) (worst time.Duration, per []string) {
	for _, series := range units {
		var d time.Duration
		never := false
		for _, ts := range series {
			j := sort.Search(len(ts), func(i int) bool { return ts[i].After(at) })
			if j == len(ts) {
				never = true
				break
			}
			d = max(d, ts[j].Sub(at))
		}
		if never {
			per = append(per, "never")
			continue
		}
		worst = max(worst, d)
		per = append(per, d.Round(100*time.Millisecond).String())
	}
	return worst, per
}

// reportOpenJobs logs the export and write-back jobs left not completed at
// the end: what holds an account whose jobs never completed after a kill.
func reportOpenJobs(t *testing.T, rc *river.Client[*store.Tx]) {
	t.Helper()
	res, err := rc.JobList(t.Context(), river.NewJobListParams().Kinds(worker.KindExportInvoices, worker.KindWriteBack).
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable,
			rivertype.JobStatePending, rivertype.JobStateDiscarded, rivertype.JobStateCancelled).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range res.Jobs {
		last := ""
		if len(j.Errors) > 0 {
			last = j.Errors[len(j.Errors)-1].Error
		}
		var at string
		if j.AttemptedAt != nil {
			at = j.AttemptedAt.Format("15:04:05.0")
		}
		t.Logf("open job %d %s %s: %s, attempt %d, attempted %s, scheduled %s, metadata %s, %d errors, last %q",
			j.ID, j.Kind, j.EncodedArgs, j.State, j.Attempt, at, j.ScheduledAt.Format("15:04:05.0"), j.Metadata, len(j.Errors), last)
	}
}

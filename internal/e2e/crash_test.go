package e2e_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"
	_ "modernc.org/sqlite" // the child resets River jobs a killed process left running

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/demo"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// crashChildEnv carries a crashChild, as JSON, to the re-executed test
// binary: its presence is what makes TestCrashHelperProcess act.
const crashChildEnv = "ORDERBRIDGE_E2E_CRASH_CHILD"

// crashChild is what a child process needs to run exports against the
// parent's emulators and SQLite file, and where it should die.
type crashChild struct {
	childApp
	// DatabaseURL and Schema name a PostgreSQL schema; empty means the
	// SQLite file in DataDir.
	DatabaseURL, Schema string
	PageSize            int
	// River runs the export as `serve` does (a.Run + a.Enqueue); otherwise
	// ExportNow in a loop, as `sync` does, which exposes the OnInvoice and
	// AfterPage hooks.
	River bool
	// Kill is where the child kills itself with SIGKILL, "<event>:<n>":
	// at the n-th occurrence of the event (see crashEvents). Empty: only
	// the parent's timer kills it.
	Kill string
}

// Events the child reports on stdout, one per line, and can die at.
const (
	// evXeroInvoices: a GET /Invoices answered (Xero paging).
	evXeroInvoices = "xero-invoices"
	// evXeroContacts: a GET /Contacts answered (contact fetch or sweep).
	evXeroContacts = "xero-contacts"
	// evXeroToken: POST /connect/token answered: Xero rotated the refresh
	// token, the database still holds the old one.
	evXeroToken = "xero-token"
	// evUpserted: POST /orders/createorders answered: ShipStation holds
	// the page's orders, the database does not know yet.
	evUpserted = "ss-upserted"
	// evDecided: the worker's OnInvoice, after the upsert and before the
	// page's transaction (ExportNow only).
	evDecided = "decided"
	// evCommitted: the worker's AfterPage, after the page's transaction
	// (ExportNow only).
	evCommitted = "committed"
	// evRetry: a run ended with a RetryLaterError (a 5xx or a 429).
	evRetry = "retry"
	// evStatus: a non-2xx answer, "status <code>".
	evStatus = "status"
	// evDone: a run finished without error (ExportNow only).
	evDone = "done"
	// evRescued: River jobs a killed child left running were made
	// available again.
	evRescued = "rescued"
)

// TestCrashHelperProcess is not a test: it is the body of the child
// processes TestCrashSafety starts (and kills), doing nothing unless the
// crashChildEnv variable is set.
func TestCrashHelperProcess(t *testing.T) {
	childMain(crashChildEnv, "crash child", runCrashChild)
}

// crashReporter writes events to stdout and kills the process at the
// planned one.
type crashReporter struct {
	start  time.Time
	mu     sync.Mutex
	counts map[string]int
	event  string
	n      int
}

func newCrashReporter(kill string) *crashReporter {
	r := &crashReporter{start: time.Now(), counts: map[string]int{}}
	if ev, n, ok := strings.Cut(kill, ":"); ok {
		r.event = ev
		r.n, _ = strconv.Atoi(n)
	}
	return r
}

// hit reports one occurrence of an event, and dies if it is the planned
// one. Stdout is unbuffered, so the parent sees the line even though the
// process dies right after.
func (r *crashReporter) hit(event string, detail ...any) {
	r.mu.Lock()
	r.counts[event]++
	n := r.counts[event]
	r.mu.Unlock()
	at := time.Since(r.start).Round(time.Millisecond)
	fmt.Fprintln(os.Stdout, strings.TrimSpace(fmt.Sprint(event, " ", n, " @", at, " ", fmt.Sprint(detail...))))
	if event == r.event && n == r.n {
		fmt.Fprintln(os.Stdout, "killing self at", event, n)
		killSelf()
	}
}

// killSelf ends the process with SIGKILL (TerminateProcess on Windows):
// no deferred call, no flush, no graceful stop of River or the database.
func killSelf() {
	p, err := os.FindProcess(os.Getpid())
	if err == nil {
		err = p.Kill()
	}
	if err != nil {
		os.Exit(137)
	}
	select {}
}

// RoundTrip reports the calls the crash plan cares about once their answer
// is in, so that a kill at "ss-upserted" lands after ShipStation stored the
// orders and before the worker learnt it.
func (r *crashReporter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if resp.StatusCode >= 300 {
		r.hit(evStatus, resp.StatusCode, " ", req.Method, " ", req.URL.Path)
		return resp, nil
	}
	path := strings.ToLower(req.URL.Path)
	switch {
	case req.Method == http.MethodPost && strings.HasSuffix(path, "/connect/token"):
		r.hit(evXeroToken)
	case req.Method == http.MethodGet && strings.HasSuffix(path, "/invoices"):
		r.hit(evXeroInvoices)
	case req.Method == http.MethodGet && strings.HasSuffix(path, "/contacts"):
		r.hit(evXeroContacts)
	case req.Method == http.MethodPost && strings.HasSuffix(path, "/orders/createorders"):
		r.hit(evUpserted)
	}
	return resp, nil
}

// crashConfig is the app configuration parent and children share.
func crashConfig(c crashChild) config.Config {
	cfg := c.config()
	// The demo dates invoices over the last 20 days: read them all.
	cfg.Backfill = 60 * 24 * time.Hour
	return cfg
}

func runCrashChild(c crashChild) {
	ctx := context.Background()
	rep := newCrashReporter(c.Kill)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if c.River {
		n, err := rescueRunningJobs(ctx, c)
		if err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(3)
		}
		rep.hit(evRescued, n)
	}
	var st *store.Store
	if c.DatabaseURL != "" {
		var err error
		st, err = store.Open(ctx, c.DatabaseURL, &store.Options{Logger: logger, Schema: c.Schema, MaxConns: 4})
		if err != nil {
			fmt.Fprintln(os.Stderr, "crash child: open postgres:", err)
			os.Exit(3)
		}
	}
	a, err := app.New(ctx, crashConfig(c), app.Options{
		Logger: logger, NoSweep: true, PageSize: c.PageSize, Store: st, Migrate: st != nil,
		HTTPClient: &http.Client{Transport: rep},
		// No client-side pacing: the emulators' time-scaled limits answer
		// 429s, which the worker must turn into a retry, not a failure.
		XeroPacing:           xero.Pacing{Off: true},
		ShipStationRateLimit: 1_000_000,
		FetchPollInterval:    100 * time.Millisecond,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child: app:", err)
		os.Exit(3)
	}
	if c.River {
		go func() { _ = a.Run(ctx) }()
		// The parent kills this process; until then keep an export
		// queued, as the periodic sweep would.
		for {
			if _, err := a.Enqueue(ctx, c.Account); err != nil {
				fmt.Fprintln(os.Stderr, "crash child: enqueue:", err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	opts := worker.RunOptions{
		OnInvoice: func(worker.InvoiceResult) { rep.hit(evDecided) },
		AfterPage: func(s worker.Summary) { rep.hit(evCommitted, s.Invoices) },
	}
	for {
		sum, err := a.ExportNow(ctx, c.Account, opts)
		var rl *worker.RetryLaterError
		switch {
		case err == nil:
			rep.hit(evDone, sum.String())
			os.Exit(0)
		case errors.As(err, &rl):
			rep.hit(evRetry, rl.After)
			// What River's snooze does, without waiting a real minute for
			// a time-scaled window.
			time.Sleep(min(max(rl.After, 20*time.Millisecond), 3*time.Second))
		default:
			fmt.Fprintln(os.Stderr, "crash child: export failed for good:", err)
			os.Exit(4)
		}
	}
}

// rescueRunningJobs makes export jobs left "running" by a killed process
// available again, on PostgreSQL. There the app's rescue returns them
// after its RescueStuckJobsAfter (30 seconds, above every job's Timeout,
// because several processes may share the queue) and up to one
// RescueEvery (5 s): longer than this test's children live; in
// this test one child runs at a time, so a running job at start-up belongs
// to a dead one.
// On SQLite the app does this itself at start (App.Run requeues jobs left
// running), so there the test only counts them, read-only, to report how
// often a kill left one behind.
func rescueRunningJobs(ctx context.Context, c crashChild) (int64, error) {
	if c.DatabaseURL != "" {
		conn, err := pgx.Connect(ctx, c.DatabaseURL)
		if err != nil {
			return 0, fmt.Errorf("rescue running jobs: %w", err)
		}
		defer conn.Close(context.Background())
		// Schema is a plain identifier (store.Open refuses anything else).
		tag, err := conn.Exec(ctx, `UPDATE `+c.Schema+`.river_job SET state = 'available' WHERE state = 'running' AND kind = $1`, worker.KindExportInvoices)
		if err != nil {
			return 0, fmt.Errorf("rescue running jobs: %w", err)
		}
		return tag.RowsAffected(), nil
	}
	dsn := "file:" + filepath.Join(c.DataDir, config.DatabaseFile) + "?_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE state = 'running' AND kind = ?`, worker.KindExportInvoices).Scan(&n)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return 0, nil
		}
		return 0, fmt.Errorf("count running jobs: %w", err)
	}
	return n, nil
}

// crashWorld is the parent's side: the emulators (which outlive every
// child), the SQLite directory and the connected account.
type crashWorld struct {
	st     *store.Store // PostgreSQL; nil for SQLite
	xemu   *xeroemu.Emulator
	semu   *shipstationemu.Emulator
	child  crashChild
	tenant string
	demo   demo.Summary
}

// newCrashWorld seeds a demo organisation of the given size and connects
// an account to it, then closes the app so that only children use the
// database. st is a PostgreSQL store (storetest.OpenPostgres), or nil for
// SQLite.
func newCrashWorld(t *testing.T, st *store.Store, invoices, contacts, pageSize int) *crashWorld {
	t.Helper()
	ctx := t.Context()
	// Access tokens that need refreshing every ten seconds or so (the
	// client refreshes five minutes early), so that some kills land
	// between Xero rotating the refresh token and the database storing it.
	xemu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit, AccessTokenTTL: 5*time.Minute + 10*time.Second})
	semu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	_, key, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	w := &crashWorld{st: st, xemu: xemu, semu: semu, child: crashChild{
		childApp: childApp{XeroURL: xemu.URL(), XeroClientID: xemu.ClientID(), XeroClientSecret: xemu.ClientSecret(),
			ShipStationURL: semu.URL(), DataDir: t.TempDir(), SecretKey: key},
		PageSize: pageSize,
	}}
	if st != nil {
		w.child.DatabaseURL, w.child.Schema = os.Getenv(storetest.EnvDatabaseURL), st.Schema()
	}
	a := w.openApp(t)
	defer a.Close()
	acct, err := a.Store.CreateAccount(ctx, "Acme Outdoor Ltd")
	if err != nil {
		t.Fatal(err)
	}
	w.child.Account = acct.ID
	if w.tenant, err = a.ConnectXeroAutoConsent(ctx, acct.ID, ""); err != nil {
		t.Fatalf("connect xero: %v", err)
	}
	opts := demo.Options{Seed: 42, Contacts: contacts, Invoices: invoices, Days: 20}
	if w.demo, err = demo.SeedXero(xemu, w.tenant, opts); err != nil {
		t.Fatal(err)
	}
	ss, err := demo.SeedShipStation(semu, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConnectShipStation(ctx, acct.ID, semu.APIKey(), semu.APISecret(), ss.StoreID); err != nil {
		t.Fatalf("connect shipstation: %v", err)
	}
	s := store.DefaultSettings()
	s.SyncEnabled = true
	if err := a.Store.SaveSettings(ctx, acct.ID, s); err != nil {
		t.Fatal(err)
	}
	return w
}

// openApp builds an app on the shared database, as the children do but
// with the test's logger and default pacing.
func (w *crashWorld) openApp(t *testing.T) *app.App {
	t.Helper()
	a, err := app.New(t.Context(), crashConfig(w.child), app.Options{
		Logger: testLogger(t), NoSweep: true, PageSize: w.child.PageSize, FetchPollInterval: 100 * time.Millisecond,
		Store: w.st, Migrate: true,
	})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	return a
}

// xeroView is the organisation as the Xero API shows it: every sales
// invoice and contact.
type xeroView struct {
	invoices []xero.Invoice
	contacts map[string]*xero.Contact // by lower-cased ContactID
}

// readXero lists every sales invoice and contact through the real client
// (the account's token), so that the expected outcome is worked out from
// the same JSON the worker reads.
func readXero(t *testing.T, a *app.App, acct int64, tenant string) xeroView {
	t.Helper()
	ctx := t.Context()
	tok, err := a.Store.XeroGrant(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	xc := a.Xero.Client(a.Xero.TokenSource(tok, func(ctx context.Context, tok *oauth2.Token) error {
		return a.Store.SaveXeroGrant(ctx, acct, tok)
	}))
	v := xeroView{contacts: map[string]*xero.Contact{}}
	for p, err := range xc.InvoicePages(ctx, tenant, xero.InvoiceQuery{PageSize: xero.MaxPageSize, Where: `Type=="ACCREC"`}) {
		if err != nil {
			t.Fatalf("list invoices: %v", err)
		}
		v.invoices = append(v.invoices, p.Invoices...)
	}
	for p, err := range xc.ContactPages(ctx, tenant, xero.ContactQuery{PageSize: xero.MaxPageSize, IncludeArchived: true}) {
		if err != nil {
			t.Fatalf("list contacts: %v", err)
		}
		for i := range p.Contacts {
			v.contacts[strings.ToLower(p.Contacts[i].ContactID)] = &p.Contacts[i]
		}
	}
	return v
}

// decide is bridge.Decide for an invoice never sent, under the account's
// settings.
func (v xeroView) decide(inv xero.Invoice, s bridge.Settings) bridge.Decision {
	var c *xero.Contact
	if inv.Contact != nil {
		c = v.contacts[strings.ToLower(inv.Contact.ContactID)]
	}
	return bridge.Decide(inv, c, s, nil)
}

// accountSettings is the mapping's settings of the account, as the worker
// builds them.
func accountSettings(t *testing.T, a *app.App, acct int64) bridge.Settings {
	t.Helper()
	ctx := t.Context()
	s, err := a.Store.Settings(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	xc, err := a.Store.Connection(ctx, acct, store.KindXero)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := a.Store.Connection(ctx, acct, store.KindShipStation)
	if err != nil {
		t.Fatal(err)
	}
	return worker.BridgeSettings(s, xc.Metadata, sc.Metadata)
}

// childResult is how one child ended.
type childResult struct {
	plan    string
	river   bool
	killed  bool   // died of SIGKILL (its own or the parent's)
	byTimer bool   // the parent's timer killed it
	last    string // the last event it reported
	events  map[string]int
	statusN map[string]int // non-2xx answers by code
	rescued int            // River jobs a killed child left running, made available
	stderr  string
}

// runChild starts a child with the plan and kills it after delay unless it
// died or finished first.
func (w *crashWorld) runChild(t *testing.T, river bool, kill string, delay time.Duration) childResult {
	t.Helper()
	c := w.child
	c.River, c.Kill = river, kill
	run := runKillable(t, "TestCrashHelperProcess", crashChildEnv, c, kill, delay)
	res := childResult{plan: kill, river: river, killed: run.killed, byTimer: run.byTimer, stderr: run.stderr,
		events: map[string]int{}, statusN: map[string]int{}}
	run.eventLines(func(line string, f []string) {
		res.events[f[0]]++
		if f[0] == evRescued && len(f) > 3 {
			res.rescued, _ = strconv.Atoi(f[3])
		}
		if f[0] == evStatus && len(f) > 3 {
			res.statusN[f[3]]++
		}
		res.last = line
	})
	return res
}

// crashPlan picks where the i-th child dies, cycling through the kill
// points so that each is certainly hit, with a random (seeded) occurrence.
// ExportNow children can die in the worker's hooks; every child can die on
// an HTTP answer or by the parent's timer at a random moment (which may
// land anywhere: in a Xero call, in bridge.Decide, inside the SQLite
// commit).
func crashPlan(rng *rand.Rand, i, pageSize int) (river bool, kill string) {
	river = i%4 == 3
	kinds := []string{evUpserted, evDecided, evXeroInvoices, evCommitted, "", evXeroToken, evUpserted, evXeroContacts, ""}
	k := kinds[(i-i/4)%len(kinds)]
	if river {
		k = []string{evUpserted, "", evXeroInvoices, ""}[(i/4)%4]
	}
	switch k {
	case "":
		return river, ""
	case evDecided:
		// Mid-page: some invoices' results seen, none committed.
		return river, fmt.Sprintf("%s:%d", k, 1+rng.IntN(3*pageSize))
	case evXeroContacts, evXeroToken:
		return river, k + ":1"
	}
	return river, fmt.Sprintf("%s:%d", k, 1+rng.IntN(4))
}

// TestCrashSafety kills the export engine with SIGKILL many times during a
// backfill of thousands of invoices, with 5xx and 429 answers from both
// services, and checks after a final run that every eligible invoice has
// exactly one ShipStation order, with current content, and that nothing
// else was sent. Each kill is a real process death: the child processes
// re-execute this test binary; the emulators and the SQLite file live in
// this process and survive them.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	invoices, contacts, pageSize, kills, newPerChild := 3000, 600, 200, 24, 30
	switch {
	case testing.Short():
		invoices, contacts, pageSize, kills, newPerChild = 400, 100, 25, 6, 5
	case raceEnabled():
		// The race detector (with checkptr) slows the children's pure-Go
		// SQLite about tenfold, to some 2.5 s a page of 100: fewer
		// invoices and smaller pages (page boundaries and kill points
		// stay many) keep the test near a minute.
		invoices, contacts, pageSize, kills, newPerChild = 800, 160, 50, 16, 8
	}
	runCrashSafety(t, nil, crashSizes{invoices, contacts, pageSize, kills, newPerChild})
}

// TestCrashSafetyPostgres is TestCrashSafety on PostgreSQL (River's
// PostgreSQL driver, a schema of $ORDERBRIDGE_TEST_DATABASE_URL), smaller.
func TestCrashSafetyPostgres(t *testing.T) {
	t.Parallel()
	st := storetest.OpenPostgres(t)
	sizes := crashSizes{invoices: 800, contacts: 160, pageSize: 50, kills: 12, newPerChild: 8}
	if testing.Short() {
		sizes = crashSizes{invoices: 400, contacts: 100, pageSize: 25, kills: 6, newPerChild: 5}
	}
	runCrashSafety(t, st, sizes)
}

// crashSizes sizes a crash test run.
type crashSizes struct {
	invoices, contacts, pageSize, kills, newPerChild int
}

func runCrashSafety(t *testing.T, st *store.Store, sz crashSizes) {
	invoices, contacts, pageSize, kills, newPerChild := sz.invoices, sz.contacts, sz.pageSize, sz.kills, sz.newPerChild
	w := newCrashWorld(t, st, invoices, contacts, pageSize)
	ctx := t.Context()

	a := w.openApp(t)
	settings := accountSettings(t, a, w.child.Account)
	before := readXero(t, a, w.child.Account, w.tenant)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	var eligible []xero.Invoice
	for _, inv := range before.invoices {
		if before.decide(inv, settings).Kind == bridge.Export {
			eligible = append(eligible, inv)
		}
	}
	// The demo's promise and the real mapping agree on what exports.
	if len(eligible) != w.demo.ExpectedExports {
		t.Errorf("%d invoices eligible by bridge.Decide, the demo expects %d", len(eligible), w.demo.ExpectedExports)
	}
	t.Logf("%d sales invoices (%d eligible), %d contacts, pages of %d", len(before.invoices), len(eligible), len(before.contacts), pageSize)

	// Faults on both services for the whole crash phase; time-scaled rate
	// limits (a minute lasts 3 seconds) so that windows a killed child
	// spent are still spent when the next one starts.
	rl := emukit.RateLimit{Scale: 20}
	w.xemu.SetRateLimit(rl)
	w.semu.SetRateLimit(rl)
	rng := rand.New(rand.NewPCG(20261125, 7))
	var results []childResult
	nKills, edits, raised := 0, 0, 0
	for i := 0; nKills < kills && i < 3*kills; i++ {
		river, kill := crashPlan(rng, i, pageSize)
		faults := emukit.FaultConfig{ErrorRate: 0.05, Seed: uint64(i + 1)}
		if river {
			// River backs a 5xx off for attempt⁴ seconds: the child would
			// sit out the rest of its life. Its kills test the queue.
			faults = emukit.FaultConfig{}
		}
		w.xemu.SetFaults(faults)
		w.semu.SetFaults(faults)
		if i%3 == 2 {
			// Some invoices change while the engine is down or mid-way:
			// their orders must be updated, not duplicated.
			for range 5 {
				inv := eligible[rng.IntN(len(eligible))]
				if _, err := w.xemu.UpdateInvoice(w.tenant, inv.InvoiceID, func(x *xeroemu.Invoice) { x.LineItems[0].Quantity++ }); err != nil {
					t.Fatal(err)
				}
				edits++
			}
		}
		// Business goes on: new invoices arrive for every child to export.
		for range newPerChild {
			w.raiseLike(t, eligible[rng.IntN(len(eligible))])
			raised++
		}
		if i%5 == 4 {
			spendShipStationMinute(t, w.semu)
		}
		if strings.HasPrefix(kill, evXeroToken) {
			// Xero drops the access tokens: the child's first call gets a
			// 401 and refreshes, and dies before storing the new pair.
			w.xemu.ExpireAccessTokens()
		}
		delay := time.Duration(150+rng.IntN(2850)) * time.Millisecond
		if kill != "" {
			// A backstop: the child should die at its event first (when
			// it gets that far: a 5xx may end its run before).
			delay = 6 * time.Second
		}
		res := w.runChild(t, river, kill, delay)
		results = append(results, res)
		if res.killed {
			nKills++
		}
		how := "finished"
		switch {
		case res.killed && res.byTimer:
			how = fmt.Sprintf("killed by the parent after %s", delay)
		case res.killed:
			how = "killed itself"
		}
		t.Logf("child %2d river=%-5v plan=%-16q %s; last event %q; statuses %v", i, river, kill, how, res.last, res.statusN)
	}
	if nKills < kills {
		t.Errorf("only %d kills, want %d", nKills, kills)
	}

	// A final run, uninterrupted and without faults, finishes the job.
	w.xemu.SetFaults(emukit.FaultConfig{})
	w.semu.SetFaults(emukit.FaultConfig{})
	w.xemu.SetRateLimit(emukit.NoRateLimit)
	w.semu.SetRateLimit(emukit.NoRateLimit)
	a = w.openApp(t)
	defer a.Close()
	var final worker.Summary
	for attempt := 1; ; attempt++ {
		sum, err := a.ExportNow(ctx, w.child.Account, worker.RunOptions{})
		if err == nil {
			final = sum
			break
		}
		var rle *worker.RetryLaterError
		if !errors.As(err, &rle) || attempt == 5 {
			t.Fatalf("final export: %v (%s)", err, sum)
		}
		time.Sleep(rle.After)
	}
	t.Logf("%d kills over %d children, %d invoice edits, %d invoices raised meanwhile; final run: %s", nKills, len(results), edits, raised, final)
	logCrashStats(t, results)
	checkExportedOnce(t, w, a, settings)
}

// raiseLike raises a new AUTHORISED invoice with the lines and contact of
// an eligible one, as a merchant would while the engine runs.
func (w *crashWorld) raiseLike(t *testing.T, like xero.Invoice) {
	t.Helper()
	src, ok := w.xemu.Invoice(w.tenant, like.InvoiceID)
	if !ok {
		t.Fatalf("invoice %s vanished", like.InvoiceID)
	}
	lines := make([]xeroemu.LineItem, len(src.LineItems))
	for i, l := range src.LineItems {
		l.LineItemID, l.TaxAmount, l.LineAmount = "", 0, 0
		lines[i] = l
	}
	_, err := w.xemu.SeedInvoice(w.tenant, xeroemu.Invoice{
		Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: src.Contact.ContactID}, Date: time.Now().UTC(),
		Reference: src.Reference, CurrencyCode: src.CurrencyCode, LineAmountTypes: src.LineAmountTypes, LineItems: lines,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// spendShipStationMinute uses up the API key's rate-limit window, as
// another program on the same key would, so that the next child's
// ShipStation calls get 429s.
func spendShipStationMinute(t *testing.T, semu *shipstationemu.Emulator) {
	t.Helper()
	hc := testkit.HTTPClient(t)
	defer hc.CloseIdleConnections()
	for range 40 {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, semu.URL()+"/stores", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(semu.APIKey(), semu.APISecret())
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			return
		}
	}
}

// logCrashStats sums up where the children died and what they were
// answered.
func logCrashStats(t *testing.T, results []childResult) {
	t.Helper()
	landed := map[string]int{}
	statuses := map[string]int{}
	retries, rescued, refreshes := 0, 0, 0
	for _, r := range results {
		rescued += r.rescued
		refreshes += r.events[evXeroToken]
		for k, v := range r.statusN {
			statuses[k] += v
		}
		retries += r.events[evRetry]
		if !r.killed {
			continue
		}
		f := strings.Fields(r.last)
		where := "before any event"
		if len(f) > 0 {
			where = "after " + f[0]
		}
		if r.byTimer {
			where = "timer, " + where
		}
		landed[where]++
	}
	t.Logf("kills landed: %v", landed)
	t.Logf("non-2xx answers seen by children: %v; runs ended with a retry: %d; Xero token refreshes: %d", statuses, retries, refreshes)
	t.Logf("River jobs found running (left by a killed child) and made available again: %d", rescued)
}

// checkExportedOnce is the crash test's verdict, from the emulators' and
// the database's final state.
func checkExportedOnce(t *testing.T, w *crashWorld, a *app.App, settings bridge.Settings) {
	t.Helper()
	ctx := t.Context()
	acct := w.child.Account
	after := readXero(t, a, acct, w.tenant)
	want := map[string]bridge.Decision{} // order key -> decision, eligible invoices only
	byKey := map[string]xero.Invoice{}
	var newest time.Time
	for _, inv := range after.invoices {
		key := bridge.OrderKey(w.tenant, inv.InvoiceID)
		byKey[key] = inv
		if d := after.decide(inv, settings); d.Kind == bridge.Export {
			want[key] = d
		}
		if inv.UpdatedDateUTC.After(newest) {
			newest = inv.UpdatedDateUTC.Time
		}
	}

	orders := map[string][]shipstationemu.Order{}
	numbers := map[string]int{}
	for _, o := range w.semu.Orders() {
		k := strings.ToLower(o.OrderKey)
		orders[k] = append(orders[k], o)
		numbers[fmt.Sprintf("%d/%s", o.AdvancedOptions.StoreID, o.OrderNumber)]++
	}
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for num, n := range numbers {
		if n > 1 {
			report("%d orders share store/orderNumber %s", n, num)
		}
	}
	for key, got := range orders {
		inv, known := byKey[key]
		switch {
		case len(got) > 1:
			report("%d orders with orderKey %s (%s)", len(got), key, inv.InvoiceNumber)
		case !known:
			report("order %s has a key of no sales invoice: %s", got[0].OrderNumber, key)
		}
		if _, ok := want[key]; known && !ok {
			report("order %s exists for ineligible invoice %s (%s)", got[0].OrderNumber, inv.InvoiceNumber, inv.Status)
		}
	}

	links := map[string]store.InvoiceLink{}
	for off := 0; ; off += 1000 {
		page, err := a.Store.ListInvoiceLinks(ctx, acct, store.LinkFilter{Limit: 1000, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page {
			links[strings.ToLower(l.InvoiceID)] = l
		}
		if len(page) < 1000 {
			break
		}
	}
	logLines := map[string]int{}
	for p := 1; ; p++ {
		page, err := a.Store.ListLog(ctx, acct, store.LogQuery{Page: p, PageSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			logLines[strings.ToLower(e.InvoiceID)]++
		}
		if len(page.Entries) < 1000 {
			break
		}
	}
	for _, inv := range after.invoices {
		id := strings.ToLower(inv.InvoiceID)
		key := bridge.OrderKey(w.tenant, inv.InvoiceID)
		l, ok := links[id]
		if !ok {
			report("%s (%s) has no link", inv.InvoiceNumber, inv.Status)
			continue
		}
		if logLines[id] == 0 {
			report("%s has no log line", inv.InvoiceNumber)
		}
		d, eligible := want[key]
		if !eligible {
			continue
		}
		got := orders[key]
		if len(got) != 1 {
			report("eligible %s has %d orders", inv.InvoiceNumber, len(got))
			continue
		}
		if l.Decision != store.DecisionExported || l.OrderID != got[0].OrderID {
			report("%s: link decision %s order %d, want exported order %d", inv.InvoiceNumber, l.Decision, l.OrderID, got[0].OrderID)
		}
		// The order carries the invoice's latest content (edits included).
		if l.ContentHash != d.Hash {
			report("%s: link hash %s, want %s (stale order)", inv.InvoiceNumber, l.ContentHash, d.Hash)
		}
		if !slices.EqualFunc(got[0].Items, d.Order.Items, func(o shipstationemu.OrderItem, w shipstation.OrderItem) bool {
			return o.SKU == w.SKU && o.Quantity == w.Quantity
		}) {
			report("%s: order items %+v, want %+v", inv.InvoiceNumber, got[0].Items, d.Order.Items)
		}
	}
	cur, ok, err := a.Store.Cursor(ctx, acct, store.CursorXeroInvoices)
	if err != nil || !ok {
		t.Fatalf("cursor: %v (set %v)", err, ok)
	}
	if !cur.Equal(newest) {
		report("cursor at %s, newest invoice change at %s", cur.Format(time.RFC3339Nano), newest.Format(time.RFC3339Nano))
	}
	t.Logf("%d eligible invoices, %d orders, %d links, %d invoices with log lines", len(want), len(orders), len(links), len(logLines))
	if len(problems) > 0 {
		slices.Sort(problems)
		t.Errorf("%d problems after the crashes, e.g.:\n%s", len(problems), strings.Join(problems[:min(len(problems), 30)], "\n"))
	}
}

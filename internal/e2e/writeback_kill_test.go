package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// The write-back under real process deaths. TestWriteBackCrashSafety
// interrupts runs in process; here a child process (this test binary,
// re-executed) runs app.WriteBackNow against the parent's emulators and
// SQLite file and dies of SIGKILL: at a planned point (before a Xero
// write, right after Xero accepted a note or a line edit and before the
// database heard of it, right after an event's record committed) or at a
// random moment chosen by the parent. A final clean run in the parent
// must leave every label written exactly once.

// wbKillChildEnv carries a wbKillChild, as JSON, to the re-executed test
// binary: its presence is what makes TestWriteBackKillChild act.
const wbKillChildEnv = "ORDERBRIDGE_E2E_WRITEBACK_KILL_CHILD"

// wbKillChild is what a child needs to run the write-back on the parent's
// database and emulators, and where it should die.
type wbKillChild struct {
	childApp
	// Kill is "<event>:<n>": die at the n-th occurrence of the event (see
	// the wbEv constants). Empty: only the parent's timer kills it.
	Kill string
}

// Events a write-back child reports on stdout, one per line, and can die
// at.
const (
	// wbEvBeforeWrite: the worker's BeforeWrite, before an event's Xero
	// writes (and before its attempt is marked).
	wbEvBeforeWrite = "before-write"
	// wbEvNoteAccepted: Xero answered 200 to PUT .../History: the note
	// exists, the database does not know yet.
	wbEvNoteAccepted = "note-accepted"
	// wbEvLineAccepted: Xero answered 200 to POST /Invoices/{id}: the
	// cost line was added or removed, the database does not know yet.
	wbEvLineAccepted = "line-accepted"
	// wbEvCommitted: the worker's OnEvent for a written event, after its
	// actions' transaction committed.
	wbEvCommitted = "committed"
	// wbEvRetry: a run ended with a RetryLaterError.
	wbEvRetry = "retry"
	// wbEvDone: a run finished without error: the child exits 0.
	wbEvDone = "done"
	// wbSummaryLine starts the line a child writes after each run:
	// "summary <history checks> <actions found done>".
	wbSummaryLine = "summary"
)

// TestWriteBackKillChild is not a test: it is the body of the child
// processes TestWriteBackKilled starts (and kills), doing nothing unless
// the wbKillChildEnv variable is set.
func TestWriteBackKillChild(t *testing.T) {
	childMain(wbKillChildEnv, "write-back kill child", runWriteBackKillChild)
}

// wbKillTransport reports Xero's acceptance of a write once its answer is
// read in full, so that a kill there lands after Xero applied the write
// and before the worker could record it.
type wbKillTransport struct {
	base http.RoundTripper
	rep  *crashReporter
}

func (k wbKillTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := k.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	path := strings.ToLower(req.URL.Path)
	var ev string
	switch {
	case req.Method == http.MethodPut && strings.Contains(path, "/invoices/") && strings.HasSuffix(path, "/history"):
		ev = wbEvNoteAccepted
	case req.Method == http.MethodPost && strings.Contains(path, "/invoices/"):
		ev = wbEvLineAccepted
	default:
		return resp, nil
	}
	body, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if rerr != nil {
		return nil, rerr
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	k.rep.hit(ev, req.URL.Path)
	return resp, nil
}

func runWriteBackKillChild(c wbKillChild) {
	ctx := context.Background()
	rep := newCrashReporter(c.Kill)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.New(ctx, c.config(), app.Options{
		Logger: logger, NoSweep: true,
		HTTPClient:           &http.Client{Transport: wbKillTransport{base: rep, rep: rep}},
		XeroPacing:           xero.Pacing{Off: true},
		ShipStationRateLimit: 1_000_000,
		FetchPollInterval:    100 * time.Millisecond,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "write-back kill child: app:", err)
		os.Exit(3)
	}
	opts := worker.WriteBackOptions{
		BeforeWrite: func(r worker.WriteBackResult) error {
			rep.hit(wbEvBeforeWrite, r.Event.ID)
			return nil
		},
		OnEvent: func(r worker.WriteBackResult) {
			if r.Outcome == worker.WriteBackWritten {
				rep.hit(wbEvCommitted, r.Event.ID)
			}
		},
	}
	for {
		sum, err := a.WriteBackNow(ctx, c.Account, opts)
		// Not an event (no kill here): how often the run found an
		// attempt a death left unrecorded and read the History for it.
		fmt.Fprintln(os.Stdout, wbSummaryLine, sum.HistoryChecks, sum.Found)
		var rl *worker.RetryLaterError
		switch {
		case err == nil:
			rep.hit(wbEvDone, sum.String())
			os.Exit(0)
		case errors.As(err, &rl):
			rep.hit(wbEvRetry, rl.After)
			// What River's snooze does, without waiting it out.
			time.Sleep(min(max(rl.After, 20*time.Millisecond), 300*time.Millisecond))
		default:
			fmt.Fprintln(os.Stderr, "write-back kill child: write-back failed for good:", err)
			os.Exit(4)
		}
	}
}

// wbChildResult is how one write-back child ended.
type wbChildResult struct {
	killed, byTimer bool
	last            string // the last event it reported
	events          map[string]int
	// historyChecks and found add up the runs' WriteBackSummary fields.
	historyChecks, found int
}

// runWriteBackChild starts a child with the plan and kills it after delay
// unless it died or finished first.
func runWriteBackChild(t *testing.T, c wbKillChild, delay time.Duration) wbChildResult {
	t.Helper()
	run := runKillable(t, "TestWriteBackKillChild", wbKillChildEnv, c, c.Kill, delay)
	res := wbChildResult{killed: run.killed, byTimer: run.byTimer, events: map[string]int{}}
	run.eventLines(func(line string, f []string) {
		if f[0] == wbSummaryLine && len(f) == 3 {
			hc, _ := strconv.Atoi(f[1])
			found, _ := strconv.Atoi(f[2])
			res.historyChecks += hc
			res.found += found
			return
		}
		res.events[f[0]]++
		res.last = line
	})
	return res
}

// wbKillPlan picks where the i-th child dies, cycling through the kill
// points so that each is hit, at a random (seeded) occurrence; "" leaves
// it to the parent's timer.
func wbKillPlan(rng *rand.Rand, i int) string {
	switch i % 5 {
	case 0:
		return fmt.Sprintf("%s:%d", wbEvBeforeWrite, 1+rng.IntN(8))
	case 1:
		return fmt.Sprintf("%s:%d", wbEvNoteAccepted, 1+rng.IntN(8))
	case 2:
		return fmt.Sprintf("%s:%d", wbEvCommitted, 1+rng.IntN(8))
	case 3:
		return fmt.Sprintf("%s:%d", wbEvLineAccepted, 1+rng.IntN(4))
	}
	return ""
}

// wbLabel is a label the test bought, and what became of it.
type wbLabel struct {
	s   shipstationemu.Shipment
	inv int
	// voided: 0 live, 1 before any run, 2 while children ran.
	voided int
}

// TestWriteBackKilled kills write-back processes with SIGKILL at the
// points where a death could double or lose a Xero write, with 5xx
// answers from both services, and checks after a final run that each
// label has exactly one shipped note (live) or one void note (voided), at
// most one cost line, and its actions recorded.
func TestWriteBackKilled(t *testing.T) {
	t.Parallel()
	// ORDERBRIDGE_WRITEBACK_KILL_INVOICES=1000 makes it thousands of
	// labels; the default is a few hundred.
	invoices, kills := 150, 20
	switch {
	case testing.Short():
		invoices, kills = 40, 10
	case raceEnabled():
		// The race detector slows the children's pure-Go SQLite about
		// tenfold (and every child's start-up): fewer labels, fewer
		// children, every kill point still visited.
		invoices, kills = 80, 15
	}
	if n, err := strconv.Atoi(os.Getenv("ORDERBRIDGE_WRITEBACK_KILL_INVOICES")); err == nil && n > 0 {
		invoices = n
	}
	ctx := t.Context()
	w := writeBackWorld(t, nil)
	invs, orders := seedShippedOrders(t, w, invoices)
	rng := rand.New(rand.NewPCG(20261125, 5))

	// Each order gets one or two labels now, and up to three while the
	// children run; every fifth invoice is paid (note only, no cost
	// line); a tenth of the labels are voided before any run.
	paid := map[int]bool{}
	var labels []*wbLabel
	perOrder := make([]int, len(orders))
	carriers := [][2]string{{"ups_walleted", "ups_ground"}, {"fedex", "fedex_ground"}, {"stamps_com", "usps_priority_mail"}}
	buy := func(i int) {
		c := carriers[rng.IntN(len(carriers))]
		labels = append(labels, &wbLabel{s: buyLabel(t, w, orders[i], c[0], c[1]), inv: i})
		perOrder[i]++
	}
	for i := range orders {
		if i%5 == 0 {
			w.edit(invs[i], func(inv *xeroemu.Invoice) { inv.Status = "PAID" })
			paid[i] = true
		}
		for range 1 + rng.IntN(2) {
			buy(i)
		}
	}
	for _, l := range labels {
		if rng.IntN(10) == 0 {
			if err := w.semu.VoidLabel(l.s.ShipmentID); err != nil {
				t.Fatal(err)
			}
			l.voided = 1
		}
	}
	cfg := w.app.Config
	child := wbKillChild{childApp: childApp{
		XeroURL: cfg.XeroBaseURL, XeroClientID: cfg.XeroClientID, XeroClientSecret: cfg.XeroClientSecret,
		ShipStationURL: cfg.ShipStationBaseURL, DataDir: cfg.DataDir, SecretKey: cfg.SecretKey, Account: w.acct,
	}}
	// Only the children use the database from here on.
	if err := w.app.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d invoices (%d paid), %d labels (%d voided) before the first child", len(invs), len(paid), len(labels), countVoided(labels))

	faults := emukit.FaultConfig{ErrorRate: 0.05, ErrorStatuses: []int{500, 503}}
	var results []wbChildResult
	plans := map[string]int{}
	nKills, added, voidedLater := 0, 0, 0
	for i := 0; nKills < kills && i < 2*kills; i++ {
		kill := wbKillPlan(rng, i)
		faults.Seed = uint64(i + 1)
		w.xemu.SetFaults(faults)
		w.semu.SetFaults(faults)
		// Business goes on between deaths: labels bought (up to three an
		// order), labels voided after their note may have been written.
		for range 4 {
			if j := rng.IntN(len(orders)); perOrder[j] < 3 {
				buy(j)
				added++
			}
		}
		for range 2 {
			if l := labels[rng.IntN(len(labels))]; l.voided == 0 {
				if err := w.semu.VoidLabel(l.s.ShipmentID); err != nil {
					t.Fatal(err)
				}
				l.voided = 2
				voidedLater++
			}
		}
		// A random moment of the child's work: in a Xero call, between
		// the attempt's mark and the write, inside a SQLite commit. A
		// child starts in some 100 ms, in about a second under -race.
		delay := time.Duration(100+rng.IntN(900)) * time.Millisecond
		if raceEnabled() {
			delay = time.Duration(600+rng.IntN(1900)) * time.Millisecond
		}
		if kill != "" {
			// A backstop: the child should die at its event first.
			delay = 20 * time.Second
		}
		c := child
		c.Kill = kill
		res := runWriteBackChild(t, c, delay)
		results = append(results, res)
		how := "finished"
		switch {
		case res.byTimer:
			how = fmt.Sprintf("killed by the parent after %s", delay)
		case res.killed:
			how = "killed itself"
		}
		if res.killed {
			nKills++
			ev, _, _ := strings.Cut(kill, ":")
			if res.byTimer {
				ev = "timer"
			}
			plans[ev]++
		}
		t.Logf("child %2d plan=%-16q %s; last event %q; events %v", i, kill, how, res.last, res.events)
	}

	// A final run in the parent, without faults, finishes the job.
	w.xemu.SetFaults(emukit.FaultConfig{})
	w.semu.SetFaults(emukit.FaultConfig{})
	a, err := app.New(ctx, child.config(), app.Options{Logger: testLogger(t), NoSweep: true,
		XeroPacing: xero.Pacing{Off: true}, FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	defer a.Close()
	w.app = a
	var final worker.WriteBackSummary
	for attempt := 1; ; attempt++ {
		sum, err := a.WriteBackNow(ctx, w.acct, worker.WriteBackOptions{})
		if err == nil {
			final = sum
			break
		}
		var rl *worker.RetryLaterError
		if !errors.As(err, &rl) || attempt == 5 {
			t.Fatalf("final write-back: %v (%s)", err, sum)
		}
		time.Sleep(rl.After)
	}
	landed := map[string]int{}
	totals := map[string]int{}
	historyChecks, found := 0, 0
	for _, r := range results {
		historyChecks += r.historyChecks
		found += r.found
		for k, v := range r.events {
			totals[k] += v
		}
		if !r.killed {
			continue
		}
		where := "before any event"
		if f := strings.Fields(r.last); len(f) > 0 {
			where = "after " + f[0]
		}
		if r.byTimer {
			where = "timer, " + where
		}
		landed[where]++
	}
	t.Logf("%d kills over %d children (by plan: %v); %d labels bought and %d voided while they ran", nKills, len(results), plans, added, voidedLater)
	t.Logf("kills landed: %v", landed)
	t.Logf("events seen by the children: %v; their runs read %d invoice Histories after a death and found %d actions done", totals, historyChecks, found)
	t.Logf("final run: %s; %d history checks, %d found done", final, final.HistoryChecks, final.Found)
	if nKills < kills {
		t.Errorf("only %d kills, want %d", nKills, kills)
	}
	if historyChecks+final.HistoryChecks == 0 {
		t.Errorf("no run read a History after a death: the kills never left a write unrecorded")
	}
	for _, p := range []string{wbEvBeforeWrite, wbEvNoteAccepted, wbEvCommitted, wbEvLineAccepted} {
		if plans[p] == 0 {
			t.Errorf("no child died at %s", p)
		}
	}
	checkWrittenOnce(t, w, invs, labels, paid)
	// And a further run writes nothing at all.
	if s := w.writeBack(); s.Notes+s.Lines+s.LinesRemoved != 0 {
		t.Errorf("a run after everything was written wrote again: %s", s)
	}
}

func countVoided(labels []*wbLabel) int {
	n := 0
	for _, l := range labels {
		if l.voided != 0 {
			n++
		}
	}
	return n
}

// checkWrittenOnce is the kill test's verdict, from the Xero emulator's
// notes and lines and the store's records.
func checkWrittenOnce(t *testing.T, w *world, invs []xeroemu.Invoice, labels []*wbLabel, paid map[int]bool) {
	t.Helper()
	shipped := map[string]int{} // tracking number -> shipped notes naming it
	voids := map[string]int{}   // tracking number -> void notes naming it
	lines := map[string]int{}   // tracking number -> cost lines naming it
	for _, inv := range invs {
		for _, n := range w.notes(inv) {
			into := shipped
			if strings.Contains(n, "voided") {
				into = voids
			}
			for tok, k := range tokens(n) {
				into[tok] += k
			}
		}
		for _, li := range w.xeroInvoice(inv).LineItems {
			if li.ItemCode == "SHIPPING" {
				for tok, k := range tokens(li.Description) {
					lines[tok] += k
				}
			}
		}
	}
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, l := range labels {
		tn := l.s.TrackingNumber
		id := string(bridge.EventLabel) + ":" + strconv.FormatInt(l.s.ShipmentID, 10)
		what := fmt.Sprintf("%s (%s, voided %d, invoice %s, paid %v)", id, tn, l.voided, invs[l.inv].InvoiceNumber, paid[l.inv])
		acts, err := w.app.Store.ShipmentActions(w.ctx, w.acct, id)
		if err != nil {
			t.Fatal(err)
		}
		has := func(k store.WriteBackKind) bool { return slices.Contains(acts, k) }
		attempted, err := w.app.Store.ShipmentAttempted(w.ctx, w.acct, id)
		if err != nil {
			t.Fatal(err)
		}
		if attempted {
			report("%s: an attempt is still marked, never recorded", what)
		}
		switch l.voided {
		case 0:
			if shipped[tn] != 1 || voids[tn] != 0 {
				report("%s: %d shipped notes, %d void notes; want 1, 0", what, shipped[tn], voids[tn])
			}
			wantLines := 1
			if paid[l.inv] {
				wantLines = 0
			}
			if lines[tn] != wantLines {
				report("%s: %d cost lines, want %d", what, lines[tn], wantLines)
			}
			if !has(store.WriteBackNote) || (!paid[l.inv] && !has(store.WriteBackLine)) {
				report("%s: recorded %v", what, acts)
			}
		default:
			// Voided before any run: one "bought and voided" note. Voided
			// while children ran: its shipped note may have come first.
			maxShipped := 0
			if l.voided == 2 {
				maxShipped = 1
			}
			if voids[tn] != 1 || shipped[tn] > maxShipped {
				report("%s: %d void notes, %d shipped notes; want 1, at most %d", what, voids[tn], shipped[tn], maxShipped)
			}
			if lines[tn] != 0 {
				report("%s: %d cost lines left, want 0", what, lines[tn])
			}
			if !has(store.WriteBackVoidNote) || (has(store.WriteBackLine) && !has(store.WriteBackLineRemoved)) {
				report("%s: recorded %v", what, acts)
			}
		}
	}
	if len(problems) > 0 {
		t.Errorf("%d problems after the kills, e.g.:\n%s", len(problems), strings.Join(problems[:min(len(problems), 30)], "\n"))
	}
}

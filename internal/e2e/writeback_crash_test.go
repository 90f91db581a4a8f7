package e2e_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// Crash and retry safety of the write-back. Runs are interrupted, in
// process, at the points where a crash could double a write: an error
// before an event's writes (BeforeWrite), and, the hard case, Xero's
// answer to a note or a line edit lost after Xero applied it, with the run
// cancelled at that moment as if the process died before recording it.
// The emulators meanwhile answer a share of calls with 500, 503 and 429.
// Every run is retried until one completes; afterwards each shipment has
// exactly one note (two for a label voided after its note), and each live
// label's cost line is on its unpaid invoice exactly once.

// lossyTransport performs requests, but for a share of Xero writes
// (history notes, invoice updates) that succeeded it loses the answer and
// cancels the run: the write happened, the worker never learns it.
type lossyTransport struct {
	base http.RoundTripper

	mu     sync.Mutex
	rng    *rand.Rand
	rate   float64
	cancel context.CancelFunc
	lost   int
}

func (l *lossyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	l.mu.Lock()
	limited := l.rate > 0 && l.rng.Float64() < l.rate/5
	l.mu.Unlock()
	if limited {
		// A 429 as each vendor sends it, made here rather than by the
		// emulators so that the run sees rate limits without waiting out
		// a real minute.
		h := http.Header{"Retry-After": {"0"}, "X-Rate-Limit-Problem": {"minute"}, "X-Rate-Limit-Limit": {"40"},
			"X-Rate-Limit-Remaining": {"0"}, "X-Rate-Limit-Reset": {"0"}}
		return &http.Response{StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests", Header: h,
			Body: io.NopCloser(strings.NewReader("")), Request: req, ProtoMajor: 1, ProtoMinor: 1}, nil
	}
	resp, err := l.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || !isXeroWrite(req) {
		return resp, err
	}
	l.mu.Lock()
	lose := l.rate > 0 && l.rng.Float64() < l.rate
	cancel := l.cancel
	if lose {
		l.lost++
	}
	l.mu.Unlock()
	if !lose {
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if cancel != nil {
		cancel()
	}
	return nil, errors.New("lossy transport: connection lost after the write")
}

func (l *lossyTransport) setCancel(c context.CancelFunc) {
	l.mu.Lock()
	l.cancel = c
	l.mu.Unlock()
}

func isXeroWrite(req *http.Request) bool {
	return (req.Method == http.MethodPut || req.Method == http.MethodPost) && strings.Contains(req.URL.Path, "/Invoices/")
}

// writeBackWorld is newWorld with a chosen HTTP client, usable from a
// benchmark too (its t is nil there: use the tb-taking helpers below).
func writeBackWorld(tb testing.TB, hc *http.Client) *world {
	tb.Helper()
	ctx := tb.Context()
	xemu := xeroemutest.NewServer(tb, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	semu := shipstationemutest.NewServer(tb, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	cfg := emuConfig(tb, xemu, semu)
	logger := testLoggerTB(tb)
	a, err := app.New(ctx, cfg, app.Options{Logger: logger, NoSweep: true, HTTPClient: hc, FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		tb.Fatalf("app.New: %v", err)
	}
	tb.Cleanup(func() { _ = a.Close() })
	acct, tenant := connectAcme(tb, a, xemu, semu)
	s := store.DefaultSettings()
	s.SyncEnabled, s.WriteBackEnabled = true, true
	s.ShippingLine = store.ShippingLineSettings{Enabled: true, ItemCode: "SHIPPING", AccountCode: "200", TaxType: "OUTPUT2"}
	if err := a.Store.SaveSettings(ctx, acct.ID, s); err != nil {
		tb.Fatal(err)
	}
	w := &world{ctx: ctx, xemu: xemu, semu: semu, app: a, acct: acct.ID, tenant: tenant}
	if t, ok := tb.(*testing.T); ok {
		w.t = t
	}
	return w
}

// testLoggerTB writes the app's errors to a test's or benchmark's log.
func testLoggerTB(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tlogWriter{tb}, &slog.HandlerOptions{Level: slog.LevelError}))
}

// seedShippedOrders seeds n tagged invoices, exports them and returns
// their ShipStation orders, by invoice.
func seedShippedOrders(tb testing.TB, w *world, n int) ([]xeroemu.Invoice, []shipstationemu.Order) {
	tb.Helper()
	c, err := w.xemu.SeedContact(w.tenant, xeroemu.Contact{
		Name: "Bulk Buyer Ltd", FirstName: "Bo", LastName: "Buyer",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 1", City: "Wellington", PostalCode: "6140", Country: "NZ"},
			{AddressType: "STREET", AddressLine1: "1 Dock Road", City: "Hamilton", PostalCode: "3204", Country: "NZ"},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tracking := []xeroemu.LineItemTracking{{Name: "Sales Channel", Option: "ShipStation"}}
	invs := make([]xeroemu.Invoice, n)
	for i := range invs {
		invs[i], err = w.xemu.SeedInvoice(w.tenant, xeroemu.Invoice{
			Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: c.ContactID}, Date: time.Now().UTC(), CurrencyCode: "NZD",
			LineItems: []xeroemu.LineItem{{ItemCode: "TENT-2P", Description: "Two-person tent", Quantity: 1, UnitAmount: 150, AccountCode: "200", TaxType: "OUTPUT2", Tracking: tracking}},
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	sum, err := w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{})
	if err != nil || sum.Exported != n {
		tb.Fatalf("export: %v (%s)", err, sum)
	}
	orders := make([]shipstationemu.Order, n)
	for i, inv := range invs {
		o, ok := w.semu.OrderByKey(w.key(inv))
		if !ok {
			tb.Fatalf("no order for %s", inv.InvoiceNumber)
		}
		orders[i] = o
	}
	return invs, orders
}

func buyLabel(tb testing.TB, w *world, o shipstationemu.Order, carrier, service string) shipstationemu.Shipment {
	tb.Helper()
	s, err := w.semu.CreateLabel(o.OrderID, shipstationemu.LabelRequest{CarrierCode: carrier, ServiceCode: service,
		Weight: &shipstationemu.Weight{Value: 1, Units: "pounds"}})
	if err != nil {
		tb.Fatalf("create label: %v", err)
	}
	return s
}

// tokens splits text into its alphanumeric runs, so that a tracking
// number is found whole.
func tokens(s string) map[string]int {
	out := map[string]int{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) {
		out[f]++
	}
	return out
}

// retryUntilClean runs the write-back until a run completes, crashing
// runs at random points; it returns how many runs it took.
func retryUntilClean(t *testing.T, w *world, lossy *lossyTransport, rng *rand.Rand) (runs int, sum worker.WriteBackSummary) {
	t.Helper()
	errCrash := errors.New("crash before the write")
	for runs = 1; runs <= 500; runs++ {
		ctx, cancel := context.WithCancel(w.ctx)
		lossy.setCancel(cancel)
		s, err := w.app.WriteBackNow(ctx, w.acct, worker.WriteBackOptions{BeforeWrite: func(worker.WriteBackResult) error {
			if rng.Float64() < 0.01 {
				return errCrash
			}
			return nil
		}})
		cancel()
		sum.XeroCalls += s.XeroCalls
		sum.ShipStationCalls += s.ShipStationCalls
		sum.HistoryChecks += s.HistoryChecks
		sum.Found += s.Found
		if err == nil {
			return runs, sum
		}
		var rl *worker.RetryLaterError
		if !errors.Is(err, errCrash) && !errors.As(err, &rl) && !errors.Is(err, context.Canceled) {
			t.Fatalf("run %d: unexpected error %v", runs, err)
		}
	}
	t.Fatalf("no clean run in %d tries", runs)
	return runs, sum
}

func TestWriteBackCrashSafety(t *testing.T) {
	t.Parallel()
	// ORDERBRIDGE_WRITEBACK_CRASH_INVOICES=1500 makes it thousands of
	// labels (a few minutes); the default keeps the package fast.
	invoices := 60
	if testing.Short() {
		invoices = 30
	}
	if n, err := strconv.Atoi(os.Getenv("ORDERBRIDGE_WRITEBACK_CRASH_INVOICES")); err == nil && n > 0 {
		invoices = n
	}
	lossy := &lossyTransport{base: http.DefaultTransport, rng: rand.New(rand.NewPCG(7, 11))}
	w := writeBackWorld(t, &http.Client{Transport: lossy})
	invs, orders := seedShippedOrders(t, w, invoices)
	rng := rand.New(rand.NewPCG(1, 2))

	// Each order gets one to three labels; every fifth invoice is paid
	// (note only); a sixth of the labels are voided before any run.
	type label struct {
		s       shipstationemu.Shipment
		inv     int
		voided  int // 0 live, 1 before the first note, 2 after it
		carrier string
	}
	var labels []*label
	carriers := [][2]string{{"ups_walleted", "ups_ground"}, {"fedex", "fedex_ground"}, {"stamps_com", "usps_priority_mail"}}
	for i, o := range orders {
		if i%5 == 0 {
			w.edit(invs[i], func(inv *xeroemu.Invoice) { inv.Status = "PAID" })
		}
		for range 1 + rng.IntN(3) {
			c := carriers[rng.IntN(len(carriers))]
			labels = append(labels, &label{s: buyLabel(t, w, o, c[0], c[1]), inv: i, carrier: c[0]})
		}
	}
	for _, l := range labels {
		if rng.IntN(6) == 0 {
			if err := w.semu.VoidLabel(l.s.ShipmentID); err != nil {
				t.Fatal(err)
			}
			l.voided = 1
		}
	}

	faults := emukit.FaultConfig{ErrorRate: 0.01, ErrorStatuses: []int{500, 503}, Seed: 5}
	w.xemu.SetFaults(faults)
	w.semu.SetFaults(faults)
	lossy.mu.Lock()
	lossy.rate = 0.03
	lossy.mu.Unlock()
	runs1, sum1 := retryUntilClean(t, w, lossy, rng)

	// Phase two: void a fifth of the live labels after their notes (and
	// lines) were written.
	w.xemu.SetFaults(emukit.FaultConfig{})
	w.semu.SetFaults(emukit.FaultConfig{})
	for _, l := range labels {
		if l.voided == 0 && rng.IntN(5) == 0 {
			if err := w.semu.VoidLabel(l.s.ShipmentID); err != nil {
				t.Fatal(err)
			}
			l.voided = 2
		}
	}
	w.xemu.SetFaults(faults)
	w.semu.SetFaults(faults)
	runs2, sum2 := retryUntilClean(t, w, lossy, rng)
	w.xemu.SetFaults(emukit.FaultConfig{})
	w.semu.SetFaults(emukit.FaultConfig{})
	lossy.mu.Lock()
	lost := lossy.lost
	lossy.rate = 0
	lossy.mu.Unlock()
	t.Logf("%d labels on %d invoices: %d + %d runs, %d answers lost, %d history checks, %d actions found already done",
		len(labels), invoices, runs1, runs2, lost, sum1.HistoryChecks+sum2.HistoryChecks, sum1.Found+sum2.Found)
	if lost == 0 || sum1.HistoryChecks+sum2.HistoryChecks == 0 {
		t.Errorf("the test crashed nothing between a write and its record (lost %d, history checks %d)", lost,
			sum1.HistoryChecks+sum2.HistoryChecks)
	}

	// Exactly once: count each tracking number in each invoice's notes
	// and lines.
	noteCount := map[string]int{}
	lineCount := map[string]int{}
	for _, inv := range invs {
		for _, n := range w.notes(inv) {
			for tok, k := range tokens(n) {
				noteCount[tok] += k
			}
		}
		got := w.xeroInvoice(inv)
		for _, li := range got.LineItems {
			if li.ItemCode == "SHIPPING" {
				for tok, k := range tokens(li.Description) {
					lineCount[tok] += k
				}
			}
		}
	}
	bad := 0
	for _, l := range labels {
		tn := l.s.TrackingNumber
		wantNotes, wantLines := 1, 0
		switch l.voided {
		case 0:
			if l.inv%5 != 0 {
				wantLines = 1
			}
		case 2:
			wantNotes = 2
		}
		if noteCount[tn] != wantNotes || lineCount[tn] != wantLines {
			bad++
			if bad <= 10 {
				t.Errorf("label %d (%s, voided %d, invoice %d): %d notes, %d lines; want %d, %d",
					l.s.ShipmentID, tn, l.voided, l.inv, noteCount[tn], lineCount[tn], wantNotes, wantLines)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d labels not written exactly once", bad, len(labels))
	}
	// And a further run writes nothing at all.
	if s := w.writeBack(); s.Notes+s.Lines+s.LinesRemoved != 0 {
		t.Errorf("a run after everything was written wrote again: %s", s)
	}
}

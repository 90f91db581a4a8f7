package worker_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// engineBundle is the engine against both emulators over HTTP and a real
// SQLite store, with one connected account, and no River: the tests call
// the Exporter and the WriteBacker as the workers do.
type engineBundle struct {
	t      *testing.T
	ctx    context.Context
	xemu   *xeroemu.Emulator
	semu   *shipstationemu.Emulator
	st     *store.Store
	eng    *worker.Engine
	acct   int64
	tenant string
	// limiter is the engine's shared rate budget (engineOptions.sharedLimits).
	limiter *store.RateLimiter
}

type engineOptions struct {
	pageSize int // Xero invoices per page (0: 1000)
	// semuRate is the ShipStation emulator's rate limit (zero: off).
	semuRate emukit.RateLimit
	// xeroTransport, when set, carries the engine's Xero calls.
	xeroTransport http.RoundTripper
	// hookBase is the base URL ShipStation's webhooks post to.
	hookBase string
	// xemu, when set, are the Xero emulator's options (default: limits
	// off); now, when set, is the clock of the Xero emulator, the Xero app
	// and the engine.
	xemu *xeroemu.Options
	now  func() time.Time
	// open opens the store (nil: storetest.OpenSQLite).
	open storetest.Opener
	// sweepAppCalls is the engine's XeroAppSweepCalls (0: its default).
	sweepAppCalls int
	// jobSlice is the engine's JobSlice (0: the default).
	jobSlice time.Duration
	// logger, when set, is the engine's (default: warnings to the test log).
	logger *slog.Logger
	// sharedLimits gives the engine worker.SharedLimits (PostgreSQL only)
	// as its Limiter, kept in engineBundle.limiter.
	sharedLimits bool
}

// testLogger writes the engine's warnings to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tlogWriter struct{ tb testing.TB }

func (w tlogWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }() // lines after the test ended
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func setupEngine(t *testing.T, o engineOptions) *engineBundle {
	t.Helper()
	ctx := t.Context()
	xopts := xeroemu.Options{RateLimit: emukit.NoRateLimit}
	if o.xemu != nil {
		xopts = *o.xemu
	}
	xopts.Now = o.now
	xemu := xeroemutest.NewServer(t, xopts)
	rate := o.semuRate
	if rate == (emukit.RateLimit{}) {
		rate = emukit.NoRateLimit
	}
	semu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: rate})
	open := o.open
	if open == nil {
		open = storetest.OpenSQLite
	}
	st := storetest.Migrated(t, open)
	xhttp := testHTTP
	if o.xeroTransport != nil {
		xhttp = &http.Client{Transport: o.xeroTransport}
	}
	xapp, err := xero.New(xero.Config{
		ClientID: xemu.ClientID(), ClientSecret: xemu.ClientSecret(), RedirectURL: "http://127.0.0.1:1/connect/xero/callback",
		Scopes: xero.GranularScopes(), BaseURL: xemu.URL(), HTTPClient: xhttp, Pacing: xero.Pacing{Off: true}, Now: o.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok := authorize(t, xapp)
	conns, err := xapp.Client(xero.StaticTokens{Tok: tok}).Connections(ctx, "")
	if err != nil || len(conns) == 0 {
		t.Fatalf("connections: %v, %v", conns, err)
	}
	tenant := conns[0].TenantID
	acct, err := st.CreateAccount(ctx, "Acme Outdoor Ltd")
	if err != nil {
		t.Fatal(err)
	}
	// As connecting does: the organisation's zone and short code too,
	// when Xero answers (a test's transport may refuse every call; the
	// first run then reads them).
	meta := store.ConnectionMetadata{TenantID: tenant, TenantName: conns[0].TenantName}
	if err := worker.ReadOrganisation(ctx, xapp.Client(xero.StaticTokens{Tok: tok}), tenant, &meta); err != nil {
		t.Logf("connect: %v", err)
	}
	if err := st.SaveXeroConnection(ctx, acct.ID, meta, tok); err != nil {
		t.Fatal(err)
	}
	creds := store.ShipStationCredentials{APIKey: semu.APIKey(), APISecret: semu.APISecret()}
	if err := st.SaveShipStationConnection(ctx, acct.ID, store.ConnectionMetadata{StoreID: semu.DefaultStoreID()}, creds); err != nil {
		t.Fatal(err)
	}
	if _, err := xemu.SeedTrackingCategory(tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		t.Fatal(err)
	}
	s := store.DefaultSettings()
	s.SyncEnabled = true
	if err := st.SaveSettings(ctx, acct.ID, s); err != nil {
		t.Fatal(err)
	}
	logger := o.logger
	if logger == nil {
		logger = testLogger(t)
	}
	var limiter *store.RateLimiter
	if o.sharedLimits {
		if limiter, err = worker.SharedLimits(st, time.Minute, 0); err != nil || limiter == nil {
			t.Fatalf("shared limits: %v, %v", limiter, err)
		}
	}
	eng, err := worker.New(worker.Options{
		Store: st, Xero: xapp, ShipStationBaseURL: semu.URL(), HTTPClient: testHTTP, Logger: logger,
		PageSize: o.pageSize, WebhookBaseURL: o.hookBase, Now: o.now, JobSlice: o.jobSlice,
		XeroAppSweepCalls: o.sweepAppCalls, Limiter: limiter,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &engineBundle{t: t, ctx: ctx, xemu: xemu, semu: semu, st: st, eng: eng, acct: acct.ID, tenant: tenant, limiter: limiter}
}

// authorize runs the authorization-code flow against the emulator, which
// consents at once, and returns the tokens.
func authorize(t *testing.T, app *xero.App) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	noFollow := &http.Client{Transport: testHTTP.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(app.AuthCodeURL("state-xyz", verifier))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok, err := app.Exchange(t.Context(), loc.Query().Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// contact seeds a customer with a street (ship-to) address.
func (b *engineBundle) contact(name string) xeroemu.Contact {
	b.t.Helper()
	c, err := b.xemu.SeedContact(b.tenant, xeroemu.Contact{
		Name: name, FirstName: "Jane", LastName: "Receiver", EmailAddress: "jane@example.com",
		Addresses: []xeroemu.Address{
			{AddressType: "STREET", AddressLine1: "12 Dock Road", City: "Hamilton", Region: "Waikato", PostalCode: "3204", Country: "NZ"},
		},
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

// invoice seeds a sales invoice for c in status; tagged puts the
// "ShipStation" tracking option on its first line.
func (b *engineBundle) invoice(c xeroemu.Contact, status string, tagged bool) xeroemu.Invoice {
	b.t.Helper()
	option := "Retail"
	if tagged {
		option = "ShipStation"
	}
	inv, err := b.xemu.SeedInvoice(b.tenant, xeroemu.Invoice{
		Status: status, Contact: xeroemu.Contact{ContactID: c.ContactID}, Date: time.Now().UTC(),
		Reference: "PO-77", CurrencyCode: "NZD",
		LineItems: []xeroemu.LineItem{
			{ItemCode: "TENT-2P", Description: "Two-person tent", Quantity: 2, UnitAmount: 150, AccountCode: "200", TaxType: "OUTPUT2",
				Tracking: []xeroemu.LineItemTracking{{Name: "Sales Channel", Option: option}}},
		},
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return inv
}

// export runs one export and fails the test on an error.
func (b *engineBundle) export() worker.Summary {
	b.t.Helper()
	sum, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{})
	if err != nil {
		b.t.Fatalf("export: %v (%s)", err, sum)
	}
	return sum
}

func (b *engineBundle) key(inv xeroemu.Invoice) string {
	return bridge.OrderKey(b.tenant, inv.InvoiceID)
}

// orders counts ShipStation's orders (deleted ones included) with the
// invoice's key: more than one means an order was doubled.
func (b *engineBundle) orders(inv xeroemu.Invoice) int {
	n := 0
	for _, o := range b.semu.Orders() {
		if strings.EqualFold(o.OrderKey, b.key(inv)) {
			n++
		}
	}
	return n
}

func (b *engineBundle) order(inv xeroemu.Invoice) shipstationemu.Order {
	b.t.Helper()
	o, ok := b.semu.OrderByKey(b.key(inv))
	if !ok {
		b.t.Fatalf("no order for %s", inv.InvoiceNumber)
	}
	return o
}

// link returns the invoice's link, and whether there is one.
func (b *engineBundle) link(inv xeroemu.Invoice) (store.InvoiceLink, bool) {
	b.t.Helper()
	l, err := b.st.InvoiceLink(b.ctx, b.acct, inv.InvoiceID)
	if err != nil {
		return l, false
	}
	return l, true
}

// logFor returns the invoice's log lines of one direction, newest first.
func (b *engineBundle) logFor(inv xeroemu.Invoice, dir store.Direction) []store.LogEntry {
	b.t.Helper()
	p, err := b.st.ListLog(b.ctx, b.acct, store.LogQuery{InvoiceNumber: inv.InvoiceNumber, PageSize: 100})
	if err != nil {
		b.t.Fatal(err)
	}
	var out []store.LogEntry
	for _, e := range p.Entries {
		if e.Direction == dir {
			out = append(out, e)
		}
	}
	return out
}

// cursor returns the account's cursor name (zero when none).
func (b *engineBundle) cursor(name string) time.Time {
	b.t.Helper()
	c, _, err := b.st.Cursor(b.ctx, b.acct, name)
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

// startRiver starts a River client (test-only, fast polling, maxWorkers
// job slots) on the bundle's store with every job kind the engine
// registers, its sweeps every sweepEvery, and stops it when the test ends.
func (b *engineBundle) startRiver(t *testing.T, sweepEvery time.Duration, maxWorkers int) *river.Client[*store.Tx] {
	t.Helper()
	workers := river.NewWorkers()
	if _, err := b.eng.Register(workers, sweepEvery); err != nil {
		t.Fatal(err)
	}
	client, err := b.st.NewRiverClient(&river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 20 * time.Millisecond,
		TestOnly:          true,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(b.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})
	return client
}

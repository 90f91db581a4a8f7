package e2e_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// world is the whole app against both emulators over HTTP, with one
// connected account.
type world struct {
	t      *testing.T
	ctx    context.Context
	xemu   *xeroemu.Emulator
	semu   *shipstationemu.Emulator
	app    *app.App
	acct   int64
	tenant string
}

type worldOptions struct {
	store   *store.Store // nil: SQLite in a temp dir
	sweep   bool         // keep the periodic sweep
	noSetup bool         // do not save settings with sync on
	page    int          // Xero page size (0: 1000)
}

// testLogger writes the app's log to the test log at Warn.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// tlogWriter writes log lines to a test's or benchmark's log.
type tlogWriter struct{ tb testing.TB }

func (w tlogWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }() // lines after the test ended
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// emuConfig is the app's configuration against the two emulators, on a
// fresh data directory, with a new secret key.
func emuConfig(tb testing.TB, xemu *xeroemu.Emulator, semu *shipstationemu.Emulator) config.Config {
	tb.Helper()
	cfg := config.Default()
	cfg.DataDir = tb.TempDir()
	cfg.XeroClientID, cfg.XeroClientSecret = xemu.ClientID(), xemu.ClientSecret()
	cfg.XeroBaseURL = xemu.URL()
	cfg.XeroRedirectURL = "http://127.0.0.1:1/connect/xero/callback"
	cfg.ShipStationBaseURL = semu.URL()
	_, key, err := seal.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	cfg.SecretKey = key
	return cfg
}

// connectAcme makes the account "Acme Outdoor Ltd", connected to the Xero
// emulator's first organisation (with the "ShipStation" tracking option)
// and to the ShipStation emulator's first store, and returns it and the
// organisation's tenant id.
func connectAcme(tb testing.TB, a *app.App, xemu *xeroemu.Emulator, semu *shipstationemu.Emulator) (store.Account, string) {
	tb.Helper()
	ctx := tb.Context()
	acct, err := a.Store.CreateAccount(ctx, "Acme Outdoor Ltd")
	if err != nil {
		tb.Fatal(err)
	}
	tenant, err := a.ConnectXeroAutoConsent(ctx, acct.ID, "")
	if err != nil {
		tb.Fatalf("connect xero: %v", err)
	}
	if _, err := a.ConnectShipStation(ctx, acct.ID, semu.APIKey(), semu.APISecret(), 0); err != nil {
		tb.Fatalf("connect shipstation: %v", err)
	}
	if _, err := xemu.SeedTrackingCategory(tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		tb.Fatal(err)
	}
	return acct, tenant
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	ctx := t.Context()
	xemu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	semu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	cfg := emuConfig(t, xemu, semu)
	cfg.SweepEvery = time.Second
	a, err := app.New(ctx, cfg, app.Options{
		Logger: testLogger(t), Store: o.store, Migrate: true, NoSweep: !o.sweep,
		FetchPollInterval: 100 * time.Millisecond, PageSize: o.page,
	})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	acct, tenant := connectAcme(t, a, xemu, semu)
	w := &world{t: t, ctx: ctx, xemu: xemu, semu: semu, app: a, acct: acct.ID, tenant: tenant}
	if !o.noSetup {
		s := store.DefaultSettings()
		s.SyncEnabled = true
		s.SyncInterval = time.Second
		if err := a.Store.SaveSettings(ctx, acct.ID, s); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// contact seeds a customer with a postal (bill-to) and a street (ship-to)
// address.
func (w *world) contact(name string) xeroemu.Contact {
	w.t.Helper()
	c, err := w.xemu.SeedContact(w.tenant, xeroemu.Contact{
		Name: name, FirstName: "Jane", LastName: "Receiver", EmailAddress: "jane@example.com",
		Addresses: []xeroemu.Address{
			{AddressType: "POBOX", AddressLine1: "PO Box 1234", City: "Wellington", PostalCode: "6140", Country: "New Zealand", AttentionTo: "Accounts Payable"},
			{AddressType: "STREET", AddressLine1: "Goods Inwards", AddressLine2: "12 Dock Road", City: "Hamilton", Region: "Waikato", PostalCode: "3204", Country: "NZ"},
		},
		Phones: []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "7", PhoneNumber: "555 0101"}},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// invoice seeds an AUTHORISED sales invoice for c; tagged puts the
// "ShipStation" tracking option on its first line.
func (w *world) invoice(c xeroemu.Contact, tagged bool) xeroemu.Invoice {
	w.t.Helper()
	var tracking []xeroemu.LineItemTracking
	if tagged {
		tracking = []xeroemu.LineItemTracking{{Name: "Sales Channel", Option: "ShipStation"}}
	} else {
		tracking = []xeroemu.LineItemTracking{{Name: "Sales Channel", Option: "Retail"}}
	}
	inv, err := w.xemu.SeedInvoice(w.tenant, xeroemu.Invoice{
		Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: c.ContactID}, Date: time.Now().UTC(),
		Reference: "PO-77", CurrencyCode: "NZD",
		LineItems: []xeroemu.LineItem{
			{ItemCode: "TENT-2P", Description: "Two-person tent", Quantity: 2, UnitAmount: 150, AccountCode: "200", TaxType: "OUTPUT2", Tracking: tracking},
			{ItemCode: "PEG-10", Description: "Tent pegs (10)", Quantity: 1, UnitAmount: 12.5, AccountCode: "200", TaxType: "OUTPUT2"},
		},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return inv
}

// export runs one export now and fails the test on an error.
func (w *world) export() worker.Summary {
	w.t.Helper()
	sum, err := w.app.ExportNow(w.ctx, w.acct, worker.RunOptions{})
	if err != nil {
		w.t.Fatalf("export: %v (summary %s)", err, sum)
	}
	return sum
}

func (w *world) key(inv xeroemu.Invoice) string { return bridge.OrderKey(w.tenant, inv.InvoiceID) }

// order returns the ShipStation order of an invoice.
func (w *world) order(inv xeroemu.Invoice) (shipstationemu.Order, bool) {
	return w.semu.OrderByKey(w.key(inv))
}

// ordersFor counts ShipStation orders (deleted ones included) with the
// invoice's key.
func (w *world) ordersFor(inv xeroemu.Invoice) int {
	n := 0
	for _, o := range w.semu.Orders() {
		if strings.EqualFold(o.OrderKey, w.key(inv)) {
			n++
		}
	}
	return n
}

// logFor returns the invoice's log lines, newest first.
func (w *world) logFor(inv xeroemu.Invoice) []store.LogEntry {
	w.t.Helper()
	p, err := w.app.Store.ListLog(w.ctx, w.acct, store.LogQuery{InvoiceNumber: inv.InvoiceNumber, PageSize: 100})
	if err != nil {
		w.t.Fatal(err)
	}
	return p.Entries
}

func (w *world) link(inv xeroemu.Invoice) store.InvoiceLink {
	w.t.Helper()
	l, err := w.app.Store.InvoiceLink(w.ctx, w.acct, inv.InvoiceID)
	if err != nil {
		w.t.Fatalf("link of %s: %v", inv.InvoiceNumber, err)
	}
	return l
}

// edit changes an invoice as a user in Xero would.
func (w *world) edit(inv xeroemu.Invoice, fn func(*xeroemu.Invoice)) xeroemu.Invoice {
	w.t.Helper()
	got, err := w.xemu.UpdateInvoice(w.tenant, inv.InvoiceID, fn)
	if err != nil {
		w.t.Fatal(err)
	}
	return got
}

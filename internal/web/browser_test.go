package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/browsertest"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// emuWorker stands in for internal/worker in the browser test: a run reads
// the account's invoices from the Xero emulator, asks bridge.Decide, sends
// the orders to the ShipStation emulator and logs each decision, so the
// pages show what a real run leaves behind. It is deliberately small (one
// page, no cursor): the worker's own tests cover the real engine.
type emuWorker struct {
	st    *store.Store
	xero  *xero.App
	ssURL string

	mu   sync.Mutex
	runs map[int64]fakeRun
	wg   sync.WaitGroup
}

func (w *emuWorker) start(accountID int64) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.runs == nil {
		w.runs = map[int64]fakeRun{}
	}
	id := int64(len(w.runs) + 1)
	w.runs[id] = fakeRun{account: accountID, status: web.RunStatus{ID: id, State: web.RunRunning}}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// Like a River job, start only once the transaction that queued
		// the run has committed: on SQLite, taking the single writer waits
		// for it.
		_ = w.st.WithTx(ctx, func(*store.Tx) error { return nil })
		done, err := w.export(ctx, accountID)
		st := web.RunStatus{ID: id, State: web.RunSucceeded, Done: done, Total: done}
		if err != nil {
			st.State, st.Error = web.RunFailed, err.Error()
		}
		w.mu.Lock()
		w.runs[id] = fakeRun{account: accountID, status: st}
		w.mu.Unlock()
	}()
	return id
}

func (w *emuWorker) EnqueueExport(_ context.Context, _ *store.Tx, accountID int64) (int64, error) {
	return w.start(accountID), nil
}

func (w *emuWorker) EnqueueBackfill(_ context.Context, _ *store.Tx, accountID int64, _ time.Time) (int64, error) {
	return w.start(accountID), nil
}

func (w *emuWorker) EnqueueResync(_ context.Context, _ *store.Tx, accountID int64, _ string) (int64, error) {
	return w.start(accountID), nil
}

func (w *emuWorker) RunStatus(_ context.Context, accountID, runID int64) (web.RunStatus, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.runs[runID]
	if !ok || r.account != accountID {
		return web.RunStatus{}, web.ErrRunNotFound
	}
	return r.status, nil
}

func (w *emuWorker) client(ctx context.Context, accountID int64) (*xero.Client, string, error) {
	raw, err := w.st.XeroToken(ctx, accountID)
	if err != nil {
		return nil, "", err
	}
	var tok oauth2.Token
	if err := json.Unmarshal(raw, &tok); err != nil {
		return nil, "", err
	}
	c, err := w.st.Connection(ctx, accountID, store.KindXero)
	if err != nil {
		return nil, "", err
	}
	return w.xero.Client(xero.StaticTokens{Tok: &tok}), c.Metadata.TenantID, nil
}

// Preview implements web.InvoiceSource.
func (w *emuWorker) Preview(ctx context.Context, accountID int64, id string) (worker.InvoiceResult, error) {
	c, tenant, err := w.client(ctx, accountID)
	if err != nil {
		return worker.InvoiceResult{}, err
	}
	inv, err := c.Invoice(ctx, tenant, id)
	if err != nil {
		return worker.InvoiceResult{}, err
	}
	contact, err := c.Contact(ctx, tenant, inv.Contact.ContactID)
	if err != nil {
		contact = nil
	}
	return decideLikeTheWorker(ctx, w.st, accountID, *inv, contact)
}

func (w *emuWorker) export(ctx context.Context, accountID int64) (int, error) {
	c, tenant, err := w.client(ctx, accountID)
	if err != nil {
		return 0, err
	}
	set, err := w.st.Settings(ctx, accountID)
	if err != nil {
		return 0, err
	}
	raw, err := w.st.ConnectionSecret(ctx, accountID, store.KindShipStation)
	if err != nil {
		return 0, err
	}
	var sec struct {
		APIKey    string `json:"api_key"`
		APISecret string `json:"api_secret"`
	}
	if err := json.Unmarshal(raw, &sec); err != nil {
		return 0, err
	}
	ss, err := shipstation.New(shipstation.Config{BaseURL: w.ssURL, APIKey: sec.APIKey, APISecret: sec.APISecret})
	if err != nil {
		return 0, err
	}
	bs := worker.BridgeSettings(set, store.ConnectionMetadata{TenantID: tenant}, store.ConnectionMetadata{})
	page, err := c.Invoices(ctx, tenant, xero.InvoiceQuery{PageSize: 100, Where: `Type=="ACCREC"`})
	if err != nil {
		return 0, err
	}
	for _, inv := range page.Invoices {
		contact, err := c.Contact(ctx, tenant, inv.Contact.ContactID)
		if err != nil {
			contact = nil
		}
		dec := bridge.Decide(inv, contact, bs, nil)
		link := store.InvoiceLink{AccountID: accountID, InvoiceID: inv.InvoiceID, InvoiceNumber: inv.InvoiceNumber,
			OrderKey: bridge.OrderKey(tenant, inv.InvoiceID), Decision: store.DecisionSkipped, Reason: dec.Reason}
		entry := store.LogEntry{AccountID: accountID, Direction: store.XeroToShipStation, Outcome: store.OutcomeSkipped,
			InvoiceID: inv.InvoiceID, InvoiceNumber: inv.InvoiceNumber, Message: dec.Summary()}
		if dec.Kind == bridge.Export {
			res, err := ss.CreateOrders(ctx, []shipstation.Order{*dec.Order})
			if err == nil && len(res) == 1 {
				err = res[0].Err
			}
			if err != nil {
				return 0, fmt.Errorf("send order: %w", err)
			}
			link.Decision, link.OrderID, link.OrderStatus, link.ContentHash = store.DecisionExported, res[0].OrderID, "awaiting_shipment", dec.Hash
			entry.Outcome, entry.OrderNumber = store.OutcomeSuccess, inv.InvoiceNumber
		}
		if err := w.st.UpsertInvoiceLink(ctx, link); err != nil {
			return 0, err
		}
		if _, err := w.st.AppendLog(ctx, entry); err != nil {
			return 0, err
		}
	}
	return len(page.Invoices), nil
}

// TestBrowser drives Chromium through the whole first-use story: sign up,
// connect both services against the emulators, tick the task setting, Save
// and sync, see the order in the transaction log, open the invoice, and
// check that a second user sees none of it. Each page is saved as a
// screenshot under testdata/screenshots for review.
func TestBrowser(t *testing.T) {
	t.Parallel()
	browsertest.Require(t) // before the app starts: nothing to tear down on a skip
	xemu := newXeroEmu(t, xeroemu.Options{OrgNames: []string{"Kiwi Outdoor Ltd"}})
	semu := newShipStationEmu(t)
	tenant := xemu.DefaultTenantID()
	if _, err := xemu.SeedTrackingCategory(tenant, "Channel", "ShipStation", "Shop"); err != nil {
		t.Fatal(err)
	}
	contact, err := xemu.SeedContact(tenant, xeroemu.Contact{Name: "Aroha Trading", EmailAddress: "orders@aroha.example",
		Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "12 Queen Street", City: "Auckland", PostalCode: "1010", Country: "New Zealand"}}})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := xemu.SeedInvoice(tenant, xeroemu.Invoice{Type: "ACCREC", InvoiceNumber: "INV-4242", Status: "AUTHORISED",
		Contact: xeroemu.Contact{ContactID: contact.ContactID}, Date: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
		LineItems: []xeroemu.LineItem{{ItemCode: "TENT-2", Description: "Two-person tent", Quantity: 1, UnitAmount: 349,
			AccountCode: "200", Tracking: []xeroemu.LineItemTracking{{Name: "Channel", Option: "ShipStation"}}}}})
	if err != nil {
		t.Fatal(err)
	}

	e := newEnv(t, withShipStation(semu))
	app, err := xero.New(xero.Config{ClientID: xemu.ClientID(), ClientSecret: xemu.ClientSecret(),
		RedirectURL: e.srv.URL + "/connections/xero/callback", Scopes: xero.GranularScopes(),
		BaseURL: xemu.URL()})
	if err != nil {
		t.Fatal(err)
	}
	emu := &emuWorker{st: e.st, xero: app, ssURL: semu.URL()}
	t.Cleanup(emu.wg.Wait)
	e.rebuild(t, func(c *web.Config) {
		withShipStation(semu)(c)
		c.Xero, c.Jobs, c.Invoices = app, emu, emu
	})

	b := browsertest.Start(t, e.srv.URL+"/signup", browsertest.Options{
		ScreenshotDir: filepath.Join("testdata", "screenshots"), ScreenshotPrefix: "", StepTimeout: 20 * time.Second,
	})
	base := e.srv.URL
	step, read, shot := b.Step, b.Read, b.Shot
	signUp := func(company, email string) {
		t.Helper()
		step("sign up "+email,
			chromedp.Navigate(base+"/signup"),
			chromedp.SendKeys(chromedp.CSS("#company"), company),
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.SendKeys(chromedp.CSS("#password_confirm"), password),
			chromedp.Submit(chromedp.CSS("#password_confirm")),
			chromedp.WaitVisible(chromedp.CSS("#problems")),
		)
	}

	shot("01-signup")
	signUp("Kiwi Outdoor", "owner@kiwi.example")
	if got := read("h1"); got != "Dashboard" {
		t.Fatalf("after sign-up: h1 %q", got)
	}
	shot("02-dashboard-new")

	step("connect ShipStation",
		chromedp.Navigate(base+"/connections"),
		chromedp.SendKeys(chromedp.CSS("#api_key"), semu.APIKey()),
		chromedp.SendKeys(chromedp.CSS("#api_secret"), semu.APISecret()),
		chromedp.Submit(chromedp.CSS("#api_secret")),
		chromedp.WaitVisible(chromedp.CSS("#shipstation-store")),
	)
	if got := read("#shipstation-status"); got != "Connected" {
		t.Fatalf("ShipStation status %q", got)
	}
	step("connect Xero",
		chromedp.Click(chromedp.CSS("#connect-xero")),
		chromedp.WaitVisible(chromedp.CSS("#xero-org")),
	)
	if got := read("#xero-org"); got != "Kiwi Outdoor Ltd" {
		t.Fatalf("Xero organisation %q", got)
	}
	shot("03-connections")

	step("tick the task setting",
		chromedp.Navigate(base+"/configure"),
		chromedp.Click(chromedp.CSS("#sync_enabled")),
	)
	shot("04-configure")
	step("Save and sync",
		chromedp.Click(chromedp.CSS("#save-and-sync")),
		// app.js polls the run and reloads the page once it is over.
		chromedp.WaitVisible(chromedp.CSS(`#run[data-finished="true"]`)),
	)
	if got := read("#run-text"); got != "Finished: 1 invoice looked at." {
		t.Fatalf("run text %q", got)
	}
	shot("05-run")
	if len(semu.Orders()) != 1 {
		t.Fatalf("ShipStation has %d orders, want 1", len(semu.Orders()))
	}

	step("transaction log from the gear menu",
		chromedp.Navigate(base+"/dashboard"),
		chromedp.Click(chromedp.CSS("details.gear summary")),
		chromedp.Click(chromedp.Search(`//a[text()="Transaction log"]`)),
		chromedp.WaitVisible(chromedp.CSS("#log-table")),
	)
	if inv, outcome := read("#log-table tbody tr td:nth-child(3)"), read("#log-table tbody tr td:nth-child(5)"); inv != "INV-4242" || outcome != "success" {
		t.Fatalf("log row: invoice %q outcome %q", inv, outcome)
	}
	shot("06-log")

	step("invoice detail",
		chromedp.Click(chromedp.CSS("#log-table tbody tr td:nth-child(3) a")),
		chromedp.WaitVisible(chromedp.CSS("#preview-kind")),
	)
	if dec, preview := read("#invoice-decision"), read("#preview-kind"); dec != "In ShipStation, awaiting shipment" || preview != "ShipStation already has this order" {
		t.Fatalf("invoice: decision %q preview %q", dec, preview)
	}
	shot("07-invoice")

	step("dashboard after a run", chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("#count-in-shipstation")))
	if got := read("#count-in-shipstation"); got != "1" {
		t.Errorf("dashboard in-ShipStation count %q", got)
	}
	shot("08-dashboard")

	// A second user, in a fresh tab with its own cookies after signing
	// out, sees none of it.
	step("sign out", chromedp.Navigate(base+"/dashboard"), chromedp.Click(chromedp.CSS("details.gear summary")), chromedp.Click(chromedp.Search(`//button[text()="Sign out"]`)),
		chromedp.WaitVisible(chromedp.CSS("#email")))
	signUp("Someone Else", "other@else.example")
	step("second user's log", chromedp.Navigate(base+"/log"), chromedp.WaitVisible(chromedp.CSS("#log-total")))
	rows, err := chromedp.Run(b.Tab, chromedp.Evaluate[int](`document.querySelectorAll("#log-table tbody tr").length`))
	if err != nil {
		t.Fatal(err)
	}
	if got := read("#log-total"); got != "0" || rows != 0 {
		t.Errorf("second user's log: total %q, %d rows", got, rows)
	}
	shot("09-other-user-log")
	step("second user opens the first one's invoice", chromedp.Navigate(base+"/invoices/"+inv.InvoiceID))
	if got := read("h1"); got != "Not found" {
		t.Errorf("second user opening the first one's invoice: h1 %q", got)
	}
	// Pages on a phone (the second user's, so the log is empty but the
	// layout is the same).
	step("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(base+"/configure"),
		chromedp.WaitVisible(chromedp.CSS("#save-and-sync")))
	shot("10-phone-configure")
	step("phone menu", chromedp.Navigate(base+"/dashboard"), chromedp.Click(chromedp.CSS("details.gear summary")),
		chromedp.WaitVisible(chromedp.CSS(".gear-menu")))
	shot("11-phone-dashboard-menu")
	abs, _ := filepath.Abs(filepath.Join("testdata", "screenshots"))
	t.Logf("screenshots in %s", abs)
}

func newShipStationEmu(t *testing.T) *shipstationemu.Emulator {
	t.Helper()
	return newSSEmu(t, shipstationemu.Options{})
}

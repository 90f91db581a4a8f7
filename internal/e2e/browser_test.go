package e2e_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orderbridge/orderbridge/internal/testenv/browsertest"
)

// TestBrowserRealApp drives Chromium through the merchant's first use of
// the real product (River, the export engine, both emulators): sign up,
// connect ShipStation and Xero, tick "Sync orders from Xero", Save and
// sync and watch the run finish on its own page, find the order in the
// transaction log from the gear menu, open the invoice with its preview,
// and check that a second user sees none of it. Each page is saved under
// testdata/screenshots (ignored by git) for review.
func TestBrowserRealApp(t *testing.T) {
	t.Parallel()
	browsertest.Require(t) // before the app starts: nothing to tear down on a skip
	w := newWebWorld(t)
	tenant := w.xemu.DefaultTenantID()
	if _, err := w.xemu.SeedTrackingCategory(tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		t.Fatal(err)
	}
	ww := &world{t: t, xemu: w.xemu, tenant: tenant}
	inv := ww.invoice(ww.contact("Hiker Supplies"), true)

	b := browsertest.Start(t, w.url+"/signup", browsertest.Options{
		ScreenshotDir: filepath.Join("testdata", "screenshots"), ScreenshotPrefix: "app-", StepTimeout: 30 * time.Second,
	})
	base := w.url
	step, read, shot := b.Step, b.Read, b.Shot
	const password = "correct horse battery"
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

	signUp("Acme Outdoor", "owner@acme.example")
	shot("01-dashboard-new")
	step("connect ShipStation",
		chromedp.Navigate(base+"/connections"),
		chromedp.SendKeys(chromedp.CSS("#api_key"), w.semu.APIKey()),
		chromedp.SendKeys(chromedp.CSS("#api_secret"), w.semu.APISecret()),
		chromedp.Submit(chromedp.CSS("#api_secret")),
		chromedp.WaitVisible(chromedp.CSS("#shipstation-store")),
	)
	step("connect Xero",
		chromedp.Click(chromedp.CSS("#connect-xero")),
		chromedp.WaitVisible(chromedp.CSS("#xero-org")),
	)
	if got := read("#xero-org"); got != "Acme Outdoor Ltd" {
		t.Fatalf("Xero organisation %q", got)
	}
	shot("02-connections")

	step("tick the task setting", chromedp.Navigate(base+"/configure"), chromedp.Click(chromedp.CSS("#sync_enabled")))
	shot("03-configure")
	step("Save and sync",
		chromedp.Click(chromedp.CSS("#save-and-sync")),
		// app.js polls the run's status and marks the page when it is over.
		chromedp.WaitVisible(chromedp.CSS(`#run[data-finished="true"]`)),
	)
	if got := read("#run-text"); got != "Finished: 1 invoice looked at." {
		t.Fatalf("run text %q", got)
	}
	shot("04-run")
	if _, ok := w.semu.OrderByKey(ww.key(inv)); !ok {
		t.Fatal("no order in ShipStation after Save and sync")
	}

	step("transaction log from the gear menu",
		chromedp.Navigate(base+"/dashboard"),
		chromedp.Click(chromedp.CSS("details.gear summary")),
		chromedp.Click(chromedp.Search(`//a[text()="Transaction log"]`)),
		chromedp.WaitVisible(chromedp.CSS("#log-table")),
	)
	if got, outcome := read("#log-table tbody tr td:nth-child(3)"), read("#log-table tbody tr td:nth-child(5)"); got != inv.InvoiceNumber || outcome != "success" {
		t.Fatalf("log row: invoice %q outcome %q", got, outcome)
	}
	shot("05-log")
	step("invoice detail",
		chromedp.Click(chromedp.CSS("#log-table tbody tr td:nth-child(3) a")),
		chromedp.WaitVisible(chromedp.CSS("#preview-kind")),
	)
	if dec, preview := read("#invoice-decision"), read("#preview-kind"); dec != "In ShipStation, awaiting shipment" || preview != "ShipStation already has this order" {
		t.Fatalf("invoice: decision %q preview %q", dec, preview)
	}
	shot("06-invoice")
	step("dashboard after the run", chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("#last-run")))
	if got := read("#count-in-shipstation"); got != "1" {
		t.Errorf("dashboard in-ShipStation count %q", got)
	}
	shot("07-dashboard")

	step("sign out", chromedp.Click(chromedp.CSS("details.gear summary")), chromedp.Click(chromedp.Search(`//button[text()="Sign out"]`)),
		chromedp.WaitVisible(chromedp.CSS("#email")))
	signUp("Someone Else", "other@else.example")
	step("second user's log", chromedp.Navigate(base+"/log"), chromedp.WaitVisible(chromedp.CSS("#log-total")))
	if got := read("#log-total"); got != "0" {
		t.Errorf("second user's log has %s lines", got)
	}
	shot("08-other-user-log")
	step("second user opens the first one's invoice", chromedp.Navigate(base+"/invoices/"+inv.InvoiceID))
	if got := read("h1"); got != "Not found" {
		t.Errorf("second user opening the first one's invoice: h1 %q", got)
	}
	abs, _ := filepath.Abs(filepath.Join("testdata", "screenshots"))
	t.Logf("screenshots in %s", abs)
}

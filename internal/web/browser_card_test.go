package web_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/browsertest"
)

// pageProblems is run in the page: what a person at this width or with a
// screen reader would trip over. It lists a page wider than the screen
// (something off-screen), and controls, links, buttons and images without
// a name, or more or fewer than one h1.
const pageProblems = `(() => {
  const out = [];
  const de = document.documentElement;
  if (de.scrollWidth > window.innerWidth + 1) out.push("page is " + de.scrollWidth + "px wide in a " + window.innerWidth + "px window");
  for (const el of document.querySelectorAll("main *")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > window.innerWidth + 1 && !el.closest(".table-wrap") && getComputedStyle(el).visibility !== "hidden") {
      out.push("off-screen: <" + el.tagName.toLowerCase() + (el.id ? " id=" + el.id : "") + (el.className ? " class=" + el.className : "") + "> right edge " + Math.round(r.right));
      break;
    }
  }
  for (const c of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!c.labels || c.labels.length === 0) out.push("unlabelled control " + (c.name || c.id));
  }
  for (const a of document.querySelectorAll("a[href], button")) {
    if (!(a.textContent || "").trim() && !a.getAttribute("aria-label")) out.push("nameless " + a.tagName.toLowerCase() + " " + (a.getAttribute("href") || ""));
  }
  for (const s of document.querySelectorAll("svg[role=img], img")) {
    if (!s.getAttribute("alt") && !s.getAttribute("aria-label") && !s.getAttribute("aria-labelledby")) out.push("nameless image");
  }
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) out.push(h1 + " h1 elements");
  return out;
})()`

// TestBrowserOrderCardAndDashboard opens the invoice page (the order
// card) and the dashboard in Chromium at phone (375 px) and desktop (1280
// px) widths, checks that nothing is off-screen and that every control,
// link and image has a name (0 problems), marks an alert dealt with, and
// saves screenshots of each for review.
func TestBrowserOrderCardAndDashboard(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	oc := newOrderCardEnv(t, "shipped", "sent")
	e := oc.e
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: oc.acc, InvoiceID: "inv-f", InvoiceNumber: "INV-0041",
		Decision: store.DecisionFailed, Reason: "ShipStation refused the order: the SKU of line 2 is longer than 100 characters; shorten it in Xero."}); err != nil {
		t.Fatal(err)
	}
	// A fortnight of orders for the chart: some every day, a few failed.
	var entries []store.LogEntry
	for i := range 40 {
		o := store.OutcomeSuccess
		if i%9 == 4 {
			o = store.OutcomeFailed
		}
		entries = append(entries, store.LogEntry{AccountID: oc.acc, Direction: store.XeroToShipStation, Outcome: o, Message: "x",
			At: e.clock.Now().Add(-time.Duration(i*i%300) * time.Hour)})
	}
	if _, err := e.st.AppendLog(t.Context(), entries...); err != nil {
		t.Fatal(err)
	}

	b := browsertest.Start(t, e.srv.URL+"/signin", browsertest.Options{
		ScreenshotDir: filepath.Join("testdata", "screenshots"), ScreenshotPrefix: "card-", StepTimeout: 20 * time.Second,
	})
	b.Step("sign in",
		chromedp.SendKeys(chromedp.CSS("#email"), "ann@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#needs")),
	)
	check := func(what string) {
		t.Helper()
		problems, err := chromedp.Run(b.Tab, chromedp.Evaluate[[]string](pageProblems))
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != 0 {
			t.Errorf("%s: %d problems: %s", what, len(problems), strings.Join(problems, "; "))
		}
	}
	invoice := e.srv.URL + "/invoices/" + oc.src.inv.InvoiceID
	for _, w := range []int{1280, 375} {
		width := strconv.Itoa(w)
		b.Width(w)
		b.Step("order card at "+width, chromedp.Navigate(invoice), chromedp.WaitVisible(chromedp.CSS("#order-items")))
		if got := b.Read("#invoice-decision"); got != "Shipped" {
			t.Errorf("%s px: state %q", width, got)
		}
		if got := b.Read("#shipments .shipment-card .tracking a"); got != oc.labels[1].TrackingNumber {
			t.Errorf("%s px: first tracking link %q", width, got)
		}
		check("order card at " + width)
		b.Shot("invoice-" + width)

		b.Step("dashboard at "+width, chromedp.Navigate(e.srv.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("#chart-h")))
		check("dashboard at " + width)
		b.Shot("dashboard-" + width)

		b.Step("account at "+width, chromedp.Navigate(e.srv.URL+"/account"), chromedp.WaitVisible(chromedp.CSS("#team")))
		check("account at " + width)
		b.Shot("account-" + width)
		b.Step("invite at "+width, chromedp.SendKeys(chromedp.CSS("#invite-email"), "teammate"+width+"@example.com"),
			chromedp.Submit(chromedp.CSS("#invite-email")), chromedp.WaitVisible(chromedp.CSS("#invite-link")))
		check("invitation at " + width)
		b.Shot("account-invite-" + width)
	}

	// Dealt with, in the browser: the alert goes, the flash says so.
	b.Width(1280)
	b.Step("dealt with", chromedp.Navigate(e.srv.URL+"/dashboard"),
		chromedp.Click(chromedp.Search(`//li[contains(., "INV-0041")]//button[text()="Dealt with"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := b.Read("#needs"); strings.Contains(got, "INV-0041") {
		t.Errorf("after Dealt with, Needs you still shows it: %q", got)
	}
	b.Shot("dashboard-dealt-with-1280")
	abs, _ := filepath.Abs(filepath.Join("testdata", "screenshots"))
	t.Logf("screenshots in %s (card-*)", abs)
}

package web_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/browsertest"
)

// a11yCheck is the in-page half of the accessibility check: what a
// browser knows and the HTML alone does not (an element's computed
// visibility and accessible name). It returns one line per violation.
const a11yCheck = `(() => {
  const out = [];
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none"; };
  const name = el => (el.getAttribute("aria-label") || el.textContent || el.getAttribute("title") || "").trim();
  for (const a of document.querySelectorAll("a, button")) if (visible(a) && !name(a)) out.push("unnamed " + a.outerHTML.slice(0, 80));
  for (const c of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    const labelled = (c.id && document.querySelector('label[for="' + c.id + '"]')) || c.closest("label") || c.getAttribute("aria-label");
    if (!labelled) out.push("unlabelled " + (c.name || c.id));
  }
  const ids = {};
  for (const el of document.querySelectorAll("[id]")) { if (ids[el.id]) out.push("duplicate id " + el.id); ids[el.id] = true; }
  if (document.querySelectorAll("h1").length !== 1) out.push("h1 count " + document.querySelectorAll("h1").length);
  if (!document.documentElement.lang) out.push("no lang");
  for (const th of document.querySelectorAll("thead th")) if (!th.getAttribute("scope")) out.push("th without scope");
  return out;
})()`

// TestBrowserInvoices opens the invoices page in Chromium at desktop and
// phone width: rows on one line each at 1280 px (many to a screen), cards
// with nothing off-screen at 375 px, search and sort through the page's
// own controls, and no accessibility violation. Screenshots of both
// widths go to testdata/screenshots for review.
func TestBrowserInvoices(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	e := newEnv(t, nil)
	b := browsertest.Start(t, e.srv.URL+"/signup", browsertest.Options{
		ScreenshotDir: filepath.Join("testdata", "screenshots"), ScreenshotPrefix: "invoices-", StepTimeout: 20 * time.Second,
	})
	base := e.srv.URL
	b.Step("sign up",
		chromedp.SendKeys(chromedp.CSS("#company"), "Kiwi Outdoor"),
		chromedp.SendKeys(chromedp.CSS("#email"), "owner@kiwi.example"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.SendKeys(chromedp.CSS("#password_confirm"), password),
		chromedp.Submit(chromedp.CSS("#password_confirm")),
		chromedp.WaitVisible(chromedp.CSS("#problems")),
	)
	acc := e.mustAccount(t, "owner@kiwi.example")
	if err := e.st.SaveXeroConnection(t.Context(), acc, store.ConnectionMetadata{TenantID: "t-kiwi", TenantName: "Kiwi Outdoor Ltd",
		Timezone: "NEWZEALANDSTANDARDTIME"}, &oauth2.Token{RefreshToken: "r"}); err != nil {
		t.Fatal(err)
	}
	seedInvoices(t, e, acc, 60)
	if err := e.st.RecordInvoiceShipment(t.Context(), acc, "id-0058", "1Z999AA10123456784", false, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Minute)

	violations := func(page string) {
		t.Helper()
		got, err := chromedp.Run(b.Tab, chromedp.Evaluate[[]string](a11yCheck))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("%s: %d accessibility violations: %q", page, len(got), got)
		}
	}

	b.Width(1280)
	b.Step("invoices from the nav", chromedp.Navigate(base+"/dashboard"), chromedp.Click(chromedp.Search(`//nav//a[text()="Invoices"]`)),
		chromedp.WaitVisible(chromedp.CSS("#invoices-table")))
	if got := b.Read("#invoices-total"); got != "60" {
		t.Errorf("total %q", got)
	}
	// At 1280 px every row is one line: the tallest row is a line of text
	// and a reason under its state, at most.
	tallest, err := chromedp.Run(b.Tab, chromedp.Evaluate[float64](
		`Math.max(...[...document.querySelectorAll("#invoices-table tbody tr")].map(r => r.getBoundingClientRect().height))`))
	if err != nil {
		t.Fatal(err)
	}
	if tallest > 64 {
		t.Errorf("tallest row at 1280 px is %.0f px: a cell wraps", tallest)
	}
	rowsOnScreen, err := chromedp.Run(b.Tab, chromedp.Evaluate[int](
		`[...document.querySelectorAll("#invoices-table tbody tr")].filter(r => r.getBoundingClientRect().bottom <= innerHeight).length`))
	if err != nil {
		t.Fatal(err)
	}
	if rowsOnScreen < 12 {
		t.Errorf("%d rows fit the first screen at 1280 px", rowsOnScreen)
	}
	if got := b.Read("#invoices-table tbody tr:first-child td:nth-child(8) time"); got != "5 minutes ago" {
		t.Errorf("last change %q", got)
	}
	violations("invoices at 1280 px")
	b.Shot("1280")

	b.Step("search by part of a tracking number", chromedp.SendKeys(chromedp.CSS("#q"), "aa1012"),
		chromedp.Submit(chromedp.CSS("#q")))
	// The old page's total is visible until the answer replaces it: wait
	// for the answer's own address and rows, not for an element both have.
	b.WaitJS("the search's answer", `location.search.includes("q=aa1012") && document.readyState === "complete" &&
		!!document.querySelector("#invoices-table tbody tr td")`)
	if got, first := b.Read("#invoices-total"), b.Read("#invoices-table tbody tr td"); got != "1" || first != "INV-0058" {
		t.Errorf("search: %s invoices, first %q", got, first)
	}
	b.Step("sort by total", chromedp.Navigate(base+"/invoices"), chromedp.Click(chromedp.CSS("#sort-total")),
		chromedp.WaitVisible(chromedp.CSS(`th[aria-sort="ascending"] #sort-total`)))
	if got := b.Read("#invoices-table tbody tr td"); got != "INV-0000" {
		t.Errorf("lowest total first: %q", got)
	}
	b.Step("filter by state", chromedp.Navigate(base+"/invoices"), chromedp.Click(chromedp.CSS("#state-failed")),
		chromedp.WaitVisible(chromedp.CSS(`#state-failed[aria-current="page"]`)))
	if got := b.Read("#invoices-total"); got != "12" {
		t.Errorf("failed: %s", got)
	}

	b.Width(375)
	b.Step("phone", chromedp.Navigate(base+"/invoices"), chromedp.WaitVisible(chromedp.CSS("#invoices-table")))
	// Nothing wider than the screen: no sideways scrolling to find a
	// reason or a state.
	overflow, err := chromedp.Run(b.Tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#invoices-table td, #invoices-table .why")]
		.filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map(el => el.dataset.label || el.className)`))
	if err != nil {
		t.Fatal(err)
	}
	wide, err := chromedp.Run(b.Tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`))
	if err != nil {
		t.Fatal(err)
	}
	if len(overflow) != 0 || wide {
		t.Errorf("at 375 px, off-screen cells %q, page scrolls sideways: %v", overflow, wide)
	}
	if got := b.Read(`#invoices-table .why`); got == "" {
		t.Error("at 375 px a failed invoice's reason is not shown")
	}
	violations("invoices at 375 px")
	b.Shot("375")
}

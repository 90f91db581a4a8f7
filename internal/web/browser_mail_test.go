package web_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orderbridge/orderbridge/internal/testenv/browsertest"
)

// On a phone: "Forgot password?" from the sign-in page, the emailed link
// (through a real SMTP server), the new password, then Email
// notifications from the gear menu with one kind turned off.
func TestBrowserMailPages(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	e, sink := newMailEnv(t)
	e.browser().signUp("Acme", "ann@example.com", password)
	b := browsertest.Start(t, e.srv.URL+"/signin", browsertest.Options{
		ScreenshotDir: filepath.Join("testdata", "screenshots"), ScreenshotPrefix: "mail-", StepTimeout: 20 * time.Second,
	})
	b.Width(375)
	base := e.srv.URL
	b.Step("ask for a reset link",
		chromedp.Navigate(base+"/signin"),
		chromedp.Click(chromedp.CSS("#forgot")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "ann@example.com"),
		chromedp.Submit(chromedp.CSS("#email")),
		chromedp.WaitVisible(chromedp.CSS("#reset-sent")),
	)
	b.Shot("01-reset-sent")
	mails := waitMails(t, sink, "ann@example.com", 1)
	const newPassword = "a brand new passphrase"
	b.Step("choose a new password",
		chromedp.Navigate(base+linkIn(t, mails[0])),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#password"), newPassword),
		chromedp.SendKeys(chromedp.CSS("#password_confirm"), newPassword),
		chromedp.Submit(chromedp.CSS("#password_confirm")),
		chromedp.WaitVisible(chromedp.CSS("#reset-done")),
	)
	b.Step("sign in with it",
		chromedp.Navigate(base+"/signin"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ann@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), newPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#problems")),
	)
	b.Step("turn one kind of mail off",
		chromedp.Click(chromedp.CSS("details.gear summary")),
		chromedp.Click(chromedp.Search(`//a[text()="Email notifications"]`)),
		chromedp.WaitVisible(chromedp.CSS("#notify-xero_quota")),
		chromedp.Click(chromedp.CSS("#notify-xero_quota")),
		chromedp.Submit(chromedp.CSS("#notify-xero_quota")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	b.Shot("02-notifications-phone")
	on, err := chromedp.Run(b.Tab, chromedp.Evaluate[bool](`document.getElementById("notify-xero_quota").checked`))
	if err != nil {
		t.Fatal(err)
	}
	fits, err := chromedp.Run(b.Tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if on || !fits {
		t.Errorf("after saving: quota mail on %v (want off); page fits 375 px: %v", on, fits)
	}
}

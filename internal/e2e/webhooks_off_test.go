package e2e_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestXeroWebhookSwitchedOffIsNoticed: Xero disables a webhook whose
// deliveries failed for a day and tells nobody. Here the account's Xero
// webhooks worked (an order came through one), then every delivery stops;
// the invoices approved after that reach ShipStation through the sweep,
// and once their webhooks are overdue the health is no longer "healthy"
// (so the sweep is back to the sync interval) and the dashboard tells the
// operator to re-enable the webhook in Xero's developer portal.
//
// Time is moved, not waited for: Xero's clock jumps past ClockMargin when
// the deliveries stop, and the app's past MissedGrace once the orders are
// in.
func TestXeroWebhookSwitchedOffIsNoticed(t *testing.T) {
	t.Parallel()
	var xeroAhead, appAhead atomic.Int64
	w := newHookWorld(t, hookWorldOptions{sweep: true, sync: time.Second, safety: 5 * time.Second,
		xeroNow: func() time.Time { return time.Now().Add(time.Duration(xeroAhead.Load())) },
		now:     func() time.Time { return time.Now().Add(time.Duration(appAhead.Load())) },
	})
	appNow := func() time.Time { return time.Now().Add(time.Duration(appAhead.Load())) }
	c := w.contact("Acme Outdoor Ltd")
	first := w.approve(c)
	testkit.Eventually(t, "the order the webhook brought", func() bool { _, ok := w.order(first); return ok })
	testkit.Eventually(t, "a Xero delivery", func() bool { return !w.health(w.acct, store.SourceXero).LastDeliveryAt.IsZero() })
	if h := w.health(w.acct, store.SourceXero); !h.Healthy(appNow()) {
		t.Fatalf("webhooks not healthy after a delivery: %+v", h)
	}

	// Xero switches the webhook off: nothing is delivered any more.
	w.xemu.SetWebhookDelivery(1, 0)
	xeroAhead.Store(int64(2 * time.Minute))
	var later []string
	for range 2 {
		inv := w.approve(c)
		later = append(later, inv.InvoiceNumber)
		testkit.Eventually(t, "the order the sweep brought for "+inv.InvoiceNumber, func() bool { _, ok := w.order(inv); return ok })
	}
	appAhead.Store(int64(2*time.Minute + store.MissedGrace + time.Minute))

	h := w.health(w.acct, store.SourceXero)
	if h.Healthy(appNow()) {
		t.Errorf("webhook health is healthy with %d changes only the sweep brought: %+v", len(h.SweptChanges), h)
	}
	// The approvals are changes no webhook announced. How many a run saw
	// apart depends on timing (a draft and its approval may land in one
	// read, and a delivery of the first invoice's events still in flight
	// when they stopped moves the last delivery), so at least one counts.
	if n := h.MissedChanges(appNow()); n < 1 {
		t.Errorf("%d missed changes counted (%v), want at least 1 (invoices %v)", n, h.SweptChanges, later)
	}

	page, dashboard := pagesOf(t, w)
	for _, want := range []string{"Xero webhooks seem switched off:", "in the last day arrived only through the sweep",
		"re-enable the webhook in Xero&#39;s developer portal"} {
		if !strings.Contains(page, want) {
			t.Errorf("the Status page does not say %q:\n%s", want, excerpt(page, "webhook-xero"))
		}
	}
	// It needs a person: it is among the problems (problems.Decide), so
	// the notifier mails it too.
	if p := excerpt(dashboard, "problems"); !strings.Contains(p, "Xero webhooks seem switched off:") || !strings.Contains(p, "See webhooks") {
		t.Errorf("the dashboard's Needs you does not list the switched-off webhook:\n%s", p)
	}
	if !strings.Contains(page, "as Xero&#39;s webhooks seem switched off.") || strings.Contains(excerpt(page, "webhook-xero"), "Safety sweep") {
		t.Errorf("the Status page does not show the sync interval's sweep for Xero:\n%s", excerpt(page, "webhook-xero"))
	}
}

// pagesOf signs a new user of the world's account in and returns the
// HTML of the Status page, where the webhook health moved from the
// dashboard, and of the dashboard, whose Needs you lists the problems.
func pagesOf(t *testing.T, w *hookWorld) (status, dashboard string) {
	t.Helper()
	const email, pw = "ops@example.com", "correct horse battery"
	hash, err := password.Hash(pw, password.Params{Memory: 1024, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.Store.CreateUser(w.ctx, w.acct, email, "Ops", hash); err != nil {
		t.Fatal(err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, base: w.url, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	c.get("/signin")
	c.submit("/signin", url.Values{"email": {email}, "password": {pw}})
	c.get("/status")
	c.want(http.StatusOK, "/status")
	status = c.body
	c.get("/dashboard")
	c.want(http.StatusOK, "/dashboard")
	return status, c.body
}

// excerpt is the part of page from the element with id on, for a failure
// message.
func excerpt(page, id string) string {
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		return "(no element " + id + ")"
	}
	return page[i:min(len(page), i+1500)]
}

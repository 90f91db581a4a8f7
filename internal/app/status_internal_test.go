package app

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// dayQuota makes every Xero answer say only left calls remain today, as
// Xero's X-DayLimit-Remaining does late in a busy day.
type dayQuota struct {
	xeroHost string
	left     string
}

func (q dayQuota) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.URL.Host == q.xeroHost && strings.HasPrefix(r.URL.Path, "/api.xro/") {
		resp.Header.Set("X-DayLimit-Remaining", q.left)
	}
	return resp, err
}

// TestAccountStatus checks the dashboard's worker view of an account: the
// next run of an account the sweep never queued, and Xero's day quota
// the run saw kept in the store (the invoices held back by a contact's
// address and the quota are the store's to tell: see the web dashboard);
// and that a run of another account is not found.
func TestAccountStatus(t *testing.T) {
	t.Parallel()
	xemu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.RealRateLimit})
	semu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	cfg := emulatedConfig(t, xemu, semu)
	cfg.XeroRedirectURL = "http://127.0.0.1:1/connections/xero/callback"
	xeroHost := strings.TrimPrefix(xemu.URL(), "http://")
	a, err := New(t.Context(), cfg, Options{Logger: slog.New(slog.DiscardHandler), NoSweep: true,
		HTTPClient: &http.Client{Transport: dayQuota{xeroHost: xeroHost, left: "120"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := t.Context()
	acct := acmeWithContactProblem(t, a, xemu, semu)
	if _, err := a.ExportNow(ctx, acct.ID, worker.RunOptions{}); err != nil {
		t.Fatal(err)
	}

	before := time.Now()
	st, err := webStatus{a}.AccountStatus(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !st.LastRunAt.IsZero() {
		t.Errorf("last run %v without any River job", st.LastRunAt)
	}
	if st.NextRunAt.Before(before.Add(-time.Second)) {
		t.Errorf("next run %v: an account the sweep never queued is due at its next tick", st.NextRunAt)
	}
	// The day quota the run saw is kept in the store, where the dashboard
	// (and every other process) reads it.
	if q, err := a.Store.XeroQuotaOf(ctx, acct.ID); err != nil || q.DayRemaining != 120 || q.SeenAt.Before(before.Add(-time.Minute)) {
		t.Errorf("stored Xero quota %+v (%v), want the 120 calls left the run saw", q, err)
	}

	// Runs: an export of this account is found, the same id for another
	// account is not.
	id, err := a.Enqueue(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := webJobs{a}.RunStatus(ctx, acct.ID, id)
	if err != nil || rs.State != web.RunPending {
		t.Errorf("own run: %+v, %v", rs, err)
	}
	if _, err := (webJobs{a}).RunStatus(ctx, acct.ID+1, id); !errors.Is(err, web.ErrRunNotFound) {
		t.Errorf("another account's run: err %v, want ErrRunNotFound", err)
	}
	if _, err := (webJobs{a}).RunStatus(ctx, acct.ID, id+1000); !errors.Is(err, web.ErrRunNotFound) {
		t.Errorf("a missing run: err %v, want ErrRunNotFound", err)
	}
}

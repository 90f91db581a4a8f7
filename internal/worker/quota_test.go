package worker_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// PlanExportSweep is the one decision of how often the export sweep runs:
// the base interval while half the quota above the reserve is left, then
// stretched as the inverse of what is left, and waiting at the reserve
// until the figure may have reset (or Xero's day-limit block ends).
func TestPlanExportSweep(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	s := store.DefaultSettings() // 5 minutes; safety sweep 1 hour
	seen := now.Add(-time.Hour)
	for _, tc := range []struct {
		name     string
		policy   worker.QuotaPolicy
		x        store.XeroQuota
		healthy  bool
		interval time.Duration
		until    time.Time // zero: not deferred
		limit    int
		reserve  int
	}{
		{name: "nothing seen", interval: 5 * time.Minute, limit: 1000, reserve: 200},
		{name: "healthy webhooks", healthy: true, interval: time.Hour, limit: 1000, reserve: 200},
		{name: "plenty left", x: store.XeroQuota{DayRemaining: 600, SeenAt: seen}, interval: 5 * time.Minute, limit: 1000, reserve: 200},
		// 200 above the reserve of 800: a quarter, so twice the base.
		{name: "a quarter left", x: store.XeroQuota{DayRemaining: 400, SeenAt: seen}, interval: 10 * time.Minute, limit: 1000, reserve: 200},
		// 80 of 800: a tenth, five times; healthy webhooks stretch their hour.
		{name: "a tenth left", x: store.XeroQuota{DayRemaining: 280, SeenAt: seen}, interval: 25 * time.Minute, limit: 1000, reserve: 200},
		{name: "a tenth left, webhooks", healthy: true, x: store.XeroQuota{DayRemaining: 280, SeenAt: seen}, interval: 5 * time.Hour, limit: 1000, reserve: 200},
		{name: "at the reserve", x: store.XeroQuota{DayRemaining: 200, SeenAt: seen}, interval: 5 * time.Minute,
			until: seen.Add(worker.QuotaValidFor), limit: 1000, reserve: 200},
		{name: "figure too old", x: store.XeroQuota{DayRemaining: 10, SeenAt: now.Add(-worker.QuotaValidFor)}, interval: 5 * time.Minute, limit: 1000, reserve: 200},
		{name: "day limit hit", x: store.XeroQuota{DayRemaining: 0, SeenAt: now, BlockedUntil: now.Add(3 * time.Hour)}, interval: 5 * time.Minute,
			until: now.Add(3 * time.Hour), limit: 1000, reserve: 200},
		{name: "block over", x: store.XeroQuota{DayRemaining: 0, SeenAt: now.Add(-2 * time.Hour), BlockedUntil: now.Add(-time.Minute)}, interval: 5 * time.Minute,
			limit: 1000, reserve: 200},
		{name: "core tier", policy: worker.QuotaPolicy{Tier: xero.TierCore}, x: store.XeroQuota{DayRemaining: 2000, SeenAt: seen},
			interval: 10 * time.Minute, limit: 5000, reserve: 1000},
		// More left than Starter allows: a paid tier, whatever was configured.
		{name: "starter proven wrong", x: store.XeroQuota{DayRemaining: 4000, SeenAt: seen}, interval: 5 * time.Minute, limit: 5000, reserve: 1000},
		{name: "no reserve", policy: worker.QuotaPolicy{ReservePercent: -1}, x: store.XeroQuota{DayRemaining: 100, SeenAt: seen},
			interval: 25 * time.Minute, limit: 1000, reserve: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := worker.PlanExportSweep(s, tc.healthy, tc.policy.QuotaOf(tc.x, now))
			if p.Interval != tc.interval || p.Quota.Limit != tc.limit || p.Quota.Reserve != tc.reserve {
				t.Errorf("interval %s, limit %d, reserve %d; want %s, %d, %d", p.Interval, p.Quota.Limit, p.Quota.Reserve, tc.interval, tc.limit, tc.reserve)
			}
			if p.Deferred != !tc.until.IsZero() || !p.Until.Equal(tc.until) {
				t.Errorf("deferred %v until %s, want until %s", p.Deferred, p.Until, tc.until)
			}
			if tc.until.IsZero() {
				if !p.Due(now.Add(-tc.interval), true, now) || p.Due(now.Add(-tc.interval+2*time.Second), true, now) {
					t.Errorf("due should turn true exactly one interval (%s) after the last sweep", tc.interval)
				}
			} else if p.Due(time.Time{}, false, now) || !p.NextAt(time.Time{}, false, now).Equal(tc.until) {
				t.Errorf("a deferred sweep is due now or next at %s, want %s", p.NextAt(time.Time{}, false, now), tc.until)
			}
		})
	}
}

// Each run keeps what Xero said of the organisation's day quota in the
// store; a 429 for the day limit blocks the account's Xero work until
// Xero's window reopens, in every process: another engine on the same
// store snoozes its export and write-back without calling Xero.
func TestXeroDayLimitSnoozesEveryProcess(t *testing.T) {
	t.Parallel()
	const dayLimit = 6
	b := setupEngine(t, engineOptions{xemu: &xeroemu.Options{RateLimit: emukit.RealRateLimit, Tier: xeroemu.TierStarter, DayLimit: dayLimit}})
	b.writeBackOn(false)
	b.export()
	q, err := b.st.XeroQuotaOf(b.ctx, b.acct)
	if err != nil {
		t.Fatal(err)
	}
	if q.DayRemaining <= 0 || q.DayRemaining >= dayLimit || time.Since(q.SeenAt) > time.Minute {
		t.Fatalf("stored quota after one export = %+v, want under %d remaining, seen just now", q, dayLimit)
	}
	var rl *worker.RetryLaterError
	for range dayLimit {
		if _, err = b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{}); err != nil {
			break
		}
	}
	if !errors.As(err, &rl) || !errors.Is(err, xero.ErrRateLimited) || rl.After < 20*time.Hour {
		t.Fatalf("export at the day limit: %v, want a retry after the day window (about 24h)", err)
	}
	q, err = b.st.XeroQuotaOf(b.ctx, b.acct)
	if err != nil {
		t.Fatal(err)
	}
	if q.DayRemaining != 0 || time.Until(q.BlockedUntil) < 20*time.Hour {
		t.Fatalf("stored quota after the 429 = %+v, want none left, blocked for about a day", q)
	}

	// Another process: its own Xero app (no pacing state of its own yet).
	xapp, err := xero.New(xero.Config{
		ClientID: b.xemu.ClientID(), ClientSecret: b.xemu.ClientSecret(), RedirectURL: "http://127.0.0.1:1/connect/xero/callback",
		Scopes: xero.GranularScopes(), BaseURL: b.xemu.URL(), HTTPClient: testHTTP, Pacing: xero.Pacing{Off: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	other, err := worker.New(worker.Options{Store: b.st, Xero: xapp, ShipStationBaseURL: b.semu.URL(), HTTPClient: testHTTP, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	calls := b.xemu.Counters().Total()
	_, err = other.Exporter.Export(b.ctx, b.acct, worker.RunOptions{})
	if !errors.As(err, &rl) || rl.After < 20*time.Hour {
		t.Errorf("another process's export: %v, want a snooze until the block ends", err)
	}
	_, err = other.WriteBacker.Run(b.ctx, b.acct, worker.WriteBackOptions{})
	if !errors.As(err, &rl) || rl.After < 20*time.Hour {
		t.Errorf("another process's write-back: %v, want a snooze until the block ends", err)
	}
	if n := b.xemu.Counters().Total() - calls; n != 0 {
		t.Errorf("%d Xero calls while Xero refuses the organisation's calls for the day", n)
	}
}

// The export sweep spares the quota: with plenty left it enqueues the
// account's export; at the reserve it enqueues nothing (write-back and
// webhook-triggered exports still run).
func TestSweepSparesTheReserve(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		remaining int
		want      bool
	}{
		{"plenty", 900, true},
		{"at the reserve", 150, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupEngine(t, engineOptions{})
			if err := b.st.NoteXeroDayRemaining(b.ctx, b.acct, tc.remaining, time.Now()); err != nil {
				t.Fatal(err)
			}
			client := b.startRiver(t, time.Hour, 1)
			res, err := client.Insert(b.ctx, worker.SweepArgs{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				job, err := client.JobGet(b.ctx, res.Job.ID)
				if err != nil {
					t.Fatal(err)
				}
				if job.State == rivertype.JobStateCompleted {
					break
				}
				if job.State != rivertype.JobStateAvailable && job.State != rivertype.JobStateRunning || time.Now().After(deadline) {
					t.Fatalf("sweep job %s: %v", job.State, job.Errors)
				}
				time.Sleep(20 * time.Millisecond)
			}
			_, enqueued, err := b.st.Cursor(b.ctx, b.acct, worker.CursorSweepEnqueued)
			if err != nil {
				t.Fatal(err)
			}
			if enqueued != tc.want {
				t.Errorf("sweep enqueued an export: %v, want %v", enqueued, tc.want)
			}
		})
	}
}

// dayLimited answers every tenanted Xero API call with a 429 for the day
// limit and no Retry-After, as a proxy might.
type dayLimited struct{}

func (dayLimited) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Xero-Tenant-Id") == "" {
		return testHTTP.Transport.RoundTrip(r)
	}
	h := http.Header{"X-Rate-Limit-Problem": {"Day"}, "X-Daylimit-Remaining": {"0"}, "Content-Type": {"application/json"}}
	return &http.Response{StatusCode: http.StatusTooManyRequests, Header: h, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
}

// A 429 for the day limit without Retry-After (the client would guess
// the rest of its minute) still waits for an hour: the day window does
// not reopen within a minute.
func TestDayLimitWithoutRetryAfterWaitsAnHour(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{xeroTransport: dayLimited{}})
	_, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{})
	var rl *worker.RetryLaterError
	if !errors.As(err, &rl) || rl.After != time.Hour {
		t.Fatalf("export: %v, want a retry after an hour", err)
	}
	q, err := b.st.XeroQuotaOf(b.ctx, b.acct)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(q.BlockedUntil); d < 59*time.Minute || d > time.Hour || q.DayRemaining != 0 {
		t.Errorf("stored quota %+v, want none left, blocked for an hour", q)
	}
}

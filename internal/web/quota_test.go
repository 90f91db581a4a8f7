package web_test

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// The dashboard says how much of today's Xero quota is used and what the
// sweep does about it, from the figure the store keeps (any process may
// have seen it), with the plan the sweep itself follows.
func TestDashboardXeroQuota(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC) // newEnv's clock
	for _, tc := range []struct {
		name   string
		policy worker.QuotaPolicy
		// remaining < 0 stores no figure.
		remaining int
		seenAgo   time.Duration
		blocked   time.Duration // > 0: a 429 for the day limit now, Xero refusing calls for this long
		tz        string        // the organisation's Timezone in Xero ("": none known, UTC)
		quota     string
		nextRun   string
		problem   string
	}{
		{name: "unknown", remaining: -1,
			quota:   "Xero calls today: not known yet (Starter tier: 1,000 a day per organisation, 200 kept for write-back).",
			nextRun: "within 6 minutes"},
		{name: "plenty", remaining: 900, seenAgo: time.Hour,
			quota:   "Xero calls today: 100 of 1,000 (Starter tier); 200 are kept for write-back.",
			nextRun: "within 6 minutes"},
		{name: "slowed", remaining: 280, seenAgo: time.Hour,
			quota:   "Xero calls today: 720 of 1,000 (Starter tier) — sweeps slowed to every 30 minutes to keep 200 for write-back.",
			nextRun: "within 30 minutes"},
		{name: "core tier", policy: worker.QuotaPolicy{Tier: xero.TierCore, ReservePercent: 10}, remaining: 4000, seenAgo: time.Hour,
			quota:   "Xero calls today: 1,000 of 5,000 (Core tier); 500 are kept for write-back.",
			nextRun: "within 6 minutes"},
		{name: "old figure", remaining: 100, seenAgo: 25 * time.Hour,
			quota:   "Xero calls today: not known yet (Starter tier: 1,000 a day per organisation, 200 kept for write-back).",
			nextRun: "within 6 minutes"},
		{name: "reserve", remaining: 150, seenAgo: time.Hour,
			quota:   "Xero calls today: 850 of 1,000 (Starter tier) — the sweep waits until the quota may have reset (15 Mar 2026 11:00 UTC) to keep 150 for write-back; webhooks and write-back go on.",
			nextRun: "in 23 hours",
			problem: "Xero's day quota is down to the part kept for write-back: orders sync only when Xero's webhooks announce a change, until 15 Mar 2026 11:00 UTC. Sync less often"},
		{name: "day limit", remaining: 40, seenAgo: time.Hour, blocked: 5 * time.Hour,
			quota:   "Xero calls today: 1,000 of 1,000 (Starter tier) — Xero refuses more calls until 14 Mar 2026 17:00 UTC; syncing resumes then.",
			nextRun: "in 5 hours",
			problem: "Xero's day limit is spent: no Xero call (orders or write-back) until 14 Mar 2026 17:00 UTC. Sync less often"},
		// Times are in the organisation's zone, as everywhere on the pages.
		{name: "reserve in Auckland", remaining: 150, seenAgo: time.Hour, tz: "NEWZEALANDSTANDARDTIME",
			quota:   "Xero calls today: 850 of 1,000 (Starter tier) — the sweep waits until the quota may have reset (16 Mar 2026 00:00 NZDT) to keep 150 for write-back; webhooks and write-back go on.",
			nextRun: "in 23 hours",
			problem: "Xero's day quota is down to the part kept for write-back: orders sync only when Xero's webhooks announce a change, until 16 Mar 2026 00:00 NZDT. Sync less often"},
		{name: "day limit in Auckland", remaining: 40, seenAgo: time.Hour, blocked: 5 * time.Hour, tz: "NEWZEALANDSTANDARDTIME",
			quota:   "Xero calls today: 1,000 of 1,000 (Starter tier) — Xero refuses more calls until 15 Mar 2026 06:00 NZDT; syncing resumes then.",
			nextRun: "in 5 hours",
			problem: "Xero's day limit is spent: no Xero call (orders or write-back) until 15 Mar 2026 06:00 NZDT. Sync less often"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *web.Config) { c.XeroQuota = tc.policy })
			b, acc := e.signUpAnn(t)
			connectFake(t, e, acc)
			ctx := t.Context()
			if tc.tz != "" {
				setTimezone(t, e, acc, tc.tz)
			}
			set, _ := e.st.Settings(ctx, acc)
			set.SyncEnabled, set.SyncInterval = true, 6*time.Minute
			if _, err := e.st.ChangeSettings(ctx, acc, set); err != nil {
				t.Fatal(err)
			}
			if tc.remaining >= 0 {
				if err := e.st.NoteXeroDayRemaining(ctx, acc, tc.remaining, now.Add(-tc.seenAgo)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.blocked > 0 {
				if err := e.st.BlockXeroUntil(ctx, acc, now, now.Add(tc.blocked)); err != nil {
					t.Fatal(err)
				}
			}
			b.get("/dashboard")
			if got := text(b.byID("xero-quota")); got != tc.quota {
				t.Errorf("quota line:\n%q\nwant\n%q", got, tc.quota)
			}
			if got := text(b.byID("next-run")); got != tc.nextRun {
				t.Errorf("next run = %q, want %q", got, tc.nextRun)
			}
			var problems []string
			if b.has("problems") {
				problems = append(problems, text(b.byID("problems")))
			}
			got := strings.Join(problems, "\n")
			if tc.problem == "" && strings.Contains(got, "Xero's day") || tc.problem != "" && !strings.Contains(got, tc.problem) {
				t.Errorf("problems = %q, want %q", got, tc.problem)
			}
		})
	}
}

// A Xero grant the worker could not keep alive is announced on every page
// and on the dashboard two weeks before Xero drops it; one renewed on time
// says nothing.
func TestXeroGrantLapseWarning(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC) // newEnv's clock
	for _, tc := range []struct {
		name      string
		refreshed time.Duration // ago
		warn      bool
		tz, want  string
	}{
		{"renewed 20 days ago", 20 * 24 * time.Hour, false, "", ""},
		{"renewal failing for 20 days", 50 * 24 * time.Hour, true, "", "24 Mar 2026 12:00 UTC"},
		{"renewal failing, in Auckland", 50 * 24 * time.Hour, true, "NEWZEALANDSTANDARDTIME", "25 Mar 2026 01:00 NZDT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, b, acc := annSignedUp(t)
			connectFake(t, e, acc)
			if tc.tz != "" {
				setTimezone(t, e, acc, tc.tz)
			}
			issued := now.Add(-tc.refreshed)
			tok := &oauth2.Token{AccessToken: "a", RefreshToken: "r", Expiry: issued.Add(30 * time.Minute), ExpiresIn: 1800}
			if err := e.st.SaveXeroGrant(t.Context(), acc, tok); err != nil {
				t.Fatal(err)
			}
			want := "Xero's permission lapses on " + tc.want + " unless it is renewed, and renewing it has failed so far: reconnect Xero before then."
			for _, path := range []string{"/dashboard", "/log"} {
				b.get(path)
				alerts := strings.Join(b.alerts(), "\n")
				if strings.Contains(alerts, want) != tc.warn {
					t.Errorf("%s: alerts %q; warning shown: %v, want %v", path, alerts, !tc.warn, tc.warn)
				}
			}
			b.get("/dashboard")
			problems := ""
			if b.has("problems") {
				problems = text(b.byID("problems"))
			}
			if strings.Contains(problems, want+" Reconnect Xero") != tc.warn {
				t.Errorf("dashboard problems %q; want the warning: %v", problems, tc.warn)
			}
		})
	}
}

// setTimezone gives the account's Xero connection the organisation's
// Timezone as Xero names it.
func setTimezone(t *testing.T, e *env, acc int64, tz string) {
	t.Helper()
	c, err := e.st.Connection(t.Context(), acc, store.KindXero)
	if err != nil {
		t.Fatal(err)
	}
	c.Metadata.Timezone = tz
	if err := e.st.SaveXeroConnection(t.Context(), acc, c.Metadata, &oauth2.Token{RefreshToken: "r"}); err != nil {
		t.Fatal(err)
	}
}

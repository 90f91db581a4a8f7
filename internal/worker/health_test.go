package worker_test

import (
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

func TestAccountHealthOf(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	policy := worker.QuotaPolicy{Tier: xero.TierStarter} // 1,000 a day, 200 kept
	facts := []store.AccountFacts{
		{AccountID: 1}, // nothing known: ok
		{AccountID: 2, XeroQuota: store.XeroQuota{DayRemaining: 900, SeenAt: now.Add(-time.Hour)}},
		{AccountID: 3, ReconnectNeeded: true},
		{AccountID: 4, XeroQuota: store.XeroQuota{DayRemaining: 150, SeenAt: now.Add(-time.Minute)}},
		{AccountID: 5, XeroQuota: store.XeroQuota{SeenAt: now.Add(-time.Minute), BlockedUntil: now.Add(time.Hour)}},
		{AccountID: 6, XeroWebhook: store.WebhookHealth{Source: store.SourceXero, LastDeliveryAt: now.Add(-5 * time.Hour),
			SweptChanges: []time.Time{now.Add(-2 * time.Hour), now.Add(-time.Hour)}}},
		{AccountID: 7, ReconnectNeeded: true}, // and stuck
		// A figure from two days ago says nothing of today.
		{AccountID: 8, XeroQuota: store.XeroQuota{DayRemaining: 10, SeenAt: now.Add(-48 * time.Hour)}},
	}
	h := worker.AccountHealthOf(facts, map[int64]bool{7: true}, policy, now)
	want := map[string]int{"ok": 3, "reconnect_needed": 2, "quota_low": 2, "webhooks_off": 1, "stuck": 1}
	for state, n := range want {
		if h.States[state] != n {
			t.Errorf("%s: %d accounts, want %d (all: %v)", state, h.States[state], n, h.States)
		}
	}
	if len(h.QuotaLeft) != 3 || h.QuotaLeft[0] != 0.9 || h.QuotaLeft[1] != 0.15 || h.QuotaLeft[2] != 0 {
		t.Errorf("quota left %v, want [0.9 0.15 0]", h.QuotaLeft)
	}
}

// TestQuotaAtReserve: the one rule the sweep's plan, the dashboard and the
// metrics share for a quota spent or down to the write-back reserve.
func TestQuotaAtReserve(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		q    worker.Quota
		want bool
	}{
		{"nothing known", worker.Quota{}, false},
		{"above the reserve", worker.Quota{Known: true, Limit: 1000, Reserve: 200, Remaining: 201}, false},
		{"at the reserve", worker.Quota{Known: true, Limit: 1000, Reserve: 200, Remaining: 200}, true},
		{"reserve is the whole limit", worker.Quota{Known: true, Limit: 100, Reserve: 100, Remaining: 500}, true},
		{"blocked by a 429", worker.Quota{BlockedUntil: now.Add(time.Hour)}, true},
	} {
		if got := tc.q.AtReserve(); got != tc.want {
			t.Errorf("%s: AtReserve = %v, want %v", tc.name, got, tc.want)
		}
		// The sweep waits exactly when the quota is at the reserve.
		plan := worker.PlanExportSweep(store.DefaultSettings(), false, tc.q)
		if plan.Deferred != tc.want {
			t.Errorf("%s: the sweep deferred = %v, want %v", tc.name, plan.Deferred, tc.want)
		}
	}
}

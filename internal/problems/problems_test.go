package problems_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	ok := func() problems.Facts {
		xero := &store.Connection{Status: store.StatusConnected}
		xero.Metadata.TenantID = "t1"
		ss := &store.Connection{Status: store.StatusConnected}
		ss.Metadata.StoreID = 7
		set := store.DefaultSettings()
		set.SyncEnabled = true
		return problems.Facts{Now: now, Xero: xero, ShipStation: ss, Settings: set, Counts: map[store.InvoiceState]int{}}
	}
	for _, tc := range []struct {
		name   string
		change func(f *problems.Facts)
		want   []problems.Kind
	}{
		{"all well", func(*problems.Facts) {}, nil},
		{"nothing connected", func(f *problems.Facts) { f.Xero, f.ShipStation = nil, nil; f.Settings.SyncEnabled = false },
			[]problems.Kind{problems.XeroNotConnected, problems.ShipStationNotConnected, problems.SyncOff}},
		{"xero reconnect", func(f *problems.Facts) { f.Xero.Status, f.Xero.StatusReason = store.StatusReconnectNeeded, "revoked" },
			[]problems.Kind{problems.XeroReconnect}},
		{"shipstation key", func(f *problems.Facts) { f.ShipStation.Status = store.StatusReconnectNeeded },
			[]problems.Kind{problems.ShipStationKey}},
		{"quota spent", func(f *problems.Facts) {
			f.Plan = worker.SweepPlan{Quota: worker.Quota{BlockedUntil: now.Add(time.Hour)}}
		},
			[]problems.Kind{problems.XeroQuota}},
		{"invoices", func(f *problems.Facts) {
			f.Counts[store.StateFailed], f.Counts[store.StateAttention], f.Counts[store.StateWaiting] = 1, 2, 3
		}, []problems.Kind{problems.InvoicesFailed, problems.InvoicesAttention, problems.ContactsWaiting}},
		{"grant lapsing", func(f *problems.Facts) { f.GrantLapse = now.Add(24 * time.Hour) }, []problems.Kind{problems.XeroGrantLapse}},
		{"grant far", func(f *problems.Facts) { f.GrantLapse = now.Add(50 * 24 * time.Hour) }, nil},
		{"stuck", func(f *problems.Facts) { f.StuckAttempts = 4 }, []problems.Kind{problems.ExportsStuck}},
		{"webhooks off", func(f *problems.Facts) {
			f.XeroWebhooks = true
			f.Webhooks = map[store.WebhookSource]store.WebhookHealth{store.SourceXero: {
				LastDeliveryAt: now.Add(-20 * time.Hour), SweptChanges: []time.Time{now.Add(-2 * time.Hour)}}}
		}, []problems.Kind{problems.XeroWebhooksOff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := ok()
			tc.change(&f)
			got := problems.Decide(f)
			if len(got) != len(tc.want) {
				t.Fatalf("problems = %+v, want kinds %v", got, tc.want)
			}
			for i, p := range got {
				if p.Kind != tc.want[i] || p.Text == "" || p.Action == "" || p.Link == "" {
					t.Errorf("problem %d = %+v, want kind %s with text, action and link", i, p, tc.want[i])
				}
			}
		})
	}
}

// TestDecideWritesTimesInTheOrganisationZone: the times in a problem's
// text are in the Xero organisation's zone, as the pages' times are; UTC,
// named, when the zone is not known.
func TestDecideWritesTimesInTheOrganisationZone(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ tz, want string }{
		{"", "until 14 Mar 2026 17:00 UTC."},
		{"NEWZEALANDSTANDARDTIME", "until 15 Mar 2026 06:00 NZDT."},
		{"EASTERNSTANDARDTIME", "until 14 Mar 2026 13:00 EDT."},
		{"NOT A ZONE", "until 14 Mar 2026 17:00 UTC."},
	} {
		xero := &store.Connection{Status: store.StatusConnected}
		xero.Metadata.TenantID, xero.Metadata.Timezone = "t1", tc.tz
		f := problems.Facts{Now: now, Xero: xero, Settings: store.DefaultSettings(), Counts: map[store.InvoiceState]int{},
			Plan: worker.SweepPlan{Quota: worker.Quota{BlockedUntil: now.Add(5 * time.Hour)}}}
		var got string
		for _, p := range problems.Decide(f) {
			if p.Kind == problems.XeroQuota {
				got = p.Text
			}
		}
		if !strings.HasSuffix(got, tc.want) {
			t.Errorf("zone %q: %q, want it to end %q", tc.tz, got, tc.want)
		}
	}
}

// TestXeroProblemsAreTheBannersToo: the banner every page shows and the
// dashboard's Needs you say the same about the Xero connection, from one
// function; a reconnect with no reason recorded reads as a whole sentence.
func TestXeroProblemsAreTheBannersToo(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	c := &store.Connection{Status: store.StatusReconnectNeeded, HasSecret: true}
	c.Metadata.TenantID = "t1"
	got := problems.Xero(c, time.Time{}, now)
	if len(got) != 1 || got[0].Kind != problems.XeroReconnect || got[0].Text != "Xero needs reconnecting: nothing syncs until it is." {
		t.Errorf("reconnect with no reason: %+v", got)
	}
	f := problems.Facts{Now: now, Xero: c, Settings: store.DefaultSettings(), Counts: map[store.InvoiceState]int{}}
	if d := problems.Decide(f); len(d) == 0 || d[0] != got[0] {
		t.Errorf("Decide's first problem %+v, want the banner's %+v", d, got)
	}
	ok := &store.Connection{Status: store.StatusConnected, HasSecret: true}
	ok.Metadata.TenantID = "t1"
	if got := problems.Xero(ok, now.Add(24*time.Hour), now); len(got) != 1 || got[0].Kind != problems.XeroGrantLapse {
		t.Errorf("grant lapsing tomorrow: %+v", got)
	}
}

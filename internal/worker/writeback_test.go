package worker_test

import (
	"strings"
	"testing"

	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

func TestWriteBackSettingsOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   func(*store.Settings)
		want func(*bridge.WriteBackSettings)
	}{
		{name: "defaults: off", in: func(*store.Settings) {}, want: func(*bridge.WriteBackSettings) {}},
		{name: "on", in: func(s *store.Settings) { s.WriteBackEnabled = true }, want: func(w *bridge.WriteBackSettings) { w.Enabled = true }},
		{
			name: "cost line with every field",
			in: func(s *store.Settings) {
				s.WriteBackEnabled = true
				s.ShippingLine = store.ShippingLineSettings{Enabled: true, ItemCode: "POSTAGE", AccountCode: "260", TaxType: "OUTPUT2", Description: "Freight", Currency: "USD"}
			},
			want: func(w *bridge.WriteBackSettings) {
				w.Enabled, w.CostLine = true, true
				w.CostItemCode, w.CostAccountCode, w.CostTaxType, w.CostDescription, w.CostCurrency = "POSTAGE", "260", "OUTPUT2", "Freight", "USD"
			},
		},
		{
			name: "blank item code and description keep the defaults",
			in: func(s *store.Settings) {
				s.ShippingLine = store.ShippingLineSettings{Enabled: true, ItemCode: "  ", Description: " ", AccountCode: "200"}
			},
			want: func(w *bridge.WriteBackSettings) { w.CostLine, w.CostAccountCode = true, "200" },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := store.DefaultSettings()
			tc.in(&s)
			want := bridge.DefaultWriteBackSettings()
			tc.want(&want)
			if got := worker.WriteBackSettingsOf(s); got != want {
				t.Errorf("WriteBackSettingsOf = %+v, want %+v", got, want)
			}
		})
	}
}

func TestWriteBackJobKindsAndUniqueness(t *testing.T) {
	t.Parallel()
	if got := (worker.WriteBackArgs{}).Kind(); got != "write_back" {
		t.Errorf("write-back kind = %q", got)
	}
	if got := (worker.SweepShipmentsArgs{}).Kind(); got != "sweep_shipments" {
		t.Errorf("sweep kind = %q", got)
	}
	for name, opts := range map[string]struct {
		byArgs bool
		states []rivertype.JobState
	}{
		"write-back": {worker.WriteBackArgs{}.InsertOpts().UniqueOpts.ByArgs, worker.WriteBackArgs{}.InsertOpts().UniqueOpts.ByState},
		"sweep":      {worker.SweepShipmentsArgs{}.InsertOpts().UniqueOpts.ByArgs, worker.SweepShipmentsArgs{}.InsertOpts().UniqueOpts.ByState},
	} {
		if !opts.byArgs {
			t.Errorf("%s: not unique by args", name)
		}
		for _, s := range []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled} {
			found := false
			for _, got := range opts.states {
				found = found || got == s
			}
			if !found {
				t.Errorf("%s: a new job is not refused while one is %s", name, s)
			}
		}
	}
}

func TestWriteBackSummaryString(t *testing.T) {
	t.Parallel()
	s := worker.WriteBackSummary{Shipments: 3, Voids: 1, Fulfillments: 2, Written: 4, Notes: 4, Lines: 1, Done: 1, Skipped: 1, Rechecks: 1, XeroCalls: 9, ShipStationCalls: 4}
	got := s.String()
	for _, want := range []string{"3 shipments", "1 voids", "2 fulfillments", "4 written", "4 notes", "1 lines,", "1 already done", "1 invoices decided again", "9 Xero calls", "4 ShipStation calls"} {
		if !strings.Contains(got, want) {
			t.Errorf("String() = %q, lacks %q", got, want)
		}
	}
}

package worker

import (
	"testing"

	"github.com/orderbridge/orderbridge/internal/bridge"
)

func TestNothingLeft(t *testing.T) {
	t.Parallel()
	label := bridge.ShipmentEvent{ID: "shipment:1", Kind: bridge.EventLabel, ShipmentCents: 950}
	free := label
	free.ShipmentCents = 0
	voided := label
	voided.Voided = true
	ful := bridge.ShipmentEvent{ID: "fulfillment:1", Kind: bridge.EventFulfillment}
	on := bridge.WriteBackSettings{Enabled: true}
	line := bridge.WriteBackSettings{Enabled: true, CostLine: true, CostAccountCode: "200"}
	tests := []struct {
		name string
		ev   bridge.ShipmentEvent
		done bridge.WrittenState
		set  bool // line_settled recorded
		s    bridge.WriteBackSettings
		want bool
	}{
		{"new label", label, bridge.WrittenState{}, false, on, false},
		{"label noted", label, bridge.WrittenState{Note: true}, false, on, true},
		{"label noted, line wanted", label, bridge.WrittenState{Note: true}, false, line, false},
		{"label noted and lined", label, bridge.WrittenState{Note: true, Line: true}, false, line, true},
		{"free label noted, line wanted", free, bridge.WrittenState{Note: true}, false, line, true},
		{"fulfillment noted, line wanted", ful, bridge.WrittenState{Note: true}, false, line, true},
		{"void not noted", voided, bridge.WrittenState{Note: true}, false, on, false},
		{"void noted, no line", voided, bridge.WrittenState{Note: true, VoidNote: true}, false, on, true},
		{"void noted, line to remove", voided, bridge.WrittenState{Note: true, Line: true, VoidNote: true}, false, line, false},
		{"label noted, line settled", label, bridge.WrittenState{Note: true}, true, line, true},
		{"void noted, line kept (settled)", voided, bridge.WrittenState{Note: true, Line: true, VoidNote: true}, true, line, true},
		{"void noted, line removed", voided, bridge.WrittenState{Note: true, Line: true, VoidNote: true, LineRemoved: true}, false, line, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := nothingLeft(tc.ev, tc.done, tc.set, tc.s); got != tc.want {
				t.Errorf("nothingLeft = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSettleActions(t *testing.T) {
	t.Parallel()
	label := bridge.ShipmentEvent{ID: "shipment:1", Kind: bridge.EventLabel, ShipmentCents: 950}
	voided := label
	voided.Voided = true
	on := bridge.WriteBackSettings{Enabled: true}
	line := bridge.WriteBackSettings{Enabled: true, CostLine: true, CostAccountCode: "200"}
	edit := &bridge.LineEdit{Action: bridge.ActionLine}
	locked := []string{"the invoice has a payment allocated"}
	tests := []struct {
		name string
		ev   bridge.ShipmentEvent
		done bridge.WrittenState
		plan bridge.WriteBack
		s    bridge.WriteBackSettings
		want []bridge.Action
	}{
		{"cost line off", label, bridge.WrittenState{}, bridge.WriteBack{}, on, nil},
		{"line to add", label, bridge.WrittenState{}, bridge.WriteBack{Edit: edit}, line, nil},
		{"line found", label, bridge.WrittenState{}, bridge.WriteBack{Record: []bridge.Action{bridge.ActionLine}}, line, nil},
		{"paid: no line ever", label, bridge.WrittenState{Note: true}, bridge.WriteBack{Warnings: locked}, line, []bridge.Action{actionLineSettled}},
		{"invoice gone", label, bridge.WrittenState{}, bridge.WriteBack{Skip: true, Cause: bridge.CauseNoInvoice}, line, nil},
		{"void, line to remove", voided, bridge.WrittenState{Note: true, Line: true}, bridge.WriteBack{Edit: edit}, line, nil},
		{"void, locked", voided, bridge.WrittenState{Note: true, Line: true}, bridge.WriteBack{Warnings: locked}, line, []bridge.Action{actionLineSettled}},
		{"void, line gone", voided, bridge.WrittenState{Note: true, Line: true}, bridge.WriteBack{}, line, []bridge.Action{bridge.ActionLineRemoved}},
		{"void, never lined", voided, bridge.WrittenState{Note: true}, bridge.WriteBack{}, line, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := settleActions(tc.ev, tc.done, tc.plan, tc.s)
			if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
				t.Errorf("settleActions = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNeedsRecheck(t *testing.T) {
	t.Parallel()
	voided := bridge.ShipmentEvent{ID: "shipment:1", Kind: bridge.EventLabel, Voided: true}
	live := voided
	live.Voided = false
	tests := []struct {
		name    string
		ev      bridge.ShipmentEvent
		invoice string
		outcome WriteBackOutcome
		status  string
		asked   bool
		want    bool
	}{
		{"void written, order shipped", voided, "inv", WriteBackWritten, "shipped", false, true},
		{"void known done, order shipped", voided, "inv", WriteBackDone, "shipped", false, true},
		{"void known done, already asked", voided, "inv", WriteBackDone, "shipped", true, false},
		{"void written, order already open", voided, "inv", WriteBackWritten, "awaiting_shipment", false, false},
		{"void failed", voided, "inv", WriteBackFailed, "shipped", false, false},
		{"void skipped (invoice gone)", voided, "inv", WriteBackSkipped, "shipped", false, false},
		{"not our order", voided, "", WriteBackSkipped, "", false, false},
		{"live label", live, "inv", WriteBackWritten, "shipped", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := WriteBackResult{Event: tc.ev, InvoiceID: tc.invoice, Outcome: tc.outcome}
			if got := needsRecheck(res, tc.status, tc.asked); got != tc.want {
				t.Errorf("needsRecheck = %v, want %v", got, tc.want)
			}
		})
	}
}

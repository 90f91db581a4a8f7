package worker

import (
	"strings"
	"testing"
)

// TestResyncEnded: a Re-sync that sent nothing is not shown as a success.
func TestResyncEnded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		out    *ResyncOutput
		state  RunState
		errHas string
	}{
		{"updated", &ResyncOutput{InvoiceNumber: "INV-1", Outcome: OutcomeUpdated}, RunSucceeded, ""},
		{"already cancelled", &ResyncOutput{InvoiceNumber: "INV-1", Outcome: OutcomeUnchanged}, RunSucceeded, ""},
		{"shipped", &ResyncOutput{InvoiceNumber: "INV-1", Outcome: OutcomeSkipped, Reason: "order already shipped in ShipStation"},
			RunFailed, "INV-1 was not sent: order already shipped in ShipStation"},
		{"alert", &ResyncOutput{InvoiceNumber: "INV-1", Outcome: OutcomeAlert, Reason: "recall the parcel"},
			RunFailed, "needs attention: recall the parcel"},
		{"refused", &ResyncOutput{InvoiceNumber: "INV-1", Outcome: OutcomeFailed, Reason: "bad country"},
			RunFailed, "INV-1 failed: bad country"},
		{"a job from before outcomes were kept", nil, RunSucceeded, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := Run{State: RunSucceeded, Done: 1, Total: 1, Export: &Summary{Invoices: 1, Resync: tc.out}}
			resyncEnded(&run)
			if run.State != tc.state || !strings.Contains(run.Error, tc.errHas) {
				t.Errorf("run = %+v, want %s with %q", run, tc.state, tc.errHas)
			}
		})
	}
}

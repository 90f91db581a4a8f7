package worker

import (
	"errors"
	"fmt"
	"testing"

	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/store"
)

// TestRunErrorFromTheStopCode checks that a stopped run's page names the
// cause from the code its worker recorded, never from the error's words.
func TestRunErrorFromTheStopCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		code string
	}{
		{fmt.Errorf("worker: account 1: Xero expired: %w", ErrReconnectNeeded), StopReconnect},
		{fmt.Errorf("worker: account 1: %w", ErrNotConnected), StopNotConnected},
		{errors.New("worker: create orders: 500"), ""},
		{nil, ""},
	} {
		if got := stopCode(tc.err); got != tc.code {
			t.Errorf("stopCode(%v) = %q, want %q", tc.err, got, tc.code)
		}
	}
	failed := &rivertype.JobRow{Errors: []rivertype.AttemptError{{Error: ErrReconnectNeeded.Error()}}}
	for _, tc := range []struct {
		name string
		row  *rivertype.JobRow
		sum  *Summary
		want string
	}{
		{"reconnect", failed, &Summary{Stopped: StopReconnect}, "Xero or ShipStation needs reconnecting; see Connections."},
		{"not connected", failed, &Summary{Stopped: StopNotConnected}, "Connect both Xero and ShipStation first; see Connections."},
		{"words are not a code", failed, &Summary{}, "The run failed after several tries; see the transaction log for the invoices it could not send."},
		{"cancelled by hand", &rivertype.JobRow{}, nil, "The run was stopped."},
	} {
		if got := runError(tc.row, tc.sum); got != tc.want {
			t.Errorf("%s: runError = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestALinkWithoutItsReasonCodeIsRewritten checks that a decision which
// repeats its link in words but not in code (a link written before codes
// were stored) is recorded again, so the link gets its code.
func TestALinkWithoutItsReasonCodeIsRewritten(t *testing.T) {
	t.Parallel()
	reason := "contact Nobody has no address; add one in Xero"
	it := &item{hasLink: true, outcome: OutcomeSkipped, reason: reason,
		d:    bridge.Decision{Kind: bridge.Skip, Cause: bridge.CauseNoAddress, Reason: reason},
		link: store.InvoiceLink{Decision: store.DecisionSkipped, Reason: reason}}
	if silent(it) {
		t.Error("a link without its reason code is left as it is")
	}
	it.link.ReasonCode = string(bridge.CauseNoAddress)
	if !silent(it) {
		t.Error("a link that says it all is recorded again")
	}
}

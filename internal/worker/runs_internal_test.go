package worker

import (
	"errors"
	"fmt"
	"testing"

	"github.com/riverqueue/river/rivertype"
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

package xero

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestPacerWaitPastDeadlineReturnsTheWait: when the next call must wait
// longer than the caller's context has left (this process's minute window
// is spent, or the shared budget says wait), acquire does not sleep into
// the deadline: it returns at once a local *RateLimitError with the wait.
func TestPacerWaitPastDeadlineReturnsTheWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, p *pacer, clock *testkit.Clock)
	}{
		{"minute window spent", func(t *testing.T, p *pacer, _ *testkit.Clock) {
			tk, err := p.acquire(t.Context(), "op", "t1", true)
			if err != nil {
				t.Fatal(err)
			}
			tk.done(&http.Response{StatusCode: 200, Header: http.Header{
				"X-Appminlimit-Remaining": {"9000"}, "X-Minlimit-Remaining": {"0"}}}, "op")
		}},
		{"shared budget says wait", func(t *testing.T, p *pacer, clock *testkit.Clock) {
			f := &fakeShared{penalties: map[string]time.Time{"xero-org:t1": clock.Now().Add(30 * time.Second)},
				now: clock.Now, slots: map[string]int{}, slotsFree: 5}
			p.shared, p.appKey = f, "client-1"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := testkit.NewClock(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC))
			p := newPacer(Pacing{}, clock.Now)
			tc.setup(t, p, clock)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			_, err := p.acquire(ctx, "op", "t1", true)
			var rl *RateLimitError
			if !errors.As(err, &rl) || !rl.Local {
				t.Fatalf("acquire = %v, want a local *RateLimitError", err)
			}
			if rl.RetryAfter < 29*time.Second || rl.RetryAfter > time.Minute {
				t.Errorf("RetryAfter = %v, want the wait to the window's end", rl.RetryAfter)
			}
			if ctx.Err() != nil {
				t.Errorf("acquire returned after the deadline (%v), want at once", ctx.Err())
			}
			// The refusal frees the tenant's place: a caller without a
			// deadline is not held behind it.
			select {
			case p.tenant("t1").sem <- struct{}{}:
				<-p.tenant("t1").sem
			default:
				t.Errorf("the refused call still holds an in-flight place")
			}
		})
	}
}

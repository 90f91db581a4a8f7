package worker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// TestRateBudgetWaitSnoozesWithoutAStall: a ShipStation call whose rate
// budget wait (60 s to the window's reset) is longer than the attempt has
// left (1 s) ends the attempt at once, and the job snoozes exactly that
// wait with its stall count unchanged, as after a 429 with Retry-After,
// rather than counting a stall and backing off. The same for a Xero pacing
// wait (a local rate-limit refusal of the minute window).
func TestRateBudgetWaitSnoozesWithoutAStall(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	budget := shipstation.NewMemoryBudgetWithOptions(3, shipstation.BudgetOptions{Reserve: 1, Now: clk.Now})
	for range 2 {
		if err := budget.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	budget.Update(0, 60*time.Second, clk.Now())
	// Nothing listens there: the budget must refuse before any request.
	ss, err := shipstation.New(shipstation.Config{BaseURL: "http://127.0.0.1:1", APIKey: "k", APISecret: "s", Budget: budget})
	if err != nil {
		t.Fatal(err)
	}
	c := &Clients{}
	r := &run{}
	tests := []struct {
		name string
		call func(ctx context.Context) error
		want time.Duration
	}{
		{"shipstation budget", func(ctx context.Context) error {
			_, err := ss.Carriers(ctx)
			return c.shipStationFailed(ctx, r, "list carriers", err)
		}, 60 * time.Second},
		{"xero pacing", func(ctx context.Context) error {
			err := &xero.RateLimitError{Op: "get invoices", RetryAfter: 45 * time.Second, Problem: "minute", Local: true}
			return c.xeroFailed(ctx, r, "get invoices", err)
		}, 45 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			err := tc.call(ctx)
			if ctx.Err() != nil {
				t.Fatalf("the call ran into the attempt's deadline: %v", err)
			}
			for _, a := range []attempt{{err: err}, {err: err, progressed: true}} {
				prev := jobMeta{Stalls: 2, Overruns: 1}
				next, got := retryPolicy{rnd: func() float64 { return 0 }}.decide(prev, a)
				var snooze *rivertype.JobSnoozeError
				if !errors.As(got, &snooze) || snooze.Duration != tc.want {
					t.Errorf("progressed %v: River gets %v (from %v), want a snooze of %s", a.progressed, got, err, tc.want)
				}
				wantStalls := prev.Stalls
				if a.progressed {
					wantStalls = 0
				}
				if next.Stalls != wantStalls || next.Overruns > prev.Overruns {
					t.Errorf("progressed %v: stalls %d overruns %d, want %d and at most %d",
						a.progressed, next.Stalls, next.Overruns, wantStalls, prev.Overruns)
				}
			}
		})
	}
}

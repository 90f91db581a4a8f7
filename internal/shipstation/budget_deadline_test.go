package shipstation

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestBudgetWaitPastDeadlineReturnsTheWait: when the window resets in 60
// seconds and the caller's context ends in 1, Wait does not sleep into the
// deadline: it says at once how long to wait, so a job can snooze exactly
// that long instead of failing with DeadlineExceeded.
func TestBudgetWaitPastDeadlineReturnsTheWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build func(t *testing.T) Budget
	}{
		{"memory", func(t *testing.T) Budget {
			b, clk := newTestBudget(3, 1)
			mustGrant(t, b, 2)
			b.Update(0, 60*time.Second, clk.Now())
			return b
		}},
		{"shared", func(t *testing.T) Budget {
			local, _ := newTestBudget(40, 1)
			b := NewSharedBudget(local, &sharedFake{left: 0, wait: 60 * time.Second}, "key", nil)
			return b
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := tc.build(t)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			err := b.Wait(ctx)
			var we *RateWaitError
			if !errors.As(err, &we) {
				t.Fatalf("Wait = %v, want a *RateWaitError", err)
			}
			if we.Wait < 59*time.Second || we.Wait > 60*time.Second {
				t.Errorf("Wait says wait %v, want the 60 s to the reset", we.Wait)
			}
			if ctx.Err() != nil {
				t.Errorf("Wait returned after the deadline (%v), want at once", ctx.Err())
			}
			if !errors.Is(err, ErrRateLimited) {
				t.Errorf("%v does not match ErrRateLimited", err)
			}
			if d, ok := RetryAfter(err); !ok || d != we.Wait {
				t.Errorf("RetryAfter = %v, %v, want %v", d, ok, we.Wait)
			}
		})
	}
}

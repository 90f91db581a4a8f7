package shipstation

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// newTestBudget returns a budget on a clock the test moves. The budget's
// timers still run in real time, so tests only ever check that a Wait
// blocks (with a short ctx deadline) or that it returns at once.
func newTestBudget(limit, reserve int) (*MemoryBudget, *testkit.Clock) {
	clk := testkit.NewClock(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	return NewMemoryBudgetWithOptions(limit, BudgetOptions{Reserve: reserve, Period: time.Hour, Now: clk.Now}), clk
}

// mustBlock checks that Wait does not grant a call: with a deadline far
// shorter than any window here, it says at once how long to wait (the
// fake clock never moves on its own, so this cannot pass by luck).
func mustBlock(t *testing.T, b *MemoryBudget) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	var we *RateWaitError
	if err := b.Wait(ctx); !errors.As(err, &we) {
		t.Fatalf("Wait = %v, want it to refuse with the wait", err)
	}
}

func mustGrant(t *testing.T, b *MemoryBudget, n int) {
	t.Helper()
	for i := range n {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		err := b.Wait(ctx)
		cancel()
		if err != nil {
			t.Fatalf("grant %d: %v", i, err)
		}
	}
}

func TestMemoryBudgetCountsDownAndRefills(t *testing.T) {
	t.Parallel()
	b, clk := newTestBudget(5, 1)
	mustGrant(t, b, 4) // limit minus the reserve
	mustBlock(t, b)
	clk.Advance(time.Hour) // the guessed window ends
	mustGrant(t, b, 4)
	mustBlock(t, b)
}

func TestMemoryBudgetFollowsHeaders(t *testing.T) {
	t.Parallel()
	b, clk := newTestBudget(40, 1)
	mustGrant(t, b, 1)
	// Another program used most of the window: 2 left, reset in 30s.
	b.Update(2, 30*time.Second, clk.Now())
	mustGrant(t, b, 1) // 2 left, reserve 1
	mustBlock(t, b)
	// A stale response saying more is left does not raise the count.
	b.Update(30, 30*time.Second, clk.Now())
	mustBlock(t, b)
	// The window reported resets after 30s, not the guessed hour.
	clk.Advance(30 * time.Second)
	mustGrant(t, b, 39)
	mustBlock(t, b)
	if got := b.Remaining(); got != 1 {
		t.Errorf("Remaining = %d, want 1", got)
	}
}

func TestMemoryBudgetIgnoresResponsesFromAnEndedWindow(t *testing.T) {
	t.Parallel()
	b, clk := newTestBudget(10, 1)
	mustGrant(t, b, 1)
	b.Update(5, 10*time.Second, clk.Now())
	sent := clk.Now()
	clk.Advance(11 * time.Second)
	mustGrant(t, b, 1) // refilled
	// A response received before the refill must not drain the new window.
	b.Update(0, 0, sent)
	b.Update(0, time.Second, sent)
	mustGrant(t, b, 8)
	mustBlock(t, b)
}

func TestMemoryBudgetWakesWaitersOnUpdate(t *testing.T) {
	t.Parallel()
	b, clk := newTestBudget(3, 1)
	mustGrant(t, b, 2)
	done := make(chan error, 1)
	go func() {
		// No deadline: a deadline shorter than the wait would be
		// refused at once (TestBudgetWaitPastDeadlineReturnsTheWait).
		done <- b.Wait(t.Context())
	}()
	// The fake clock passes the guessed window end; the waiter's real
	// timer is an hour away, so only the wake-up on Update can free it.
	clk.Advance(2 * time.Hour)
	b.Update(0, 0, clk.Now())
	if err := <-done; err != nil {
		t.Fatalf("waiter: %v", err)
	}
}

// Many goroutines share one budget and never get more than it allows.
func TestMemoryBudgetConcurrent(t *testing.T) {
	t.Parallel()
	b, _ := newTestBudget(20, 2)
	var granted atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			if b.Wait(ctx) == nil {
				granted.Add(1)
			}
		})
	}
	wg.Wait()
	if got := granted.Load(); got != 18 {
		t.Errorf("granted %d calls, want 18", got)
	}
}

func TestMemoryBudgetDefaults(t *testing.T) {
	t.Parallel()
	b := NewMemoryBudget(0)
	if b.limit != DefaultRateLimit || b.reserve != 1 || b.period != time.Minute {
		t.Errorf("defaults: limit %d reserve %d period %v", b.limit, b.reserve, b.period)
	}
	if b := NewMemoryBudgetWithOptions(2, BudgetOptions{Reserve: 5}); b.reserve != 1 {
		t.Errorf("reserve not capped: %d", b.reserve)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := b.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on a cancelled ctx = %v", err)
	}
}

// A server without rate-limit headers is not paced; once headers come
// back, pacing starts again from a fresh window.
func TestMemoryBudgetUnlimitedServer(t *testing.T) {
	t.Parallel()
	b, clk := newTestBudget(5, 1)
	mustGrant(t, b, 1)
	b.Update(-1, 0, clk.Now())
	mustGrant(t, b, 100)
	b.Update(3, time.Minute, clk.Now())
	mustGrant(t, b, 2)
	mustBlock(t, b)
	clk.Advance(time.Minute)
	mustGrant(t, b, 4)
	mustBlock(t, b)
}

package shipstation

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// sharedFake is a Limiter that admits a fixed number of calls, then
// refuses with a long wait, and records penalties.
type sharedFake struct {
	mu        sync.Mutex
	left      int
	wait      time.Duration // the refusal's wait; 0 means an hour
	keys      []string
	penalties []time.Time
}

func (f *sharedFake) Take(_ context.Context, key string) (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, key)
	if f.left <= 0 {
		if f.wait > 0 {
			return f.wait, nil
		}
		return time.Hour, nil
	}
	f.left--
	return 0, nil
}

func (f *sharedFake) Penalise(_ context.Context, _ string, until time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.penalties = append(f.penalties, until)
	return nil
}

// TestSharedBudget: calls pass the local budget and then the shared one,
// which can hold them back where the local one would not; a spent window
// is recorded for every process; the key is a hash, never the API key; a
// server without limits skips the shared budget.
func TestSharedBudget(t *testing.T) {
	t.Parallel()
	local, clk := newTestBudget(40, 1)
	f := &sharedFake{left: 2}
	b := NewSharedBudget(local, f, "secret-api-key", nil)
	for range 2 {
		if err := b.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// The local budget has 37 left; the shared one says no.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	var we *RateWaitError
	if err := b.Wait(ctx); !errors.As(err, &we) || we.Wait != time.Hour {
		t.Fatalf("Wait with the shared budget spent = %v, want it to refuse for the shared wait", err)
	}
	if k := f.keys[0]; !strings.HasPrefix(k, LimitClass+":") || strings.Contains(k, "secret") || k != LimitKey("secret-api-key") {
		t.Errorf("key %q: want %s and a hash", k, LimitClass)
	}
	b.Update(5, 30*time.Second, clk.Now())
	b.Update(0, 30*time.Second, clk.Now())
	if len(f.penalties) != 1 || !f.penalties[0].Equal(clk.Now().Add(30*time.Second)) {
		t.Errorf("penalties = %v, want one until the reset", f.penalties)
	}
	// No headers (limits off): neither budget is asked.
	b.Update(-1, 0, clk.Now())
	n := len(f.keys)
	if err := b.Wait(t.Context()); err != nil || len(f.keys) != n {
		t.Errorf("Wait without limits = %v, shared asked %d times", err, len(f.keys)-n)
	}
}

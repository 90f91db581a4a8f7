package password

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestGateBoundsConcurrentHashes: however many goroutines hash at once,
// no more than the gate's size run inside it; the rest wait their turn
// or, past the wait, are told ErrBusy without hashing.
func TestGateBoundsConcurrentHashes(t *testing.T) {
	t.Parallel()
	g := NewGate(3, time.Hour)
	release := make(chan struct{})
	var entered sync.WaitGroup
	entered.Add(3)
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.Do(t.Context(), func() {
				if g.Running() > 3 {
					t.Errorf("%d hashes running in a gate of 3", g.Running())
				}
				select {
				case <-release:
				default:
					entered.Done() // the first three hold their slots until released
					<-release
				}
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	entered.Wait()
	if g.Running() != 3 {
		t.Errorf("running = %d while three hold the gate", g.Running())
	}
	close(release)
	wg.Wait()
	if g.Peak() != 3 {
		t.Errorf("peak = %d, want 3", g.Peak())
	}

	// Full, with a short wait: ErrBusy, and fn never runs.
	busy := NewGate(1, time.Millisecond)
	hold, done := make(chan struct{}), make(chan struct{})
	go func() { _ = busy.Do(context.Background(), func() { close(hold); <-done }) }()
	<-hold
	ran := false
	if err := busy.Do(t.Context(), func() { ran = true }); !errors.Is(err, ErrBusy) || ran {
		t.Errorf("full gate: err %v, ran %v; want ErrBusy and not run", err, ran)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := NewGate(1, time.Hour).Do(ctx, func() {}); err != nil {
		t.Errorf("a free slot with a done context: %v (the slot is taken without waiting)", err)
	}
	close(done)
	if _, err := NewGate(0, 0).Hash(t.Context(), "x", Params{Memory: 64, Time: 1, Threads: 1}); err != nil {
		t.Error(err)
	}
	if NewGate(0, 0).Size() < 2 {
		t.Error("default gate size under 2")
	}
}

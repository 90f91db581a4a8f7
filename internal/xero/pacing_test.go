package xero

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// TestWindowPacing drives one minute window by hand: calls and responses on
// a clock the test moves, no timers.
func TestWindowPacing(t *testing.T) {
	t.Parallel()
	cfg := Pacing{Minute: time.Minute, Spread: 10}.withDefaults()
	w := window{reported: -1, est: -1}
	t0 := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

	// Nothing known: go at once.
	if d := w.delay(t0, cfg); d != 0 {
		t.Fatalf("fresh window delay = %v", d)
	}
	w.take(t0, cfg)
	w.observe(t0.Add(time.Second), w.gen, 59, cfg) // the window opens at the first response
	if !w.start.Equal(t0.Add(time.Second)) || w.est != 59 {
		t.Fatalf("after first response: start %v est %d", w.start, w.est)
	}
	// Plenty left: no waiting.
	now := t0.Add(2 * time.Second)
	for range 49 {
		if d := w.delay(now, cfg); d != 0 {
			t.Fatalf("delay with %d left = %v", w.est, d)
		}
		w.take(now, cfg)
		w.observe(now, w.gen, w.est, cfg)
	}
	if w.est != 10 {
		t.Fatalf("est = %d, want 10", w.est)
	}
	// Low: the remaining calls are spread over the rest of the window.
	w.take(now, cfg) // 9 left
	w.observe(now, w.gen, 9, cfg)
	d := w.delay(now, cfg)
	rest := w.start.Add(time.Minute).Sub(now)
	if d <= 0 || d > rest/9 {
		t.Fatalf("spread delay = %v, want about %v", d, rest/10)
	}
	// Spent: wait for the end of the window, then start afresh.
	w.est = 0
	if d := w.delay(now, cfg); d != rest {
		t.Fatalf("spent delay = %v, want %v", d, rest)
	}
	end := w.start.Add(time.Minute)
	if d := w.delay(end, cfg); d != 0 || w.est != -1 || !w.start.IsZero() {
		t.Fatalf("after the window: delay %v est %d start %v", d, w.est, w.start)
	}
	// A late response from the old window is ignored.
	old := w.gen - 1
	w.inflight++
	w.observe(end, old, 0, cfg)
	if w.est != -1 {
		t.Fatalf("stale response changed est to %d", w.est)
	}
}

func TestWindowFollowsXerosReset(t *testing.T) {
	t.Parallel()
	cfg := Pacing{Minute: time.Minute}.withDefaults()
	w := window{reported: -1, est: -1}
	t0 := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	w.take(t0, cfg)
	w.observe(t0, w.gen, 3, cfg)
	// Out-of-order answers within a window are noise...
	w.take(t0, cfg)
	w.take(t0, cfg)
	w.observe(t0, w.gen, 1, cfg)
	w.observe(t0, w.gen, 2, cfg)
	if !w.start.Equal(t0) {
		t.Fatalf("a small rise restarted the window")
	}
	// ...but a jump back up means Xero's window restarted.
	later := t0.Add(20 * time.Second)
	w.take(later, cfg)
	w.observe(later, w.gen, 59, cfg)
	if !w.start.Equal(later) || w.est != 59 {
		t.Fatalf("after a jump: start %v est %d", w.start, w.est)
	}
}

func TestPacerInFlightCap(t *testing.T) {
	t.Parallel()
	p := newPacer(Pacing{MaxInFlight: 2}, time.Now)
	ctx := context.Background()
	a, _ := p.acquire(ctx, "op", "t1", true)
	b, _ := p.acquire(ctx, "op", "t1", true)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := p.acquire(short, "op", "t1", true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third call in flight: %v, want to wait", err)
	}
	// Another tenant has its own slots.
	c, err := p.acquire(ctx, "op", "t2", true)
	if err != nil {
		t.Fatal(err)
	}
	a.done(&http.Response{StatusCode: 200, Header: http.Header{"X-Minlimit-Remaining": {"57"}, "X-Daylimit-Remaining": {"4990"}}}, "op")
	if _, err := p.acquire(ctx, "op", "t1", true); err != nil {
		t.Fatalf("after a release: %v", err)
	}
	b.done(nil, "op")
	c.done(nil, "op")
	if got := p.budget("t1"); got.MinuteRemaining != 57 || got.DayRemaining != 4990 {
		t.Errorf("budget = %+v", got)
	}
}

package xero

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestPacerTimeScale runs the pacer at a time scale of 60, as against an
// emulator started with --rate-limit 60: a spent minute window ends after
// one second of the clock, and a 429 without Retry-After blocks the tenant
// for at most that second, not a real minute.
func TestPacerTimeScale(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC))
	p := newPacer(Pacing{TimeScale: 60}, clock.Now)
	if p.cfg.Minute != time.Second {
		t.Fatalf("minute at scale 60 = %v, want 1s", p.cfg.Minute)
	}
	ctx := context.Background()
	tk, err := p.acquire(ctx, "op", "t1", true)
	if err != nil {
		t.Fatal(err)
	}
	tk.done(&http.Response{StatusCode: http.StatusOK, Header: http.Header{"X-Minlimit-Remaining": {"0"}}}, "op")
	p.mu.Lock()
	wait := p.tenant("t1").minute.delay(clock.Now(), p.cfg)
	p.mu.Unlock()
	if wait != time.Second {
		t.Fatalf("spent window: wait %v, want the scaled minute (1s)", wait)
	}
	clock.Advance(time.Second)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	tk, err = p.acquire(short, "op", "t1", true)
	if err != nil {
		t.Fatalf("after the scaled minute: %v, want to go at once", err)
	}
	if w := tk.done(&http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"X-Rate-Limit-Problem": {"minute"}}}, "op"); w <= 0 || w > time.Second {
		t.Errorf("429 without Retry-After: wait %v, want at most the scaled minute", w)
	}

	// An explicit Minute wins over the scale (a test that already scaled it).
	if got := (Pacing{Minute: 2 * time.Second, TimeScale: 60}).withDefaults().Minute; got != 2*time.Second {
		t.Errorf("Minute with TimeScale = %v, want the explicit 2s", got)
	}
	if got := (Pacing{TimeScale: 0.5}).withDefaults().Minute; got != 2*time.Minute {
		t.Errorf("scale 0.5: minute %v, want 2m", got)
	}
}

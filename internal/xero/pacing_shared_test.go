package xero

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// fakeShared is a SharedLimiter that records what it is asked and refuses
// while a wait is set for a key.
type fakeShared struct {
	mu        sync.Mutex
	taken     []string
	penalties map[string]time.Time
	now       func() time.Time
	slots     map[string]int // held now
	slotsFree int            // slots other processes leave free
}

func (f *fakeShared) Acquire(_ context.Context, key string, slots int) (func(), bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.slots[key] >= min(slots, f.slotsFree) {
		return nil, false, nil
	}
	f.slots[key]++
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.slots[key]--
	}, true, nil
}

func (f *fakeShared) Take(_ context.Context, key string) (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if until, ok := f.penalties[key]; ok && until.After(f.now()) {
		return until.Sub(f.now()), nil
	}
	f.taken = append(f.taken, key)
	return 0, nil
}

func (f *fakeShared) Penalise(_ context.Context, key string, until time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.penalties[key] = until
	return nil
}

// TestPacerSharedLimiter: every call takes from the shared budget (the
// app's, then the organisation's); a 429 is recorded there under the key
// its problem names; a penalty longer than a minute window is a local
// rate-limit error, not a wait; a server sending no rate-limit headers
// switches the shared budget off, as it does this process's pacing.
func TestPacerSharedLimiter(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC))
	f := &fakeShared{penalties: map[string]time.Time{}, now: clock.Now, slots: map[string]int{}, slotsFree: 5}
	p := newPacer(Pacing{}, clock.Now)
	p.shared, p.appKey = f, "client-1"
	ctx := context.Background()
	limited := http.Header{"X-Appminlimit-Remaining": {"9000"}, "X-Minlimit-Remaining": {"50"}}

	tk, err := p.acquire(ctx, "op", "t1", true)
	if err != nil {
		t.Fatal(err)
	}
	if f.slots["xero-org:t1"] != 1 {
		t.Fatalf("call in flight holds %d shared slots, want 1", f.slots["xero-org:t1"])
	}
	tk.done(&http.Response{StatusCode: 200, Header: limited}, "op")
	if want := []string{"xero-app:client-1", "xero-org:t1"}; !slices.Equal(f.taken, want) {
		t.Fatalf("taken %v, want %v", f.taken, want)
	}
	if f.slots["xero-org:t1"] != 0 {
		t.Fatalf("after the call %d shared slots are held, want 0", f.slots["xero-org:t1"])
	}
	// Other processes hold all but one slot: a second call in flight waits.
	f.slotsFree = 1
	tk, err = p.acquire(ctx, "op", "t1", true)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	if _, err := p.acquire(short, "op", "t1", true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call beyond the shared slots: %v, want to wait", err)
	}
	cancel()
	tk.done(&http.Response{StatusCode: 200, Header: limited}, "op")
	f.slotsFree = 5
	f.taken = f.taken[:2]

	p.penalise(ctx, "t1", true, "minute", 30*time.Second)
	p.penalise(ctx, "t1", true, "concurrent", time.Second) // blocks nothing
	p.penalise(ctx, "t2", true, "appminute", 20*time.Second)
	if len(f.penalties) != 2 || !f.penalties["xero-org:t1"].Equal(clock.Now().Add(30*time.Second)) ||
		!f.penalties["xero-app:client-1"].Equal(clock.Now().Add(20*time.Second)) {
		t.Fatalf("penalties = %v", f.penalties)
	}
	// Another process's 429 for the day: longer than a window, so the
	// caller is told at once instead of sleeping for hours.
	f.penalties["xero-app:client-1"] = time.Time{}
	f.penalties["xero-org:t1"] = clock.Now().Add(time.Hour)
	_, err = p.acquire(ctx, "op", "t1", true)
	var rl *RateLimitError
	if !errors.As(err, &rl) || !rl.Local || rl.RetryAfter != time.Hour {
		t.Fatalf("acquire under an hour's penalty = %v, want a local rate-limit error for 1h", err)
	}
	// A short penalty is waited out (the clock moves while the pacer sleeps).
	f.penalties["xero-org:t1"] = clock.Now().Add(50 * time.Millisecond)
	go func() {
		time.Sleep(10 * time.Millisecond)
		clock.Advance(time.Second)
	}()
	if tk, err = p.acquire(ctx, "op", "t1", true); err != nil {
		t.Fatalf("acquire under a short penalty: %v", err)
	}
	// No rate-limit headers: the shared budget is no longer asked.
	tk.done(&http.Response{StatusCode: 200, Header: http.Header{}}, "op")
	n := len(f.taken)
	tk, err = p.acquire(ctx, "op", "t1", true)
	if err != nil {
		t.Fatal(err)
	}
	tk.done(&http.Response{StatusCode: 200, Header: limited}, "op")
	if len(f.taken) != n {
		t.Errorf("shared budget asked by a server without limits: %v", f.taken[n:])
	}
	// Headers back: asked again.
	tk, _ = p.acquire(ctx, "op", "t1", true)
	tk.done(&http.Response{StatusCode: 200, Header: limited}, "op")
	if len(f.taken) != n+2 {
		t.Errorf("shared budget not asked once limits are back: %v", f.taken[n:])
	}
}

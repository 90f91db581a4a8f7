package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// TestGCRA is the algorithm's arithmetic, the reference the SQL of
// RateLimiter.Take follows.
func TestGCRA(t *testing.T) {
	t.Parallel()
	r := store.Rate{Interval: time.Second, Burst: 3} // τ = 2s
	for _, c := range []struct {
		name     string
		tat, now time.Time
		next     time.Time
		admitted bool
		wait     time.Duration
	}{
		{"new key", time.Time{}, t0, t0.Add(time.Second), true, 0},
		{"quiet key: no credit beyond the burst", t0.Add(-time.Hour), t0, t0.Add(time.Second), true, 0},
		{"tat now", t0, t0, t0.Add(time.Second), true, 0},
		{"inside the burst", t0.Add(2 * time.Second), t0, t0.Add(3 * time.Second), true, 0},
		{"burst spent", t0.Add(3 * time.Second), t0, t0.Add(3 * time.Second), false, time.Second},
		{"far ahead (a penalty)", t0.Add(time.Minute), t0, t0.Add(time.Minute), false, time.Minute - 2*time.Second},
		{"just reached", t0.Add(3 * time.Second), t0.Add(time.Second), t0.Add(4 * time.Second), true, 0},
	} {
		next, admitted, wait := r.GCRA(c.tat, c.now)
		if !next.Equal(c.next) || admitted != c.admitted || wait != c.wait {
			t.Errorf("%s: GCRA = %s, %v, %v; want %s, %v, %v", c.name, next.Format(time.TimeOnly), admitted, wait,
				c.next.Format(time.TimeOnly), c.admitted, c.wait)
		}
	}
	// WindowRate keeps any span of the period and the jitter at or under
	// the limit: the densest schedule (the burst, then one call each
	// interval) is counted directly.
	for _, c := range []struct {
		limit, burst int
		jitter       time.Duration
	}{{60, 5, 3 * time.Second}, {60, 5, 0}, {39, 4, 3 * time.Second}, {10000, 50, 3 * time.Second}, {5, 5, 0}, {1, 1, 0}, {60, 1, time.Millisecond}} {
		w := store.WindowRate(c.limit, time.Minute, c.burst, c.jitter)
		span := time.Minute + c.jitter
		var starts []time.Duration
		for range c.burst {
			starts = append(starts, 0)
		}
		for at := w.Interval; at < 2*span; at += w.Interval {
			starts = append(starts, at)
		}
		most := 0
		for _, from := range starts {
			n := 0
			for _, at := range starts {
				if at >= from && at < from+span {
					n++
				}
			}
			most = max(most, n)
		}
		if most > c.limit {
			t.Errorf("WindowRate(%d, burst %d, jitter %v) = %+v starts %d calls in %v", c.limit, c.burst, c.jitter, w, most, span)
		}
		// Not wasteful: one more call per span would break the limit.
		if faster := w.Interval - time.Microsecond; c.limit > c.burst && c.burst-1+int((span+faster-1)/faster) <= c.limit {
			t.Errorf("WindowRate(%d, burst %d, jitter %v) = %+v: %v would do", c.limit, c.burst, c.jitter, w, faster)
		}
	}
}

// TestSQLiteHasNoSharedLimits: on SQLite the in-memory budgets stay.
func TestSQLiteHasNoSharedLimits(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t, storetest.OpenSQLite)
	if _, err := st.NewRateLimiter(store.RateLimiterOptions{}); !errors.Is(err, store.ErrNoSharedLimits) {
		t.Fatalf("NewRateLimiter on SQLite = %v, want ErrNoSharedLimits", err)
	}
}

// twoProcesses opens two Stores (two pools, as two processes have) on one
// migrated PostgreSQL schema and a limiter on each, both on clock.
func twoProcesses(t *testing.T, clock *testkit.Clock, rates map[string]store.Rate) (a, b *store.RateLimiter) {
	t.Helper()
	st := storetest.Migrated(t, storetest.OpenPostgres)
	other := storetest.OpenPostgresAgain(t, st)
	opts := store.RateLimiterOptions{Rates: rates, Now: clock.Now}
	a, err := st.NewRateLimiter(opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err = other.NewRateLimiter(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestRateLimiterTwoProcessesOneBudget: two processes drawing from one key
// as fast as they can never start more than the limit within any minute,
// and together get (nearly) all of it.
func TestRateLimiterTwoProcessesOneBudget(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(t0)
	rate := store.WindowRate(60, time.Minute, 5, 0)
	a, b := twoProcesses(t, clock, map[string]store.Rate{"xero-org": rate})
	ctx := t.Context()
	var (
		mu       sync.Mutex
		admitted []time.Time
		perProc  [2]int
	)
	// Three minutes in steps of a quarter second; at each step three
	// goroutines per process take until refused.
	const step = 250 * time.Millisecond
	for range int(3 * time.Minute / step) {
		var wg sync.WaitGroup
		for i, l := range []*store.RateLimiter{a, b, a, b, a, b} {
			wg.Go(func() {
				for {
					wait, err := l.Take(ctx, "xero-org:tenant-1")
					if err != nil {
						t.Error(err)
						return
					}
					if wait > 0 {
						return
					}
					mu.Lock()
					admitted = append(admitted, clock.Now())
					perProc[i%2]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		clock.Advance(step)
	}
	if t.Failed() {
		return
	}
	for i, at := range admitted {
		n := 0
		for _, other := range admitted {
			if !other.Before(at) && other.Before(at.Add(time.Minute)) {
				n++
			}
		}
		if n > 60 {
			t.Fatalf("%d calls admitted in the minute from call %d at %s; the limit is 60", n, i, at.Sub(t0))
		}
	}
	// Burst 5, then 56 a minute: about 5 + 3×56.
	if len(admitted) < 165 || perProc[0] == 0 || perProc[1] == 0 {
		t.Errorf("admitted %d calls (%v per process) in 3 minutes, want about 170 shared by both", len(admitted), perProc)
	}
	// Another key has a budget of its own.
	if wait, err := b.Take(ctx, "xero-org:tenant-2"); err != nil || wait != 0 {
		t.Errorf("another key: wait %v, %v; want admitted", wait, err)
	}
	if _, err := a.Take(ctx, "nothing:x"); err == nil {
		t.Error("a key without a rate was admitted")
	}
}

// TestRateLimiterPenaltyStopsEveryProcess: a 429 recorded by one process
// (its Retry-After) holds back the other until then, then calls resume
// one at a time; a shorter penalty later does not shorten it.
func TestRateLimiterPenaltyStopsEveryProcess(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(t0)
	a, b := twoProcesses(t, clock, map[string]store.Rate{"shipstation": store.WindowRate(40, time.Minute, 4, 0)})
	ctx := t.Context()
	const key = "shipstation:abc"
	if wait, err := b.Take(ctx, key); err != nil || wait != 0 {
		t.Fatalf("first call: %v, %v", wait, err)
	}
	if err := a.Penalise(ctx, key, clock.Now().Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := a.Penalise(ctx, key, clock.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	wait, err := b.Take(ctx, key)
	if err != nil || wait != 30*time.Second {
		t.Fatalf("other process after the 429: wait %v, %v; want 30s", wait, err)
	}
	clock.Advance(wait - time.Millisecond)
	if wait, _ := b.Take(ctx, key); wait != time.Millisecond {
		t.Fatalf("just before Retry-After: wait %v, want 1ms", wait)
	}
	clock.Advance(time.Millisecond)
	if wait, err := b.Take(ctx, key); err != nil || wait != 0 {
		t.Fatalf("at Retry-After: wait %v, %v; want admitted", wait, err)
	}
	// No burst into the window just reopened: the next waits an interval.
	if wait, _ := a.Take(ctx, key); wait <= 0 {
		t.Errorf("second call after the penalty admitted at once")
	}
}

// TestRateLimiterServerClock: without Now the budget runs on the
// database server's clock.
func TestRateLimiterServerClock(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t, storetest.OpenPostgres)
	l, err := st.NewRateLimiter(store.RateLimiterOptions{Rates: map[string]store.Rate{"k": {Interval: time.Hour, Burst: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if wait, err := l.Take(t.Context(), "k:1"); err != nil || wait != 0 {
		t.Fatalf("first: %v, %v", wait, err)
	}
	if wait, err := l.Take(t.Context(), "k:1"); err != nil || wait < 59*time.Minute || wait > time.Hour {
		t.Fatalf("second: wait %v, %v; want just under an hour", wait, err)
	}
	if err := l.Penalise(t.Context(), "k:2", time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if wait, err := l.Take(t.Context(), "k:2"); err != nil || wait < 119*time.Minute || wait > 2*time.Hour {
		t.Fatalf("penalised: wait %v, %v; want just under two hours", wait, err)
	}
}

// TestRateLimiterInFlightSlots: in-flight slots are shared by the
// processes: no more than the limit are held at once, whoever holds them;
// a released slot is free at once, and a slot a dead process held frees
// after SlotTTL.
func TestRateLimiterInFlightSlots(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(t0)
	a, b := twoProcesses(t, clock, nil)
	ctx := t.Context()
	const key = "xero-org:t1"
	held := 0
	var releases []func()
	for i := range 8 {
		l := []*store.RateLimiter{a, b}[i%2]
		release, ok, err := l.Acquire(ctx, key, 5)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			held++
			releases = append(releases, release)
		}
	}
	if held != 5 {
		t.Fatalf("two processes held %d slots at once, want 5", held)
	}
	releases[0]()
	if _, ok, err := b.Acquire(ctx, key, 5); err != nil || !ok {
		t.Fatalf("after a release: %v, %v; want a slot", ok, err)
	}
	if _, ok, _ := a.Acquire(ctx, "xero-org:t2", 5); !ok {
		t.Error("another key shares the slots")
	}
	// The holders die: their slots come back after SlotTTL.
	clock.Advance(store.SlotTTL)
	for i := range 5 {
		if _, ok, err := a.Acquire(ctx, key, 5); err != nil || !ok {
			t.Fatalf("slot %d after expiry: %v, %v", i, ok, err)
		}
	}
}

// TestRateLimiterSlotsUnderContention: goroutines of two processes
// acquiring and releasing one key's slots never hold more than its limit.
func TestRateLimiterSlotsUnderContention(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(t0)
	a, b := twoProcesses(t, clock, nil)
	var (
		mu        sync.Mutex
		now, most int
	)
	var wg sync.WaitGroup
	for i := range 8 {
		l := []*store.RateLimiter{a, b}[i%2]
		wg.Go(func() {
			for range 25 {
				release, ok, err := l.Acquire(t.Context(), "k:1", 3)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					continue
				}
				mu.Lock()
				now++
				most = max(most, now)
				mu.Unlock()
				time.Sleep(time.Millisecond)
				mu.Lock()
				now--
				mu.Unlock()
				release()
			}
		})
	}
	wg.Wait()
	if most > 3 || most == 0 {
		t.Errorf("at most %d slots held at once, want 1 to 3", most)
	}
}

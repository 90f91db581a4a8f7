package emukit

import (
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    RateLimit
		wantErr bool
	}{
		{in: "real", want: RateLimit{Scale: 1}},
		{in: "", want: RateLimit{Scale: 1}},
		{in: "off", want: RateLimit{Off: true}},
		{in: "OFF", want: RateLimit{Off: true}},
		{in: "60", want: RateLimit{Scale: 60}},
		{in: "0.5", want: RateLimit{Scale: 0.5}},
		{in: "0", wantErr: true},
		{in: "-3", wantErr: true},
		{in: "fast", wantErr: true},
		{in: "NaN", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseRateLimit(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseRateLimit(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("ParseRateLimit(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if err == nil {
			back, err := ParseRateLimit(got.String())
			if err != nil || back != got {
				t.Errorf("round trip of %q through %q gave %+v, %v", tt.in, got.String(), back, err)
			}
		}
	}
}

func TestRateLimitWindow(t *testing.T) {
	t.Parallel()
	if got := RealRateLimit.Window(time.Minute); got != time.Minute {
		t.Errorf("real window = %v, want 1m", got)
	}
	if got := (RateLimit{Scale: 60}).Window(time.Minute); got != time.Second {
		t.Errorf("scale 60 window = %v, want 1s", got)
	}
	if got := (RateLimit{Scale: 1e12}).Window(time.Minute); got != time.Millisecond {
		t.Errorf("huge scale window = %v, want the 1ms floor", got)
	}
}

func TestWindowRefusesOverLimitAndResets(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC))
	w := NewWindow(3, time.Minute, clock.Now)
	for i := 2; i >= 0; i-- {
		rem, _, ok := w.Take("org-a")
		if !ok || rem != i {
			t.Fatalf("call with %d left: ok=%v remaining=%d", i, ok, rem)
		}
	}
	clock.Advance(20 * time.Second)
	rem, reset, ok := w.Take("org-a")
	if ok || rem != 0 || reset != 40*time.Second {
		t.Fatalf("4th call: ok=%v remaining=%d reset=%v, want refused with 40s to reset", ok, rem, reset)
	}
	if rem, _, ok := w.Take("org-b"); !ok || rem != 2 {
		t.Fatalf("another key shares the budget: ok=%v remaining=%d", ok, rem)
	}
	clock.Advance(40 * time.Second)
	if rem, reset := w.Peek("org-a"); rem != 3 || reset != time.Minute {
		t.Fatalf("after reset Peek = %d, %v; want a fresh window", rem, reset)
	}
	if _, _, ok := w.Take("org-a"); !ok {
		t.Fatal("call after the window reset was refused")
	}
}

func TestConcurrencyCapsInFlight(t *testing.T) {
	t.Parallel()
	c := NewConcurrency(2)
	r1, ok1 := c.Acquire("org")
	_, ok2 := c.Acquire("org")
	_, ok3 := c.Acquire("org")
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("acquire results %v %v %v, want true true false", ok1, ok2, ok3)
	}
	if _, ok := c.Acquire("other"); !ok {
		t.Fatal("a different key was refused")
	}
	r1()
	r1() // releasing twice must not free a second slot
	if _, ok := c.Acquire("org"); !ok {
		t.Fatal("slot not freed by release")
	}
	if _, ok := c.Acquire("org"); ok {
		t.Fatal("double release freed two slots")
	}
}

func TestParseFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "none", want: "none"},
		{in: "", want: "none"},
		{in: "errors=0.25,latency=150ms", want: "errors=0.25,latency=150ms"},
		{in: "offline", want: "offline"},
		{in: "errors=1,statuses=503,seed=9", want: "errors=1,statuses=503,seed=9"},
		{in: "errors=2", wantErr: true},
		{in: "statuses=404", wantErr: true},
		{in: "latency=soon", wantErr: true},
		{in: "explode", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseFaults(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseFaults(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && got.String() != tt.want {
			t.Errorf("ParseFaults(%q).String() = %q, want %q", tt.in, got.String(), tt.want)
		}
	}
}

func TestFaultsShareAndSeed(t *testing.T) {
	t.Parallel()
	draw := func(cfg FaultConfig) []int {
		f := NewFaults(cfg)
		out := make([]int, 1000)
		for i := range out {
			out[i] = f.Decide().Status
		}
		return out
	}
	a := draw(FaultConfig{ErrorRate: 0.2, Seed: 42})
	b := draw(FaultConfig{ErrorRate: 0.2, Seed: 42})
	var failed int
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed gave different fates at call %d", i)
		}
		switch a[i] {
		case 0:
		case 500, 503:
			failed++
		default:
			t.Fatalf("unexpected injected status %d", a[i])
		}
	}
	if failed < 150 || failed > 250 {
		t.Errorf("%d of 1000 calls failed at a 20%% error rate", failed)
	}
	for _, st := range draw(FaultConfig{ErrorRate: 1, ErrorStatuses: []int{502}}) {
		if st != 502 {
			t.Fatalf("errors=1 statuses=502 drew %d", st)
		}
	}
	for _, st := range draw(FaultConfig{}) {
		if st != 0 {
			t.Fatalf("no faults configured but drew %d", st)
		}
	}
	f := NewFaults(FaultConfig{})
	f.Set(FaultConfig{Offline: true, Latency: time.Second})
	if d := f.Decide(); !d.Offline || d.Latency != time.Second {
		t.Errorf("Set did not take effect: %+v", d)
	}
}

func TestCounters(t *testing.T) {
	t.Parallel()
	c := NewCounters()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 100 {
				c.Inc("GET /orders")
			}
		})
	}
	wg.Wait()
	c.Inc("POST /orders/createorders")
	if got := c.Get("GET /orders"); got != 1000 {
		t.Errorf("GET /orders = %d, want 1000", got)
	}
	if got := c.Total(); got != 1001 {
		t.Errorf("Total = %d, want 1001", got)
	}
	if got := c.Endpoints(); len(got) != 2 || got[0] != "GET /orders" {
		t.Errorf("Endpoints = %v", got)
	}
	snap := c.Snapshot()
	c.Reset()
	if c.Total() != 0 || snap["GET /orders"] != 1000 {
		t.Errorf("Reset cleared the snapshot or left counts: total %d, snapshot %v", c.Total(), snap)
	}
}

func TestCountersAdd(t *testing.T) {
	t.Parallel()
	c := NewCounters()
	c.Add("org-a", 1500)
	c.Add("org-a", 500)
	c.Add("", 42)
	if c.Get("org-a") != 2000 || c.Total() != 2042 {
		t.Errorf("org-a = %d, total = %d; want 2000, 2042", c.Get("org-a"), c.Total())
	}
}

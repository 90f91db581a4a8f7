// Package emukit holds the machinery both API emulators share: rate-limit
// windows with a time scale, fault injection and per-endpoint request
// counters. It knows nothing about Xero or ShipStation; each emulator decides
// which limits apply and how a refusal looks on the wire, because the two
// vendors word their 429s differently.
package emukit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateLimit says how an emulator enforces its vendor's rate limits.
//
// Off disables every limit. Otherwise Scale shrinks each documented window:
// Scale 1 is real time (60 calls per minute), Scale 60 turns a minute into a
// second (60 calls per second), so tests can run into the limits quickly
// without sleeping for real minutes.
type RateLimit struct {
	Off   bool
	Scale float64
}

// RealRateLimit enforces the vendor's limits in real time.
var RealRateLimit = RateLimit{Scale: 1}

// NoRateLimit disables all limits.
var NoRateLimit = RateLimit{Off: true}

// ParseRateLimit reads the command-line form: "real", "off", or a positive
// number that is the time scale ("60" means sixty times faster than real).
func ParseRateLimit(s string) (RateLimit, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "real":
		return RealRateLimit, nil
	case "off", "none":
		return NoRateLimit, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return RateLimit{}, fmt.Errorf("rate limit %q: want real, off or a positive time scale such as 60", s)
	}
	return RateLimit{Scale: f}, nil
}

// String returns the form ParseRateLimit reads.
func (r RateLimit) String() string {
	switch {
	case r.Off:
		return "off"
	case r.Scale == 0 || r.Scale == 1:
		return "real"
	default:
		return strconv.FormatFloat(r.Scale, 'g', -1, 64)
	}
}

// Window converts a documented window (a minute, a day) into the emulated one.
func (r RateLimit) Window(d time.Duration) time.Duration {
	if r.Scale <= 0 || r.Scale == 1 {
		return d
	}
	w := time.Duration(float64(d) / r.Scale)
	if w < time.Millisecond {
		w = time.Millisecond
	}
	return w
}

// Window is a fixed-window call counter per key (an organisation, an app, an
// API key pair). A window opens with the first call for its key and closes
// Period later, which is how both vendors describe their reset times.
type Window struct {
	limit  int
	period time.Duration
	now    func() time.Time

	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	start time.Time
	used  int
}

// NewWindow returns a counter allowing limit calls per period. now may be nil
// for the wall clock.
func NewWindow(limit int, period time.Duration, now func() time.Time) *Window {
	if now == nil {
		now = time.Now
	}
	return &Window{limit: limit, period: period, now: now, windows: make(map[string]*window)}
}

// Limit is the number of calls a window allows.
func (w *Window) Limit() int { return w.limit }

// Period is the length of one window.
func (w *Window) Period() time.Duration { return w.period }

// Take records one call for key. It reports the calls left in the window
// after this one and, when the call is refused (ok false, nothing recorded),
// how long until the window resets.
func (w *Window) Take(key string) (remaining int, reset time.Duration, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	win := w.current(key, now)
	reset = win.start.Add(w.period).Sub(now)
	if win.used >= w.limit {
		return 0, reset, false
	}
	win.used++
	return w.limit - win.used, reset, true
}

// Peek reports the calls left for key and the time until its window resets,
// without recording a call.
func (w *Window) Peek(key string) (remaining int, reset time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	win := w.current(key, now)
	return w.limit - win.used, win.start.Add(w.period).Sub(now)
}

func (w *Window) current(key string, now time.Time) *window {
	win, found := w.windows[key]
	if !found || !now.Before(win.start.Add(w.period)) {
		win = &window{start: now}
		w.windows[key] = win
	}
	return win
}

// Concurrency caps the calls in flight per key.
type Concurrency struct {
	limit int

	mu       sync.Mutex
	inFlight map[string]int
}

// NewConcurrency allows limit calls in flight per key.
func NewConcurrency(limit int) *Concurrency {
	return &Concurrency{limit: limit, inFlight: make(map[string]int)}
}

// Acquire takes a slot for key; it returns a release func, or ok false when
// all slots are in use.
func (c *Concurrency) Acquire(key string) (release func(), ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inFlight[key] >= c.limit {
		return nil, false
	}
	c.inFlight[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.inFlight[key]--
			c.mu.Unlock()
		})
	}, true
}

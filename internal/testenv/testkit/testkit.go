// Package testkit is the one copy of the small helpers many packages'
// tests need: a clock the test moves by hand, a buffer one goroutine
// writes while the test reads it, an HTTP client of the test's own, a poll
// that waits for a condition, and a testing.TB that records errors. Only tests import it; it imports nothing
// of orderbridge's, so any package's internal tests can use it without a
// cycle.
package testkit

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Clock is a clock that moves only when the test says so. It is safe for
// concurrent use: the code under test reads it while the test moves it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that reads start until it is moved.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time; pass the method value as a Now option.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock d forward (backward when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Buffer is a bytes.Buffer that a writer (a logger, a child process's
// output) and the test can use at the same time.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// HTTPClient returns an HTTP client with a transport of its own, whose idle
// connections close when tb ends. A test does not use http.DefaultClient
// because httptest.Server.Close closes the idle connections of
// http.DefaultTransport, which breaks a request another parallel test is
// just sending on one of them ("CloseIdleConnections called").
func HTTPClient(tb testing.TB) *http.Client {
	c := NewHTTPClient()
	tb.Cleanup(c.CloseIdleConnections)
	return c
}

// NewHTTPClient is HTTPClient for code without a testing.TB (an Example);
// the caller closes its idle connections.
func NewHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{}}
}

// PollEvery is how often WaitFor checks its condition.
const PollEvery = 20 * time.Millisecond

// EventuallyWithin is how long Eventually waits: long enough for a slow,
// shared CI machine, short enough that a hang fails the test.
const EventuallyWithin = 20 * time.Second

// WaitFor checks cond every PollEvery until it holds, and fails tb with
// what it waited for if within passes first. cond runs on the test's
// goroutine, so it may call tb.Fatal itself.
func WaitFor(tb testing.TB, what string, within time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(PollEvery)
	}
}

// Until is WaitFor for a condition that can say what is still wrong: it
// calls check every PollEvery until it returns nil, and fails tb with the
// last error if within passes first.
func Until(tb testing.TB, within time.Duration, check func() error) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("still after %v: %v", within, err)
		}
		time.Sleep(PollEvery)
	}
}

// Eventually is WaitFor with EventuallyWithin.
func Eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	WaitFor(tb, what, EventuallyWithin, cond)
}

// Recorder is a testing.TB for testing a helper that reports through
// Errorf (apispec's validating transport, the emulators' test servers):
// it records the messages instead of failing the test. Everything else,
// Fatalf included, goes to the embedded TB, the real test.
type Recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

// Errorf records the message.
func (r *Recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// Helper does nothing: a recorded message has no line to attribute.
func (r *Recorder) Helper() {}

// Messages returns a copy of the messages recorded so far.
func (r *Recorder) Messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

package testkit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	c := NewClock(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", c.Now(), start)
	}
	c.Advance(90 * time.Second)
	if want := start.Add(90 * time.Second); !c.Now().Equal(want) {
		t.Errorf("after Advance: %v, want %v", c.Now(), want)
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Errorf("after Set: %v, want %v", c.Now(), start)
	}
}

// TestBufferTakesConcurrentWrites is meant for -race: writers and a
// reader at once.
func TestBufferTakesConcurrentWrites(t *testing.T) {
	t.Parallel()
	var b Buffer
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { fmt.Fprintf(&b, "line %d\n", i) })
	}
	_ = b.String()
	wg.Wait()
	if got := len(b.String()); got != 4*len("line 0\n") {
		t.Errorf("buffer holds %d bytes, want %d", got, 4*len("line 0\n"))
	}
}

func TestHTTPClientHasItsOwnTransport(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(srv.Close)
	c := HTTPClient(t)
	if c.Transport == nil || c.Transport == http.DefaultTransport {
		t.Fatal("the client shares http.DefaultTransport")
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestWaitForReturnsOnceCondHolds(t *testing.T) {
	t.Parallel()
	n := 0
	WaitFor(t, "the third poll", time.Second, func() bool { n++; return n == 3 })
	if n != 3 {
		t.Errorf("cond ran %d times, want 3", n)
	}
}

// TestWaitForFailsWithWhatItWaitedFor runs WaitFor on a recorder standing
// in for a test, so that its failure can be checked.
func TestWaitForFailsWithWhatItWaitedFor(t *testing.T) {
	t.Parallel()
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine, as it ends a test
		defer close(done)
		WaitFor(rec, "nothing", 30*time.Millisecond, func() bool { return false })
	}()
	<-done
	if rec.failure != "timed out after 30ms waiting for nothing" {
		t.Errorf("failure %q", rec.failure)
	}
}

// TestUntilFailsWithTheLastError shows that Until reports what was still
// wrong when time ran out.
func TestUntilFailsWithTheLastError(t *testing.T) {
	t.Parallel()
	n := 0
	Until(t, time.Second, func() error {
		if n++; n < 3 {
			return fmt.Errorf("poll %d", n)
		}
		return nil
	})
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		n := 0
		Until(rec, 30*time.Millisecond, func() error { n++; return fmt.Errorf("poll %d", n) })
	}()
	<-done
	if !strings.HasPrefix(rec.failure, "still after 30ms: poll ") {
		t.Errorf("failure %q", rec.failure)
	}
}

// recorder is a testing.TB whose Fatalf records the message and stops
// the goroutine, as a test's would (Recorder leaves Fatalf to the test).
type recorder struct {
	testing.TB
	failure string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestRecorderKeepsErrors(t *testing.T) {
	t.Parallel()
	rec := &Recorder{TB: t}
	rec.Errorf("violation %d", 1)
	rec.Errorf("violation %d", 2)
	if got := rec.Messages(); len(got) != 2 || got[0] != "violation 1" || got[1] != "violation 2" {
		t.Errorf("Messages = %q", got)
	}
}

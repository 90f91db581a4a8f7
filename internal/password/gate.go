package password

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"time"
)

// ErrBusy means every hashing slot stayed taken for the whole wait: the
// caller should answer "try again shortly" (503 with Retry-After).
var ErrBusy = errors.New("password: too many password checks at once")

// Gate bounds how many hashes run at once. Each argon2id hash holds its
// Params.Memory (19 MiB by default) while it runs, so without a bound a
// burst of sign-ins is a burst of memory: 120 at once took a process from
// 90 MB to 2.3 GB. Past the bound, a hash waits a little for a slot and
// then gives up with ErrBusy rather than queue without end.
type Gate struct {
	slots   chan struct{}
	wait    time.Duration
	running atomic.Int64
	peak    atomic.Int64
}

// DefaultGateSize is the bound NewGate takes for 0: one hash per CPU the Go
// runtime may use (more would only wait for a CPU while holding its
// memory), at least 2.
func DefaultGateSize() int { return max(2, runtime.GOMAXPROCS(0)) }

// DefaultGateWait is how long a hash waits for a slot when NewGate is
// given 0: a few hashes' time, so a short burst is served, a flood is not.
const DefaultGateWait = 2 * time.Second

// NewGate returns a Gate for n hashes at once (DefaultGateSize when n <= 0)
// that waits up to wait for a slot (DefaultGateWait when wait <= 0).
func NewGate(n int, wait time.Duration) *Gate {
	if n <= 0 {
		n = DefaultGateSize()
	}
	if wait <= 0 {
		wait = DefaultGateWait
	}
	return &Gate{slots: make(chan struct{}, n), wait: wait}
}

// Size is how many hashes may run at once.
func (g *Gate) Size() int { return cap(g.slots) }

// Peak is the most hashes that ran at once since the gate was made,
// counted inside the slot: what the bound is checked against.
func (g *Gate) Peak() int { return int(g.peak.Load()) }

// Running is how many hashes run now.
func (g *Gate) Running() int { return int(g.running.Load()) }

// Do runs fn, which hashes, holding a slot. It returns ErrBusy when no slot
// frees within the wait, or ctx's error when ctx ends first; fn does not
// run then.
func (g *Gate) Do(ctx context.Context, fn func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			return ErrBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	fn()
	return nil
}

// Hash is the package's Hash, run through the gate.
func (g *Gate) Hash(ctx context.Context, password string, p Params) (hash string, err error) {
	if gerr := g.Do(ctx, func() { hash, err = Hash(password, p) }); gerr != nil {
		return "", gerr
	}
	return hash, err
}

// Check is the package's Check, run through the gate.
func (g *Gate) Check(ctx context.Context, password, encoded string, p Params) (ok, rehash bool, err error) {
	if gerr := g.Do(ctx, func() { ok, rehash, err = Check(password, encoded, p) }); gerr != nil {
		return false, false, gerr
	}
	return ok, rehash, err
}

package shipstation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"
)

// Budget paces the calls made with one API key pair. ShipStation allows 40
// calls a minute per key pair, counted across every program using it, so
// every Client built with the same key pair must be given the same Budget.
// Within a process that is a MemoryBudget; several processes on one
// PostgreSQL database share one through NewSharedBudget.
type Budget interface {
	// Wait blocks until one more call may be made, or ctx ends. A nil
	// error means the caller may make exactly one call. When the wait
	// needed is longer than ctx has left before its deadline, Wait does
	// not sleep into it: it returns a *RateWaitError at once.
	Wait(ctx context.Context) error
	// Update records what a response said: X-Rate-Limit-Remaining, the
	// X-Rate-Limit-Reset duration, and when the response arrived. The
	// Client passes remaining -1 for a successful response that carried no
	// rate-limit headers: a server that does not limit (ShipStation always
	// sends them; an emulator with limits off does not).
	Update(remaining int, reset time.Duration, at time.Time)
}

// DefaultRateLimit is ShipStation V1's documented limit: calls per minute
// per API key pair.
const DefaultRateLimit = 40

// BudgetOptions tunes a MemoryBudget. The zero value is usable.
type BudgetOptions struct {
	// Reserve is the number of calls left unused in each window, a margin
	// for calls still in flight when a window turns over (they can be
	// counted in the next one) and for other programs on the key. Zero
	// means 1.
	Reserve int
	// Slack is added to every reset time, because the reset header is in
	// whole seconds and ShipStation does not say how it rounds. Zero means
	// no slack; a negative value is treated as zero.
	Slack time.Duration
	// Period is the assumed window length while no response has said
	// otherwise. Zero means a minute.
	Period time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// MemoryBudget is a Budget held in memory, safe for any number of
// goroutines. It counts calls down from the limit, lowers its count to
// whatever a response reports as remaining (never raises it: responses
// arrive out of order and a stale one would over-promise), and refills
// when the reported reset time has passed. Until a response says when the
// window ends it assumes a window of Period from the first call. After a
// successful response without rate-limit headers (Update with remaining
// -1) it stops pacing until a response carries them again, so that runs
// against an unlimited emulator are not slowed to 40 calls a minute.
type MemoryBudget struct {
	limit   int
	reserve int
	slack   time.Duration
	period  time.Duration
	now     func() time.Time

	mu        sync.Mutex
	remaining int
	resetAt   time.Time // when the current window ends
	guessed   bool      // resetAt is the Period guess, not a reported time
	refilled  time.Time // when the current window began, as far as we know
	unlimited bool      // the server sends no rate-limit headers
	changed   chan struct{}
}

var _ Budget = (*MemoryBudget)(nil)

// NewMemoryBudget returns a budget of limit calls per window with the
// default options. limit below 1 means DefaultRateLimit.
func NewMemoryBudget(limit int) *MemoryBudget {
	return NewMemoryBudgetWithOptions(limit, BudgetOptions{})
}

// NewMemoryBudgetWithOptions returns a budget of limit calls per window.
func NewMemoryBudgetWithOptions(limit int, opts BudgetOptions) *MemoryBudget {
	if limit < 1 {
		limit = DefaultRateLimit
	}
	b := &MemoryBudget{
		limit:   limit,
		reserve: opts.Reserve,
		slack:   max(opts.Slack, 0),
		period:  opts.Period,
		now:     opts.Now,
		changed: make(chan struct{}),
	}
	if b.reserve <= 0 {
		b.reserve = 1
	}
	if b.reserve >= limit {
		b.reserve = limit - 1
	}
	if b.period <= 0 {
		b.period = time.Minute
	}
	if b.now == nil {
		b.now = time.Now
	}
	b.remaining = limit
	return b
}

// Wait blocks until a call may be made. It takes the call from the budget
// before returning, so concurrent callers never share one slot.
func (b *MemoryBudget) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.mu.Lock()
		if b.unlimited {
			b.mu.Unlock()
			return nil
		}
		now := b.now()
		if !b.resetAt.IsZero() && !now.Before(b.resetAt) {
			// The window has turned over.
			b.remaining = b.limit
			b.resetAt = time.Time{}
			b.refilled = now
		}
		if b.resetAt.IsZero() {
			// First call of a window: until a response says when it ends,
			// assume it ends a whole Period after the call.
			b.resetAt = now.Add(b.period)
			b.guessed = true
			if b.refilled.IsZero() {
				b.refilled = now
			}
		}
		if b.remaining > b.reserve {
			b.remaining--
			b.mu.Unlock()
			return nil
		}
		wait := b.resetAt.Sub(now)
		changed := b.changed
		b.mu.Unlock()
		if err := pastDeadline(ctx, wait); err != nil {
			return err
		}

		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-changed:
			t.Stop()
		case <-t.C:
		}
	}
}

// pastDeadline returns a *RateWaitError when ctx's deadline comes before
// wait has passed: sleeping would only end in DeadlineExceeded, which a
// job worker takes for a stalled attempt, while the wait is known and is
// a reason to snooze exactly that long. The deadline is on the real
// clock, whatever clock the budget reads.
func pastDeadline(ctx context.Context, wait time.Duration) error {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return &RateWaitError{Wait: wait}
	}
	return nil
}

// Update records a response's rate-limit headers.
func (b *MemoryBudget) Update(remaining int, reset time.Duration, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Wake the waiters whatever the update said: they re-check the clock,
	// and the window end may have moved earlier.
	defer func() {
		close(b.changed)
		b.changed = make(chan struct{})
	}()
	if remaining < 0 {
		b.unlimited = true
		return
	}
	if b.unlimited {
		// Limits are back (an emulator switched them on): start afresh.
		b.unlimited = false
		b.remaining, b.resetAt, b.guessed, b.refilled = b.limit, time.Time{}, false, time.Time{}
	}
	if at.Before(b.refilled) {
		// Sent in a window we already consider over.
		return
	}
	end := at.Add(max(reset, 0) + b.slack)
	if !end.After(b.now()) {
		return
	}
	switch {
	case b.resetAt.IsZero() || b.guessed:
		b.resetAt = end
		b.guessed = false
	case end.Before(b.resetAt):
		// Reports of one window differ only by the header's rounding;
		// taken (with Slack) as at or after the true end, the earliest
		// is the best estimate.
		b.resetAt = end
	}
	if remaining < b.remaining {
		b.remaining = max(remaining, 0)
	}
}

// Unlimited reports that the server sends no rate-limit headers (see
// Update), so no budget needs asking.
func (b *MemoryBudget) Unlimited() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.unlimited
}

// Remaining reports the calls the budget would still allow in the current
// window (before the reserve), for logs and tests.
func (b *MemoryBudget) Remaining() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.resetAt.IsZero() && !b.now().Before(b.resetAt) {
		return b.limit
	}
	return b.remaining
}

// Limiter is a rate budget shared with other processes (store.RateLimiter
// on PostgreSQL), keyed by LimitKey.
type Limiter interface {
	// Take admits one call under key (0) or says how long to wait before
	// asking again; a refusal spends nothing.
	Take(ctx context.Context, key string) (time.Duration, error)
	// Penalise records that calls under key are refused until until.
	Penalise(ctx context.Context, key string, until time.Time) error
}

// LimitClass is the class of a ShipStation key pair's key in a Limiter.
const LimitClass = "shipstation"

// LimitKey is the Limiter key of an API key pair: LimitClass and a hash of
// the API key, so the key itself is never written to the database.
func LimitKey(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return LimitClass + ":" + hex.EncodeToString(sum[:12])
}

// SharedBudget is a Budget shared by every process on one database: a
// call first passes the process's MemoryBudget (which follows the
// response headers: the second guard) and then takes from the shared
// Limiter; a response saying nothing is left (a 429, or a spent window)
// stops every process until its reset. NewSharedBudget builds it.
type SharedBudget struct {
	local  *MemoryBudget
	shared Limiter
	key    string
	log    *slog.Logger
}

var _ Budget = (*SharedBudget)(nil)

// NewSharedBudget returns the Budget of the key pair apiKey that takes
// from local and then from shared. logger may be nil.
func NewSharedBudget(local *MemoryBudget, shared Limiter, apiKey string, logger *slog.Logger) *SharedBudget {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &SharedBudget{local: local, shared: shared, key: LimitKey(apiKey), log: logger}
}

// Wait blocks until this process's budget and the shared one admit a
// call. A server without rate-limit headers (an emulator with limits off)
// skips the shared one, as it does the local one. A failing store is
// logged and the call goes on under the local budget alone.
func (b *SharedBudget) Wait(ctx context.Context) error {
	if err := b.local.Wait(ctx); err != nil {
		return err
	}
	for !b.local.Unlimited() {
		wait, err := b.shared.Take(ctx, b.key)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			b.log.Warn("shipstation: shared rate budget unavailable; pacing by this process alone", "error", err)
			return nil
		}
		if wait <= 0 {
			return nil
		}
		if err := pastDeadline(ctx, wait); err != nil {
			// The local call taken above is lost; the job snoozes past
			// the window it belonged to anyway.
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// penaliseTimeout bounds recording a spent window, which has no caller's
// context (Update has none).
const penaliseTimeout = 5 * time.Second

// Update tells the local budget, and when nothing is left (a 429 included)
// makes every process wait for the reset.
func (b *SharedBudget) Update(remaining int, reset time.Duration, at time.Time) {
	b.local.Update(remaining, reset, at)
	if remaining != 0 || reset <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), penaliseTimeout)
	defer cancel()
	if err := b.shared.Penalise(ctx, b.key, at.Add(reset+b.local.slack)); err != nil {
		b.log.Warn("shipstation: record a spent window in the shared rate budget", "error", err)
	}
}

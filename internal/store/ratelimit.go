package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Rate is one shared limit in GCRA terms (the generic cell rate
// algorithm): calls are spaced Interval apart on average, and up to Burst
// may go at once after a quiet spell.
type Rate struct {
	// Interval is the emission interval: the sustained spacing of calls.
	Interval time.Duration
	// Burst is how many calls may start together (at least 1).
	Burst int
}

// WindowRate returns the Rate that never lets more than limit calls
// start within any span of period+jitter, whatever the phase of the
// API's own window, while allowing burst of them at once. The densest
// GCRA schedule is burst calls at once and then one every Interval, which
// puts burst−1+⌈L/Interval⌉ calls in a span of L; so Interval is
// (period+jitter)/(limit−burst+1), rounded up to the microsecond the
// table keeps. jitter is the spread of the delay between admission and
// the API receiving the call (another round trip to the database, the
// token, the network): the API's fixed window (Xero's, ShipStation's),
// which opens anywhere, then never counts more than limit.
func WindowRate(limit int, period time.Duration, burst int, jitter time.Duration) Rate {
	limit = max(limit, 1)
	burst = min(max(burst, 1), limit)
	span := period + max(jitter, 0)
	interval := span / time.Duration(limit-burst+1)
	if interval*time.Duration(limit-burst+1) < span {
		interval++
	}
	if r := interval % time.Microsecond; r != 0 {
		interval += time.Microsecond - r
	}
	return Rate{Interval: interval, Burst: burst}
}

// tolerance is the GCRA burst tolerance τ: how far ahead of now the
// theoretical arrival time may run and still admit a call.
func (r Rate) tolerance() time.Duration { return time.Duration(max(r.Burst, 1)-1) * r.Interval }

// GCRA is the algorithm's one step, on a key's theoretical arrival time
// tat (zero for a key never used): a call at now is admitted when tat−τ is
// not after now, and then tat becomes max(tat, now)+Interval; otherwise
// nothing changes and wait says when to ask again. The SQL of
// RateLimiter.Take is the same arithmetic; this is its reference (and its
// table test).
func (r Rate) GCRA(tat, now time.Time) (next time.Time, admitted bool, wait time.Duration) {
	if earliest := tat.Add(-r.tolerance()); earliest.After(now) {
		return tat, false, earliest.Sub(now)
	}
	if tat.Before(now) {
		tat = now // a quiet key: its budget does not pile up beyond the burst
	}
	return tat.Add(r.Interval), true, 0
}

// RateLimiterOptions configures NewRateLimiter.
type RateLimiterOptions struct {
	// Rates gives each key class its Rate: a key "class:id" is limited by
	// Rates["class"]. A key of a class not listed is refused with an error.
	Rates map[string]Rate
	// Now, when set, is the clock the budget runs on (tests scale or move
	// it). Nil means the database server's clock, so that every process,
	// on any host, measures the same budget on one clock.
	Now func() time.Time
}

// RateLimiter is a set of rate budgets shared by every process on one
// PostgreSQL database (table rate_budget): each key (a Xero organisation,
// the Xero app, a ShipStation key pair) has one GCRA theoretical arrival
// time, and Take admits a call or says how long to wait in one atomic
// statement. Penalise pushes a key's time past a 429's Retry-After, so
// every process waits, not only the one that was refused.
type RateLimiter struct {
	s     *Store
	rates map[string]Rate
	now   func() time.Time
}

// ErrNoSharedLimits means the database cannot share rate budgets: SQLite,
// where one process owns the file and its in-memory budgets suffice.
var ErrNoSharedLimits = errors.New("store: shared rate limits need PostgreSQL")

// NewRateLimiter returns the shared rate budgets of s, or
// ErrNoSharedLimits on SQLite.
func (s *Store) NewRateLimiter(opts RateLimiterOptions) (*RateLimiter, error) {
	if s.dialect != Postgres {
		return nil, ErrNoSharedLimits
	}
	rates := make(map[string]Rate, len(opts.Rates))
	for class, r := range opts.Rates {
		if r.Interval <= 0 {
			return nil, fmt.Errorf("store: rate of %q: interval must be positive", class)
		}
		rates[class] = r
	}
	return &RateLimiter{s: s, rates: rates, now: opts.Now}, nil
}

func (l *RateLimiter) rate(key string) (Rate, error) {
	class, _, _ := strings.Cut(key, ":")
	r, ok := l.rates[class]
	if !ok {
		return Rate{}, fmt.Errorf("store: rate limit key %q: no rate for class %q", key, class)
	}
	return r, nil
}

// nowArg is the statement's clock: the caller's, or NULL for the server's.
func (l *RateLimiter) nowArg() any {
	if l.now == nil {
		return nil
	}
	return l.now().UnixMicro()
}

// takeSQL is GCRA in one statement. A new key is admitted and its tat set
// one interval on; an existing one is admitted when tat−τ ≤ now. Every SET
// expression reads the row as it was (b.*), so admitted records the test
// made on the old tat and tat moves only when admitted; RETURNING then
// reads the new row. The row lock ON CONFLICT takes serialises concurrent
// takers of one key, in any process.
//
// $1 key, $2 now (µs; NULL: the server's clock), $3 interval (µs), $4 τ (µs).
const takeSQL = `INSERT INTO rate_budget AS b (key, tat_us, admitted, updated_us)
SELECT $1, clock.n + $3, TRUE, clock.n
FROM (SELECT COALESCE($2::bigint, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) AS n) AS clock
ON CONFLICT (key) DO UPDATE SET
    admitted   = b.tat_us - $4 <= excluded.updated_us,
    tat_us     = CASE WHEN b.tat_us - $4 <= excluded.updated_us
                      THEN greatest(b.tat_us, excluded.updated_us) + $3 ELSE b.tat_us END,
    updated_us = excluded.updated_us
RETURNING admitted, tat_us, updated_us`

// Take admits one call under key (wait 0) or says how long to wait before
// asking again, without spending anything then.
func (l *RateLimiter) Take(ctx context.Context, key string) (time.Duration, error) {
	r, err := l.rate(key)
	if err != nil {
		return 0, err
	}
	var admitted bool
	var tat, now int64
	err = l.s.pool.QueryRow(ctx, takeSQL, key, l.nowArg(), r.Interval.Microseconds(), r.tolerance().Microseconds()).
		Scan(&admitted, &tat, &now)
	if err != nil {
		return 0, fmt.Errorf("store: take rate budget %s: %w", key, err)
	}
	if admitted {
		return 0, nil
	}
	// Refused: tat is unchanged, and the call may go once tat−τ is reached.
	return max(time.Duration(tat-r.tolerance().Microseconds()-now)*time.Microsecond, time.Microsecond), nil
}

// penaliseSQL moves a key's tat to at least now+$2, never back.
//
// $1 key, $2 the wait plus τ (µs), $3 now (µs; NULL: the server's clock).
const penaliseSQL = `INSERT INTO rate_budget AS b (key, tat_us, admitted, updated_us)
SELECT $1, clock.n + $2, FALSE, clock.n
FROM (SELECT COALESCE($3::bigint, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) AS n) AS clock
ON CONFLICT (key) DO UPDATE SET tat_us = greatest(b.tat_us, excluded.tat_us), updated_us = excluded.updated_us`

// Penalise records that the API refuses calls under key until until (a
// 429's Retry-After): the key's tat moves to until+τ, so no process is
// admitted before until, and then calls resume at the sustained rate, not
// in a burst into a window just reopened. A later penalty already stored
// is kept. until is read on this process's clock and stored as a wait
// from the budget's clock, so a host whose clock is off does not shift it.
func (l *RateLimiter) Penalise(ctx context.Context, key string, until time.Time) error {
	r, err := l.rate(key)
	if err != nil {
		return err
	}
	local := time.Now
	if l.now != nil {
		local = l.now
	}
	wait := max(until.Sub(local()), 0) + r.tolerance()
	if _, err := l.s.pool.Exec(ctx, penaliseSQL, key, wait.Microseconds(), l.nowArg()); err != nil {
		return fmt.Errorf("store: penalise rate budget %s: %w", key, err)
	}
	return nil
}

// SlotTTL is how long an in-flight slot is held at most: longer than any
// call (the clients time out after a minute), so that only a process that
// died mid-call loses its slots, and only for this long.
const SlotTTL = 2 * time.Minute

// acquireSQL takes a free in-flight slot of a key in one statement: a slot
// with no row or an expired one, picked at random so concurrent takers
// seldom collide. A taker that loses the race for a slot finds the
// winner's unexpired row under the ON CONFLICT lock, updates nothing and
// returns no row: it asks again.
//
// $1 key, $2 slots, $3 now (µs; NULL: the server's clock), $4 lease, $5 TTL (µs).
const acquireSQL = `WITH clock AS (
    SELECT COALESCE($3::bigint, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) AS n
), free AS (
    SELECT s FROM generate_series(0, $2::int - 1) AS s, clock
    WHERE NOT EXISTS (SELECT 1 FROM rate_slot r WHERE r.key = $1 AND r.slot = s AND r.expires_us > clock.n)
    ORDER BY random() LIMIT 1
)
INSERT INTO rate_slot AS r (key, slot, lease, expires_us)
SELECT $1, free.s, $4, clock.n + $5 FROM free, clock
ON CONFLICT (key, slot) DO UPDATE SET lease = excluded.lease, expires_us = excluded.expires_us
    WHERE r.expires_us <= excluded.expires_us - $5
RETURNING slot`

// Acquire takes one of slots in-flight slots of key, shared by every
// process: ok false means all are held (ask again shortly). release frees
// the slot; it runs on its own context, so a call cancelled mid-way still
// frees it.
func (l *RateLimiter) Acquire(ctx context.Context, key string, slots int) (release func(), ok bool, err error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, false, fmt.Errorf("store: lease: %w", err)
	}
	lease := hex.EncodeToString(b[:])
	var slot int
	err = l.s.pool.QueryRow(ctx, acquireSQL, key, max(slots, 1), l.nowArg(), lease, SlotTTL.Microseconds()).Scan(&slot)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: acquire in-flight slot %s: %w", key, err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		// A failure leaves the slot to expire (SlotTTL).
		_, _ = l.s.pool.Exec(ctx, `DELETE FROM rate_slot WHERE key = $1 AND slot = $2 AND lease = $3`, key, slot, lease)
	}, true, nil
}

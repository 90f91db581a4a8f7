package xero

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Xero's documented limits (xero-api.md §0, §8.3).
const (
	// MinuteLimit is the calls per minute per organisation.
	MinuteLimit = 60
	// AppMinuteLimit is the calls per minute per app, across organisations.
	AppMinuteLimit = 10000
	// InFlightLimit is the concurrent calls per organisation.
	InFlightLimit = 5
)

// Key classes of a SharedLimiter: a key is "<class>:<id>".
const (
	// LimitOrg keys an organisation's budget (id: the tenant ID; "" for a
	// custom connection).
	LimitOrg = "xero-org"
	// LimitApp keys the app's budget across organisations (id: the client
	// ID).
	LimitApp = "xero-app"
)

// SharedLimiter is a rate budget shared with other processes, so that
// several processes calling Xero for one organisation (or one app) keep
// under one limit between them, and a 429 seen by one stops them all. The
// store implements it on PostgreSQL (store.RateLimiter); the pacer's own
// header-driven pacing stays as a second guard. Keys are LimitOrg or
// LimitApp, a colon, and the tenant or client ID.
type SharedLimiter interface {
	// Take admits one call under key (0) or says how long to wait before
	// asking again; a refusal spends nothing.
	Take(ctx context.Context, key string) (time.Duration, error)
	// Penalise records that Xero refuses calls under key until until (a
	// 429's Retry-After), for every process.
	Penalise(ctx context.Context, key string, until time.Time) error
	// Acquire takes one of slots in-flight slots of key, shared by every
	// process (ok false: all are held, ask again shortly); release frees
	// it when the call is over.
	Acquire(ctx context.Context, key string, slots int) (release func(), ok bool, err error)
}

// Pacing configures how the client keeps under Xero's rate limits. Xero
// does not say when a minute window resets, only how many calls are left
// in it (X-MinLimit-Remaining), so the client keeps its own window: it
// opens at the first response of a minute (never earlier than Xero's, which
// opens when Xero receives that call) and restarts when the remaining count
// jumps back up. When the budget runs low the remaining calls are spread over
// the rest of the window; when it is spent, calls wait for the next window.
type Pacing struct {
	// Off disables pacing (the in-flight cap too).
	Off bool
	// Minute is the length of a minute window; time.Minute unless a test
	// runs the emulator at a time scale (emukit.RateLimit.Window). When
	// set it wins over TimeScale.
	Minute time.Duration
	// TimeScale, when positive, shortens the default minute to
	// time.Minute/TimeScale, to match an emulator run at that scale
	// (`--rate-limit 60`: a minute is a second), so load tests keep Xero's
	// 60 calls a minute without waiting real minutes. For emulators only:
	// against the real Xero it would overrun the limit.
	TimeScale float64
	// MaxInFlight caps concurrent calls per tenant; Xero allows 5.
	MaxInFlight int
	// Spread is the remaining-call count below which calls are spaced out
	// over the rest of the window rather than sent at once. Default 10.
	Spread int
}

// MinuteWindow is the length of a minute window these settings pace by:
// Minute, or a minute shortened by TimeScale. A SharedLimiter's rates are
// made from it, so both guards run on one time scale.
func (p Pacing) MinuteWindow() time.Duration { return p.withDefaults().Minute }

func (p Pacing) withDefaults() Pacing {
	if p.Minute <= 0 {
		p.Minute = time.Minute
		if p.TimeScale > 0 {
			p.Minute = time.Duration(float64(time.Minute) / p.TimeScale)
		}
	}
	if p.MaxInFlight <= 0 {
		p.MaxInFlight = 5
	}
	if p.Spread <= 0 {
		p.Spread = 10
	}
	return p
}

// Budget is what the client last learned of a tenant's limits.
type Budget struct {
	MinuteRemaining    int // -1 when unknown
	DayRemaining       int // -1 when unknown
	AppMinuteRemaining int // -1 when unknown
	// DaySeenAt is when DayRemaining was read from an answer, so that a
	// caller keeping it knows how old it is.
	DaySeenAt time.Time
	// BlockedUntil is set after a 429: calls before it fail locally.
	BlockedUntil time.Time
}

// pacer holds the pacing state of every tenant of one App, and the app-wide
// minute budget.
type pacer struct {
	cfg Pacing
	now func() time.Time
	// shared, when set, is the budget shared with other processes;
	// appKey is this app's key in it.
	shared SharedLimiter
	appKey string
	log    *slog.Logger

	mu      sync.Mutex
	tenants map[string]*tenantPace
	app     window
	// unlimited is set by a successful answer without rate-limit headers
	// (an emulator with limits off; Xero always sends them): the shared
	// budget is then not asked, so runs against such a server are not
	// slowed to Xero's real rates. A header seen again clears it.
	unlimited bool
}

type tenantPace struct {
	sem          chan struct{}
	minute       window
	day          int
	dayAt        time.Time // when day was read
	blockedUntil time.Time
	blockProblem string
}

// window is one fixed-window budget seen through response headers.
type window struct {
	gen      uint64    // bumped when the window restarts; stale responses are ignored
	start    time.Time // zero until the first response of the window
	reported int       // last remaining count Xero reported, -1 unknown
	est      int       // calls we believe are left, after calls started since
	next     time.Time // earliest start of the next call when spreading
	inflight int
}

func newPacer(cfg Pacing, now func() time.Time) *pacer {
	return &pacer{cfg: cfg.withDefaults(), now: now, tenants: make(map[string]*tenantPace),
		app: window{reported: -1, est: -1}, log: slog.New(slog.DiscardHandler)}
}

func (p *pacer) tenant(key string) *tenantPace {
	t := p.tenants[key]
	if t == nil {
		t = &tenantPace{sem: make(chan struct{}, p.cfg.MaxInFlight), minute: window{reported: -1, est: -1}, day: -1}
		p.tenants[key] = t
	}
	return t
}

// ticket is one call's place in the pacing state.
type ticket struct {
	p        *pacer
	t        *tenantPace // nil for tenantless calls
	slot     func()      // frees the shared in-flight slot; nil without one
	tgen     uint64
	agen     uint64
	released bool
}

// acquire waits until a call for tenant (key "" is tenantless) may start.
// A wait longer than ctx has left before its deadline is not slept: it
// returns a local *RateLimitError carrying the wait instead.
func (p *pacer) acquire(ctx context.Context, op, key string, tenanted bool) (*ticket, error) {
	tk := &ticket{p: p}
	if p.cfg.Off {
		// No waiting, but the headers are still read for Budget.
		p.mu.Lock()
		p.app.inflight++
		tk.agen = p.app.gen
		if tenanted {
			tk.t = p.tenant(key)
			tk.t.minute.inflight++
			tk.tgen = tk.t.minute.gen
		}
		p.mu.Unlock()
		tk.released = true
		return tk, nil
	}
	if tenanted {
		p.mu.Lock()
		tp := p.tenant(key)
		p.mu.Unlock()
		select {
		case tp.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		tk.t = tp
	}
	for {
		p.mu.Lock()
		now := p.now()
		if tk.t != nil && now.Before(tk.t.blockedUntil) {
			wait, problem := tk.t.blockedUntil.Sub(now), tk.t.blockProblem
			p.mu.Unlock()
			tk.releaseSem()
			return nil, &RateLimitError{Op: op, RetryAfter: wait, Problem: problem, Local: true}
		}
		wait, problem := p.app.delay(now, p.cfg), "appminute"
		if tk.t != nil {
			if tw := tk.t.minute.delay(now, p.cfg); tw > wait {
				wait, problem = tw, "minute"
			}
		}
		if wait <= 0 && p.shared != nil && !p.unlimited {
			// This process would go: ask the budget every process shares.
			p.mu.Unlock()
			var err error
			if wait, err = p.takeShared(ctx, op, key, tenanted); err != nil {
				tk.releaseSem()
				return nil, err
			}
			if wait <= 0 && tenanted {
				if tk.slot, err = p.sharedSlot(ctx, key); err != nil {
					tk.releaseSem()
					return nil, err
				}
			}
			p.mu.Lock()
			now = p.now()
			problem = "shared"
		}
		if wait <= 0 {
			p.app.take(now, p.cfg)
			tk.agen = p.app.gen
			if tk.t != nil {
				tk.t.minute.take(now, p.cfg)
				tk.tgen = tk.t.minute.gen
			}
			p.mu.Unlock()
			return tk, nil
		}
		p.mu.Unlock()
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			// Sleeping would end in DeadlineExceeded, which a job worker
			// takes for a stalled attempt; the wait is known, so say it
			// and let the caller snooze that long. The deadline is on the
			// real clock, whatever clock the pacer reads.
			tk.releaseSem()
			return nil, &RateLimitError{Op: op, RetryAfter: wait, Problem: problem, Local: true}
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			tk.releaseSem()
			return nil, ctx.Err()
		}
	}
}

// takeShared asks the shared budget for one call: the app's, then the
// organisation's (a refusal by the organisation wastes an app call, of
// which there are 10,000 a minute, rather than the other way round). It
// returns how long to wait before asking again, or a local
// *RateLimitError when that is longer than a minute window: a penalty
// (a 429 another process saw, Xero's day limit) that a worker should
// snooze through rather than hold its slot. A failing store is logged and
// the call goes on under this process's own pacing, the second guard.
func (p *pacer) takeShared(ctx context.Context, op, key string, tenanted bool) (time.Duration, error) {
	keys := []string{LimitApp + ":" + p.appKey}
	if tenanted {
		keys = append(keys, LimitOrg+":"+key)
	}
	for _, k := range keys {
		wait, err := p.shared.Take(ctx, k)
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			p.log.Warn("xero: shared rate budget unavailable; pacing by this process alone", "key", k, "error", err)
			return 0, nil
		}
		if wait > p.cfg.Minute {
			return 0, &RateLimitError{Op: op, RetryAfter: wait, Problem: "shared", Local: true}
		}
		if wait > 0 {
			return wait, nil
		}
	}
	return 0, nil
}

// slotPoll is how often, in minute windows, a call waiting for an
// in-flight slot held by other processes asks again: a quarter second at
// Xero's real minute.
const slotPoll = 240

// sharedSlot takes one of the organisation's in-flight slots shared by
// every process (Pacing.MaxInFlight of them, five by default), waiting
// while other processes hold them all, and returns its release. The rate
// was taken already: a call waiting here only spaces the next ones more.
// A failing store is logged and the call goes on without a shared slot.
func (p *pacer) sharedSlot(ctx context.Context, key string) (func(), error) {
	k := LimitOrg + ":" + key
	for {
		release, ok, err := p.shared.Acquire(ctx, k, p.cfg.MaxInFlight)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			p.log.Warn("xero: shared in-flight slots unavailable; capping by this process alone", "key", k, "error", err)
			return nil, nil
		}
		if ok {
			return release, nil
		}
		t := time.NewTimer(max(p.cfg.Minute/slotPoll, time.Millisecond))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}

// penalise tells the shared budget that Xero refused calls for wait: an
// organisation's limits (minute, day) block its key, the app's minute
// limit the app's; the concurrent limit blocks nothing.
func (p *pacer) penalise(ctx context.Context, key string, tenanted bool, problem string, wait time.Duration) {
	if p.shared == nil || wait <= 0 || problem == "concurrent" {
		return
	}
	k := LimitApp + ":" + p.appKey
	if tenanted && problem != "appminute" {
		k = LimitOrg + ":" + key
	}
	if err := p.shared.Penalise(context.WithoutCancel(ctx), k, p.now().Add(wait)); err != nil {
		p.log.Warn("xero: record 429 in the shared rate budget", "key", k, "error", err)
	}
}

// delay says how long the next call must wait; zero means go.
func (w *window) delay(now time.Time, cfg Pacing) time.Duration {
	if w.start.IsZero() || w.est < 0 {
		return 0 // nothing known: Xero's window is fresh or we have not heard yet
	}
	end := w.start.Add(cfg.Minute)
	if !now.Before(end) {
		// Our window is over, so Xero's (which began no later) is too.
		w.reset()
		return 0
	}
	if w.est <= 0 {
		return end.Sub(now)
	}
	if w.est <= cfg.Spread && now.Before(w.next) {
		return w.next.Sub(now)
	}
	return 0
}

// take records the start of a call.
func (w *window) take(now time.Time, cfg Pacing) {
	w.inflight++
	if w.est < 0 || w.start.IsZero() {
		return
	}
	w.est--
	if w.est < cfg.Spread && w.est > 0 {
		// Spread what is left evenly over the rest of the window.
		w.next = now.Add(w.start.Add(cfg.Minute).Sub(now) / time.Duration(w.est+1))
	}
}

func (w *window) reset() {
	w.gen++
	w.start = time.Time{}
	w.reported, w.est = -1, -1
	w.next = time.Time{}
}

// observe folds a response's remaining count into the window.
func (w *window) observe(now time.Time, gen uint64, remaining int, cfg Pacing) {
	w.inflight--
	if remaining < 0 || gen != w.gen {
		return // no header, or the call belonged to a window that is over
	}
	switch {
	case w.start.IsZero():
		w.start = now
	case w.reported >= 0 && remaining > w.reported+cfg.MaxInFlight:
		// Xero's window restarted before ours: follow it. (Responses of
		// concurrent calls can arrive out of order, so a small rise is noise.)
		w.gen++
		w.start = now
		w.est = -1
		w.next = time.Time{}
	}
	w.reported = remaining
	// Calls still in flight may not be counted in remaining yet.
	if est := remaining - w.inflight; w.est < 0 || est < w.est {
		w.est = est
	}
}

func (t *ticket) releaseSem() {
	if t.slot != nil {
		t.slot()
		t.slot = nil
	}
	if t.t != nil && !t.released {
		t.released = true
		<-t.t.sem
	}
}

// concurrentWait is what a 429 for the concurrent limit without
// Retry-After asks a caller to wait: a slot frees within one call's time.
const concurrentWait = time.Second

// done records the response (nil when the call failed without one) and
// frees the call's slot. For a 429 it returns how long the tenant must
// wait: Retry-After when Xero sent it, otherwise a bounded guess (see
// noRetryAfterWait), so a caller never retries at once.
func (t *ticket) done(resp *http.Response, op string) (wait time.Duration) {
	p := t.p
	p.mu.Lock()
	now := p.now()
	h := http.Header{}
	if resp != nil {
		h = resp.Header
	}
	app := headerInt(h, "X-AppMinLimit-Remaining")
	if resp != nil && resp.StatusCode < 300 || app >= 0 {
		p.unlimited = app < 0
	}
	p.app.observe(now, t.agen, app, p.cfg)
	if t.t != nil {
		t.t.minute.observe(now, t.tgen, headerInt(h, "X-MinLimit-Remaining"), p.cfg)
		if d := headerInt(h, "X-DayLimit-Remaining"); d >= 0 {
			t.t.day, t.t.dayAt = d, now
		}
	}
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		problem := rateProblem(h)
		wait = retryAfter(h, now)
		if h.Get("Retry-After") == "" {
			// Absent, not "0": an explicit zero asks for no wait.
			wait = p.noRetryAfterWait(t.t, problem, now)
		}
		if t.t != nil && problem != "concurrent" && wait > 0 {
			t.t.blockedUntil = now.Add(wait)
			t.t.blockProblem = problem
		}
	}
	p.mu.Unlock()
	t.releaseSem()
	return wait
}

// noRetryAfterWait is the wait after a 429 without Retry-After (Xero
// documents the header, but the concurrent limit, a proxy or a gateway
// may leave it out). Calling again at once would only spend the next call
// on another 429, so: a second for the concurrent limit; otherwise until
// the minute window we keep ends (the tenant's, or the app's for a
// tenantless call), or a whole window when we know none. A day limit
// without Retry-After also gets the minute bound: its next 429 will
// likely say more, and a longer guess could stall a tenant for nothing.
// p.mu is held.
func (p *pacer) noRetryAfterWait(t *tenantPace, problem string, now time.Time) time.Duration {
	if problem == "concurrent" {
		return concurrentWait
	}
	w := &p.app
	if t != nil {
		w = &t.minute
	}
	if !w.start.IsZero() {
		if left := w.start.Add(p.cfg.Minute).Sub(now); left > 0 && left < p.cfg.Minute {
			return left
		}
	}
	return p.cfg.Minute
}

// budget reports what is known of a tenant's limits.
func (p *pacer) budget(key string) Budget {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := Budget{MinuteRemaining: -1, DayRemaining: -1, AppMinuteRemaining: p.app.reported}
	if t := p.tenants[key]; t != nil {
		b.MinuteRemaining = t.minute.reported
		b.DayRemaining, b.DaySeenAt = t.day, t.dayAt
		if p.now().Before(t.blockedUntil) {
			b.BlockedUntil = t.blockedUntil
		}
	}
	return b
}

func headerInt(h http.Header, name string) int {
	v := h.Get(name)
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// maxRetryAfter bounds a wait Retry-After asks for: Xero's longest is
// the day limit's, until the next day.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	// Compared as seconds before the conversion: a huge, infinite or
	// NaN value would overflow time.Duration into a negative wait.
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		if !(secs < maxRetryAfter.Seconds()) {
			return maxRetryAfter
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// DefaultReservePercent is the share of the day limit kept for write-back
// unless QuotaPolicy says otherwise: 200 calls on Starter (about 70
// labels at three calls each), 1,000 on the paid tiers.
const DefaultReservePercent = 20

// QuotaValidFor is how long a day-remaining figure is believed. The
// reference (xero-api.md §8.3) is unclear whether Xero's day is a rolling
// 24 hours or a fixed window resetting at a per-organisation time; in
// both cases a figure 24 hours old may have reset, and before that the
// quota left is at least the figure less the calls made since.
const QuotaValidFor = 24 * time.Hour

// dayBlockFloor is how long a 429 for the day limit blocks an account's
// Xero work when Xero's Retry-After said a minute or less (or nothing,
// and the client guessed the rest of its minute window): the day window
// does not reset within a minute, and retrying every minute for hours
// spends calls and log lines on nothing.
const dayBlockFloor = time.Hour

// QuotaPolicy says how an account's Xero day quota is spent. The zero
// value is the Starter tier with DefaultReservePercent.
type QuotaPolicy struct {
	// Tier is the Xero app's developer tier; "" is Starter. A figure
	// seen above the tier's limit proves a paid tier, and 5,000 counts
	// then.
	Tier xero.Tier
	// ReservePercent of the day limit is kept for write-back and for the
	// exports webhooks ask for: the export sweep stops when no more than
	// that remains. 0 means DefaultReservePercent; negative keeps none.
	ReservePercent int
}

// Quota is an account's Xero day quota as the policy reads it now.
type Quota struct {
	// Known is false when no figure was seen in the last QuotaValidFor.
	Known bool
	// Tier is the tier counted, Limit its day limit.
	Tier  xero.Tier
	Limit int
	// Remaining and Used are of the Limit, as last seen.
	Remaining, Used int
	// Reserve is the calls kept for write-back.
	Reserve int
	// SeenAt is when the figure was read; ResetBy when it may have reset
	// (QuotaValidFor later, or when a 429 for the day limit said).
	SeenAt, ResetBy time.Time
	// BlockedUntil is set while Xero refuses the account's calls after a
	// 429 for the day limit.
	BlockedUntil time.Time
}

// AtReserve reports whether the day quota is spent or down to the calls
// kept for write-back: Xero refuses the account for the day, or the last
// figure left no more than the reserve. The export sweep waits then
// (PlanExportSweep), the dashboard says so and the metrics count the
// account as quota_low (AccountHealthOf): one rule for all three.
func (q Quota) AtReserve() bool {
	return !q.BlockedUntil.IsZero() || q.DownToReserve()
}

// DownToReserve reports whether the last figure left no more than the
// reserve (or the reserve is the whole limit).
func (q Quota) DownToReserve() bool {
	return q.Known && (q.Remaining <= q.Reserve || q.Limit <= q.Reserve)
}

// QuotaOf reads a stored figure at now.
func (p QuotaPolicy) QuotaOf(x store.XeroQuota, now time.Time) Quota {
	tier := p.Tier
	if tier == "" {
		tier = xero.TierStarter
	}
	limit := tier.DayLimit()
	q := Quota{Tier: tier, Limit: limit}
	if now.Before(x.BlockedUntil) {
		q.BlockedUntil = x.BlockedUntil
	}
	resetBy := x.SeenAt.Add(QuotaValidFor)
	if !x.BlockedUntil.Before(x.SeenAt) && x.BlockedUntil.Before(resetBy) {
		// A 429 for the day limit said when Xero's window reopens.
		resetBy = x.BlockedUntil
	}
	if x.SeenAt.IsZero() || !now.Before(resetBy) {
		q.Reserve = p.reserve(limit)
		return q
	}
	if x.DayRemaining > limit {
		// More left than the configured tier allows: a paid tier.
		if tier == xero.TierStarter {
			q.Tier = xero.TierCore
		}
		q.Limit = max(xero.TierCore.DayLimit(), x.DayRemaining)
	}
	q.Known, q.SeenAt, q.ResetBy = true, x.SeenAt, resetBy
	q.Remaining = min(x.DayRemaining, q.Limit)
	q.Used = q.Limit - q.Remaining
	q.Reserve = p.reserve(q.Limit)
	return q
}

func (p QuotaPolicy) reserve(limit int) int {
	pct := p.ReservePercent
	switch {
	case pct == 0:
		pct = DefaultReservePercent
	case pct < 0:
		return 0
	}
	return limit * min(pct, 90) / 100
}

// SweepPlan is when an account's export sweep comes round, and why. It is
// the one decision the sweep makes (sweepDue) and the dashboard shows.
type SweepPlan struct {
	// Base is the account's sync interval, or its safety-sweep interval
	// while the webhooks of the sweep's direction are healthy.
	Base time.Duration
	// Healthy reports those webhooks healthy.
	Healthy bool
	// Interval is Base, stretched while the quota left above the reserve
	// is less than half of what it was.
	Interval time.Duration
	// Deferred is true when the sweep waits for Until: the quota is down to
	// the reserve (until it may have reset), or Xero refuses calls for the
	// day limit. Write-back and the exports webhooks ask for go on.
	Deferred bool
	Until    time.Time
	// Quota is what the plan was made from.
	Quota Quota
}

// maxStretch bounds the stretched interval: by then the figure it was
// made from may have reset.
const maxStretch = QuotaValidFor

// PlanExportSweep decides the export sweep's interval for an account with
// settings s, its Xero webhooks healthy or not, and quota q (the
// write-back sweep, which spends no Xero call when idle, plans with an
// unknown Quota and gets the base interval). The interval
// is the base one while at least half the quota above the reserve is
// left, then grows as the inverse of what is left (a quarter left: twice
// the base; a tenth: five times), so the sweep slows smoothly instead of
// running the quota out; at the reserve it stops until the quota may have
// reset.
func PlanExportSweep(s store.Settings, healthy bool, q Quota) SweepPlan {
	base := s.SyncInterval
	if healthy && s.SafetySweepInterval > base {
		base = s.SafetySweepInterval
	}
	p := SweepPlan{Base: base, Healthy: healthy, Interval: base, Quota: q}
	if !q.BlockedUntil.IsZero() {
		p.Deferred, p.Until = true, q.BlockedUntil
	}
	if !q.Known {
		return p
	}
	spendable := q.Remaining - q.Reserve
	span := q.Limit - q.Reserve
	switch {
	case q.DownToReserve():
		if !p.Deferred || q.ResetBy.After(p.Until) {
			p.Deferred, p.Until = true, q.ResetBy
		}
	case 2*spendable < span:
		stretched := time.Duration(float64(base) * float64(span) / float64(2*spendable))
		// Whole minutes, rounded up: the dashboard says "every 30 minutes".
		if r := stretched % time.Minute; r != 0 {
			stretched += time.Minute - r
		}
		p.Interval = min(stretched, maxStretch)
	}
	return p
}

// Slowed reports the interval stretched beyond the base one.
func (p SweepPlan) Slowed() bool { return p.Interval > p.Base }

// Due reports whether the sweep should enqueue now, last being when it
// last did (ok false: never).
func (p SweepPlan) Due(last time.Time, ok bool, now time.Time) bool {
	if p.Deferred && now.Before(p.Until) {
		return false
	}
	// A little slack, so that an interval equal to the sweep's period is
	// not missed by a few milliseconds of scheduling jitter.
	return !ok || now.Sub(last) >= p.Interval-time.Second
}

// NextAt is when the sweep next enqueues, last being when it last did
// (ok false: never); never before now.
func (p SweepPlan) NextAt(last time.Time, ok bool, now time.Time) time.Time {
	next := now
	if ok && last.Add(p.Interval).After(next) {
		next = last.Add(p.Interval)
	}
	if p.Deferred && p.Until.After(next) {
		next = p.Until
	}
	return next
}

// ExportSweepPlan reads what the export sweep's plan needs from the store
// (settings, Xero webhook health, the quota) and makes it: what the sweep
// decides, for the dashboard to say.
func ExportSweepPlan(ctx context.Context, st *store.Store, policy QuotaPolicy, accountID int64, now time.Time) (SweepPlan, error) {
	s, err := st.Settings(ctx, accountID)
	if err != nil {
		return SweepPlan{}, fmt.Errorf("worker: sweep plan: %w", err)
	}
	return sweepPlan(ctx, st, store.SourceXero, &policy, accountID, s, now)
}

// sweepPlan plans a sweep from its webhook source's health and, when
// policy is set, the account's Xero day quota.
func sweepPlan(ctx context.Context, st *store.Store, source store.WebhookSource, policy *QuotaPolicy, accountID int64,
	s store.Settings, now time.Time) (SweepPlan, error) {
	healthy := false
	if source != "" {
		health, err := st.WebhookHealthOf(ctx, accountID)
		if err != nil {
			return SweepPlan{}, fmt.Errorf("worker: sweep plan: %w", err)
		}
		healthy = health[source].Healthy(now)
	}
	var q Quota
	if policy != nil {
		x, err := st.XeroQuotaOf(ctx, accountID)
		if err != nil {
			return SweepPlan{}, fmt.Errorf("worker: sweep plan: %w", err)
		}
		q = policy.QuotaOf(x, now)
	}
	return PlanExportSweep(s, healthy, q), nil
}

// afterRun keeps what this process's pacer last learned of the run's
// organisation's day quota (X-DayLimit-Remaining and when it was read) in
// the store, where every process and the dashboard read it. Every run
// that calls Xero (export, Re-sync and its preview, write-back; in River
// or not) defers it, so a run stopped by a 429 tells too. A figure lost
// only leaves the next sweep less well informed: a failure is logged.
func (c *Clients) afterRun(ctx context.Context, r *run) {
	b := c.xero.Budget(r.tenant)
	if b.DayRemaining < 0 || b.DaySeenAt.IsZero() {
		return // no answer in this process yet
	}
	if err := c.st.NoteXeroDayRemaining(context.WithoutCancel(ctx), r.acct, b.DayRemaining, b.DaySeenAt); err != nil {
		c.log.WarnContext(ctx, "save xero day quota", "account", r.acct, "error", err)
	}
}

// xeroBlocked returns a *RetryLaterError when the store says Xero refuses
// the account's calls for the day limit: the run snoozes until then
// without a call, whichever process got the 429.
func (c *Clients) xeroBlocked(ctx context.Context, acct int64) error {
	x, err := c.st.XeroQuotaOf(ctx, acct)
	if err != nil {
		return fmt.Errorf("worker: xero quota: %w", err)
	}
	if now := c.now(); now.Before(x.BlockedUntil) {
		return &RetryLaterError{After: x.BlockedUntil.Sub(now),
			Err: fmt.Errorf("worker: account %d: Xero's day limit is spent until %s: %w", acct,
				x.BlockedUntil.UTC().Format(time.RFC3339), xero.ErrRateLimited)}
	}
	return nil
}

// dayLimited records a 429 for the day limit: the account's Xero work
// waits for Retry-After, or an hour when that was a minute or less (see
// dayBlockFloor), and says how long.
func (c *Clients) dayLimited(ctx context.Context, acct int64, err error) (time.Duration, bool) {
	var rl *xero.RateLimitError
	if !errors.As(err, &rl) || rl.Problem != "day" && rl.Problem != "daily" {
		return 0, false
	}
	if rl.Local {
		// This process's pacer refused the call on an earlier 429, whose
		// block is stored already: wait for what is left of it.
		return rl.RetryAfter, true
	}
	wait := rl.RetryAfter
	if wait <= time.Minute {
		wait = dayBlockFloor
	}
	now := c.now()
	if serr := c.st.BlockXeroUntil(context.WithoutCancel(ctx), acct, now, now.Add(wait)); serr != nil {
		c.log.WarnContext(ctx, "record xero day limit", "account", acct, "error", serr)
	}
	return wait, true
}

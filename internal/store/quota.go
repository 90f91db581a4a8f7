package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// XeroQuota is what orderbridge last learned of an account's Xero day
// quota (calls per organisation per day). It is stored, not kept in
// memory, so that every process and the dashboard see one figure.
type XeroQuota struct {
	// DayRemaining is X-DayLimit-Remaining of the latest Xero answer for
	// the account, seen at SeenAt (zero: nothing seen yet).
	DayRemaining int
	SeenAt       time.Time
	// BlockedUntil is set by a 429 for the day limit: Xero refuses the
	// organisation's calls until then (zero: not blocked).
	BlockedUntil time.Time
}

// NoteXeroDayRemaining records the day quota left that a Xero answer
// reported at at. An older figure than the stored one is ignored: answers
// of concurrent runs (or processes) arrive out of order, and the newest
// says the most.
func (q *Queries) NoteXeroDayRemaining(ctx context.Context, accountID int64, remaining int, at time.Time) error {
	_, err := q.w.exec(ctx, `INSERT INTO xero_quota (account_id, day_remaining, seen_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id) DO UPDATE SET day_remaining = excluded.day_remaining, seen_at = excluded.seen_at
		WHERE xero_quota.seen_at IS NULL OR xero_quota.seen_at < excluded.seen_at`,
		accountID, max(remaining, 0), q.t(at))
	if err != nil {
		return fmt.Errorf("store: note xero day remaining: %w", err)
	}
	return nil
}

// BlockXeroUntil records that Xero refused the account's calls at at for
// the day limit (so none remain) until until. A later block already
// stored is kept.
func (q *Queries) BlockXeroUntil(ctx context.Context, accountID int64, at, until time.Time) error {
	if err := q.NoteXeroDayRemaining(ctx, accountID, 0, at); err != nil {
		return err
	}
	_, err := q.w.exec(ctx, `UPDATE xero_quota SET blocked_until = $1
		WHERE account_id = $2 AND (blocked_until IS NULL OR blocked_until < $1)`, q.t(until), accountID)
	if err != nil {
		return fmt.Errorf("store: block xero: %w", err)
	}
	return nil
}

// XeroQuotaOf returns what is known of the account's Xero day quota; the
// zero XeroQuota when nothing is.
func (q *Queries) XeroQuotaOf(ctx context.Context, accountID int64) (XeroQuota, error) {
	var x XeroQuota
	err := q.r.queryRow(ctx, `SELECT day_remaining, seen_at, blocked_until FROM xero_quota WHERE account_id = $1`, accountID).
		Scan(&x.DayRemaining, timeCol{&x.SeenAt}, timeCol{&x.BlockedUntil})
	if errors.Is(err, sql.ErrNoRows) {
		return XeroQuota{}, nil
	}
	if err != nil {
		return XeroQuota{}, fmt.Errorf("store: xero quota of account %d: %w", accountID, err)
	}
	return x, nil
}

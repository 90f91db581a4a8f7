package store

import (
	"context"
	"fmt"
	"time"
)

// EgressDay is what Xero sent one account on one UTC day through one
// endpoint family (xero.Endpoint): response body bytes and calls.
type EgressDay struct {
	Day      string // UTC date, 2006-01-02
	Endpoint string
	Bytes    int64
	Calls    int64
}

// egressDay is the UTC day a response counts under.
func egressDay(at time.Time) string { return at.UTC().Format(time.DateOnly) }

// AddXeroEgress adds one response of bytes from endpoint at at to the
// account's egress. It is called after every Xero response, outside any
// transaction of ours, so every process adds to the same rows and a
// crash loses at most the response in hand.
func (q *Queries) AddXeroEgress(ctx context.Context, accountID int64, at time.Time, endpoint string, bytes int64) error {
	_, err := q.w.exec(ctx, `INSERT INTO xero_egress (account_id, day, endpoint, bytes, calls) VALUES ($1, $2, $3, $4, 1)
		ON CONFLICT (account_id, day, endpoint) DO UPDATE SET bytes = xero_egress.bytes + excluded.bytes,
		calls = xero_egress.calls + 1`, accountID, egressDay(at), endpoint, bytes)
	if err != nil {
		return fmt.Errorf("store: add xero egress: %w", err)
	}
	return nil
}

// XeroEgress returns the account's egress from the UTC day of since on,
// by day and endpoint, oldest day first.
func (q *Queries) XeroEgress(ctx context.Context, accountID int64, since time.Time) ([]EgressDay, error) {
	rs, err := q.r.query(ctx, `SELECT day, endpoint, bytes, calls FROM xero_egress
		WHERE account_id = $1 AND day >= $2 ORDER BY day, endpoint`, accountID, egressDay(since))
	if err != nil {
		return nil, fmt.Errorf("store: xero egress: %w", err)
	}
	defer rs.Close()
	var out []EgressDay
	for rs.Next() {
		var d EgressDay
		if err := rs.Scan(&d.Day, &d.Endpoint, &d.Bytes, &d.Calls); err != nil {
			return nil, fmt.Errorf("store: xero egress: %w", err)
		}
		out = append(out, d)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: xero egress: %w", err)
	}
	return out, nil
}

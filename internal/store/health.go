package store

import (
	"context"
	"fmt"
	"time"
)

// AccountFacts is what the store knows of one account's health, for the
// operator's metrics (worker.AccountStates turns it into states): read
// for every account in a handful of queries, never one per account.
type AccountFacts struct {
	AccountID int64
	// ReconnectNeeded is true when a connection's credentials stopped
	// working.
	ReconnectNeeded bool
	// XeroQuota is the account's last known Xero day quota.
	XeroQuota XeroQuota
	// XeroWebhook is the health of the Xero webhook deliveries for the
	// account (the zero value when none ever came); only the fields
	// Healthy and MissedChanges read are filled.
	XeroWebhook WebhookHealth
}

// AllAccountFacts returns the facts of every account, in id order.
func (q *Queries) AllAccountFacts(ctx context.Context) ([]AccountFacts, error) {
	wrap := func(err error) error { return fmt.Errorf("store: account facts: %w", err) }
	var out []AccountFacts
	index := map[int64]int{}
	rs, err := q.r.query(ctx, `SELECT id FROM account ORDER BY id`)
	if err != nil {
		return nil, wrap(err)
	}
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			rs.Close()
			return nil, wrap(err)
		}
		index[id] = len(out)
		out = append(out, AccountFacts{AccountID: id})
	}
	if err := rs.Err(); err != nil {
		rs.Close()
		return nil, wrap(err)
	}
	rs.Close()
	// each runs query and calls scan for every row of an account that
	// still exists.
	each := func(query string, scan func(f *AccountFacts, rs rows) error, args ...any) error {
		rs, err := q.r.query(ctx, query, args...)
		if err != nil {
			return wrap(err)
		}
		defer rs.Close()
		for rs.Next() {
			var f AccountFacts
			if err := scan(&f, rs); err != nil {
				return wrap(err)
			}
			if i, ok := index[f.AccountID]; ok {
				merge(&out[i], f)
			}
		}
		if err := rs.Err(); err != nil {
			return wrap(err)
		}
		return nil
	}
	if err := each(`SELECT DISTINCT account_id FROM account_connection WHERE status = 'reconnect_needed'`,
		func(f *AccountFacts, rs rows) error {
			f.ReconnectNeeded = true
			return rs.Scan(&f.AccountID)
		}); err != nil {
		return nil, err
	}
	if err := each(`SELECT account_id, day_remaining, seen_at, blocked_until FROM xero_quota`,
		func(f *AccountFacts, rs rows) error {
			return rs.Scan(&f.AccountID, &f.XeroQuota.DayRemaining, timeCol{&f.XeroQuota.SeenAt}, timeCol{&f.XeroQuota.BlockedUntil})
		}); err != nil {
		return nil, err
	}
	if err := each(`SELECT account_id, last_delivery_at, last_failure_at FROM webhook_health WHERE source = 'xero'`,
		func(f *AccountFacts, rs rows) error {
			f.XeroWebhook.Source = SourceXero
			return rs.Scan(&f.AccountID, timeCol{&f.XeroWebhook.LastDeliveryAt}, timeCol{&f.XeroWebhook.LastFailureAt})
		}); err != nil {
		return nil, err
	}
	if err := each(`SELECT account_id, changed_at FROM swept_change WHERE source = 'xero' AND changed_at > $1 ORDER BY changed_at`,
		func(f *AccountFacts, rs rows) error {
			var at time.Time
			if err := rs.Scan(&f.AccountID, timeCol{&at}); err != nil {
				return err
			}
			f.XeroWebhook.SweptChanges = []time.Time{at}
			return nil
		}, q.t(q.now().Add(-HealthyWithin))); err != nil {
		return nil, err
	}
	return out, nil
}

// merge adds what one row of a query says (f) to the account's facts.
func merge(dst *AccountFacts, f AccountFacts) {
	dst.ReconnectNeeded = dst.ReconnectNeeded || f.ReconnectNeeded
	if !f.XeroQuota.SeenAt.IsZero() || !f.XeroQuota.BlockedUntil.IsZero() {
		dst.XeroQuota = f.XeroQuota
	}
	if f.XeroWebhook.Source != "" {
		dst.XeroWebhook.Source = f.XeroWebhook.Source
		dst.XeroWebhook.LastDeliveryAt, dst.XeroWebhook.LastFailureAt = f.XeroWebhook.LastDeliveryAt, f.XeroWebhook.LastFailureAt
	}
	dst.XeroWebhook.SweptChanges = append(dst.XeroWebhook.SweptChanges, f.XeroWebhook.SweptChanges...)
}

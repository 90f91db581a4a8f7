package store

import (
	"context"
	"fmt"
)

// AcknowledgeAlert records that a user of the account dealt with the
// alert key as it read with fingerprint; a later acknowledgement of the
// same key replaces it. The dashboard hides the alert while its
// fingerprint stays the same.
func (q *Queries) AcknowledgeAlert(ctx context.Context, accountID int64, key, fingerprint string, userID int64) error {
	if key == "" || fingerprint == "" {
		return fmt.Errorf("store: acknowledge alert: key and fingerprint are required")
	}
	var user any
	if userID != 0 {
		user = userID
	}
	_, err := q.w.exec(ctx, `INSERT INTO alert_ack (account_id, alert_key, fingerprint, user_id, acked_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id, alert_key) DO UPDATE SET fingerprint = excluded.fingerprint, user_id = excluded.user_id, acked_at = excluded.acked_at`,
		accountID, key, fingerprint, user, q.t(q.now()))
	if err != nil {
		return fmt.Errorf("store: acknowledge alert: %w", err)
	}
	return nil
}

// AcknowledgedAlerts returns the account's acknowledged alerts: key to the
// fingerprint acknowledged.
func (q *Queries) AcknowledgedAlerts(ctx context.Context, accountID int64) (map[string]string, error) {
	rs, err := q.r.query(ctx, `SELECT alert_key, fingerprint FROM alert_ack WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: acknowledged alerts: %w", err)
	}
	defer rs.Close()
	out := map[string]string{}
	for rs.Next() {
		var k, f string
		if err := rs.Scan(&k, &f); err != nil {
			return nil, fmt.Errorf("store: acknowledged alerts: %w", err)
		}
		out[k] = f
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: acknowledged alerts: %w", err)
	}
	return out, nil
}

// ForgetAcknowledgement deletes the account's acknowledgement of key, so
// that the alert shows again when it comes back.
func (q *Queries) ForgetAcknowledgement(ctx context.Context, accountID int64, key string) error {
	if _, err := q.w.exec(ctx, `DELETE FROM alert_ack WHERE account_id = $1 AND alert_key = $2`, accountID, key); err != nil {
		return fmt.Errorf("store: forget acknowledgement: %w", err)
	}
	return nil
}

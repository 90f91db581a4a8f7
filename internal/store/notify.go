package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AccountProblem is a problem open on an account as the notifier tracks
// it: Kind is a problems.Kind, Episode counts how often it opened (a
// problem that clears and comes back is a new episode, so new again).
type AccountProblem struct {
	Kind, Text, Action, Link string
	Episode                  int64
	OpenedAt                 time.Time
}

// SyncProblems records that the account's open problems at now are
// current (Episode and OpenedAt are ignored) and returns them with their
// episode and when they opened: a kind not open before opens (episode 1,
// or one more than its last), a kind open before keeps its episode and
// takes the new text, and an open kind missing from current clears. Every
// statement is conditional on the row's state, so two processes syncing
// at once open an episode once.
func (q *Queries) SyncProblems(ctx context.Context, accountID int64, current []AccountProblem, now time.Time) ([]AccountProblem, error) {
	var out []AccountProblem
	err := q.inTx(ctx, func(q *Queries) error {
		at := q.t(now)
		seen := map[string]bool{}
		for _, p := range current {
			seen[p.Kind] = true
			if _, err := q.w.exec(ctx, `INSERT INTO account_problem (account_id, kind, episode, text, action, link, opened_at)
				VALUES ($1, $2, 1, $3, $4, $5, $6) ON CONFLICT (account_id, kind) DO NOTHING`,
				accountID, p.Kind, p.Text, p.Action, p.Link, at); err != nil {
				return fmt.Errorf("store: open problem: %w", err)
			}
			if _, err := q.w.exec(ctx, `UPDATE account_problem SET episode = episode + 1, opened_at = $3, cleared_at = NULL
				WHERE account_id = $1 AND kind = $2 AND cleared_at IS NOT NULL`, accountID, p.Kind, at); err != nil {
				return fmt.Errorf("store: reopen problem: %w", err)
			}
			if _, err := q.w.exec(ctx, `UPDATE account_problem SET text = $3, action = $4, link = $5 WHERE account_id = $1 AND kind = $2`,
				accountID, p.Kind, p.Text, p.Action, p.Link); err != nil {
				return fmt.Errorf("store: update problem: %w", err)
			}
		}
		rs, err := q.w.query(ctx, `SELECT kind, text, action, link, episode, opened_at FROM account_problem
			WHERE account_id = $1 AND cleared_at IS NULL ORDER BY opened_at, kind`, accountID)
		if err != nil {
			return fmt.Errorf("store: open problems: %w", err)
		}
		defer rs.Close()
		var gone []string
		for rs.Next() {
			var p AccountProblem
			if err := rs.Scan(&p.Kind, &p.Text, &p.Action, &p.Link, &p.Episode, timeCol{&p.OpenedAt}); err != nil {
				return fmt.Errorf("store: open problems: %w", err)
			}
			if seen[p.Kind] {
				out = append(out, p)
			} else {
				gone = append(gone, p.Kind)
			}
		}
		if err := rs.Err(); err != nil {
			return fmt.Errorf("store: open problems: %w", err)
		}
		rs.Close()
		for _, k := range gone {
			if _, err := q.w.exec(ctx, `UPDATE account_problem SET cleared_at = $3 WHERE account_id = $1 AND kind = $2 AND cleared_at IS NULL`,
				accountID, k, at); err != nil {
				return fmt.Errorf("store: clear problem: %w", err)
			}
		}
		return nil
	})
	return out, err
}

// ClaimNotification claims the mail of key (unique per account, user and
// problem episode or digest day) for this process: true means send it,
// then MarkNotificationSent or ReleaseNotification. A key claimed by
// another process and not yet sent is taken over only once its claim is
// older than staleAfter (that process died mid-send): a mail is sent
// twice only when a process dies between the SMTP server taking it and
// the mark.
func (q *Queries) ClaimNotification(ctx context.Context, key string, accountID, userID int64, kind string, now time.Time, staleAfter time.Duration) (bool, error) {
	n, err := q.w.exec(ctx, `INSERT INTO notification (dedupe_key, account_id, user_id, kind, claimed_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (dedupe_key) DO UPDATE SET claimed_at = excluded.claimed_at
		WHERE notification.sent_at IS NULL AND notification.claimed_at < $6`,
		key, accountID, userID, kind, q.t(now), q.t(now.Add(-staleAfter)))
	if err != nil {
		return false, fmt.Errorf("store: claim notification: %w", err)
	}
	return n == 1, nil
}

// NotificationSent reports whether the mail of key was sent: the
// notifier's cheap check before it counts its limits and claims.
func (q *Queries) NotificationSent(ctx context.Context, key string) (bool, error) {
	var n int
	if err := q.r.queryRow(ctx, "SELECT COUNT(*) FROM notification WHERE dedupe_key = $1 AND sent_at IS NOT NULL", key).Scan(&n); err != nil {
		return false, fmt.Errorf("store: notification sent: %w", err)
	}
	return n > 0, nil
}

// MarkNotificationSent records that the mail of key was sent.
func (q *Queries) MarkNotificationSent(ctx context.Context, key string, now time.Time) error {
	n, err := q.w.exec(ctx, "UPDATE notification SET sent_at = $2 WHERE dedupe_key = $1", key, q.t(now))
	if err != nil {
		return fmt.Errorf("store: mark notification sent: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: mark notification sent: %w", ErrNotFound)
	}
	return nil
}

// ReleaseNotification gives up the claim of key when its mail could not
// be sent, so that a later tick tries it again.
func (q *Queries) ReleaseNotification(ctx context.Context, key string) error {
	if _, err := q.w.exec(ctx, "DELETE FROM notification WHERE dedupe_key = $1 AND sent_at IS NULL", key); err != nil {
		return fmt.Errorf("store: release notification: %w", err)
	}
	return nil
}

// NotificationsSince counts the mails claimed after since, of one
// account (accountID > 0), one user (userID > 0), or everyone (both 0):
// what the notifier's rate limits read.
func (q *Queries) NotificationsSince(ctx context.Context, since time.Time, accountID, userID int64) (int, error) {
	query, args := "SELECT COUNT(*) FROM notification WHERE claimed_at > $1", []any{q.t(since)}
	if accountID > 0 {
		args = append(args, accountID)
		query += fmt.Sprintf(" AND account_id = $%d", len(args))
	}
	if userID > 0 {
		args = append(args, userID)
		query += fmt.Sprintf(" AND user_id = $%d", len(args))
	}
	var n int
	if err := q.r.queryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count notifications: %w", err)
	}
	return n, nil
}

// NotificationOptOuts returns the problem kinds the user is not mailed
// about.
func (q *Queries) NotificationOptOuts(ctx context.Context, userID int64) (map[string]bool, error) {
	rs, err := q.r.query(ctx, "SELECT kind FROM notification_optout WHERE user_id = $1", userID)
	if err != nil {
		return nil, fmt.Errorf("store: notification opt-outs: %w", err)
	}
	defer rs.Close()
	out := map[string]bool{}
	for rs.Next() {
		var k string
		if err := rs.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: notification opt-outs: %w", err)
		}
		out[k] = true
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: notification opt-outs: %w", err)
	}
	return out, nil
}

// SetNotificationOptOuts replaces the kinds the user is not mailed about.
func (q *Queries) SetNotificationOptOuts(ctx context.Context, userID int64, kinds []string) error {
	return q.inTx(ctx, func(q *Queries) error {
		if _, err := q.w.exec(ctx, "DELETE FROM notification_optout WHERE user_id = $1", userID); err != nil {
			return fmt.Errorf("store: set notification opt-outs: %w", err)
		}
		for _, k := range kinds {
			if _, err := q.w.exec(ctx, "INSERT INTO notification_optout (user_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING", userID, k); err != nil {
				return fmt.Errorf("store: set notification opt-outs: %w", err)
			}
		}
		return nil
	})
}

// ErrResetInvalid is a password reset token that is unknown, used or
// expired: the three look alike to whoever holds it.
var ErrResetInvalid = errors.New("store: password reset link unknown, used or expired")

// CreatePasswordReset records a reset token for the user (kept only
// hashed, as session tokens are) that works until expiresAt.
func (q *Queries) CreatePasswordReset(ctx context.Context, token string, userID int64, now, expiresAt time.Time) error {
	if token == "" {
		return errors.New("store: create password reset: empty token")
	}
	if _, err := q.w.exec(ctx, "INSERT INTO password_reset (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
		HashSessionToken(token), userID, q.t(now), q.t(expiresAt)); err != nil {
		return fmt.Errorf("store: create password reset: %w", err)
	}
	return nil
}

// PasswordResetsSince counts the reset links made for the user after
// since: the limit on how many are mailed to one address.
func (q *Queries) PasswordResetsSince(ctx context.Context, userID int64, since time.Time) (int, error) {
	var n int
	if err := q.r.queryRow(ctx, "SELECT COUNT(*) FROM password_reset WHERE user_id = $1 AND created_at > $2", userID, q.t(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count password resets: %w", err)
	}
	return n, nil
}

// PasswordResetUser returns the user of a reset token that still works
// at now, without using it; ErrResetInvalid otherwise.
func (q *Queries) PasswordResetUser(ctx context.Context, token string, now time.Time) (int64, error) {
	var id int64
	err := q.r.queryRow(ctx, "SELECT user_id FROM password_reset WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
		HashSessionToken(token), q.t(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrResetInvalid
	}
	if err != nil {
		return 0, fmt.Errorf("store: password reset: %w", err)
	}
	return id, nil
}

// UsePasswordReset uses a reset token once: it returns the token's user
// and marks it, and every other open token of that user, used. A token
// used already, expired or unknown is ErrResetInvalid.
func (q *Queries) UsePasswordReset(ctx context.Context, token string, now time.Time) (int64, error) {
	var id int64
	err := q.inTx(ctx, func(q *Queries) error {
		err := q.w.queryRow(ctx, `UPDATE password_reset SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
			RETURNING user_id`, HashSessionToken(token), q.t(now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrResetInvalid
		}
		if err != nil {
			return fmt.Errorf("store: use password reset: %w", err)
		}
		if _, err := q.w.exec(ctx, "UPDATE password_reset SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL", id, q.t(now)); err != nil {
			return fmt.Errorf("store: use password reset: %w", err)
		}
		return nil
	})
	return id, err
}

// PurgePasswordResets deletes reset tokens that expired before before.
func (q *Queries) PurgePasswordResets(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.w.exec(ctx, "DELETE FROM password_reset WHERE expires_at < $1", q.t(before))
	if err != nil {
		return 0, fmt.Errorf("store: purge password resets: %w", err)
	}
	return n, nil
}

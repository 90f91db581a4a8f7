package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Invite is an invitation to join an account as a new user, by a link
// whose token only the link holds: the store keeps its SHA-256.
type Invite struct {
	AccountID int64
	Email     string
	// InvitedBy is the user who invited (0 once that user is deleted).
	InvitedBy int64
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is zero until the invitation is used.
	UsedAt time.Time
}

// CreateInvite records an invitation whose link carries token.
func (q *Queries) CreateInvite(ctx context.Context, token string, inv Invite) error {
	if token == "" || inv.AccountID == 0 || strings.TrimSpace(inv.Email) == "" || inv.ExpiresAt.IsZero() {
		return errors.New("store: create invite: token, account, email and expiry are required")
	}
	var by any
	if inv.InvitedBy != 0 {
		by = inv.InvitedBy
	}
	_, err := q.w.exec(ctx, `INSERT INTO user_invite (token_hash, account_id, email, invited_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		HashSessionToken(token), inv.AccountID, NormalizeEmail(inv.Email), by, q.t(q.now()), q.t(inv.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create invite: %w", err)
	}
	return nil
}

// InviteByToken returns the invitation of token, used or expired ones
// too; ErrNotFound when there is none.
func (q *Queries) InviteByToken(ctx context.Context, token string) (Invite, error) {
	var inv Invite
	var by sql.NullInt64
	err := q.r.queryRow(ctx, `SELECT account_id, email, invited_by, created_at, expires_at, used_at FROM user_invite WHERE token_hash = $1`,
		HashSessionToken(token)).Scan(&inv.AccountID, &inv.Email, &by, timeCol{&inv.CreatedAt}, timeCol{&inv.ExpiresAt}, timeCol{&inv.UsedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return Invite{}, ErrNotFound
	}
	if err != nil {
		return Invite{}, fmt.Errorf("store: invite: %w", err)
	}
	inv.InvitedBy = by.Int64
	return inv, nil
}

// UseInvite spends the invitation of token, once and before it expires,
// and returns it; ErrNotFound when it is unknown, used or expired. Call it
// in the transaction that creates the user, so that a failure leaves the
// invitation usable.
func (q *Queries) UseInvite(ctx context.Context, token string) (Invite, error) {
	now := q.now()
	n, err := q.w.exec(ctx, `UPDATE user_invite SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1`,
		q.t(now), HashSessionToken(token))
	if err != nil {
		return Invite{}, fmt.Errorf("store: use invite: %w", err)
	}
	if n == 0 {
		return Invite{}, ErrNotFound
	}
	return q.InviteByToken(ctx, token)
}

// DeleteOtherSessions ends every session of the user except the one of
// keepToken (a password change keeps the session that made it), and
// returns how many ended.
func (q *Queries) DeleteOtherSessions(ctx context.Context, userID int64, keepToken string) (int64, error) {
	n, err := q.w.exec(ctx, "DELETE FROM user_session WHERE user_id = $1 AND token_hash <> $2", userID, HashSessionToken(keepToken))
	if err != nil {
		return 0, fmt.Errorf("store: delete other sessions of user %d: %w", userID, err)
	}
	return n, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
)

// ErrUserDisabled means the user was disabled by an operator (`orderbridge
// users disable`): UserByEmail refuses them, so they cannot sign in.
var ErrUserDisabled = errors.New("store: user is disabled")

// errUserDisabled matches ErrUserDisabled and ErrNotFound, so callers that
// treat "no such user" alone refuse a disabled one the same way.
var errUserDisabled = disabledError{}

type disabledError struct{}

func (disabledError) Error() string { return ErrUserDisabled.Error() }

func (disabledError) Is(target error) bool { return target == ErrUserDisabled || target == ErrNotFound }

// AllUsers returns every user of every account, in account then ID
// order: `orderbridge users list`.
func (q *Queries) AllUsers(ctx context.Context) ([]User, error) {
	return q.listUsers(ctx, "store: all users", "SELECT "+userColumns+" FROM app_user ORDER BY account_id, id")
}

// SetUserAdmin marks a user an administrator of the installation, or not.
func (q *Queries) SetUserAdmin(ctx context.Context, userID int64, admin bool) error {
	n, err := q.w.exec(ctx, "UPDATE app_user SET is_admin = $1 WHERE id = $2", admin, userID)
	if err != nil {
		return fmt.Errorf("store: set admin of user %d: %w", userID, err)
	}
	if n == 0 {
		return fmt.Errorf("store: set admin of user %d: %w", userID, ErrNotFound)
	}
	return nil
}

// DisableUser disables a user and ends every session of theirs, in one
// transaction, returning how many sessions ended. Disabling a disabled
// user keeps the first time.
func (q *Queries) DisableUser(ctx context.Context, userID int64) (sessions int64, err error) {
	err = q.inTx(ctx, func(q *Queries) error {
		n, err := q.w.exec(ctx, "UPDATE app_user SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2", q.t(q.now()), userID)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		sessions, err = q.w.exec(ctx, "DELETE FROM user_session WHERE user_id = $1", userID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: disable user %d: %w", userID, err)
	}
	return sessions, nil
}

// EnableUser lifts DisableUser: the user can sign in again.
func (q *Queries) EnableUser(ctx context.Context, userID int64) error {
	n, err := q.w.exec(ctx, "UPDATE app_user SET disabled_at = NULL WHERE id = $1", userID)
	if err != nil {
		return fmt.Errorf("store: enable user %d: %w", userID, err)
	}
	if n == 0 {
		return fmt.Errorf("store: enable user %d: %w", userID, ErrNotFound)
	}
	return nil
}

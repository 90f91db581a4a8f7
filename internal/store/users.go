package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrEmailTaken means a user with that email already exists (in any
// account: sign-in finds the account by email).
var ErrEmailTaken = errors.New("store: email already registered")

// User is a person who signs in to the web app. A user belongs to exactly
// one account and sees only that account's data.
type User struct {
	ID        int64
	AccountID int64
	// Email is stored trimmed and lower-cased; it is how the user signs in.
	Email string
	Name  string
	// PasswordHash is the encoded hash (the web package's argon2id PHC
	// string), never the password. The store does not interpret it.
	PasswordHash string
	CreatedAt    time.Time
	// LastSignInAt is zero until the first sign-in.
	LastSignInAt time.Time
	// Admin marks an installation's administrator (`orderbridge users
	// create --admin`). Today it grants nothing in the web app; operators
	// see it in `orderbridge users list`.
	Admin bool
	// DisabledAt is when an operator disabled the user (zero: enabled). A
	// disabled user cannot sign in and has no live session.
	DisabledAt time.Time
}

// Disabled reports whether an operator disabled the user.
func (u User) Disabled() bool { return !u.DisabledAt.IsZero() }

// NormalizeEmail is how emails are compared and stored: trimmed and
// lower-cased, so "Ann@Example.com " and "ann@example.com" are one user.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// isUniqueViolation reports whether err is a unique-constraint failure of
// either dialect.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

const userColumns = "id, account_id, email, name, password_hash, created_at, last_sign_in_at, is_admin, disabled_at"

func scanUser(r row) (User, error) {
	var u User
	err := r.Scan(&u.ID, &u.AccountID, &u.Email, &u.Name, &u.PasswordHash, timeCol{&u.CreatedAt}, timeCol{&u.LastSignInAt},
		&u.Admin, timeCol{&u.DisabledAt})
	return u, err
}

// CreateUser adds a user to an account. The email is normalised
// (NormalizeEmail); a taken email fails with ErrEmailTaken.
func (q *Queries) CreateUser(ctx context.Context, accountID int64, email, name, passwordHash string) (User, error) {
	u := User{AccountID: accountID, Email: NormalizeEmail(email), Name: strings.TrimSpace(name),
		PasswordHash: passwordHash, CreatedAt: q.now()}
	if u.Email == "" {
		return User{}, errors.New("store: create user: empty email")
	}
	if u.PasswordHash == "" {
		return User{}, errors.New("store: create user: empty password hash")
	}
	err := q.w.queryRow(ctx, `INSERT INTO app_user (account_id, email, name, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		u.AccountID, u.Email, u.Name, u.PasswordHash, q.t(u.CreatedAt)).Scan(&u.ID)
	if isUniqueViolation(err) {
		return User{}, fmt.Errorf("store: create user: %w", ErrEmailTaken)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return u, nil
}

// User returns a user by ID, or ErrNotFound.
func (q *Queries) User(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(q.r.queryRow(ctx, "SELECT "+userColumns+" FROM app_user WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user %d: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the user with that email (normalised first), or
// ErrNotFound. Like ListAccounts it spans accounts: sign-in starts from an
// email, not an account. It is the sign-in path's lookup, so a disabled
// user is refused here, once for every caller (web sign-in, a password
// reset by email): the error matches both ErrUserDisabled and
// ErrNotFound, and a caller that only knows ErrNotFound answers as it
// would for an unknown email. Operators' commands use FindUser.
func (q *Queries) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := q.FindUser(ctx, email)
	if err != nil {
		return User{}, err
	}
	if u.Disabled() {
		return User{}, fmt.Errorf("store: user by email: %w", errUserDisabled)
	}
	return u, nil
}

// FindUser returns the user with that email, disabled or not, or
// ErrNotFound: the operator's lookup (`orderbridge users`).
func (q *Queries) FindUser(ctx context.Context, email string) (User, error) {
	u, err := scanUser(q.r.queryRow(ctx, "SELECT "+userColumns+" FROM app_user WHERE email = $1", NormalizeEmail(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user by email: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user by email: %w", err)
	}
	return u, nil
}

// ListUsers returns an account's users in ID order.
func (q *Queries) ListUsers(ctx context.Context, accountID int64) ([]User, error) {
	return q.listUsers(ctx, "store: list users", "SELECT "+userColumns+" FROM app_user WHERE account_id = $1 ORDER BY id", accountID)
}

// listUsers runs query, which selects userColumns, and scans the users;
// op prefixes its errors.
func (q *Queries) listUsers(ctx context.Context, op, query string, args ...any) ([]User, error) {
	rs, err := q.r.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rs.Close()
	var out []User
	for rs.Next() {
		u, err := scanUser(rs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, u)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// SetPasswordHash replaces a user's password hash (a password change, or a
// rehash with stronger parameters at sign-in).
func (q *Queries) SetPasswordHash(ctx context.Context, userID int64, passwordHash string) error {
	if passwordHash == "" {
		return errors.New("store: set password hash: empty hash")
	}
	n, err := q.w.exec(ctx, "UPDATE app_user SET password_hash = $1 WHERE id = $2", passwordHash, userID)
	if err != nil {
		return fmt.Errorf("store: set password hash of user %d: %w", userID, err)
	}
	if n == 0 {
		return fmt.Errorf("store: set password hash of user %d: %w", userID, ErrNotFound)
	}
	return nil
}

// ResetPassword replaces a user's password hash, clears their sign-in
// lockout and ends every session they have open, in one transaction (or
// the caller's): a password set for them, by an operator or through a
// reset link, signs out whoever knew the old one and lets them in with
// the new one at once. It returns how many sessions ended.
func (q *Queries) ResetPassword(ctx context.Context, userID int64, passwordHash string) (ended int64, err error) {
	err = q.inTx(ctx, func(q *Queries) error {
		u, err := q.User(ctx, userID)
		if err != nil {
			return err
		}
		if err := q.SetPasswordHash(ctx, userID, passwordHash); err != nil {
			return err
		}
		// Failures against the old password would keep the user out of
		// the new one until their window passed.
		if _, err := q.ClearSignInLockout(ctx, u.Email); err != nil {
			return err
		}
		ended, err = q.DeleteUserSessions(ctx, userID)
		return err
	})
	return ended, err
}

// RecordSignIn sets a user's last sign-in time to now.
func (q *Queries) RecordSignIn(ctx context.Context, userID int64) error {
	n, err := q.w.exec(ctx, "UPDATE app_user SET last_sign_in_at = $1 WHERE id = $2", q.t(q.now()), userID)
	if err != nil {
		return fmt.Errorf("store: record sign-in of user %d: %w", userID, err)
	}
	if n == 0 {
		return fmt.Errorf("store: record sign-in of user %d: %w", userID, ErrNotFound)
	}
	return nil
}

// Session is a signed-in browser. It is found by the token in its cookie;
// the store keeps only the token's SHA-256.
type Session struct {
	UserID    int64
	AccountID int64
	// CSRFToken is the per-session token every form carries.
	CSRFToken string
	// Data is a small JSON document the web app keeps with the session
	// (OAuth state and PKCE verifier, a pending organisation choice).
	Data      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// HashSessionToken is what the store keeps of a session token: the hex
// SHA-256. A token is 32 random bytes, so a fast hash is enough; what
// matters is that a stolen database copy holds no usable cookie.
func HashSessionToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateSession records a new session for token (stored only hashed).
func (q *Queries) CreateSession(ctx context.Context, token string, userID int64, csrfToken string, expiresAt time.Time) error {
	if token == "" || csrfToken == "" {
		return errors.New("store: create session: empty token")
	}
	_, err := q.w.exec(ctx, `INSERT INTO user_session (token_hash, user_id, csrf_token, data, created_at, expires_at)
		VALUES ($1, $2, $3, '{}', $4, $5)`,
		HashSessionToken(token), userID, csrfToken, q.t(q.now()), q.t(expiresAt))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByToken returns the live session of token with its user's account,
// or ErrNotFound when there is none, it has expired or its user is
// disabled (DisableUser also deletes the sessions; this holds if one is
// created in between).
func (q *Queries) SessionByToken(ctx context.Context, token string) (Session, error) {
	var s Session
	var data string
	err := q.r.queryRow(ctx, `SELECT s.user_id, u.account_id, s.csrf_token, s.data, s.created_at, s.expires_at
		FROM user_session s JOIN app_user u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL`,
		HashSessionToken(token), q.t(q.now())).
		Scan(&s.UserID, &s.AccountID, &s.CSRFToken, textCol{&data}, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: session: %w", err)
	}
	s.Data = []byte(data)
	return s, nil
}

// SetSessionData replaces a live session's data document (JSON).
func (q *Queries) SetSessionData(ctx context.Context, token string, data []byte) error {
	if len(data) == 0 {
		data = []byte("{}")
	}
	n, err := q.w.exec(ctx, "UPDATE user_session SET data = $1 WHERE token_hash = $2 AND expires_at > $3",
		string(data), HashSessionToken(token), q.t(q.now()))
	if err != nil {
		return fmt.Errorf("store: set session data: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: set session data: %w", ErrNotFound)
	}
	return nil
}

// ExtendSession moves a live session's expiry (a sliding session).
func (q *Queries) ExtendSession(ctx context.Context, token string, expiresAt time.Time) error {
	n, err := q.w.exec(ctx, "UPDATE user_session SET expires_at = $1 WHERE token_hash = $2 AND expires_at > $3",
		q.t(expiresAt), HashSessionToken(token), q.t(q.now()))
	if err != nil {
		return fmt.Errorf("store: extend session: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: extend session: %w", ErrNotFound)
	}
	return nil
}

// DeleteSession ends a session (sign out). Deleting a session that is gone
// is not an error.
func (q *Queries) DeleteSession(ctx context.Context, token string) error {
	if _, err := q.w.exec(ctx, "DELETE FROM user_session WHERE token_hash = $1", HashSessionToken(token)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user (password changed,
// "sign out everywhere") and returns how many there were.
func (q *Queries) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	n, err := q.w.exec(ctx, "DELETE FROM user_session WHERE user_id = $1", userID)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions of user %d: %w", userID, err)
	}
	return n, nil
}

// PurgeExpiredSessions deletes sessions that expired before now and returns
// how many went.
func (q *Queries) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	n, err := q.w.exec(ctx, "DELETE FROM user_session WHERE expires_at <= $1", q.t(q.now()))
	if err != nil {
		return 0, fmt.Errorf("store: purge sessions: %w", err)
	}
	return n, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LoginLimit is one limit a sign-in attempt counts against: the key the
// attempt is recorded under (for example "pair:ann@example.com|192.0.2.1")
// and since when recorded attempts count.
type LoginLimit struct {
	Key   string
	Since time.Time
}

// LoginCount is what one key holds after BeginLoginAttempt recorded the
// attempt: N attempts since the limit's Since, this one included, the
// oldest of them at Oldest (from which the caller tells when a limit
// lifts).
type LoginCount struct {
	N      int
	Oldest time.Time
}

// LoginAttempt is a sign-in attempt BeginLoginAttempt recorded. Until
// ForgetLoginAttempt or SucceedLoginAttempt removes it, it counts as a
// failure: one whose password is wrong needs nothing more.
type LoginAttempt struct {
	ids []int64
	// Counts has one entry per limit given to BeginLoginAttempt, in order.
	Counts []LoginCount
}

// ErrLoginInTx means BeginLoginAttempt was called inside a transaction,
// where its guarantee does not hold.
var ErrLoginInTx = errors.New("store: login attempts must not run inside a transaction")

// BeginLoginAttempt records one sign-in attempt under each limit's key and
// commits it before counting, so the count includes this attempt and every
// attempt recorded before it, in any process. Of any number of
// simultaneous attempts under a key, the k-th to commit counts at least k,
// so no more than a limit of them can see a count within it: the check and
// the count are one step, which checking first and recording the failure
// after the password check is not (a burst of guesses all passed the
// check). Call it on the Store, never inside WithTx.
func (q *Queries) BeginLoginAttempt(ctx context.Context, limits ...LoginLimit) (LoginAttempt, error) {
	if q.tx != nil {
		return LoginAttempt{}, ErrLoginInTx
	}
	a := LoginAttempt{}
	if len(limits) == 0 {
		return a, nil
	}
	at := q.t(q.now())
	err := q.inTx(ctx, func(q *Queries) error {
		for _, l := range limits {
			var id int64
			if err := q.w.queryRow(ctx, "INSERT INTO login_failure (key, at) VALUES ($1, $2) RETURNING id", l.Key, at).Scan(&id); err != nil {
				return err
			}
			a.ids = append(a.ids, id)
		}
		return nil
	})
	if err != nil {
		return LoginAttempt{}, fmt.Errorf("store: record login attempt: %w", err)
	}
	// Committed: count in new statements, which see every attempt
	// committed so far (SQLite's reader pool reads the WAL's latest
	// commit; PostgreSQL's READ COMMITTED takes a snapshot per statement).
	var where []string
	var args []any
	for i, l := range limits {
		where = append(where, fmt.Sprintf("(key = $%d AND at > $%d)", 2*i+1, 2*i+2))
		args = append(args, l.Key, q.t(l.Since))
	}
	rs, err := q.r.query(ctx, "SELECT key, COUNT(*), MIN(at) FROM login_failure WHERE "+strings.Join(where, " OR ")+" GROUP BY key", args...)
	if err != nil {
		_ = q.ForgetLoginAttempt(context.WithoutCancel(ctx), a)
		return LoginAttempt{}, fmt.Errorf("store: count login attempts: %w", err)
	}
	defer rs.Close()
	byKey := map[string]LoginCount{}
	for rs.Next() {
		var key string
		var c LoginCount
		if err := rs.Scan(&key, &c.N, timeCol{&c.Oldest}); err != nil {
			return LoginAttempt{}, fmt.Errorf("store: count login attempts: %w", err)
		}
		byKey[key] = c
	}
	if err := rs.Err(); err != nil {
		return LoginAttempt{}, fmt.Errorf("store: count login attempts: %w", err)
	}
	for _, l := range limits {
		a.Counts = append(a.Counts, byKey[l.Key])
	}
	return a, nil
}

// ForgetLoginAttempt removes an attempt that was refused before its
// password was checked, so only checked failures keep a limit closed.
func (q *Queries) ForgetLoginAttempt(ctx context.Context, a LoginAttempt) error {
	for _, id := range a.ids {
		if _, err := q.w.exec(ctx, "DELETE FROM login_failure WHERE id = $1", id); err != nil {
			return fmt.Errorf("store: forget login attempt: %w", err)
		}
	}
	return nil
}

// SucceedLoginAttempt removes an attempt whose password was right: it is
// no failure. Failures before it stay until their window passes; clearing
// them would let a guesser racing the right password past the limit.
func (q *Queries) SucceedLoginAttempt(ctx context.Context, a LoginAttempt) error {
	return q.ForgetLoginAttempt(ctx, a)
}

// The keys the web app's sign-in limits record failures under: here, so
// that clearing a user's lockout (ClearSignInLockout) finds every key the
// limits use.

// SignInPairKey is the key of one email's failures from one client
// address, per window.
func SignInPairKey(email, client string) string { return "pair:" + email + "|" + client }

// SignInPairDayKey is the key of one email's failures from one client
// address, per day.
func SignInPairDayKey(email, client string) string { return "pairday:" + email + "|" + client }

// SignInIPKey is the key of one client address's failures, any email.
func SignInIPKey(client string) string { return "ip:" + client }

// SignInEmailKey is the key of one email's failures from any address.
func SignInEmailKey(email string) string { return "email:" + email }

// SignUpKey is the key of one client address's sign-ups.
func SignUpKey(client string) string { return "signup:" + client }

// ClearSignInLockout deletes every failure recorded against email (from
// every address, and the account-wide count), leaving the per-address
// counts, which are about the address, not the user. A password reset
// calls it: the user proved the email is theirs and set a new password,
// so failures against the old one must not keep them out of the new.
func (q *Queries) ClearSignInLockout(ctx context.Context, email string) (int64, error) {
	email = NormalizeEmail(email)
	return q.ClearLoginFailures(ctx, []string{SignInEmailKey(email)},
		[]string{SignInPairKey(email, ""), SignInPairDayKey(email, "")})
}

// ClearLoginFailures deletes the recorded failures under each of keys and
// under every key that starts with one of prefixes, and returns how many
// went. A password reset uses it: the user proved the email is theirs, so
// the lockout their forgetting (or a guesser) ran up must not keep them
// out of the new password.
func (q *Queries) ClearLoginFailures(ctx context.Context, keys, prefixes []string) (int64, error) {
	var where []string
	var args []any
	for _, k := range keys {
		args = append(args, k)
		where = append(where, fmt.Sprintf("key = $%d", len(args)))
	}
	// LIKE with its wildcards escaped: an email may hold "_" or "%".
	esc := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	for _, p := range prefixes {
		args = append(args, esc.Replace(p)+"%")
		where = append(where, fmt.Sprintf("key LIKE $%d ESCAPE '!'", len(args)))
	}
	if len(where) == 0 {
		return 0, nil
	}
	n, err := q.w.exec(ctx, "DELETE FROM login_failure WHERE "+strings.Join(where, " OR "), args...)
	if err != nil {
		return 0, fmt.Errorf("store: clear login failures: %w", err)
	}
	return n, nil
}

// PurgeLoginFailures deletes failures recorded before before and returns
// how many went.
func (q *Queries) PurgeLoginFailures(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.w.exec(ctx, "DELETE FROM login_failure WHERE at < $1", q.t(before))
	if err != nil {
		return 0, fmt.Errorf("store: purge login failures: %w", err)
	}
	return n, nil
}

// RememberSignInClient notes that email signed in from client (an
// address) now.
func (q *Queries) RememberSignInClient(ctx context.Context, email, client string) error {
	_, err := q.w.exec(ctx, `INSERT INTO sign_in_client (email, client, last_at) VALUES ($1, $2, $3)
		ON CONFLICT (email, client) DO UPDATE SET last_at = excluded.last_at`,
		NormalizeEmail(email), client, q.t(q.now()))
	if err != nil {
		return fmt.Errorf("store: remember sign-in client: %w", err)
	}
	return nil
}

// KnownSignInClient reports whether email signed in from client after
// since.
func (q *Queries) KnownSignInClient(ctx context.Context, email, client string, since time.Time) (bool, error) {
	var n int
	err := q.r.queryRow(ctx, "SELECT COUNT(*) FROM sign_in_client WHERE email = $1 AND client = $2 AND last_at > $3",
		NormalizeEmail(email), client, q.t(since)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: known sign-in client: %w", err)
	}
	return n > 0, nil
}

// PurgeSignInClients forgets sign-in clients last seen before before and
// returns how many went.
func (q *Queries) PurgeSignInClients(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.w.exec(ctx, "DELETE FROM sign_in_client WHERE last_at < $1", q.t(before))
	if err != nil {
		return 0, fmt.Errorf("store: purge sign-in clients: %w", err)
	}
	return n, nil
}

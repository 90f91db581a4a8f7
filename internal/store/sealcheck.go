package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/orderbridge/orderbridge/internal/store/seal"
)

// ErrWrongSecretKey means the Sealer's keys cannot open what the database
// holds: the key that sealed it is missing (another process's generated
// key file, a typo, a key dropped too early after a rotation). A process
// started with it would save secrets no other process can read and fail
// every call that needs one, so CheckSealer refuses it at start.
var ErrWrongSecretKey = errors.New("store: the secret key cannot open this database's secrets")

// sealCheckPlain is what the check value holds; only whether it opens
// matters, as AES-GCM authenticates the key.
const sealCheckPlain = "orderbridge seal check"

// sealCheckAD binds the check value to its row, as additionalData binds a
// connection's secret to its own.
func sealCheckAD() []byte { return []byte("orderbridge seal check\x00") }

// CheckSealer proves that the Store's Sealer opens what the database
// holds, before a process works with it. The proof is the sealed check
// value (table seal_check, migration 0011), written under the current key
// the first time a database meets a key. A database from before 0011 that
// already holds sealed secrets has no check value: one of its secrets (the
// most recently saved) is opened instead, and the check value is written
// only if it opens, so an upgrade cannot enrol a wrong key. It returns an
// error wrapping ErrWrongSecretKey when the keys do not fit.
func (s *Store) CheckSealer(ctx context.Context) error {
	if s.sealer == nil {
		return ErrNoSealer
	}
	q := s.Queries
	// Two passes at most: a process that loses the race to write the
	// check value checks its key against the winner's.
	for range 2 {
		var sealed string
		err := q.w.queryRow(ctx, "SELECT sealed FROM seal_check WHERE id = 1").Scan(&sealed)
		if err == nil {
			if _, err := s.sealer.Open(sealed, sealCheckAD()); err != nil {
				return fmt.Errorf("%w: %w", ErrWrongSecretKey, err)
			}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: read the key check value: %w", err)
		}
		if err := s.checkExistingSecret(ctx); err != nil {
			return err
		}
		sealed, err = s.sealer.Seal([]byte(sealCheckPlain), sealCheckAD())
		if err != nil {
			return fmt.Errorf("store: seal the key check value: %w", err)
		}
		n, err := q.w.exec(ctx, "INSERT INTO seal_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", sealed)
		if err != nil {
			return fmt.Errorf("store: write the key check value: %w", err)
		}
		if n == 1 {
			s.logger.InfoContext(ctx, "store: wrote the secret key check value", "key_id", s.sealer.CurrentKeyID())
			return nil
		}
	}
	return errors.New("store: the key check value vanished while it was checked")
}

// VerifySealer proves, reading only, that the Store's Sealer still opens
// the key check value CheckSealer wrote: a running process's readiness
// (/readyz), which a key rotation by another process that dropped this
// process's key takes away. A database without the check value yet passes
// (CheckSealer, at start, writes it). The error wraps ErrWrongSecretKey
// when the keys do not fit, ErrNoSealer without a Sealer.
func (s *Store) VerifySealer(ctx context.Context) error {
	if s.sealer == nil {
		return ErrNoSealer
	}
	var sealed string
	err := s.Queries.r.queryRow(ctx, "SELECT sealed FROM seal_check WHERE id = 1").Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: read the key check value: %w", err)
	}
	if _, err := s.sealer.Open(sealed, sealCheckAD()); err != nil {
		return fmt.Errorf("%w: %w", ErrWrongSecretKey, err)
	}
	return nil
}

// checkExistingSecret opens the most recently saved connection secret, if
// there is one: the check of a database that has secrets but no check
// value yet.
func (s *Store) checkExistingSecret(ctx context.Context) error {
	var (
		account      int64
		kind, sealed string
	)
	err := s.Queries.w.queryRow(ctx, `SELECT account_id, kind, secret FROM account_connection
		WHERE secret IS NOT NULL ORDER BY updated_at DESC, account_id, kind LIMIT 1`).Scan(&account, &kind, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: read a secret to check the key: %w", err)
	}
	if _, err := s.sealer.Open(sealed, additionalData(account, ConnectionKind(kind))); err != nil {
		return fmt.Errorf("%w: %w", ErrWrongSecretKey, err)
	}
	return nil
}

// resealCheck re-seals the check value under the current key when an
// older key sealed it (ResealSecrets' part), reporting whether it did.
func (q *Queries) resealCheck(ctx context.Context, sealer *seal.Sealer) (bool, error) {
	var sealed string
	err := q.w.queryRow(ctx, "SELECT sealed FROM seal_check WHERE id = 1").Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !sealer.NeedsReseal(sealed) {
		return false, nil
	}
	plain, err := sealer.Open(sealed, sealCheckAD())
	if err != nil {
		return false, fmt.Errorf("key check value: %w", err)
	}
	if sealed, err = sealer.Seal(plain, sealCheckAD()); err != nil {
		return false, err
	}
	if _, err := q.w.exec(ctx, "UPDATE seal_check SET sealed = $1 WHERE id = 1", sealed); err != nil {
		return false, err
	}
	return true, nil
}

// VerifySecrets opens every stored secret and the key check value with
// the Store's Sealer, changing nothing (unlike ConnectionSecret, which
// marks what does not open): the proof, after ResealSecrets, that a
// Sealer holding only the new key opens everything, so the old key can
// go. It returns how many values opened and an error naming each
// connection that did not.
func (q *Queries) VerifySecrets(ctx context.Context) (int, error) {
	sealer := q.s.sealer
	if sealer == nil {
		return 0, ErrNoSealer
	}
	items, err := q.storedSecrets(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: verify secrets: %w", err)
	}
	var errs []error
	opened := 0
	for _, it := range items {
		if _, err := sealer.Open(it.secret, additionalData(it.account, it.kind)); err != nil {
			errs = append(errs, fmt.Errorf("account %d %s: %w", it.account, it.kind, err))
			continue
		}
		opened++
	}
	var sealed string
	err = q.r.queryRow(ctx, "SELECT sealed FROM seal_check WHERE id = 1").Scan(&sealed)
	switch {
	case err == nil:
		if _, err := sealer.Open(sealed, sealCheckAD()); err != nil {
			errs = append(errs, fmt.Errorf("the key check value: %w", err))
		} else {
			opened++
		}
	case !errors.Is(err, sql.ErrNoRows):
		return opened, fmt.Errorf("store: verify secrets: %w", err)
	}
	if len(errs) > 0 {
		return opened, fmt.Errorf("store: verify secrets: %w: %w", ErrWrongSecretKey, errors.Join(errs...))
	}
	return opened, nil
}

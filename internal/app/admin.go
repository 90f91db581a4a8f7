package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
)

// StoreOptions say what an operator's one-off command (`orderbridge users`,
// `accounts`, `keys`) needs of the database.
type StoreOptions struct {
	// Exclusive takes the SQLite file's lock, as serve does: for commands
	// that must not run beside a serve on SQLite (deleting an account,
	// resealing secrets). Users commands only change rows SQLite's own
	// locking guards, so they run beside a serve.
	Exclusive bool
	// Secrets builds the installation's Sealer from the configuration
	// (ORDERBRIDGE_SECRET_KEY, ORDERBRIDGE_SECRET_KEYS_PREVIOUS, the key
	// file) and proves it opens the database (Store.CheckSealer).
	Secrets bool
}

// OpenStore opens the database for an operator's command: the schema must
// be current (neither older, run `orderbridge migrate`, nor newer than
// this binary); nothing is migrated and no job runs. close releases the
// store and the SQLite lock.
func OpenStore(ctx context.Context, cfg config.Config, logger *slog.Logger, so StoreOptions) (st *store.Store, close func() error, err error) {
	if err := cfg.Validate(false); err != nil {
		return nil, nil, err
	}
	unlock := func() error { return nil }
	if !cfg.IsPostgres() {
		path := sqliteFile(cfg.Database())
		if _, err := os.Stat(path); err != nil {
			// Opening would create an empty database that no command here
			// can use.
			return nil, nil, fmt.Errorf("app: no database at %s: run `orderbridge migrate` first (or set %s / %s)", path, config.EnvDataDir, config.EnvDatabaseURL)
		}
		if so.Exclusive {
			if unlock, err = lockDatabase(cfg.Database()); err != nil {
				return nil, nil, err
			}
		}
	}
	var sealer *seal.Sealer
	if so.Secrets {
		if cfg.IsPostgres() && strings.TrimSpace(cfg.SecretKey) == "" {
			_ = unlock()
			return nil, nil, errNoSharedKey
		}
		if sealer, _, err = seal.FromEnv(cfg.Getenv, cfg.DataDir); err != nil {
			_ = unlock()
			return nil, nil, fmt.Errorf("app: secret key: %w", err)
		}
	}
	st, err = store.Open(ctx, cfg.Database(), &store.Options{Logger: logger, Sealer: sealer})
	if err != nil {
		_ = unlock()
		return nil, nil, fmt.Errorf("app: %w", err)
	}
	close = func() error { return errors.Join(st.Close(), unlock()) }
	if err := st.CheckSchema(ctx); err != nil {
		_ = close()
		if errors.Is(err, store.ErrSchemaOutOfDate) {
			return nil, nil, fmt.Errorf("app: %w (run `orderbridge migrate` first)", err)
		}
		return nil, nil, fmt.Errorf("app: %w", err)
	}
	if so.Secrets {
		if err := st.CheckSealer(ctx); err != nil {
			_ = close()
			return nil, nil, keyCheckError(err)
		}
	}
	return st, close, nil
}

// keyCheckError words a failed Store.CheckSealer for the operator.
func keyCheckError(err error) error {
	if errors.Is(err, store.ErrWrongSecretKey) {
		return fmt.Errorf("app: %w: the key that sealed this database is missing: set %s to it, "+
			"or, during a key rotation, the new key there and the old one in %s (the same in every process)",
			err, config.EnvSecretKey, config.EnvSecretKeysPrevious)
	}
	return fmt.Errorf("app: %w", err)
}

// Rotation is what RotateKeys did.
type Rotation struct {
	// KeyID names the new key (a fingerprint, not the key).
	KeyID string
	// Resealed is how many values moved to the new key, the key check
	// value included.
	Resealed int
	// Verified is how many values then opened with the new key alone.
	Verified int
	// KeyFile is the data directory's key file when it holds an old key
	// that is no longer needed (empty: none).
	KeyFile string
}

// RotateKeys moves every sealed value to the key in ORDERBRIDGE_SECRET_KEY:
// it opens the database with that key and the old ones
// (ORDERBRIDGE_SECRET_KEYS_PREVIOUS, a key file in the data directory),
// re-seals whatever an old key sealed, the key check value included, in
// one transaction, and then proves that a Sealer holding only the new key
// opens every value. Only when that proof holds may the old keys go. On
// SQLite it needs the database to itself (stop serve first).
func RotateKeys(ctx context.Context, cfg config.Config, logger *slog.Logger) (Rotation, error) {
	if strings.TrimSpace(cfg.SecretKey) == "" {
		return Rotation{}, fmt.Errorf("app: set %s to the new key (`orderbridge keys generate` makes one) and %s to the old one",
			config.EnvSecretKey, config.EnvSecretKeysPrevious)
	}
	newKey, err := seal.ParseKey(cfg.SecretKey)
	if err != nil {
		return Rotation{}, fmt.Errorf("app: %s: %w", config.EnvSecretKey, err)
	}
	st, closeStore, err := OpenStore(ctx, cfg, logger, StoreOptions{Exclusive: true, Secrets: true})
	if err != nil {
		return Rotation{}, err
	}
	defer closeStore()
	r := Rotation{KeyID: newKey.ID()}
	if r.Resealed, err = st.ResealSecrets(ctx); err != nil {
		return r, fmt.Errorf("app: %w (nothing changed: keep the old key)", err)
	}
	only, err := seal.NewSealer(newKey)
	if err != nil {
		return r, fmt.Errorf("app: %w", err)
	}
	if r.Verified, err = st.WithSealer(only).VerifySecrets(ctx); err != nil {
		return r, fmt.Errorf("app: %w: keep the old key in %s; a process still sealing with the old key as its %s "+
			"wrote these since the reseal: give every process the new key first, then run `orderbridge keys rotate` again",
			err, config.EnvSecretKeysPrevious, config.EnvSecretKey)
	}
	if cfg.DataDir != "" {
		path := filepath.Join(cfg.DataDir, seal.KeyFileName)
		if data, err := os.ReadFile(path); err == nil {
			if k, err := seal.ParseKey(string(data)); err == nil && k.ID() != newKey.ID() {
				r.KeyFile = path
			}
		}
	}
	logger.InfoContext(ctx, "secret key rotated", "key_id", r.KeyID, "resealed", r.Resealed, "verified", r.Verified)
	return r, nil
}

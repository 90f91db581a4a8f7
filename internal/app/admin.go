package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
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

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
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/xero"
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

// AccountDeletion is what DeleteAccount did, and what it could not.
type AccountDeletion struct {
	Account store.Account
	// WebhookRemoved: the ShipStation webhook subscription was deleted at
	// ShipStation (or was already gone there).
	WebhookRemoved bool
	// XeroDisconnected: the Xero organisation's connection to the app was
	// removed through Xero's connections API.
	XeroDisconnected bool
	// Remains says, for a person, what is left outside this database
	// (a webhook or a Xero connection that could not be removed).
	Remains []string
	// Purge is what went beside the account's own rows.
	Purge store.Purge
}

// DeleteAccount deletes an account with everything it owns: first what it
// holds at the services, with its stored credentials (its ShipStation
// webhook subscription, tolerating one already gone; its Xero
// organisation's connection to the app), then every row (store.PurgeAccount:
// its River jobs, its users' failed sign-ins and the rate budgets of its
// organisation and key too). What cannot be removed at a service is
// reported in Remains, not a reason to keep the merchant's data.
func (a *App) DeleteAccount(ctx context.Context, accountID int64) (AccountDeletion, error) {
	var d AccountDeletion
	acct, err := a.Store.Account(ctx, accountID)
	if err != nil {
		return d, fmt.Errorf("app: delete account: %w", err)
	}
	d.Account = acct
	var rateKeys []string

	hook, hookErr := a.Store.ShipStationHookOf(ctx, accountID)
	creds, credsErr := a.Store.ShipStationCredentials(ctx, accountID)
	if credsErr == nil {
		rateKeys = append(rateKeys, shipstation.LimitKey(creds.APIKey))
	}
	switch {
	case errors.Is(hookErr, store.ErrNotFound):
	case hookErr != nil:
		return d, fmt.Errorf("app: delete account: %w", hookErr)
	case hook.WebhookID != 0 && credsErr != nil:
		// Without the key pair nothing can reach ShipStation.
		d.Remains = append(d.Remains, fmt.Sprintf("ShipStation webhook %d (store %d) could not be deleted: the account's key "+
			"pair is not readable (%v): delete it in ShipStation (Settings › Integrations › Webhooks); its deliveries are refused now",
			hook.WebhookID, hook.StoreID, credsErr))
	default:
		if err := a.Engine.Subscriber.Unsubscribe(ctx, accountID); err != nil {
			d.Remains = append(d.Remains, fmt.Sprintf("ShipStation webhook %d (store %d) could not be deleted (%v): delete it in ShipStation "+
				"(Settings › Integrations › Webhooks); its deliveries are refused now", hook.WebhookID, hook.StoreID, err))
		} else {
			d.WebhookRemoved = hook.WebhookID != 0
		}
	}

	if conn, err := a.Store.Connection(ctx, accountID, store.KindXero); err == nil {
		if conn.Metadata.TenantID != "" {
			rateKeys = append(rateKeys, xero.LimitOrg+":"+conn.Metadata.TenantID)
		}
		if conn.HasSecret && conn.Metadata.TenantID != "" {
			if err := a.disconnectXero(ctx, accountID, conn.Metadata.TenantID); err != nil {
				d.Remains = append(d.Remains, fmt.Sprintf("Xero organisation %s (%s) is still connected to the app (%v): "+
					"its admin can remove the app in Xero (Settings › Connected apps)", conn.Metadata.TenantName, conn.Metadata.TenantID, err))
			} else {
				d.XeroDisconnected = true
			}
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return d, fmt.Errorf("app: delete account: %w", err)
	}

	if d.Purge, err = a.Store.PurgeAccount(ctx, accountID, rateKeys); err != nil {
		return d, fmt.Errorf("app: delete account: %w", err)
	}
	a.Logger.InfoContext(ctx, "account deleted", "account", accountID, "webhook_removed", d.WebhookRemoved,
		"xero_disconnected", d.XeroDisconnected, "jobs", d.Purge.Jobs)
	return d, nil
}

// disconnectXero removes the tenant's connection to the app at Xero with
// the account's grant (refreshed if need be); a tenant the grant no
// longer lists is gone already.
func (a *App) disconnectXero(ctx context.Context, accountID int64, tenantID string) error {
	src, err := a.Engine.Clients.XeroTokens(ctx, accountID)
	if err != nil {
		return err
	}
	c := a.Xero.Client(src)
	conns, err := c.Connections(ctx, "")
	if err != nil {
		return err
	}
	for _, xc := range conns {
		if xc.TenantID == tenantID {
			return c.DeleteConnection(ctx, xc.ID)
		}
	}
	return nil
}

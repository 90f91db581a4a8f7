package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ConnectionKind names the service a connection reaches.
type ConnectionKind string

// The two services.
const (
	KindXero        ConnectionKind = "xero"
	KindShipStation ConnectionKind = "shipstation"
)

// ConnectionStatus is the state of a connection a person can act on.
type ConnectionStatus string

// Connection states.
const (
	StatusConnected       ConnectionStatus = "connected"
	StatusReconnectNeeded ConnectionStatus = "reconnect_needed" // StatusReason says why
	StatusDisconnected    ConnectionStatus = "disconnected"
)

// ConnectionMetadata is what may be shown of a connection: never a secret.
// It is stored as JSON, so fields can be added freely.
type ConnectionMetadata struct {
	// Xero: the organisation (tenant) the token grants.
	TenantID   string `json:"tenant_id,omitempty"`
	TenantName string `json:"tenant_name,omitempty"`
	// Timezone is the organisation's Timezone as Xero names it
	// (NEWZEALANDSTANDARDTIME), read when the connection is made; the
	// merchant's pages show times in it (xero.ZoneOf).
	Timezone string `json:"timezone,omitempty"`
	// ShortCode is the organisation's short code ("!kT9pq"), read with
	// Timezone: links into Xero name the organisation with it.
	ShortCode string `json:"short_code,omitempty"`
	// ShipStation: the store orders go to.
	StoreID   int64  `json:"store_id,omitempty"`
	StoreName string `json:"store_name,omitempty"`
}

// Connection is an account's link to Xero or ShipStation, without its
// secret (read that with ConnectionSecret).
type Connection struct {
	AccountID    int64
	Kind         ConnectionKind
	Status       ConnectionStatus
	StatusReason string
	Metadata     ConnectionMetadata
	// HasSecret reports whether a sealed secret is stored.
	HasSecret bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// additionalData binds a sealed secret to its row: a ciphertext moved to
// another account or kind fails to open.
func additionalData(accountID int64, kind ConnectionKind) []byte {
	return []byte("orderbridge connection\x00" + strconv.FormatInt(accountID, 10) + "\x00" + string(kind))
}

func (q *Queries) sealSecret(accountID int64, kind ConnectionKind, secret []byte) (string, error) {
	if q.s.sealer == nil {
		return "", ErrNoSealer
	}
	return q.s.sealer.Seal(secret, additionalData(accountID, kind))
}

func validKind(k ConnectionKind) error {
	if k != KindXero && k != KindShipStation {
		return fmt.Errorf("store: unknown connection kind %q", k)
	}
	return nil
}

// SaveConnection creates or replaces an account's connection of a kind with
// status connected, its metadata, and secret sealed (the Xero token JSON,
// or the ShipStation key and secret as JSON). It commits before returning.
// A Xero organisation or ShipStation store that another account holds is
// refused with a *ConnectedElsewhereError.
func (q *Queries) SaveConnection(ctx context.Context, accountID int64, kind ConnectionKind, meta ConnectionMetadata, secret []byte) error {
	if err := validKind(kind); err != nil {
		return err
	}
	if len(secret) == 0 {
		return fmt.Errorf("store: save %s connection: empty secret", kind)
	}
	sealed, err := q.sealSecret(accountID, kind, secret)
	if err != nil {
		return fmt.Errorf("store: save %s connection: %w", kind, err)
	}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("store: save %s connection: %w", kind, err)
	}
	if err := q.checkOwner(ctx, accountID, kind, meta); err != nil {
		return err
	}
	now := q.t(q.now())
	_, err = q.w.exec(ctx, `INSERT INTO account_connection
		(account_id, kind, status, status_reason, secret, metadata, created_at, updated_at)
		VALUES ($1, $2, $3, '', $4, $5, $6, $6)
		ON CONFLICT (account_id, kind) DO UPDATE SET
		status = excluded.status, status_reason = '', secret = excluded.secret,
		metadata = excluded.metadata, updated_at = excluded.updated_at`,
		accountID, string(kind), string(StatusConnected), sealed, string(metaJSON), now)
	if isUniqueViolation(err) { // another account claimed it since checkOwner looked
		_, _, name := ownerField(kind, meta)
		return &ConnectedElsewhereError{Kind: kind, Name: name}
	}
	if err != nil {
		return fmt.Errorf("store: save %s connection: %w", kind, err)
	}
	return nil
}

// SetXeroOrganisation stores the Xero organisation's time zone and short
// code in the account's Xero connection, if it is still the connection to
// tenantID: one made to another organisation since the caller read it is
// left alone. Nothing else of the connection changes.
func (q *Queries) SetXeroOrganisation(ctx context.Context, accountID int64, tenantID, timezone, shortCode string) error {
	c, err := q.Connection(ctx, accountID, KindXero)
	if err != nil {
		return fmt.Errorf("store: set xero organisation: %w", err)
	}
	if c.Metadata.TenantID != tenantID {
		return nil
	}
	meta := c.Metadata
	meta.Timezone, meta.ShortCode = timezone, shortCode
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("store: set xero organisation: %w", err)
	}
	tenant := "json_extract(metadata, '$.tenant_id')"
	if q.s.dialect == Postgres {
		tenant = "metadata ->> 'tenant_id'"
	}
	if _, err := q.w.exec(ctx, "UPDATE account_connection SET metadata = $1 WHERE account_id = $2 AND kind = $3 AND "+tenant+" = $4",
		string(metaJSON), accountID, string(KindXero), tenantID); err != nil {
		return fmt.Errorf("store: set xero organisation: %w", err)
	}
	return nil
}

// Connection returns an account's connection of one kind, or ErrNotFound.
func (q *Queries) Connection(ctx context.Context, accountID int64, kind ConnectionKind) (Connection, error) {
	c := Connection{AccountID: accountID, Kind: kind}
	var status, meta string
	var secret sql.NullString
	err := q.r.queryRow(ctx, `SELECT status, status_reason, secret, metadata, created_at, updated_at
		FROM account_connection WHERE account_id = $1 AND kind = $2`, accountID, string(kind)).
		Scan(&status, &c.StatusReason, &secret, textCol{&meta}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return Connection{}, fmt.Errorf("store: %s connection of account %d: %w", kind, accountID, ErrNotFound)
	}
	if err != nil {
		return Connection{}, fmt.Errorf("store: %s connection of account %d: %w", kind, accountID, err)
	}
	c.Status = ConnectionStatus(status)
	c.HasSecret = secret.Valid && secret.String != ""
	if err := json.Unmarshal([]byte(meta), &c.Metadata); err != nil {
		return Connection{}, fmt.Errorf("store: %s connection of account %d: metadata: %w", kind, accountID, err)
	}
	return c, nil
}

// ConnectionSecret opens the secret of an account's connection. It fails
// with ErrNotFound when there is no connection or no secret (after
// Disconnect), and with a seal error when the key that sealed it is gone.
func (q *Queries) ConnectionSecret(ctx context.Context, accountID int64, kind ConnectionKind) ([]byte, error) {
	if q.s.sealer == nil {
		return nil, ErrNoSealer
	}
	var secret sql.NullString
	// Outside a transaction this reads from SQLite's reader pool: under WAL
	// a committed token is visible to the next read at once.
	err := q.r.queryRow(ctx, "SELECT secret FROM account_connection WHERE account_id = $1 AND kind = $2",
		accountID, string(kind)).Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !secret.Valid) {
		return nil, fmt.Errorf("store: %s secret of account %d: %w", kind, accountID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %s secret of account %d: %w", kind, accountID, err)
	}
	plain, err := q.s.sealer.Open(secret.String, additionalData(accountID, kind))
	if err != nil {
		q.unreadable(ctx, accountID, kind, err)
		return nil, fmt.Errorf("store: %s secret of account %d: %w: %w", kind, accountID, ErrSecretUnreadable, err)
	}
	return plain, nil
}

// ReasonSecretUnreadable is the status reason of a connection whose
// secret the keys cannot open: what the merchant reads beside "reconnect
// needed". Reconnecting seals a new secret under the current key.
const ReasonSecretUnreadable = "the server cannot read this connection's credentials"

// ErrSecretUnreadable means a stored secret does not open with the
// Sealer's keys (its key was dropped from ORDERBRIDGE_SECRET_KEYS_PREVIOUS
// too early, or the value was altered). ConnectionSecret has then marked
// the connection reconnect_needed with ReasonSecretUnreadable and logged
// it at ERROR: an operator can still bring the key back; otherwise the
// merchant must reconnect.
var ErrSecretUnreadable = errors.New("store: the connection's credentials cannot be unsealed")

// unreadable reports a secret that does not open: at ERROR, as only a
// person can fix it (restore the key, or reconnect), and on the
// connection, so every page and run says "reconnect needed" for the
// right reason. The sealed value is never logged, only the key id it
// names. Inside a transaction the mark joins it (on SQLite the
// transaction holds the only writer); it outlives a cancelled request.
func (q *Queries) unreadable(ctx context.Context, accountID int64, kind ConnectionKind, cause error) {
	ctx = context.WithoutCancel(ctx)
	q.s.logger.ErrorContext(ctx, "store: a connection's credentials cannot be unsealed with the configured keys: "+
		"put the key that sealed them back in ORDERBRIDGE_SECRET_KEYS_PREVIOUS, or the merchant must reconnect",
		"account", accountID, "kind", string(kind), "error", cause.Error())
	_, err := q.w.exec(ctx, `UPDATE account_connection SET status = $1, status_reason = $2, updated_at = $3
		WHERE account_id = $4 AND kind = $5 AND (status <> $1 OR status_reason <> $2)`,
		string(StatusReconnectNeeded), ReasonSecretUnreadable, q.t(q.now()), accountID, string(kind))
	if err != nil {
		q.s.logger.ErrorContext(ctx, "store: mark an unreadable connection reconnect needed", "account", accountID, "kind", string(kind), "error", err)
	}
}

// SaveXeroToken replaces the sealed Xero token of an account that has a
// Xero connection, and marks it connected. The Xero token source calls it
// with every new token before using it ("persist before use"): Xero
// rotates the refresh token on each refresh, so a token not saved is a
// connection lost. Called on the Store, as the token source should, it
// returns only once the write is committed, durably (SQLite runs with
// synchronous=FULL); called on a Tx, it commits with the Tx.
func (q *Queries) SaveXeroToken(ctx context.Context, accountID int64, tokenJSON []byte) error {
	if len(tokenJSON) == 0 {
		return errors.New("store: save xero token: empty token")
	}
	sealed, err := q.sealSecret(accountID, KindXero, tokenJSON)
	if err != nil {
		return fmt.Errorf("store: save xero token: %w", err)
	}
	n, err := q.w.exec(ctx, `UPDATE account_connection SET secret = $1, status = $2, status_reason = '', updated_at = $3
		WHERE account_id = $4 AND kind = $5`,
		sealed, string(StatusConnected), q.t(q.now()), accountID, string(KindXero))
	if err != nil {
		return fmt.Errorf("store: save xero token: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: save xero token of account %d: %w", accountID, ErrNotFound)
	}
	return nil
}

// XeroToken opens the stored Xero token JSON of an account.
func (q *Queries) XeroToken(ctx context.Context, accountID int64) ([]byte, error) {
	return q.ConnectionSecret(ctx, accountID, KindXero)
}

// SetConnectionStatus records a connection's state and the reason a person
// reads (for reconnect_needed: what happened and what to do).
func (q *Queries) SetConnectionStatus(ctx context.Context, accountID int64, kind ConnectionKind, status ConnectionStatus, reason string) error {
	switch status {
	case StatusConnected, StatusReconnectNeeded, StatusDisconnected:
	default:
		return fmt.Errorf("store: unknown connection status %q", status)
	}
	n, err := q.w.exec(ctx, `UPDATE account_connection SET status = $1, status_reason = $2, updated_at = $3
		WHERE account_id = $4 AND kind = $5`,
		string(status), reason, q.t(q.now()), accountID, string(kind))
	if err != nil {
		return fmt.Errorf("store: set %s connection status: %w", kind, err)
	}
	if n == 0 {
		return fmt.Errorf("store: set %s connection status of account %d: %w", kind, accountID, ErrNotFound)
	}
	return nil
}

// Disconnect marks a connection disconnected and erases its secret; the
// metadata stays, so the page can say what was connected.
func (q *Queries) Disconnect(ctx context.Context, accountID int64, kind ConnectionKind) error {
	n, err := q.w.exec(ctx, `UPDATE account_connection SET status = $1, status_reason = '', secret = NULL, updated_at = $2
		WHERE account_id = $3 AND kind = $4`,
		string(StatusDisconnected), q.t(q.now()), accountID, string(kind))
	if err != nil {
		return fmt.Errorf("store: disconnect %s: %w", kind, err)
	}
	if n == 0 {
		return fmt.Errorf("store: disconnect %s of account %d: %w", kind, accountID, ErrNotFound)
	}
	return nil
}

// storedSecret is one connection's secret as stored: sealed under the
// connection's additional data.
type storedSecret struct {
	account int64
	kind    ConnectionKind
	secret  string
}

// storedSecrets reads every stored connection secret, by account and
// kind: what ResealSecrets rewrites and VerifySecrets proves.
func (q *Queries) storedSecrets(ctx context.Context) ([]storedSecret, error) {
	rs, err := q.r.query(ctx, "SELECT account_id, kind, secret FROM account_connection WHERE secret IS NOT NULL ORDER BY account_id, kind")
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []storedSecret
	for rs.Next() {
		var it storedSecret
		var kind string
		if err := rs.Scan(&it.account, &kind, &it.secret); err != nil {
			return nil, err
		}
		it.kind = ConnectionKind(kind)
		out = append(out, it)
	}
	return out, rs.Err()
}

// ResealSecrets re-seals, under the Sealer's current key, every secret
// sealed with an older one, the key check value (CheckSealer) included,
// and returns how many values it rewrote. After it, the old keys can be
// dropped. It runs in one transaction.
func (q *Queries) ResealSecrets(ctx context.Context) (int, error) {
	sealer := q.s.sealer
	if sealer == nil {
		return 0, ErrNoSealer
	}
	count := 0
	err := q.inTx(ctx, func(q *Queries) error {
		all, err := q.storedSecrets(ctx)
		if err != nil {
			return err
		}
		for _, it := range all {
			if !sealer.NeedsReseal(it.secret) {
				continue
			}
			ad := additionalData(it.account, it.kind)
			plain, err := sealer.Open(it.secret, ad)
			if err != nil {
				return fmt.Errorf("account %d %s: %w", it.account, it.kind, err)
			}
			sealed, err := sealer.Seal(plain, ad)
			if err != nil {
				return err
			}
			if _, err := q.w.exec(ctx, "UPDATE account_connection SET secret = $1 WHERE account_id = $2 AND kind = $3",
				sealed, it.account, string(it.kind)); err != nil {
				return err
			}
			count++
		}
		// The check value follows the secrets to the new key, so that a
		// process given only the new key still passes CheckSealer.
		resealed, err := q.resealCheck(ctx, sealer)
		if err != nil {
			return err
		}
		if resealed {
			count++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: reseal secrets: %w", err)
	}
	return count, nil
}

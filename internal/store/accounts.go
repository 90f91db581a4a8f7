package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Account is one merchant: their Xero organisation, ShipStation store,
// settings and log hang off it. Users (a later issue) will reference it.
type Account struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// CreateAccount adds an account and returns it with its new ID.
func (q *Queries) CreateAccount(ctx context.Context, name string) (Account, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Account{}, errors.New("store: create account: empty name")
	}
	a := Account{Name: name, CreatedAt: q.now()}
	err := q.w.queryRow(ctx, "INSERT INTO account (name, created_at) VALUES ($1, $2) RETURNING id",
		a.Name, q.t(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return Account{}, fmt.Errorf("store: create account: %w", err)
	}
	return a, nil
}

// Account returns one account, or ErrNotFound.
func (q *Queries) Account(ctx context.Context, id int64) (Account, error) {
	var a Account
	err := q.r.queryRow(ctx, "SELECT id, name, created_at FROM account WHERE id = $1", id).
		Scan(&a.ID, &a.Name, timeCol{&a.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("store: account %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("store: account %d: %w", id, err)
	}
	return a, nil
}

// ListAccounts returns every account in ID order. It is the one query
// that spans accounts: the periodic sweep and the operator's views use it.
func (q *Queries) ListAccounts(ctx context.Context) ([]Account, error) {
	rs, err := q.r.query(ctx, "SELECT id, name, created_at FROM account ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	defer rs.Close()
	var out []Account
	for rs.Next() {
		var a Account
		if err := rs.Scan(&a.ID, &a.Name, timeCol{&a.CreatedAt}); err != nil {
			return nil, fmt.Errorf("store: list accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	return out, nil
}

// RenameAccount changes an account's name.
func (q *Queries) RenameAccount(ctx context.Context, id int64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return errors.New("store: rename account: empty name")
	}
	n, err := q.w.exec(ctx, "UPDATE account SET name = $1 WHERE id = $2", name, id)
	if err != nil {
		return fmt.Errorf("store: rename account %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: rename account %d: %w", id, ErrNotFound)
	}
	return nil
}

// DeleteAccount removes an account and, by cascade, every row of it.
func (q *Queries) DeleteAccount(ctx context.Context, id int64) error {
	n, err := q.w.exec(ctx, "DELETE FROM account WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("store: delete account %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: delete account %d: %w", id, ErrNotFound)
	}
	return nil
}

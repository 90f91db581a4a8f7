package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// riverDriver adapts River's driver for the open database (riversqlite,
// whose transactions are *sql.Tx, or riverpgxv5, whose are pgx.Tx) to one
// whose transaction type is *Tx. Everything but the two methods that name
// the transaction type is the inner driver's, promoted; the two below
// shadow the promoted ones. So one river.Client[*store.Tx] type serves
// both dialects, and InsertTx and JobCompleteTx take a *Tx. Methods River
// adds to its driver later are promoted unchanged.
type riverDriver[T any] struct {
	riverdriver.Driver[T]
	unwrap func(*Tx) T
	wrap   func(T) *Tx
}

// UnwrapExecutor returns River's executor for the transaction under tx.
func (d *riverDriver[T]) UnwrapExecutor(tx *Tx) riverdriver.ExecutorTx {
	return d.Driver.UnwrapExecutor(d.unwrap(tx))
}

// UnwrapTx wraps a River executor's transaction as a *Tx.
func (d *riverDriver[T]) UnwrapTx(execTx riverdriver.ExecutorTx) *Tx {
	return d.wrap(d.Driver.UnwrapTx(execTx))
}

// RiverDriver is River's driver for a Store's database, with *Tx as its
// transaction type: riverpgxv5 over the Store's pgx pool on PostgreSQL
// (LISTEN/NOTIFY included), riversqlite over the Store's single writer
// connection on SQLite. Every method but UnwrapExecutor is the dialect
// driver's, promoted from the embedded interface.
//
// Its zero value unwraps a *Tx too, as River's test helpers require of the
// type they are given: rivertest.RequireInsertedTx[*store.RiverDriver](ctx,
// t, tx, args, nil) works on both dialects.
type RiverDriver struct {
	riverdriver.Driver[*Tx]
}

// UnwrapExecutor returns River's executor for the transaction under tx.
func (d *RiverDriver) UnwrapExecutor(tx *Tx) riverdriver.ExecutorTx {
	if d == nil || d.Driver == nil {
		// River's drivers unwrap with a nil receiver; so do we.
		if tx.pgxTx != nil {
			return (*riverpgxv5.Driver)(nil).UnwrapExecutor(tx.pgxTx)
		}
		return (*riversqlite.Driver)(nil).UnwrapExecutor(tx.sqlTx)
	}
	return d.Driver.UnwrapExecutor(tx)
}

// RiverDriver returns River's driver for the database the Store is open
// on. Give it to river.NewClient, or use NewRiverClient, which also sets
// the schema.
func (s *Store) RiverDriver() *RiverDriver {
	if s.dialect == Postgres {
		return &RiverDriver{&riverDriver[pgx.Tx]{
			Driver: riverpgxv5.New(s.pool),
			unwrap: func(tx *Tx) pgx.Tx { return tx.pgxTx },
			wrap:   s.wrapPgxTx,
		}}
	}
	return &RiverDriver{&riverDriver[*sql.Tx]{
		Driver: riversqlite.New(s.writeDB),
		unwrap: func(tx *Tx) *sql.Tx { return tx.sqlTx },
		wrap:   s.wrapSQLTx,
	}}
}

// NewRiverClient builds a River client on RiverDriver. config is copied;
// its Schema is set to the Store's PostgreSQL schema when empty, so River
// finds the tables Migrate created.
func (s *Store) NewRiverClient(config *river.Config) (*river.Client[*Tx], error) {
	var c river.Config
	if config != nil {
		c = *config
	}
	if c.Schema == "" {
		c.Schema = s.schema
	}
	client, err := river.NewClient(s.RiverDriver(), &c)
	if err != nil {
		return nil, fmt.Errorf("store: new river client: %w", err)
	}
	return client, nil
}

func (s *Store) riverMigrator() (*rivermigrate.Migrator[*Tx], error) {
	// River logs each migration it applies at INFO, and Migrate logs the
	// same migration again with ours: River's migrator speaks only to say
	// something went wrong.
	quiet := slog.New(minLevel{Handler: s.logger.Handler(), min: slog.LevelWarn})
	m, err := rivermigrate.New[*Tx](s.RiverDriver(), &rivermigrate.Config{Schema: s.schema, Logger: quiet})
	if err != nil {
		return nil, fmt.Errorf("store: river migrator: %w", err)
	}
	return m, nil
}

var _ riverdriver.Driver[*Tx] = (*RiverDriver)(nil)

// minLevel passes on only records at min or above.
type minLevel struct {
	slog.Handler
	min slog.Level
}

// Enabled reports whether level reaches min and the wrapped handler's own.
func (h minLevel) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.Handler.Enabled(ctx, level)
}

// WithAttrs keeps the floor on the derived handler.
func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{Handler: h.Handler.WithAttrs(attrs), min: h.min}
}

// WithGroup keeps the floor on the derived handler.
func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: h.Handler.WithGroup(name), min: h.min}
}

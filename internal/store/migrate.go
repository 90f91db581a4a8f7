package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migration is one embedded NNNN_name.sql file.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the dialect's migrations in version order.
func migrations(d Dialect) ([]migration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration file %s: want NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("store: two migrations numbered %d", out[i].version)
		}
	}
	return out, nil
}

// migrationLockID is the PostgreSQL advisory lock that serialises Migrate
// across processes ("orderbridge" in ASCII, truncated).
const migrationLockID = 0x6f72646572627264

// Migrate brings the schema up to date: River's migrations through
// rivermigrate, which applies each of its versions in its own transaction
// (some of River's PostgreSQL migrations cannot share one), then
// orderbridge's embedded migrations for the dialect, all in one
// transaction (a failure leaves orderbridge's schema as it was). River's
// go first so that ours may update River's tables (0007 renames a job
// kind) on a new database too. It is idempotent. On PostgreSQL a session advisory
// lock serialises concurrent Migrate calls from several processes; on
// SQLite the writer lock does.
func (s *Store) Migrate(ctx context.Context) error {
	all, err := migrations(s.dialect)
	if err != nil {
		return err
	}
	migrator, err := s.riverMigrator()
	if err != nil {
		return err
	}
	if s.dialect == Postgres {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("store: migrate: acquire lock connection: %w", err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLockID)); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer func() {
			// Unlock even when ctx is done; a lost session drops it anyway.
			_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLockID))
		}()
	}
	if s.dialect == Postgres && s.schema != "" {
		// River's migrations need the schema.
		err := s.WithTx(ctx, func(tx *Tx) error {
			_, err := tx.w.exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(s.schema))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migrate: create schema: %w", err)
		}
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("store: migrate river: %w", err)
	}
	for _, v := range res.Versions {
		s.logger.InfoContext(ctx, "store: river migration applied", slog.Int("version", v.Version))
	}
	return s.WithTx(ctx, func(tx *Tx) error {
		createTable := `CREATE TABLE IF NOT EXISTS orderbridge_migration (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL)`
		if _, err := tx.w.exec(ctx, createTable); err != nil {
			return fmt.Errorf("store: migrate: create migration table: %w", err)
		}
		applied, err := tx.appliedVersions(ctx)
		if err != nil {
			return err
		}
		if err := notNewer(all, applied); err != nil {
			return err
		}
		for _, m := range all {
			if applied[m.version] {
				continue
			}
			if _, err := tx.w.exec(ctx, m.sql); err != nil {
				return fmt.Errorf("store: migrate: %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.w.exec(ctx, "INSERT INTO orderbridge_migration (version, name, applied_at) VALUES ($1, $2, $3)",
				m.version, m.name, tx.now().Format(sqliteTimeLayout)); err != nil {
				return fmt.Errorf("store: migrate: record %04d: %w", m.version, err)
			}
			s.logger.InfoContext(ctx, "store: migration applied", slog.Int("version", m.version), slog.String("name", m.name))
		}
		return nil
	})
}

func (q *Queries) appliedVersions(ctx context.Context) (map[int]bool, error) {
	rs, err := q.r.query(ctx, "SELECT version FROM orderbridge_migration")
	if err != nil {
		return nil, fmt.Errorf("store: read applied migrations: %w", err)
	}
	defer rs.Close()
	applied := map[int]bool{}
	for rs.Next() {
		var v int
		if err := rs.Scan(&v); err != nil {
			return nil, fmt.Errorf("store: read applied migrations: %w", err)
		}
		applied[v] = true
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: read applied migrations: %w", err)
	}
	return applied, nil
}

// SchemaTooNewError refuses a database that a newer orderbridge migrated:
// it holds a migration this binary does not know, so its tables may mean
// something this binary would get wrong. errors.Is(err, ErrSchemaTooNew)
// matches it.
type SchemaTooNewError struct {
	// Database is the highest migration the database has applied.
	Database int
	// Binary is the highest migration this binary carries.
	Binary int
	// Unknown are the applied migrations this binary lacks.
	Unknown []int
}

// ErrSchemaTooNew is what a *SchemaTooNewError matches with errors.Is.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this binary")

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("store: the database schema is version %d, newer than this binary's %d "+
		"(it holds migration %v, which this binary does not know): run the orderbridge release that migrated it, "+
		"or a newer one; to go back to this release, restore the backup taken before the upgrade",
		e.Database, e.Binary, e.Unknown)
}

// Is makes errors.Is(err, ErrSchemaTooNew) true.
func (e *SchemaTooNewError) Is(target error) bool { return target == ErrSchemaTooNew }

// notNewer refuses applied migrations that are not among all: the
// upgrade guard of every command that opens the database, migrate too
// (which must not call such a schema up to date).
func notNewer(all []migration, applied map[int]bool) error {
	known := map[int]bool{}
	binary := 0
	for _, m := range all {
		known[m.version] = true
		binary = max(binary, m.version)
	}
	e := &SchemaTooNewError{Binary: binary}
	for v := range applied {
		e.Database = max(e.Database, v)
		if !known[v] {
			e.Unknown = append(e.Unknown, v)
		}
	}
	if len(e.Unknown) == 0 {
		return nil
	}
	sort.Ints(e.Unknown)
	return e
}

// CheckSchema returns nil when every embedded migration, orderbridge's and
// River's, has been applied, and an error wrapping ErrSchemaOutOfDate
// naming what is pending otherwise. A server on PostgreSQL calls it at
// start and refuses to run an old schema unless told to migrate.
func (s *Store) CheckSchema(ctx context.Context) error {
	all, err := migrations(s.dialect)
	if err != nil {
		return err
	}
	var exists bool
	if s.dialect == Postgres {
		err = s.r.queryRow(ctx, "SELECT to_regclass('orderbridge_migration') IS NOT NULL").Scan(&exists)
	} else {
		err = s.r.queryRow(ctx, "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'orderbridge_migration'").Scan(&exists)
	}
	if err != nil {
		return fmt.Errorf("store: check schema: %w", err)
	}
	applied := map[int]bool{}
	if exists {
		if applied, err = s.appliedVersions(ctx); err != nil {
			return err
		}
	}
	if err := notNewer(all, applied); err != nil {
		return err
	}
	var pending []string
	for _, m := range all {
		if !applied[m.version] {
			pending = append(pending, fmt.Sprintf("%04d_%s", m.version, m.name))
		}
	}
	migrator, err := s.riverMigrator()
	if err != nil {
		return err
	}
	res, err := migrator.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: check river schema: %w", err)
	}
	if !res.OK {
		pending = append(pending, "river: "+strings.Join(res.Messages, "; "))
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w: pending %s", ErrSchemaOutOfDate, strings.Join(pending, ", "))
	}
	return nil
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

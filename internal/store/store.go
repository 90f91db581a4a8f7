package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/orderbridge/orderbridge/internal/store/seal"
)

// Errors callers test with errors.Is.
var (
	// ErrNotFound means the row asked for does not exist (in that account).
	ErrNotFound = errors.New("store: not found")
	// ErrNoSealer means a secret was read or written on a Store opened
	// without a Sealer.
	ErrNoSealer = errors.New("store: no sealer configured")
	// ErrSchemaOutOfDate means migrations are pending: run Migrate.
	ErrSchemaOutOfDate = errors.New("store: database schema is out of date")
)

// schemaName is what River accepts as a schema name.
var schemaName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,40}$`)

// Options configures Open. The zero value works for tests that touch no
// secret.
type Options struct {
	// Logger receives the store's few log lines (migrations applied).
	// Nil discards them.
	Logger *slog.Logger
	// Sealer seals connection secrets. Without one, secret methods fail
	// with ErrNoSealer.
	Sealer *seal.Sealer
	// Schema is the PostgreSQL schema that holds orderbridge's and River's
	// tables (search_path of every connection, and River's Schema). Empty
	// means the server's default search_path. Ignored by SQLite.
	Schema string
	// Now is the clock for timestamps the store sets itself. Nil means
	// time.Now.
	Now func() time.Time
	// MaxConns caps the PostgreSQL pool (0: pgx's default; at least 2, as
	// Migrate holds a lock on one connection while it works on another) or
	// the SQLite reader pool (0: 4). SQLite always has exactly one writer
	// connection.
	MaxConns int
}

// Store is the open database. Its data methods (from the embedded Queries)
// each run in their own transaction; WithTx groups several.
type Store struct {
	*Queries

	dialect Dialect
	sealer  *seal.Sealer
	logger  *slog.Logger
	now     func() time.Time
	schema  string

	// SQLite: one writer connection (River uses it too), a reader pool.
	writeDB *sql.DB
	readDB  *sql.DB
	// PostgreSQL.
	pool *pgxpool.Pool
}

// Open connects to databaseURL: postgres:// or postgresql:// selects
// PostgreSQL; anything else is a SQLite file path or file: URL. Open does
// not migrate; call Migrate (or CheckSchema to refuse an old schema).
func Open(ctx context.Context, databaseURL string, opts *Options) (*Store, error) {
	if opts == nil {
		opts = &Options{}
	}
	s := &Store{
		sealer: opts.Sealer,
		logger: opts.Logger,
		now:    opts.Now,
	}
	if s.logger == nil {
		s.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		s.dialect = Postgres
		s.schema = opts.Schema
		err = s.openPostgres(ctx, databaseURL, opts)
	} else if scheme, _, ok := strings.Cut(databaseURL, "://"); ok && scheme != "file" && !strings.ContainsAny(scheme, `/\.`) {
		// A URL of another database, not a path: refuse rather than create
		// a SQLite file named after it.
		return nil, fmt.Errorf("store: unsupported database URL scheme %q (want postgres://, postgresql://, a file path or file:)", scheme)
	} else {
		s.dialect = SQLite
		err = s.openSQLite(ctx, databaseURL, opts)
	}
	if err != nil {
		return nil, err
	}
	s.Queries = s.poolQueries()
	return s, nil
}

func (s *Store) openPostgres(ctx context.Context, databaseURL string, opts *Options) error {
	if opts.Schema != "" && !schemaName.MatchString(opts.Schema) {
		// River accepts no other names, and search_path is set verbatim.
		return fmt.Errorf("store: schema %q: want letters, digits and underscores, not starting with a digit", opts.Schema)
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// pgx errors can echo the URL, password included; say less.
		return errors.New("store: parse postgres url: invalid database URL")
	}
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = opts.Schema
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = int32(max(opts.MaxConns, 2))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("store: connect postgres: %w", err)
	}
	s.pool = pool
	return nil
}

// sqliteDSN builds the modernc.org/sqlite DSN for a path or file: URL.
// The writer runs BEGIN IMMEDIATE (a transaction takes the write lock at
// once instead of failing with SQLITE_BUSY when it first writes) and
// synchronous=FULL (a commit survives power loss: a rotated Xero refresh
// token must never be lost).
func sqliteDSN(databaseURL string, writer bool) (string, error) {
	path, query := databaseURL, ""
	if strings.HasPrefix(path, "file:") {
		path = strings.TrimPrefix(path, "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path, query = path[:i], path[i+1:]
		}
	} else {
		path = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	}
	if path == "" || path == ":memory:" || strings.Contains(query, "mode=memory") {
		return "", errors.New("store: sqlite needs a file: in-memory databases cannot be shared by the store's connections and River")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("store: sqlite url query: %w", err)
	}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	if writer {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + q.Encode(), nil
}

func (s *Store) openSQLite(ctx context.Context, databaseURL string, opts *Options) error {
	wdsn, err := sqliteDSN(databaseURL, true)
	if err != nil {
		return err
	}
	rdsn, err := sqliteDSN(databaseURL, false)
	if err != nil {
		return err
	}
	// SQLite creates the file 0644 (less the umask); it holds password
	// hashes and addresses, so it is made private first.
	fixed, err := privateSQLiteFiles(databaseURL)
	if err != nil {
		return err
	}
	if len(fixed) > 0 && opts.Logger != nil {
		opts.Logger.WarnContext(ctx, "store: tightened the permissions of the database files to owner-only (0600)", "files", fixed)
	}
	w, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	// One writer: writers queue in the pool instead of racing for SQLite's
	// lock (River's riversqlite asks for the same).
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	// The first connection creates the file and switches it to WAL before
	// any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	r, err := sql.Open("sqlite", rdsn)
	if err != nil {
		w.Close()
		return fmt.Errorf("store: open sqlite reader: %w", err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return fmt.Errorf("store: open sqlite reader: %w", err)
	}
	s.writeDB, s.readDB = w, r
	return nil
}

// Close closes the database. Close only the Store Open returned, not one
// made by WithSealer, and only after River has stopped.
func (s *Store) Close() error {
	if s.pool != nil {
		s.pool.Close()
		return nil
	}
	return errors.Join(s.readDB.Close(), s.writeDB.Close())
}

// Dialect reports which database the Store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Schema returns the PostgreSQL schema given in Options (empty for SQLite).
func (s *Store) Schema() string { return s.schema }

// WithSealer returns a Store that shares s's connections but seals and
// opens secrets with sealer: how a key rotation is carried out in tests and
// in a one-off "reseal" command.
func (s *Store) WithSealer(sealer *seal.Sealer) *Store {
	c := *s
	c.sealer = sealer
	c.Queries = c.poolQueries()
	return &c
}

// Tx is a transaction. Its data methods (from the embedded Queries) join
// it; River's InsertTx takes it directly when the client was built on
// RiverDriver.
type Tx struct {
	*Queries
	sqlTx *sql.Tx
	pgxTx pgx.Tx
}

// SQLTx returns the database/sql transaction on SQLite, nil on PostgreSQL.
func (tx *Tx) SQLTx() *sql.Tx { return tx.sqlTx }

// PgxTx returns the pgx transaction on PostgreSQL, nil on SQLite.
func (tx *Tx) PgxTx() pgx.Tx { return tx.pgxTx }

func (s *Store) poolQueries() *Queries {
	if s.dialect == Postgres {
		q := pgxQuerier{s.pool}
		return &Queries{s: s, w: q, r: q}
	}
	return &Queries{s: s, w: sqlQuerier{s.writeDB}, r: sqlQuerier{s.readDB}}
}

func (s *Store) wrapSQLTx(t *sql.Tx) *Tx {
	tx := &Tx{sqlTx: t}
	q := sqlQuerier{t}
	tx.Queries = &Queries{s: s, w: q, r: q, tx: tx}
	return tx
}

func (s *Store) wrapPgxTx(t pgx.Tx) *Tx {
	tx := &Tx{pgxTx: t}
	q := pgxQuerier{t}
	tx.Queries = &Queries{s: s, w: q, r: q, tx: tx}
	return tx
}

// WithTx runs fn in a transaction: committed when fn returns nil, rolled
// back when it returns an error or panics. On SQLite the transaction holds
// the only writer connection, so fn must use tx, not the Store, to write.
func (s *Store) WithTx(ctx context.Context, fn func(tx *Tx) error) error {
	var tx *Tx
	if s.dialect == Postgres {
		t, err := s.pool.Begin(ctx)
		if err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
		tx = s.wrapPgxTx(t)
	} else {
		t, err := s.writeDB.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
		tx = s.wrapSQLTx(t)
	}
	committed := false
	defer func() {
		if !committed {
			// The context may be done already; rollback must still run.
			_ = tx.rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	committed = true
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func (tx *Tx) commit(ctx context.Context) error {
	if tx.pgxTx != nil {
		return tx.pgxTx.Commit(ctx)
	}
	return tx.sqlTx.Commit()
}

func (tx *Tx) rollback(ctx context.Context) error {
	if tx.pgxTx != nil {
		return tx.pgxTx.Rollback(ctx)
	}
	return tx.sqlTx.Rollback()
}

// Queries holds every data method. A Store's Queries run each call in its
// own transaction where it writes several rows; a Tx's join the Tx.
type Queries struct {
	s  *Store
	w  querier // writes
	r  querier // reads (SQLite: the reader pool outside a transaction)
	tx *Tx     // non-nil inside WithTx
}

// inTx runs fn with Queries bound to a transaction: the caller's if there
// is one, else a new one.
func (q *Queries) inTx(ctx context.Context, fn func(q *Queries) error) error {
	if q.tx != nil {
		return fn(q)
	}
	return q.s.WithTx(ctx, func(tx *Tx) error { return fn(tx.Queries) })
}

func (q *Queries) now() time.Time { return q.s.now().UTC().Truncate(time.Microsecond) }

func (q *Queries) t(t time.Time) any { return q.s.dialect.timeArg(t) }

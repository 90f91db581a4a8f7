package app

import (
	"errors"
	"fmt"
	"strings"
)

// ErrDatabaseInUse means another orderbridge process holds the SQLite
// database: the embedded database has one owner at a time (see
// lockDatabase).
var ErrDatabaseInUse = errors.New("app: database in use")

// inUseError names the database and the process that holds it.
type inUseError struct {
	path string
	pid  string // "" when the holder had not written it yet
}

func (e *inUseError) Error() string {
	holder := "pid unknown"
	if e.pid != "" {
		holder = "pid " + e.pid
	}
	return fmt.Sprintf("app: another orderbridge is using %s (%s): stop it first; "+
		"`sync` and `migrate` also need the database to themselves on SQLite (several processes need PostgreSQL)", e.path, holder)
}

func (e *inUseError) Is(target error) bool { return target == ErrDatabaseInUse }

// sqliteFile is the file a SQLite database URL names (a path, or a file:
// URL whose query is dropped).
func sqliteFile(databaseURL string) string {
	path, ok := strings.CutPrefix(databaseURL, "file:")
	if ok {
		path, _, _ = strings.Cut(path, "?")
	}
	return path
}

// lockDatabase makes this process the only orderbridge on a SQLite
// database, until release is called (or the process dies: the kernel
// drops the lock with it). It takes an exclusive, non-blocking flock(2) on
// "<database>.lock" and writes its pid there for the message a second
// process shows.
//
// Why a lock beside the file rather than SQLite's own locking: SQLite's
// exclusive locking mode would also shut out the store's own reader pool
// and River, it is taken only at the first write, and a second process
// would wait out busy_timeout and then fail with SQLITE_BUSY, naming no
// one. A second serve must fail at start, before it requeues the first
// one's running jobs (requeueOrphanedJobs relies on being alone). flock,
// unlike fcntl locks, also holds between two opens in one process, so two
// Apps in one test conflict as two processes do. The lock file is left in
// place on release: removing it would let a third process lock a new file
// while a second still holds the old one.
func lockDatabase(databaseURL string) (release func() error, err error) {
	path := sqliteFile(databaseURL)
	return lockFile(path, path+".lock")
}

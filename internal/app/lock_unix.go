//go:build unix

package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockFile takes the exclusive lock on lockPath for the database at
// dbPath (see lockDatabase).
func lockFile(dbPath, lockPath string) (release func() error, err error) {
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("app: lock the database: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b, _ := io.ReadAll(io.LimitReader(f, 32))
			return nil, &inUseError{path: dbPath, pid: strings.TrimSpace(string(b))}
		}
		return nil, fmt.Errorf("app: lock the database: %w", err)
	}
	// The pid is only for the message; the lock is what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() error {
		// Clear the pid first: once unlocked, a stale pid would mislead.
		_ = f.Truncate(0)
		if err := f.Close(); err != nil { // closing drops the lock
			return fmt.Errorf("app: unlock the database: %w", err)
		}
		return nil
	}, nil
}

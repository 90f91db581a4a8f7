package store

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The data directory holds password hashes, customer addresses and the
// secret key: no one but the process's user may read it, whatever the
// umask or an older version, a restore or a copy left.
const (
	// PrivateFileMode is the mode of every file under the data directory.
	PrivateFileMode fs.FileMode = 0o600
	// PrivateDirMode is the mode of the data directory and every
	// directory under it.
	PrivateDirMode fs.FileMode = 0o700
)

// MakePrivate gives every file under dir PrivateFileMode and dir and
// every directory under it PrivateDirMode, and returns the paths it had
// to change (nil when all were private already), for the caller's one log
// line. Symbolic links are left alone (a chmod would follow them out of
// dir). On Windows, where modes mean little, it does nothing.
func MakePrivate(dir string) (fixed []string, err error) {
	if runtime.GOOS == "windows" {
		return nil, nil
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		want := PrivateFileMode
		if d.IsDir() {
			want = PrivateDirMode
		}
		changed, err := makePrivate(p, want)
		if changed {
			fixed = append(fixed, p)
		}
		return err
	})
	if err != nil {
		return fixed, fmt.Errorf("store: make %s private: %w", dir, err)
	}
	return fixed, nil
}

// makePrivate sets path's permission bits to want if they differ.
func makePrivate(path string, want fs.FileMode) (changed bool, err error) {
	info, err := os.Lstat(path)
	if err != nil {
		return false, err
	}
	if info.Mode().Perm() == want {
		return false, nil
	}
	if err := os.Chmod(path, want); err != nil {
		return false, err
	}
	return true, nil
}

// privateSQLiteFiles creates the SQLite database file with
// PrivateFileMode if it is missing, so that SQLite, which gives its -wal
// and -shm files the database's mode, makes them private too; and
// tightens the database and those files if they exist with a wider mode.
// It returns the paths it changed.
func privateSQLiteFiles(databaseURL string) (fixed []string, err error) {
	if runtime.GOOS == "windows" {
		return nil, nil
	}
	path := sqlitePath(databaseURL)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, PrivateFileMode)
	if err != nil {
		return nil, fmt.Errorf("store: create the database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("store: create the database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		changed, err := makePrivate(p, PrivateFileMode)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fixed, fmt.Errorf("store: make the database file private: %w", err)
		}
		if changed {
			fixed = append(fixed, p)
		}
	}
	return fixed, nil
}

// sqlitePath is the file a SQLite database URL names: a path, or a file:
// URL without its query, unescaped.
func sqlitePath(databaseURL string) string {
	p, ok := strings.CutPrefix(databaseURL, "file:")
	if !ok {
		return databaseURL
	}
	p, _, _ = strings.Cut(p, "?")
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	return p
}

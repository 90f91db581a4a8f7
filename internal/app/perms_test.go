//go:build unix

package app_test

import (
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// wideModes lists what under dir is readable or writable by others than
// its owner: files must be 0600, directories 0700.
func wideModes(t *testing.T, dir string) []string {
	t.Helper()
	var wide []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			wide = append(wide, p+" "+info.Mode().Perm().String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return wide
}

// TestDataDirIsPrivate shows that everything under the data directory
// (the SQLite database with its -wal and -shm files, the lock file, the
// key file, anything else there) is 0600 and every directory 0700: in a
// data directory that already existed, and for a database made readable
// to others before (fixed on open, with one log line).
func TestDataDirIsPrivate(t *testing.T) {
	t.Parallel()
	t.Run("new files in an existing directory", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		if err := os.Chmod(cfg.DataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		newApp(t, cfg, app.Options{NoSweep: true})
		if wide := wideModes(t, cfg.DataDir); len(wide) > 0 {
			t.Errorf("readable by others while open: %q", wide)
		}
	})
	t.Run("an existing database with wide permissions", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		if err := tryNew(t, cfg, app.Options{NoSweep: true}); err != nil {
			t.Fatal(err)
		}
		// What an older version, a restore or a copy may have left.
		if err := os.WriteFile(filepath.Join(cfg.DataDir, "orderbridge.db.bak"), []byte("backup"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(cfg.DataDir, "old"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cfg.DataDir, "old", "notes"), []byte("x"), 0o666); err != nil {
			t.Fatal(err)
		}
		err := filepath.WalkDir(cfg.DataDir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return os.Chmod(p, 0o755)
			}
			return os.Chmod(p, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
		var logs testkit.Buffer
		opts := app.Options{NoSweep: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
		a, err := app.New(t.Context(), cfg, opts)
		if err != nil {
			t.Fatal(err)
		}
		if wide := wideModes(t, cfg.DataDir); len(wide) > 0 {
			t.Errorf("still readable by others after open: %q", wide)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(logs.String(), "tightened"); n != 1 {
			t.Errorf("%d lines about tightened permissions, want 1:\n%s", n, logs.String())
		}
		logs = testkit.Buffer{}
		a, err = app.New(t.Context(), cfg, app.Options{NoSweep: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logs.String(), "tightened") {
			t.Errorf("nothing to fix, yet:\n%s", logs.String())
		}
	})
}

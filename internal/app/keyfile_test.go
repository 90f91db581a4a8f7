package app_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
)

// TestALostKeyFileIsNotReplaced shows that on SQLite, when the key file
// that sealed the database is gone, the start is refused with a message
// naming the file, and no new key file is left in its place (which would
// make the next start fail the same way even once the old file is back
// beside it, and looks like the right key to a person); putting the old
// key file back starts again.
func TestALostKeyFileIsNotReplaced(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	if err := tryNew(t, cfg, app.Options{NoSweep: true}); err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(cfg.DataDir, seal.KeyFileName)
	saved, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	err = tryNew(t, cfg, app.Options{NoSweep: true})
	if !errors.Is(err, store.ErrWrongSecretKey) {
		t.Fatalf("without its key file: %v, want ErrWrongSecretKey", err)
	}
	if !strings.Contains(err.Error(), keyPath) {
		t.Errorf("the error does not name the key file %s: %v", keyPath, err)
	}
	if _, err := os.Stat(keyPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a new key file was left in place of the lost one (stat: %v)", err)
	}
	if err := os.WriteFile(keyPath, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tryNew(t, cfg, app.Options{NoSweep: true}); err != nil {
		t.Fatalf("with the key file back: %v", err)
	}
}

// TestAMalformedSecretKeyIsRefused shows that a key that is not base64 of
// 32 bytes stops the start, naming the variable, instead of falling back
// to a key file.
func TestAMalformedSecretKeyIsRefused(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"not-base64!", "c2hvcnQ=", generatedKey(t) + "x"} {
		cfg := testConfig(t)
		cfg.SecretKey = key
		err := tryNew(t, cfg, app.Options{NoSweep: true})
		if err == nil || !strings.Contains(err.Error(), "ORDERBRIDGE_SECRET_KEY") {
			t.Errorf("key %q: %v, want a refusal naming ORDERBRIDGE_SECRET_KEY", key, err)
		}
		if _, err := os.Stat(filepath.Join(cfg.DataDir, seal.KeyFileName)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("key %q: a key file was generated instead (stat: %v)", key, err)
		}
	}
}

package seal_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/orderbridge/orderbridge/internal/store/seal"
)

func newKey(t *testing.T) (seal.Key, string) {
	t.Helper()
	k, enc, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k, enc
}

func newSealer(t *testing.T, current seal.Key, previous ...seal.Key) *seal.Sealer {
	t.Helper()
	s, err := seal.NewSealer(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, _ := newKey(t)
	s := newSealer(t, k)
	ad := []byte("account 1 xero")
	secret := []byte(`{"refresh_token":"very-secret"}`)
	a, err := s.Seal(secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Seal(secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two seals of the same value are equal: the nonce is not random")
	}
	if strings.Contains(a, "very-secret") || !strings.HasPrefix(a, "ob1:"+k.ID()+":") {
		t.Errorf("sealed = %q", a)
	}
	got, err := s.Open(a, ad)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if id, err := seal.KeyID(a); err != nil || id != k.ID() {
		t.Errorf("KeyID = %q, %v", id, err)
	}
	if s.NeedsReseal(a) {
		t.Error("NeedsReseal of a value sealed with the current key")
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	k, _ := newKey(t)
	s := newSealer(t, k)
	ad := []byte("account 1 xero")
	sealed, err := s.Seal([]byte("secret"), ad)
	if err != nil {
		t.Fatal(err)
	}
	// Flip one byte of the ciphertext, keeping the encoding valid.
	body := sealed[strings.LastIndex(sealed, ":")+1:]
	raw, _ := base64.RawStdEncoding.DecodeString(body)
	raw[len(raw)-1] ^= 1
	tampered := sealed[:len(sealed)-len(body)] + base64.RawStdEncoding.EncodeToString(raw)

	other, _ := newKey(t)
	foreign, err := newSealer(t, other).Seal([]byte("secret"), ad)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		sealed string
		ad     string
		want   error
	}{
		{"moved to another row", sealed, "account 2 xero", seal.ErrOpen},
		{"moved to another kind", sealed, "account 1 shipstation", seal.ErrOpen},
		{"tampered", tampered, "account 1 xero", seal.ErrOpen},
		{"unknown key", foreign, "account 1 xero", seal.ErrUnknownKey},
		{"not sealed", "plain text", "account 1 xero", seal.ErrMalformed},
		{"bad base64", "ob1:" + k.ID() + ":!!!", "account 1 xero", seal.ErrMalformed},
		{"too short", "ob1:" + k.ID() + ":AAAA", "account 1 xero", seal.ErrMalformed},
		{"wrong version", strings.Replace(sealed, "ob1:", "ob9:", 1), "account 1 xero", seal.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.Open(tc.sealed, []byte(tc.ad))
			if !errors.Is(err, tc.want) || got != nil {
				t.Errorf("Open = %q, %v; want %v", got, err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("error mentions the plaintext: %v", err)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldKey, _ := newKey(t)
	newKey, _ := newKey(t)
	ad := []byte("ad")
	oldSealed, err := newSealer(t, oldKey).Seal([]byte("v"), ad)
	if err != nil {
		t.Fatal(err)
	}
	rotated := newSealer(t, newKey, oldKey)
	if got, err := rotated.Open(oldSealed, ad); err != nil || string(got) != "v" {
		t.Fatalf("rotated Open(old) = %q, %v", got, err)
	}
	if !rotated.NeedsReseal(oldSealed) {
		t.Error("NeedsReseal(old) = false")
	}
	if rotated.CurrentKeyID() != newKey.ID() {
		t.Error("rotated sealer does not seal with the new key")
	}
	newSealed, err := rotated.Seal([]byte("v"), ad)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := seal.KeyID(newSealed); id != newKey.ID() {
		t.Errorf("new value sealed with %s, want %s", id, newKey.ID())
	}
	if _, err := newSealer(t, oldKey).Open(newSealed, ad); !errors.Is(err, seal.ErrUnknownKey) {
		t.Errorf("old sealer opened a new value: %v", err)
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0xfb}, 32) // 0xfb makes std and URL alphabets differ
	k0, err := seal.NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		k, err := seal.ParseKey(" " + enc.EncodeToString(raw) + "\n")
		if err != nil || k.ID() != k0.ID() {
			t.Errorf("ParseKey(%v) = %v, %v", enc, k.ID(), err)
		}
	}
	short := base64.StdEncoding.EncodeToString(raw[:16])
	for _, bad := range []string{"", "not base64 !!", short} {
		if _, err := seal.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("error echoes the key: %v", err)
		}
	}
	if _, err := seal.NewSealer(seal.Key{}); err == nil {
		t.Error("NewSealer(zero key) succeeded")
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", seal.KeyFileName)
	k1, created, err := seal.LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreateKeyFile: created %v, %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("key directory holds %d entries, want only the key file", len(entries))
	}
	k2, created, err := seal.LoadOrCreateKeyFile(path)
	if err != nil || created || k2.ID() != k1.ID() {
		t.Fatalf("second LoadOrCreateKeyFile: %s (created %v), %v; want %s", k2.ID(), created, err, k1.ID())
	}
	bad := filepath.Join(t.TempDir(), seal.KeyFileName)
	if err := os.WriteFile(bad, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := seal.LoadOrCreateKeyFile(bad); err == nil {
		t.Error("LoadOrCreateKeyFile(garbage) succeeded")
	}
}

func TestKeyFileRace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), seal.KeyFileName)
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			k, _, err := seal.LoadOrCreateKeyFile(path)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = k.ID()
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("processes starting together got different keys: %v", ids)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("key directory holds %d entries after the race, want only the key file", len(entries))
	}
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	envKey, envEnc := newKey(t)
	prevKey, prevEnc := newKey(t)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	t.Run("generated file key", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		s, created, err := seal.FromEnv(env(nil), dir)
		if err != nil || !created {
			t.Fatalf("FromEnv = created %v, %v", created, err)
		}
		s2, created, err := seal.FromEnv(env(nil), dir)
		if err != nil || created || s2.CurrentKeyID() != s.CurrentKeyID() {
			t.Fatalf("second FromEnv: %v, created %v", err, created)
		}
	})
	t.Run("env key with previous keys", func(t *testing.T) {
		t.Parallel()
		s, created, err := seal.FromEnv(env(map[string]string{seal.EnvKey: envEnc, seal.EnvPreviousKeys: " " + prevEnc + " ,"}), "")
		if err != nil || created || s.CurrentKeyID() != envKey.ID() {
			t.Fatalf("FromEnv = %v, created %v", err, created)
		}
		old, err := newSealer(t, prevKey).Seal([]byte("v"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(old, nil); err != nil {
			t.Errorf("previous key does not open: %v", err)
		}
	})
	t.Run("moving from the file to an env key keeps the file key", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		fileSealer, _, err := seal.FromEnv(env(nil), dir)
		if err != nil {
			t.Fatal(err)
		}
		old, err := fileSealer.Seal([]byte("v"), nil)
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := seal.FromEnv(env(map[string]string{seal.EnvKey: envEnc}), dir)
		if err != nil || s.CurrentKeyID() != envKey.ID() {
			t.Fatalf("FromEnv = %v", err)
		}
		if _, err := s.Open(old, nil); err != nil {
			t.Errorf("the file key no longer opens: %v", err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		for name, m := range map[string]map[string]string{
			"no key, no data dir": nil,
			"bad env key":         {seal.EnvKey: "short"},
			"bad previous key":    {seal.EnvKey: envEnc, seal.EnvPreviousKeys: "nope"},
		} {
			if _, _, err := seal.FromEnv(env(m), ""); err == nil {
				t.Errorf("%s: FromEnv succeeded", name)
			}
		}
	})
}

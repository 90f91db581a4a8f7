package cli

import (
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store/seal"
)

// with returns environ with the given variables changed ("" removes one).
func with(environ map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range environ {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
			continue
		}
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestKeysRotate rotates the secret key of an installation whose account
// is connected to Xero and ShipStation, as doc/operations.md says, and
// then exports with the new key alone.
func TestKeysRotate(t *testing.T) {
	t.Parallel()
	eachDialect(t, testKeysRotate)
}

func testKeysRotate(t *testing.T, base map[string]string) {
	environ, semu := syncFixtureOn(t, base)
	oldKey := environ[config.EnvSecretKey]

	code, out, errOut := runCLIEnv(t, environ, "keys", "generate")
	newKey := strings.TrimSpace(out)
	if _, err := seal.ParseKey(newKey); code != 0 || err != nil || newKey == oldKey {
		t.Fatalf("keys generate: exit %d, %q (%v), stderr %q", code, out, err, errOut)
	}

	// The new key alone, before any reseal, is refused (it opens nothing),
	// and so is a rotation without the new key.
	if code, _, errOut := runCLIEnv(t, with(environ, config.EnvSecretKey, newKey), "keys", "rotate"); code != 1 ||
		!strings.Contains(errOut, config.EnvSecretKeysPrevious) {
		t.Errorf("keys rotate without the old key: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLIEnv(t, with(environ, config.EnvSecretKey, ""), "keys", "rotate"); code != 1 ||
		!strings.Contains(errOut, "set "+config.EnvSecretKey+" to the new key") {
		t.Errorf("keys rotate without a key: exit %d, stderr %q", code, errOut)
	}

	rotating := with(environ, config.EnvSecretKey, newKey, config.EnvSecretKeysPrevious, oldKey)
	code, out, errOut = runCLIEnv(t, rotating, "keys", "rotate")
	if code != 0 {
		t.Fatalf("keys rotate: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"resealed 3 values", "verified: all 3 sealed values open with the new key alone", "the old key can go"} {
		if !strings.Contains(out, want) {
			t.Errorf("keys rotate output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, newKey) || strings.Contains(out+errOut, oldKey) {
		t.Error("keys rotate printed a key")
	}
	// Again: nothing is left under the old key.
	if code, out, _ := runCLIEnv(t, rotating, "keys", "rotate"); code != 0 || !strings.Contains(out, "resealed 0 values") {
		t.Errorf("second keys rotate: exit %d, %q", code, out)
	}

	// The old key is dropped: the installation works with the new key
	// alone, and refuses the old one.
	if code, _, errOut := runCLIEnv(t, with(environ, config.EnvSecretKey, oldKey), "sync"); code != 1 ||
		!strings.Contains(errOut, "the key that sealed this database is missing") {
		t.Errorf("sync with the old key after the rotation: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut = runCLIEnv(t, with(environ, config.EnvSecretKey, newKey), "sync", "--since", "2020-01-01")
	if code != 0 || !strings.Contains(out, "1 exported") {
		t.Fatalf("sync with the new key alone: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if n := len(semu.Orders()); n != 1 {
		t.Errorf("%d orders after sync with the new key, want 1", n)
	}
}

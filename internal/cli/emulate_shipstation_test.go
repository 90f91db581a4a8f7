package cli

import (
	"net/http"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestEmulateShipStation starts the emulator in-process on a free port,
// reads the printed base URL and credentials, makes an authenticated call
// and shuts it down by cancelling the context.
func TestEmulateShipStation(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	got := startEmulate(t, "shipstation", "--addr", "127.0.0.1:0",
		"--api-key", "ShipStation", "--api-secret", "Rocks", "--rate-limit", "off", "--store", "Xero")
	base := strings.Join(got["base URL"], "")
	if !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("base URL %q: want the real bound address", base)
	}
	if k, s := strings.Join(got["API key"], ""), strings.Join(got["API secret"], ""); k != "ShipStation" || s != "Rocks" {
		t.Errorf("key/secret printed as %q/%q", k, s)
	}
	if len(got["store"]) != 2 || !strings.HasSuffix(got["store"][0], " ShipStation Manual Store") || !strings.HasSuffix(got["store"][1], " Xero") {
		t.Errorf("stores printed as %q", got["store"])
	}

	for _, tc := range []struct {
		user, pass string
		want       int
	}{{"ShipStation", "Rocks", http.StatusOK}, {"ShipStation", "wrong", http.StatusUnauthorized}} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/stores", nil)
		req.SetBasicAuth(tc.user, tc.pass)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET /stores as %s/%s: status %d, want %d", tc.user, tc.pass, resp.StatusCode, tc.want)
		}
	}

}

func TestEmulateShipStationBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"emulate", "shipstation", "--rate-limit", "fast"},
		{"emulate", "shipstation", "--faults", "errors=2"},
		{"emulate", "shipstation", "stray"},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != 2 {
			t.Errorf("%q: exit code %d, want 2 (stderr %q)", args, code, stderr)
		}
	}
	code, stdout, _ := runCLI(t, "emulate", "shipstation", "--help")
	if code != 0 || !strings.Contains(stdout, "--rate-limit") && !strings.Contains(stdout, "-rate-limit") {
		t.Errorf("--help: exit %d, stdout %q", code, stdout)
	}
}

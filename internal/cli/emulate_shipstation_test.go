package cli

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestEmulateShipStation starts the emulator in-process on a free port,
// reads the printed base URL and credentials, makes an authenticated call
// and shuts it down by cancelling the context.
func TestEmulateShipStation(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr strings.Builder
	env := &Env{
		Stdout: pw, Stderr: &stderr,
		LookupEnv: func(string) (string, bool) { return "", false },
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, env, []string{"emulate", "shipstation", "--addr", "127.0.0.1:0",
			"--api-key", "ShipStation", "--api-secret", "Rocks", "--rate-limit", "off", "--store", "Xero"})
		_ = pw.Close()
	}()

	got := map[string][]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		label, value, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			t.Fatalf("line %q is not 'label: value'", sc.Text())
		}
		got[label] = append(got[label], value)
		if label == "faults" {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
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
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/stores", nil)
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

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d, stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("emulator did not stop after cancel")
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

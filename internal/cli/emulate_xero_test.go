package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestEmulateXero starts the Xero emulator in-process on a free port, reads
// the printed endpoints and credentials, gets a client-credentials token,
// calls the API with it and shuts down by cancelling the context.
func TestEmulateXero(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	got := startEmulate(t, "xero", "--addr", "127.0.0.1:0", "--client-id", "CID",
		"--client-secret", "shh", "--webhook-key", "wk", "--rate-limit", "off", "--org", "Acme", "--org", "Globex",
		"--app-created", "2025-01-01", "--tier", "Starter")
	one := func(label string) string {
		t.Helper()
		if len(got[label]) != 1 {
			t.Fatalf("%q printed %d times: %v", label, len(got[label]), got)
		}
		return got[label][0]
	}
	base := one("base URL")
	if !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("base URL %q: want the real bound address", base)
	}
	for label, want := range map[string]string{
		"authorize URL": base + "/identity/connect/authorize", "token URL": base + "/connect/token",
		"API URL": base + "/api.xro/2.0", "client id": "CID", "client secret": "shh", "webhook key": "wk",
		"rate limit": "off", "faults": "none", "tier": "starter (1000 calls a day per organisation, at most 5 connected organisations)", "app scopes": "broad and granular (an app created 2025-01-01)",
	} {
		if v := one(label); v != want {
			t.Errorf("%s: %q, want %q", label, v, want)
		}
	}
	tenants := got["tenant id"]
	if len(tenants) != 2 || !strings.HasSuffix(tenants[0], " (Acme)") || !strings.HasSuffix(tenants[1], " (Globex)") {
		t.Fatalf("tenant ids printed as %q", tenants)
	}

	// A client-credentials token works against the first organisation; an
	// app created in 2025 may still ask for the broad scope.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, one("token URL"), strings.NewReader(url.Values{
		"grant_type": {"client_credentials"}, "scope": {"accounting.transactions accounting.settings.read"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("CID", "shh")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodGet, one("API URL")+"/Organisation", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var org struct {
		Organisations []struct{ Name, OrganisationID string }
	}
	err = json.NewDecoder(resp.Body).Decode(&org)
	_ = resp.Body.Close()
	if err != nil || len(org.Organisations) != 1 || org.Organisations[0].Name != "Acme" ||
		!strings.HasPrefix(tenants[0], org.Organisations[0].OrganisationID+" ") {
		t.Errorf("GET /Organisation: %v %+v", err, org)
	}

}

func TestEmulateXeroBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--rate-limit", "fast"},
		{"--faults", "errors=2"},
		{"--org", ""},
		{"--app-created", "last year"},
		{"--tier", "gold"},
		{"stray"},
	} {
		var stdout, stderr strings.Builder
		env := &Env{Stdout: &stdout, Stderr: &stderr, LookupEnv: func(string) (string, bool) { return "", false },
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if code := run(context.Background(), env, append([]string{"emulate", "xero", "--addr", "127.0.0.1:0"}, args...)); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, stderr.String())
		}
	}
	var stdout strings.Builder
	env := &Env{Stdout: &stdout, Stderr: io.Discard, LookupEnv: func(string) (string, bool) { return "", false }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if code := run(context.Background(), env, []string{"emulate", "xero", "--help"}); code != 0 || !strings.Contains(stdout.String(), "--client-secret") && !strings.Contains(stdout.String(), "-client-secret") {
		t.Errorf("--help: exit %d, output %q", code, stdout.String())
	}
}

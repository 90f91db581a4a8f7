package xeroemutest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/apispec"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// TestServerValidates checks that the helper's server validates: a
// misspelt filter the emulator silently accepts is reported, a documented
// call is not, and a refused call is judged by its refusal only.
func TestServerValidates(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	tests := []struct {
		name, path string
		token      bool
		status     int
		want       string // "" for no violation
	}{
		{"documented call", "/api.xro/2.0/Invoices?page=1", true, http.StatusOK, ""},
		{"misspelt filter accepted", "/api.xro/2.0/Invoices?Page=1", true, http.StatusOK, "request query Page"},
		{"refused without a token", "/api.xro/2.0/Invoices", false, http.StatusUnauthorized, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &testkit.Recorder{TB: t}
			emu := xeroemutest.Serve(rec, apispec.Shared(t).Fork(), xeroemu.Options{RateLimit: emukit.NoRateLimit})
			token := ""
			if tc.token {
				token = clientCredentials(t, emu)
			}
			req, err := http.NewRequest(http.MethodGet, emu.URL()+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			req.Header.Set("Xero-Tenant-Id", emu.DefaultTenantID())
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			// Reading to the end waits for the middleware's report: the
			// body ends only after the wrapped handler has returned.
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			errs := rec.Messages()
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Errorf("unexpected violations %q", errs)
			case tc.want != "" && (len(errs) != 1 || !strings.Contains(errs[0], tc.want)):
				t.Errorf("violations %q, want one mentioning %q", errs, tc.want)
			}
		})
	}
}

// clientCredentials gets a custom-connection token.
func clientCredentials(t *testing.T, emu *xeroemu.Emulator) string {
	t.Helper()
	hc := testkit.HTTPClient(t)
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodPost, emu.URL()+"/connect/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(emu.ClientID(), emu.ClientSecret())
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	return out.AccessToken
}

package shipstationemutest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/apispec"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestServerValidates checks that the helper's server validates: a
// misspelt filter the emulator silently accepts is reported, a documented
// call is not, and a refused call is judged by its refusal only.
func TestServerValidates(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	tests := []struct {
		name, path string
		auth       bool
		status     int
		want       string // "" for no violation
	}{
		{"documented call", "/orders?orderStatus=awaiting_shipment", true, http.StatusOK, ""},
		{"misspelt filter accepted", "/orders?orderstatus=awaiting_shipment", true, http.StatusOK, "request query orderstatus"},
		{"refused without credentials", "/orders", false, http.StatusUnauthorized, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &testkit.Recorder{TB: t}
			emu := shipstationemutest.Serve(rec, apispec.Shared(t).Fork(), shipstationemu.Options{RateLimit: emukit.NoRateLimit})
			req, err := http.NewRequest(http.MethodGet, emu.URL()+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.auth {
				req.SetBasicAuth(emu.APIKey(), emu.APISecret())
			}
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
			emu.Close()
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

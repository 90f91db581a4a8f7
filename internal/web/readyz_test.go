package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/web"
)

// TestReadyzNeedsTheSecretKey shows that /readyz, on the public and the
// metrics listener, says not ready when the process's secret key cannot
// open the database's secrets (another process rotated the key and
// dropped this one's), so a load balancer sends it nothing; with the
// right key it is ready.
func TestReadyzNeedsTheSecretKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if err := e.st.CheckSealer(t.Context()); err != nil { // the key check value, as app.New writes it
		t.Fatal(err)
	}
	wrong, err := web.New(web.Config{Store: e.st.WithSealer(storetest.NewSealer(t))})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		h    http.Handler
		code int
	}{
		{"right key", e.web.Handler(), http.StatusOK},
		{"right key, metrics listener", e.web.OpsHandler(), http.StatusOK},
		{"wrong key", wrong.Handler(), http.StatusServiceUnavailable},
		{"wrong key, metrics listener", wrong.OpsHandler(), http.StatusServiceUnavailable},
	} {
		rec := httptest.NewRecorder()
		tt.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code != tt.code {
			t.Errorf("%s: /readyz %d %q, want %d", tt.name, rec.Code, rec.Body.String(), tt.code)
		}
		if tt.code != http.StatusOK && !strings.Contains(rec.Body.String(), "secret key") {
			t.Errorf("%s: /readyz says %q, not that the secret key is wrong", tt.name, rec.Body.String())
		}
	}
}

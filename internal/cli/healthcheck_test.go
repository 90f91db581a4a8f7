package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheck: the container image has no curl, so its HEALTHCHECK
// runs `orderbridge healthcheck`, which asks the process's own /healthz
// (the metrics listener when set, else the web app's) and exits 0 only
// on a 200.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(healthy.Close)
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	}))
	t.Cleanup(sick.Close)
	addr := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	_, port, _ := net.SplitHostPort(addr(healthy))
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"web app healthy", map[string]string{"ORDERBRIDGE_HTTP_ADDR": addr(healthy)}, nil, 0},
		{"listening on every address", map[string]string{"ORDERBRIDGE_HTTP_ADDR": "0.0.0.0:" + port}, nil, 0},
		{"metrics listener first", map[string]string{"ORDERBRIDGE_HTTP_ADDR": addr(sick), "ORDERBRIDGE_METRICS_ADDR": addr(healthy)}, nil, 0},
		{"unhealthy", map[string]string{"ORDERBRIDGE_HTTP_ADDR": addr(sick)}, nil, 1},
		{"nothing listening", map[string]string{"ORDERBRIDGE_HTTP_ADDR": "127.0.0.1:1"}, nil, 1},
		{"no listener configured", map[string]string{"ORDERBRIDGE_HTTP_ADDR": ""}, nil, 1},
		{"explicit URL", nil, []string{"--url", healthy.URL + "/healthz"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			env := &Env{Stdout: &out, Stderr: &errOut, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				LookupEnv: func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }}
			if code := run(context.Background(), env, append([]string{"healthcheck"}, tt.args...)); code != tt.want {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", code, tt.want, out.String(), errOut.String())
			}
		})
	}
}

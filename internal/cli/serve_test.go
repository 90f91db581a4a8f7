package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestServeServesTheWebApp starts `orderbridge serve` as a deployment
// would (configuration from the environment, a flag for the address),
// finds the web app from its log line, checks it is ready, and stops it
// with an interrupt.
func TestServeServesTheWebApp(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	env := map[string]string{
		config.EnvDataDir:          filepath.Join(t.TempDir(), "data"),
		config.EnvXeroClientID:     "client",
		config.EnvXeroClientSecret: "secret",
		config.EnvAllowSignUp:      "true",
	}
	sv := startServe(t, env, "web app listening", "", "--http", "127.0.0.1:0")
	base := sv.base
	for _, tt := range []struct {
		path string
		code int
	}{{"/readyz", http.StatusOK}, {"/signup", http.StatusOK}, {"/metrics", http.StatusNotFound}, {"/dashboard", http.StatusOK}} {
		resp, err := hc.Get(base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("GET %s: %d, want %d", tt.path, resp.StatusCode, tt.code)
		}
	}
	// The dashboard without a session led to the sign-in page.
	resp, err := hc.Get(base + "/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/signin" {
		t.Errorf("signed out, /dashboard led to %s", resp.Request.URL.Path)
	}
	sv.stop()
	if _, err := hc.Get(base + "/healthz"); err == nil {
		t.Error("the web app still answers after serve returned")
	}
}

// TestServeWorkerOnly starts `orderbridge serve` with ORDERBRIDGE_HTTP_ADDR
// set but empty (no web app, as documented) and a metrics listener: it
// serves health checks and metrics there and no web app anywhere. Then a
// second serve and a sync on the same SQLite file are refused at once,
// naming the first one.
func TestServeWorkerOnly(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	env := map[string]string{
		config.EnvDataDir:          filepath.Join(t.TempDir(), "data"),
		config.EnvXeroClientID:     "client",
		config.EnvXeroClientSecret: "secret",
		config.EnvHTTPAddr:         "",
		config.EnvMetricsAddr:      "127.0.0.1:0",
	}
	sv := startServe(t, env, "metrics listening", "orderbridge running")
	base, errOut := sv.base, sv.errOut
	if strings.Contains(errOut.String(), "web app listening") {
		t.Errorf("%s=\"\" still served the web app:\n%s", config.EnvHTTPAddr, errOut.String())
	}
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		resp, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", path, resp.StatusCode)
		}
	}
	for _, args := range [][]string{{"serve"}, {"sync"}, {"migrate"}} {
		code, _, stderr := runCLIEnv(t, env, args...)
		if code == 0 || !strings.Contains(stderr, "another orderbridge is using") {
			t.Errorf("%s beside a running serve: exit %d, stderr %s", args[0], code, stderr)
		}
	}
	sv.stop()
}

// servedProcess is an `orderbridge serve` a test started (startServe).
type servedProcess struct {
	t      *testing.T
	base   string // the listener's URL, from its log line
	errOut *testkit.Buffer
	cancel context.CancelFunc
	done   chan int
}

// startServe runs `orderbridge serve args...` on env until the log line
// listening ("web app listening" or "metrics listening") names its URL,
// and, when ready is not empty, a line containing ready was logged too.
func startServe(t *testing.T, env map[string]string, listening, ready string, args ...string) *servedProcess {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	var out testkit.Buffer
	sv := &servedProcess{t: t, errOut: &testkit.Buffer{}, cancel: cancel, done: make(chan int, 1)}
	e := &Env{Stdout: &out, Stderr: sv.errOut, LookupEnv: lookupIn(env),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	go func() { sv.done <- run(ctx, e, append([]string{"serve"}, args...)) }()
	re := regexp.MustCompile(`msg="` + regexp.QuoteMeta(listening) + `" url=(http://127\.0\.0\.1:\d+)`)
	waitWhileRunning(t, "serve to log "+listening, 20*time.Second, sv.done, &out, sv.errOut, func() bool {
		if m := re.FindStringSubmatch(sv.errOut.String()); m != nil {
			sv.base = m[1]
		}
		return sv.base != "" && (ready == "" || strings.Contains(sv.errOut.String(), ready))
	})
	return sv
}

// stop interrupts the serve and wants it to exit 0.
func (sv *servedProcess) stop() {
	sv.t.Helper()
	sv.cancel()
	if code := <-sv.done; code != 0 {
		sv.t.Errorf("serve exit code %d after interrupt: %s", code, sv.errOut.String())
	}
}

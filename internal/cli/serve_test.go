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
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errOut testkit.Buffer
	e := &Env{Stdout: &out, Stderr: &errOut, LookupEnv: lookupIn(env),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, []string{"serve", "--http", "127.0.0.1:0"}) }()
	listening := regexp.MustCompile(`msg="web app listening" url=(http://127\.0\.0\.1:\d+)`)
	var base string
	waitWhileRunning(t, "serve to start the web app", 20*time.Second, done, &out, &errOut, func() bool {
		if m := listening.FindStringSubmatch(errOut.String()); m != nil {
			base = m[1]
		}
		return base != ""
	})
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
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit code %d after interrupt: %s", code, errOut.String())
	}
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
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errOut testkit.Buffer
	e := &Env{Stdout: &out, Stderr: &errOut, LookupEnv: lookupIn(env),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, []string{"serve"}) }()
	listening := regexp.MustCompile(`msg="metrics listening" url=(http://127\.0\.0\.1:\d+)`)
	var base string
	waitWhileRunning(t, "serve to start", 20*time.Second, done, &out, &errOut, func() bool {
		if m := listening.FindStringSubmatch(errOut.String()); m != nil {
			base = m[1]
		}
		return base != "" && strings.Contains(errOut.String(), "orderbridge running")
	})
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
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit code %d after interrupt: %s", code, errOut.String())
	}
}

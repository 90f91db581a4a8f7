package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// waitWhileRunning waits for cond while a command runs in the background
// (its exit code arrives on done), failing the test with the command's
// output if it exits first or cond does not hold within the time.
func waitWhileRunning(t *testing.T, what string, within time.Duration, done <-chan int, out, errOut *testkit.Buffer, cond func() bool) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
		}
	})
	testkit.WaitFor(t, what, within, func() bool {
		select {
		case code := <-done:
			t.Fatalf("the command exited %d while waiting for %s", code, what)
		default:
		}
		return cond()
	})
}

// labels reads "label: value" lines.
func labels(out string) map[string]string {
	m := map[string]string{}
	for line := range strings.Lines(out) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ": "); ok {
			if _, seen := m[k]; !seen {
				m[k] = v
			}
		}
	}
	return m
}

// TestDemoExportsTheSeededOrganisation runs `orderbridge demo` as a person
// would and checks, through ShipStation's API with the printed
// credentials, that the sweep exports what the demo data promises.
func TestDemoExportsTheSeededOrganisation(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	dir := filepath.Join(t.TempDir(), "demo")
	ctx, cancel := context.WithCancel(t.Context())
	var out, errOut testkit.Buffer
	// The demo logs as the operator's environment says, as serve does.
	logEnv := map[string]string{config.EnvLogFormat: "json", config.EnvLogLevel: "debug"}
	env := &Env{Stdout: &out, Stderr: &errOut, LookupEnv: lookupIn(logEnv),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, env, []string{"demo", "--data-dir", dir, "--http", "0", "--xero-addr", "127.0.0.1:0",
			"--shipstation-addr", "127.0.0.1:0", "--interval", "2s"})
	}()
	waitWhileRunning(t, "the demo to start", 30*time.Second, done, &out, &errOut, func() bool {
		return strings.Contains(out.String(), "running:")
	})
	l := labels(out.String())
	var logLines, debugLines int
	for line := range strings.Lines(errOut.String()) {
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Msg == "" {
			t.Errorf("stderr line is not a JSON log line: %q", line)
			break
		}
		logLines++
		if rec.Level == "DEBUG" {
			debugLines++
		}
	}
	if logLines == 0 || debugLines == 0 {
		t.Errorf("%d JSON log lines, %d at DEBUG: want the demo to log as %v says", logLines, debugLines, logEnv)
	}
	if first, _, _ := strings.Cut(out.String(), "\n"); !strings.HasPrefix(first, "Web UI: http://") {
		t.Errorf("first line %q, want the web UI's URL", first)
	}
	email, password, _ := strings.Cut(l["Sign in"], " / ")
	if got := signIn(t, l["Web UI"], email, password); got != "/dashboard" {
		t.Errorf("after signing in with the printed login, the browser is on %q, want /dashboard", got)
	}
	for _, k := range []string{"Xero base URL", "Xero tenant id", "Xero client id", "Xero client secret", "Xero webhook key",
		"ShipStation URL", "ShipStation API key", "ShipStation API secret", "ShipStation store", "database", "data dir"} {
		if l[k] == "" {
			t.Errorf("demo did not print %q", k)
		}
	}
	expected := l["expected with default settings"]
	want, err := strconv.Atoi(strings.Fields(expected + " x")[0])
	if err != nil || want == 0 {
		t.Fatalf("cannot read the expected exports from %q", expected)
	}
	// Poll ShipStation gently: the demo keeps ShipStation's real limit of
	// 40 calls a minute, shared with the app.
	orders := func() int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, l["ShipStation URL"]+"/orders?pageSize=500", nil)
		req.SetBasicAuth(l["ShipStation API key"], l["ShipStation API secret"])
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Total int }
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("GET /orders: %s: %v", resp.Status, err)
		}
		return body.Total
	}
	deadline := time.Now().Add(30 * time.Second) // gently: ShipStation allows 40 calls a minute
	got := 0
	for got = orders(); got < want && time.Now().Before(deadline); got = orders() {
		time.Sleep(500 * time.Millisecond)
	}
	if got != want {
		t.Errorf("%d orders in ShipStation, want the %d the demo data promises", got, want)
	}
	// The demo's contact without an address is mailed to the demo user,
	// and the demo prints the mail with its link.
	if !strings.HasPrefix(l["Mail"], "smtp://127.0.0.1:") {
		t.Errorf("Mail: %q, want where the demo's mail goes", l["Mail"])
	}
	waitWhileRunning(t, "the mail about the contact without an address", 30*time.Second, done, &out, &errOut, func() bool {
		return strings.Contains(out.String(), "mail to "+email+": A contact has no address or country") &&
			strings.Contains(out.String(), "  | What to do: See which: "+l["Web UI"]+"/invoices?state=waiting\n")
	})
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("demo exit code %d after interrupt: %s", code, errOut.String())
	}

	// A second start reuses the directory it made, afresh.
	if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
		t.Errorf("no demo marker: %v", err)
	}
	if err := prepareDemoDir(dir); err != nil {
		t.Errorf("prepare a demo dir again: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "orderbridge.db")); !os.IsNotExist(err) {
		t.Errorf("old demo database kept: %v", err)
	}
	// A directory the demo did not make is refused.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := prepareDemoDir(other); err == nil {
		t.Error("the demo accepted somebody else's directory")
	}
}

// signIn signs in to the web app at base as a browser would (cookie jar,
// the form's CSRF token) and returns the path it lands on.
func signIn(t *testing.T, base, email, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := hc.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	token := ""
	for n := range doc.Descendants() {
		if n.DataAtom != atom.Input {
			continue
		}
		var name, value string
		for _, a := range n.Attr {
			switch a.Key {
			case "name":
				name = a.Val
			case "value":
				value = a.Val
			}
		}
		if name == "csrf_token" {
			token = value
		}
	}
	if token == "" {
		t.Fatal("the sign-in form has no csrf_token")
	}
	resp, err = hc.PostForm(base+"/signin", url.Values{"csrf_token": {token}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("sign in: %s", resp.Status)
	}
	return resp.Request.URL.Path
}

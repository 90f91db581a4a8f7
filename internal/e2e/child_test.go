package e2e_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// The crash tests re-execute the test binary as a child that runs the app
// on the parent's emulators and database until it is killed (by itself,
// at a planned event, or by the parent's timer). The child's settings
// travel as JSON in an environment variable; it reports events on stdout,
// one per line, which the parent reads back.

// childApp is what every killable child needs of its parent: where the
// emulators are, its data directory and sealing key, and its account.
type childApp struct {
	XeroURL, XeroClientID, XeroClientSecret string
	ShipStationURL                          string
	DataDir, SecretKey                      string
	Account                                 int64
}

// config is the app configuration parent and child share.
func (c childApp) config() config.Config {
	cfg := config.Default()
	cfg.DataDir = c.DataDir
	cfg.XeroClientID, cfg.XeroClientSecret = c.XeroClientID, c.XeroClientSecret
	cfg.XeroBaseURL = c.XeroURL
	cfg.XeroRedirectURL = "http://127.0.0.1:1/connect/xero/callback"
	cfg.ShipStationBaseURL = c.ShipStationURL
	cfg.SecretKey = c.SecretKey
	return cfg
}

// childMain is the body of a helper-process "test": it does nothing
// unless env is set, and otherwise decodes the child's settings from it
// and runs the child.
func childMain[T any](env, name string, run func(T)) {
	raw := os.Getenv(env)
	if raw == "" {
		return
	}
	var c T
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		fmt.Fprintln(os.Stderr, name+": bad config:", err)
		os.Exit(3)
	}
	run(c)
}

// childRun is how a killable child ended.
type childRun struct {
	killed  bool // died of SIGKILL (its own or the parent's)
	byTimer bool // the parent's timer killed it
	stdout  string
	stderr  string
}

// runKillable runs the helper test named test as a child, with c as JSON
// in env, and kills it after delay unless it died or finished first. A
// child that ended any other way than by finishing or SIGKILL fails t;
// plan names the child in that message.
func runKillable(t *testing.T, test, env string, c any, plan string, delay time.Duration) childRun {
	t.Helper()
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+string(raw))
	var stdout, stderr testkit.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var res childRun
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case err = <-done:
	case <-timer.C:
		res.byTimer = true
		_ = cmd.Process.Kill()
		err = <-done
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && (!ee.Exited() || ee.ExitCode() == 137):
		res.killed = true
	default:
		t.Fatalf("child (%q) failed: %v\nstderr:\n%s\nstdout tail:\n%s", plan, err, stderr.String(), tail(stdout.String(), 20))
	}
	res.byTimer = res.byTimer && res.killed
	res.stdout, res.stderr = stdout.String(), stderr.String()
	return res
}

// eventLines calls fn with each event line of a child's stdout and its
// fields, passing over the kill notice and the test framework's lines.
func (r childRun) eventLines(fn func(line string, f []string)) {
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] == "killing" || f[0] == "PASS" || f[0] == "ok" || f[0] == "===" || f[0] == "---" {
			continue
		}
		fn(sc.Text(), f)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

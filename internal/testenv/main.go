package testenv

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// skipLogEnv names the file where Missing records the skips of this test
// binary. Main sets it before the tests run; the environment, not a package
// variable, carries it, so that testenv keeps no global state.
const skipLogEnv = "ORDERBRIDGE_TEST_SKIP_LOG"

// Runner runs a package's tests and returns the exit code: *testing.M, or a
// wrapper that adds its own report around it (apispec.WithCoverage).
type Runner interface {
	Run() int
}

// Main is the TestMain of every package whose tests can call Missing: it
// runs the tests, then prints one summary of what was skipped and why, and
// exits with the tests' code. Use it as
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// `go test ./...` discards everything a passing package prints unless it
// runs with -v, so without -v the summary goes to the terminal (/dev/tty)
// when there is one; with -v, in a package's own directory, or without a
// terminal it goes to stdout.
func Main(m Runner) {
	os.Exit(runSummarised(m))
}

// runSummarised runs m with a fresh skip log and prints the summary if
// any test skipped.
func runSummarised(m Runner) int {
	log := filepath.Join(os.TempDir(), fmt.Sprintf("orderbridge-skips-%d-%d.jsonl", os.Getpid(), time.Now().UnixNano()))
	// The log exists only once a test skips; child processes (the crash
	// tests re-run this binary) set their own in their own Main.
	if err := os.Setenv(skipLogEnv, log); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: no skip summary: %v\n", err)
		return m.Run()
	}
	code := m.Run()
	skips, err := readSkips(log)
	_ = os.Remove(log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: skip summary: %v\n", err)
		return code
	}
	if len(skips) == 0 {
		return code
	}
	w, done := summaryOut()
	defer done()
	fmt.Fprint(w, summary(packageDir(), skips))
	return code
}

// skip is one test that Missing stopped.
type skip struct {
	Test   string `json:"test"`
	What   string `json:"what"`
	Reason string `json:"reason"`
}

// recordSkip appends s to the binary's skip log. Without Main (no log
// named) the skip still happens, only unsummarised; a log that cannot be
// written is reported on the test, which skips anyway.
func recordSkip(tb testing.TB, s skip) {
	tb.Helper()
	path := os.Getenv(skipLogEnv)
	if path == "" {
		return
	}
	line, err := json.Marshal(s)
	if err != nil {
		tb.Logf("testenv: record skip: %v", err)
		return
	}
	// One write per line with O_APPEND: parallel tests do not interleave.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		tb.Logf("testenv: record skip: %v", err)
		return
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		tb.Logf("testenv: record skip: %v", err)
	}
	if err := f.Close(); err != nil {
		tb.Logf("testenv: record skip: %v", err)
	}
}

// readSkips reads the skip log; a log never created means no skips.
func readSkips(path string) ([]skip, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read skip log: %w", err)
	}
	defer f.Close()
	var skips []skip
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var s skip
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("read skip log: %w", err)
		}
		skips = append(skips, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read skip log: %w", err)
	}
	return skips, nil
}

// maxNamed is how many skipped tests the summary names per missing thing.
const maxNamed = 5

// summary is the report Main prints: a headline with the package and the
// count, then one line per missing thing, in order, with the tests it
// stopped.
func summary(pkg string, skips []skip) string {
	type group struct {
		what, reason string
		tests        []string
	}
	var groups []*group
	for _, s := range skips {
		i := slices.IndexFunc(groups, func(g *group) bool { return g.what == s.What && g.reason == s.Reason })
		if i < 0 {
			groups = append(groups, &group{what: s.What, reason: s.Reason})
			i = len(groups) - 1
		}
		groups[i].tests = append(groups[i].tests, s.Test)
	}
	// Parallel tests skip in any order; the summary must not.
	slices.SortFunc(groups, func(a, b *group) int { return strings.Compare(a.what+"\x00"+a.reason, b.what+"\x00"+b.reason) })
	var b strings.Builder
	fmt.Fprintf(&b, "SKIPPED in %s: %s (CI runs them; see .ci/run)\n", pkg, plural(len(skips), "test"))
	for _, g := range groups {
		slices.Sort(g.tests)
		names := g.tests
		if len(names) > maxNamed {
			// A package whose specs are missing skips dozens of tests:
			// the reason matters, not the full list.
			names = append(names[:maxNamed:maxNamed], fmt.Sprintf("and %d more", len(g.tests)-maxNamed))
		}
		fmt.Fprintf(&b, "    %s is missing: %s: %s\n", g.what, g.reason, strings.Join(names, ", "))
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// packageDir names the package under test by its folder from the module
// root (go test runs a test binary in its package's folder).
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "this package"
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, wd); err == nil {
				return filepath.ToSlash(rel)
			}
			return wd
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
}

// summaryOut picks where the summary is seen. `go test` shows a passing
// package's output only with -v (and streams it when run in the package's
// folder, stdout then being the terminal); in list mode (`go test ./...`)
// it throws the output away, so the summary goes to the terminal itself.
func summaryOut() (io.Writer, func()) {
	if testing.Verbose() || isTerminal(os.Stdout) {
		return os.Stdout, func() {}
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil { // no terminal (a pipe, a service): shown on failure or with -v
		return os.Stdout, func() {}
	}
	return tty, func() { _ = tty.Close() }
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

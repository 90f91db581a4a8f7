// Package testenv answers the questions tests ask of the machine they run
// on: where the vendors' API descriptions are, whether this is CI, and what
// to do when something a test needs is missing. Under CI (CI=true) a missing
// requirement fails the test; locally it skips with a loud reason, because
// CI must always run everything.
package testenv

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// update is the -update flag of every test binary that imports testenv: it
// rewrites golden files instead of comparing against them.
var update = flag.Bool("update", false, "rewrite golden files in testdata/ instead of comparing against them")

// InCI reports whether the tests run under CI, where nothing may be skipped.
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// Missing stops the test because something it needs is absent: a failure
// under CI, a skip with the reason everywhere else. The skip is also
// recorded for the package's summary (Main), because `go test ./...`
// without -v shows nothing of a passing package, not even its skips.
func Missing(tb testing.TB, what, reason string) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("REQUIRED IN CI: %s is missing: %s", what, reason)
	}
	recordSkip(tb, skip{Test: tb.Name(), What: what, Reason: reason})
	tb.Skipf("SKIPPED: %s is missing: %s (CI runs this test; see .ci/run)", what, reason)
}

// RepoRoot returns the directory holding go.mod.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// SpecsDir returns the folder of the vendors' API descriptions: the
// ORDERBRIDGE_SPECS_DIR variable, else ../shared/specs beside the checkout.
// The project reads them there and never copies them in.
func SpecsDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("ORDERBRIDGE_SPECS_DIR")
	if dir == "" {
		dir = filepath.Join(RepoRoot(tb), "..", "shared", "specs")
	}
	if _, err := os.Stat(dir); err != nil {
		Missing(tb, "the vendors' API descriptions", dir+" does not exist (set ORDERBRIDGE_SPECS_DIR)")
	}
	return dir
}

// Golden compares got with the file testdata/<name> of the calling package,
// or rewrites that file when the test runs with -update.
func Golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("golden file %s: %v (run the test with -update to create it)", path, err)
	}
	if string(want) != string(got) {
		tb.Errorf("%s differs from what the test produced (run with -update if the change is intended)\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

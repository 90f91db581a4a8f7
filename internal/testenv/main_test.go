package testenv

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// helperEnv makes TestHelperMissing do its work: it runs only in the
// child processes the summary tests start.
const helperEnv = "ORDERBRIDGE_TESTENV_HELPER"

// TestHelperMissing is the child's work, not a test of its own: two
// parallel subtests miss the same thing, one something else.
func TestHelperMissing(t *testing.T) {
	t.Parallel()
	if os.Getenv(helperEnv) != "1" {
		return // run by the parent process: the child does the work
	}
	for _, tc := range []struct{ name, what, reason string }{
		{"c", "PostgreSQL", "set THE_URL"}, {"a", "Chromium", "not installed"}, {"b", "Chromium", "not installed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			Missing(t, tc.what, tc.reason)
		})
	}
}

// runHelper runs this test binary's TestHelperMissing in a child process
// with the given CI value and extra arguments, detached from any terminal
// so that the summary cannot go to /dev/tty.
func runHelper(t *testing.T, ci string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^TestHelperMissing$"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"=1", "CI="+ci)
	detach(cmd)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

const wantSummary = `SKIPPED in internal/testenv: 3 tests (CI runs them; see .ci/run)
    Chromium is missing: not installed: TestHelperMissing/a, TestHelperMissing/b
    PostgreSQL is missing: set THE_URL: TestHelperMissing/c
`

// TestMissingIsSummarised shows that the skips Missing records come out as
// one summary at the end of the package's run, with -v and without (where
// there is no terminal, on stdout).
func TestMissingIsSummarised(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"-test.v"}} {
		out, err := runHelper(t, "false", args...)
		if err != nil {
			t.Fatalf("child %v: %v\n%s", args, err, out)
		}
		if !strings.HasSuffix(out, wantSummary) {
			t.Errorf("child %v does not end with the summary\n--- want suffix\n%s--- got\n%s", args, wantSummary, out)
		}
	}
}

// TestMissingFailsInCI shows that under CI nothing is skipped, so there is
// nothing to summarise: the tests fail.
func TestMissingFailsInCI(t *testing.T) {
	t.Parallel()
	out, err := runHelper(t, "true")
	if err == nil {
		t.Fatalf("child passed under CI=true:\n%s", out)
	}
	if !strings.Contains(out, "REQUIRED IN CI: Chromium is missing: not installed") || strings.Contains(out, "SKIPPED in") {
		t.Errorf("child output under CI=true:\n%s", out)
	}
}

// TestSummaryGroupsByWhatIsMissing checks the summary's wording for one
// skip (no plural) and that a long list of tests is cut short.
func TestSummaryGroupsByWhatIsMissing(t *testing.T) {
	t.Parallel()
	got := summary("internal/x", []skip{{Test: "TestB", What: "Chromium", Reason: "absent"}})
	want := "SKIPPED in internal/x: 1 test (CI runs them; see .ci/run)\n    Chromium is missing: absent: TestB\n"
	if got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
	var many []skip
	for _, name := range []string{"TestG", "TestF", "TestE", "TestD", "TestC", "TestB", "TestA"} {
		many = append(many, skip{Test: name, What: "Specs", Reason: "absent"})
	}
	got = summary("internal/x", many)
	want = "SKIPPED in internal/x: 7 tests (CI runs them; see .ci/run)\n    Specs is missing: absent: TestA, TestB, TestC, TestD, TestE, and 2 more\n"
	if got != want {
		t.Errorf("summary of many:\n%s\nwant:\n%s", got, want)
	}
}

// TestEveryPackageThatCanSkipHasTheSummary finds every test binary that
// links testenv (directly or through browsertest, storetest, apispec …) and
// checks that its package's TestMain calls testenv.Main, so that no skip
// goes unreported.
func TestEveryPackageThatCanSkipHasTheSummary(t *testing.T) {
	t.Parallel()
	root := RepoRoot(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-test", "-f", `{{if .ForTest}}{{.ForTest}} {{.Dir}} {{join .Deps " "}}{{end}}`, "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	const testenvPkg = "github.com/orderbridge/orderbridge/internal/testenv"
	checked := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) < 2 || checked[fields[1]] {
			continue
		}
		pkg, dir := fields[0], fields[1]
		linksTestenv := pkg == testenvPkg
		for _, d := range fields[2:] {
			linksTestenv = linksTestenv || d == testenvPkg
		}
		if !linksTestenv {
			continue
		}
		checked[dir] = true
		files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			found = found || bytes.Contains(b, []byte("func TestMain(m *testing.M) {")) && (bytes.Contains(b, []byte("testenv.Main(")) || pkg == testenvPkg)
		}
		if !found {
			t.Errorf("%s: its tests can skip through testenv.Missing but it has no TestMain calling testenv.Main", pkg)
		}
	}
	if len(checked) == 0 {
		t.Fatal("go list found no package linking testenv")
	}
}

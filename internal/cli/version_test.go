package cli

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv"
)

// TestVersionStampedAtBuild builds the binary as a release recipe does
// (no VCS information, the version given by -ldflags -X) and runs its
// version command: it must print the stamped version, commit and build
// date, and the Go version it was built with, not "(devel)".
func TestVersionStampedAtBuild(t *testing.T) {
	t.Parallel()
	gobin, err := exec.LookPath("go")
	if err != nil {
		testenv.Missing(t, "the go command", "the test builds the binary with -ldflags")
	}
	if testing.Short() {
		t.Skip("builds the whole binary")
	}
	bin := filepath.Join(t.TempDir(), "orderbridge")
	stamp := "version=v1.4.2 commit=0123456789abcdef date=2026-12-01T10:00:00Z"
	build := exec.Command(gobin, "build", "-buildvcs=false",
		"-ldflags", "-X 'github.com/orderbridge/orderbridge/internal/buildinfo.stamp="+stamp+"'",
		"-o", bin, "github.com/orderbridge/orderbridge/cmd/orderbridge")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("orderbridge version: %v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{"orderbridge v1.4.2", "commit 0123456789abcdef", "built 2026-12-01T10:00:00Z", "go" + strings.TrimPrefix(runtime.Version(), "go")} {
		if !strings.Contains(got, want) {
			t.Errorf("version printed %q, want it to contain %q", got, want)
		}
	}
	if strings.Contains(got, "(devel)") {
		t.Errorf("version printed %q: the stamp was ignored", got)
	}
}

// TestVersionUnstamped: a plain build (go run, go test) says it is a
// development build instead of inventing a version.
func TestVersionUnstamped(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, "version")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "orderbridge (devel)") || !strings.Contains(stdout, runtime.Version()) {
		t.Errorf("version printed %q, want orderbridge (devel) … %s", stdout, runtime.Version())
	}
}

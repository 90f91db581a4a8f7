package apispec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv"
)

// TestConformanceDocListsTheExceptions keeps doc/conformance.md's table
// identical to the one in exceptions.go, the single place exceptions live.
func TestConformanceDocListsTheExceptions(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "doc", "conformance.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := ExceptionsMarkdown()
	if !strings.Contains(string(doc), want) {
		t.Errorf("doc/conformance.md does not carry the current exception table; replace its table with:\n%s", want)
	}
}

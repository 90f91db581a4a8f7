package xeroemu_test

import (
	"os"
	"testing"

	"github.com/orderbridge/orderbridge/internal/apispec"
	"github.com/orderbridge/orderbridge/internal/testenv"
)

// TestMain prints which documented operations this package's tests
// exercised, and whether every exchange validated, when the run is
// verbose or apispec.CoverageEnv is set; then what the tests skipped
// because something was missing (testenv.Main).
func TestMain(m *testing.M) { testenv.Main(apispec.WithCoverage(m, os.Stderr)) }

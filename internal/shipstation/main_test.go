package shipstation_test

import (
	"os"
	"testing"

	"github.com/orderbridge/orderbridge/internal/apispec"
)

// TestMain prints which documented operations this package's tests
// exercised, and whether every exchange validated, when the run is
// verbose or apispec.CoverageEnv is set.
func TestMain(m *testing.M) { os.Exit(apispec.RunWithCoverage(m, os.Stderr)) }

package store_test

import (
	"os"
	"testing"

	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv"
)

// TestPostgres runs the conformance suite on PostgreSQL, each subtest in
// its own schema. It needs ORDERBRIDGE_TEST_DATABASE_URL (CI sets it).
func TestPostgres(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		// Once here rather than once per subtest.
		testenv.Missing(t, "PostgreSQL", "set "+storetest.EnvDatabaseURL+", e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	storetest.Run(t, storetest.OpenPostgres)
}

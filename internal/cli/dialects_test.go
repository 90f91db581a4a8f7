package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv"
)

// eachDialect runs test, in a parallel subtest, on each database the
// operator commands are tested on: a SQLite file in the data directory,
// and PostgreSQL where ORDERBRIDGE_TEST_DATABASE_URL is set (elsewhere
// that case stops through testenv.Missing). test gets the environment
// that points the commands at a fresh database.
func eachDialect(t *testing.T, test func(t *testing.T, base map[string]string)) {
	t.Helper()
	for name, base := range map[string]func(t *testing.T) map[string]string{
		"sqlite":   func(t *testing.T) map[string]string { return map[string]string{config.EnvDataDir: t.TempDir()} },
		"postgres": postgresEnviron,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, base(t))
		})
	}
}

// postgresEnviron makes a fresh schema in the test database, dropped at
// cleanup, and returns the environment whose database URL selects it
// (search_path), with the secret key PostgreSQL requires.
func postgresEnviron(t *testing.T) map[string]string {
	t.Helper()
	base := os.Getenv(storetest.EnvDatabaseURL)
	if base == "" {
		testenv.Missing(t, "PostgreSQL", "set "+storetest.EnvDatabaseURL+", e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	schema := "clitest_" + hex.EncodeToString(suffix)
	admin, err := pgx.Connect(t.Context(), base)
	if err != nil {
		t.Fatalf("connect postgres: %v", err)
	}
	if _, err := admin.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(ctx)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return map[string]string{config.EnvDataDir: t.TempDir(), config.EnvDatabaseURL: u.String(), config.EnvSecretKey: generatedKey(t)}
}

// generatedKey is a fresh secret key, base64.
func generatedKey(t *testing.T) string {
	t.Helper()
	_, key, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

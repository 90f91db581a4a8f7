package store_test

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestMigrateLogsEachMigrationOnce: an operator reading the start-up log
// sees one line per migration applied, River's included, not River's own
// line and then ours for the same migration.
func TestMigrateLogsEachMigrationOnce(t *testing.T) {
	t.Parallel()
	var logs testkit.Buffer
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "m.db"), &store.Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	ours := strings.Count(out, "store: river migration applied")
	if ours == 0 {
		t.Fatalf("no River migration logged:\n%s", out)
	}
	if theirs := strings.Count(out, "Applied migration"); theirs != 0 {
		t.Errorf("%d River migrations logged twice (River's line and ours):\n%s", theirs, out)
	}
}

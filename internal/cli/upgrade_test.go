package cli

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/config"
)

// TestANewerSchemaIsRefused: a database migrated by a newer orderbridge
// (here: a migration this binary does not know) must stop every command
// that opens it, naming both versions, and migrate must not call it up
// to date.
func TestANewerSchemaIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := generatedKey(t)
	environ := map[string]string{
		config.EnvDataDir: dir, config.EnvSecretKey: key, config.EnvLogLevel: "error",
		config.EnvXeroClientID: "id", config.EnvXeroClientSecret: "secret",
		config.EnvXeroRedirectURL: "http://127.0.0.1:1/cb", config.EnvHTTPAddr: "",
	}
	if code, _, errOut := runCLIEnv(t, environ, "migrate"); code != 0 {
		t.Fatalf("first migrate: exit %d: %s", code, errOut)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, config.DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	var ours int
	if err := db.QueryRow("SELECT max(version) FROM orderbridge_migration").Scan(&ours); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO orderbridge_migration (version, name, applied_at) VALUES (9999, 'from_the_future', '2030-01-01T00:00:00Z')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, args := range [][]string{{"migrate"}, {"sync"}, {"serve"}} {
		// serve on an accepted schema would run until stopped: the
		// deadline turns that into an exit 0, a failure below.
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		var outBuf, errBuf bytes.Buffer
		env := &Env{Stdout: &outBuf, Stderr: &errBuf, LookupEnv: lookupIn(environ), Logger: slog.New(slog.DiscardHandler)}
		code := run(ctx, env, args)
		cancel()
		out, errOut := outBuf.String(), errBuf.String()
		if code != 1 {
			t.Errorf("%v on a newer schema: exit %d, want 1 (stdout %q, stderr %q)", args, code, out, errOut)
		}
		if strings.Contains(out, "up to date") {
			t.Errorf("%v calls a newer schema up to date: %q", args, out)
		}
		for _, want := range []string{"9999", fmt.Sprintf("this binary's %d", ours)} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%v: stderr %q does not name %q", args, errOut, want)
			}
		}
	}
}

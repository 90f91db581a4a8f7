package cli

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
)

// runCLIStdin runs the command line with an environment and stdin.
func runCLIStdin(t *testing.T, environ map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		LookupEnv: lookupIn(environ),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	code = run(t.Context(), env, args)
	return code, out.String(), errOut.String()
}

// migrated migrates the database environ names (dialects) through the
// command line and returns environ.
func migrated(t *testing.T, environ map[string]string) map[string]string {
	t.Helper()
	environ[config.EnvLogLevel] = "error"
	if code, _, errOut := runCLIEnv(t, environ, "migrate"); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errOut)
	}
	return environ
}

// openDir opens the data directory's database as another process would.
func openDir(t *testing.T, environ map[string]string) *store.Store {
	t.Helper()
	db := environ[config.EnvDatabaseURL]
	if db == "" {
		db = filepath.Join(environ[config.EnvDataDir], config.DatabaseFile)
	}
	st, err := store.Open(t.Context(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestUsersCommands(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, base map[string]string) {
		testUsersCommands(t, migrated(t, base))
	})
}

func testUsersCommands(t *testing.T, environ map[string]string) {
	st := openDir(t, environ)
	ctx := t.Context()
	const pw, pw2 = "correct horse battery", "another long passphrase"

	// The first admin, with the account created for them.
	code, out, errOut := runCLIStdin(t, environ, pw+"\n", "users", "create", "--email", "Admin@Example.com",
		"--account", "Acme", "--admin", "--password-stdin")
	if code != 0 || !strings.Contains(out, "created account 1 (Acme)") || !strings.Contains(out, "created admin 1 (admin@example.com) in account 1 (Acme)") {
		t.Fatalf("users create --admin: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	admin, err := st.UserByEmail(ctx, "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := password.Check(pw, admin.PasswordHash, password.Params{}); !ok || err != nil || !admin.Admin {
		t.Errorf("the admin's password does not sign in (%v), or not admin: %+v", err, admin)
	}
	// Into the same account by name: no second account.
	code, out, errOut = runCLIStdin(t, environ, pw+"\n", "users", "create", "--email", "bob@example.com", "--account", "Acme", "--password-stdin")
	if code != 0 || strings.Contains(out, "created account") || !strings.Contains(out, "created user 2 (bob@example.com) in account 1") {
		t.Fatalf("users create bob: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if accts, _ := st.ListAccounts(ctx); len(accts) != 1 {
		t.Errorf("%d accounts, want 1", len(accts))
	}

	// Mistakes: each refused, nothing created.
	for _, tt := range []struct {
		stdin    string
		args     []string
		wantCode int
		want     string
	}{
		{"", []string{"users", "create", "--email", "c@example.com", "--account", "Acme"}, 1, "--password-stdin"},
		{"short\n", []string{"users", "create", "--email", "c@example.com", "--account", "Acme", "--password-stdin"}, 1,
			"the password is not accepted: " + password.Problem("short")},
		{pw + "\n", []string{"users", "create", "--email", "c@example.com", "--account", "Acme", "--password", pw}, 2, "flag provided but not defined: -password"},
		{pw + "\n", []string{"users", "create", "--email", "c@example.com", "--account-id", "42", "--password-stdin"}, 1, "there is no account 42"},
		{pw + "\n", []string{"users", "create", "--email", "c@example.com", "--password-stdin"}, 2, "give one of --account NAME and --account-id ID"},
		{pw + "\n", []string{"users", "create", "--email", "BOB@example.com", "--account-id", "1", "--password-stdin"}, 1, "bob@example.com already has a user"},
		{"", []string{"users", "disable", "--email", "nobody@example.com"}, 1, "no user has the email nobody@example.com"},
		{"", []string{"users", "frobnicate"}, 2, `unknown users command "frobnicate"`},
	} {
		code, _, errOut := runCLIStdin(t, environ, tt.stdin, tt.args...)
		if code != tt.wantCode || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.wantCode, tt.want)
		}
	}
	if _, err := st.FindUser(ctx, "c@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused create left a user: %v", err)
	}

	// A reset password signs in, the old one no longer, and the
	// sessions end.
	bob, _ := st.FindUser(ctx, "bob@example.com")
	if err := st.CreateSession(ctx, "bob-session", bob.ID, "csrf", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Bob is locked out by failed sign-ins; the reset lets him in.
	lock := store.LoginLimit{Key: store.SignInPairKey("bob@example.com", "192.0.2.1"), Since: time.Now().Add(-time.Hour)}
	for range 5 {
		if _, err := st.BeginLoginAttempt(ctx, lock); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut = runCLIStdin(t, environ, pw2+"\n", "users", "reset-password", "--email", "bob@example.com", "--password-stdin")
	if code != 0 || !strings.Contains(out, "new password set for bob@example.com; 1 sessions ended") {
		t.Fatalf("reset-password: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if a, err := st.BeginLoginAttempt(ctx, lock); err != nil || a.Counts[0].N != 1 {
		t.Errorf("after the reset bob's failed sign-ins count %+v (%v), want only the new attempt", a.Counts, err)
	}
	bob, _ = st.FindUser(ctx, "bob@example.com")
	if ok, _, _ := password.Check(pw2, bob.PasswordHash, password.Params{}); !ok {
		t.Error("the new password does not sign in")
	}
	if ok, _, _ := password.Check(pw, bob.PasswordHash, password.Params{}); ok {
		t.Error("the old password still signs in")
	}
	if _, err := st.SessionByToken(ctx, "bob-session"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob's session survived the reset: %v", err)
	}

	// Disable: the sign-in lookup refuses bob, the list says so.
	if err := st.CreateSession(ctx, "bob-session-2", bob.ID, "csrf", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLIStdin(t, environ, "", "users", "disable", "--email", "bob@example.com")
	if code != 0 || !strings.Contains(out, "disabled bob@example.com; 1 sessions ended") {
		t.Fatalf("disable: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := st.UserByEmail(ctx, "bob@example.com"); !errors.Is(err, store.ErrUserDisabled) {
		t.Errorf("the sign-in lookup after disable: %v, want ErrUserDisabled", err)
	}
	code, out, _ = runCLIStdin(t, environ, "", "users", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.Contains(lines[1], "admin@example.com") || !strings.Contains(lines[1], "admin") ||
		!strings.Contains(lines[1], "1 (Acme)") || !strings.Contains(lines[2], "bob@example.com") || !strings.Contains(lines[2], "disabled") {
		t.Errorf("users list: exit %d:\n%s", code, out)
	}
	if code, _, errOut := runCLIStdin(t, environ, "", "users", "enable", "--email", "bob@example.com"); code != 0 {
		t.Errorf("enable: exit %d: %s", code, errOut)
	}
	if _, err := st.UserByEmail(ctx, "bob@example.com"); err != nil {
		t.Errorf("after enable: %v", err)
	}
}

// TestUsersNeedAMigratedDatabase: a users command on a data directory
// without a database says to migrate first rather than creating one.
func TestUsersNeedAMigratedDatabase(t *testing.T) {
	t.Parallel()
	environ := map[string]string{config.EnvDataDir: t.TempDir()}
	code, _, errOut := runCLIStdin(t, environ, "", "users", "list")
	if code != 1 || !strings.Contains(errOut, "orderbridge migrate") {
		t.Errorf("users list without a database: exit %d, stderr %q", code, errOut)
	}
}

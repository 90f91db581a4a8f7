package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns its exit code and
// both streams.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{
		Stdout:    &out,
		Stderr:    &errOut,
		LookupEnv: func(string) (string, bool) { return "", false },
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	code = run(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

func TestUsageAndHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{args: nil, wantCode: 2, wantStdout: "Usage: orderbridge <command>"},
		{args: []string{"--help"}, wantCode: 0, wantStdout: "Commands:"},
		{args: []string{"help", "version"}, wantCode: 0, wantStdout: "Usage: orderbridge version"},
		{args: []string{"frobnicate"}, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
		{args: []string{"version", "--help"}, wantCode: 0, wantStdout: "Usage: orderbridge version"},
		{args: []string{"version", "--bogus"}, wantCode: 2, wantStderr: "flag provided but not defined"},
		{args: []string{"version", "extra"}, wantCode: 2, wantStderr: "unexpected arguments: extra"},
		{args: []string{"emulate"}, wantCode: 2, wantStderr: "Usage: orderbridge emulate <service>"},
		{args: []string{"emulate", "--help"}, wantCode: 0, wantStdout: "Services:"},
		{args: []string{"emulate", "paypal"}, wantCode: 2, wantStderr: `unknown emulator "paypal"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("stdout %q does not contain %q", stdout, tt.wantStdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		code, stdout, _ := runCLI(t, c.name, "--help")
		if code != 0 || !strings.Contains(stdout, "Usage: orderbridge "+c.name) {
			t.Errorf("%s --help: exit %d, stdout %q", c.name, code, stdout)
		}
	}
	for _, e := range emulators() {
		code, stdout, _ := runCLI(t, "emulate", e.name, "--help")
		if code != 0 || !strings.Contains(stdout, "Usage: orderbridge emulate "+e.name) {
			t.Errorf("emulate %s --help: exit %d, stdout %q", e.name, code, stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "orderbridge ") || !strings.Contains(stdout, "go1.") {
		t.Errorf("version: exit %d, stdout %q", code, stdout)
	}
}

// lookupIn is an Env.LookupEnv over a map: a key present with "" is set.
func lookupIn(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

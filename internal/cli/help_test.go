package cli

import (
	"strings"
	"testing"
)

// TestHelpListsWhatTheCommandUses: each command's --help lists the flags
// it reads and none it ignores, and names the secret key variable where
// the command needs the key.
func TestHelpListsWhatTheCommandUses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		want    []string
		notWant []string
	}{
		{
			args: []string{"migrate", "--help"},
			want: []string{"-database-url", "-data-dir", "-log-level", "ORDERBRIDGE_DATABASE_URL"},
			notWant: []string{"-workers", "-http", "-xero-client-id", "-sweep-every", "-allow-signup", "-metrics-addr",
				"-shipstation-base-url", "-overlap", "-base-url"},
		},
		{
			args: []string{"sync", "--help"},
			want: []string{"-database-url", "-xero-client-id", "-shipstation-base-url", "-overlap", "-backfill", "-dry-run",
				"ORDERBRIDGE_SECRET_KEY", "ORDERBRIDGE_SECRET_KEYS_PREVIOUS", "ORDERBRIDGE_XERO_CLIENT_SECRET"},
			notWant: []string{"-workers", "-http", "-sweep-every", "-allow-signup", "-metrics-addr", "-secure-cookies",
				"-job-poll", "-base-url"},
		},
		{
			args: []string{"serve", "--help"},
			want: []string{"-http", "-workers", "-sweep-every", "-migrate", "ORDERBRIDGE_SECRET_KEY",
				"ORDERBRIDGE_SECRET_KEYS_PREVIOUS", "ORDERBRIDGE_XERO_CLIENT_SECRET", "ORDERBRIDGE_XERO_WEBHOOK_KEY"},
		},
		{
			args:    []string{"users", "create", "--help"},
			want:    []string{"-email", "-account", "-account-id", "-admin", "-password-stdin", "-database-url", "ORDERBRIDGE_DATA_DIR"},
			notWant: []string{"-workers", "-http", "-xero-client-id", "-password"},
		},
		{
			args:    []string{"keys", "rotate", "--help"},
			want:    []string{"-database-url", "ORDERBRIDGE_SECRET_KEY", "ORDERBRIDGE_SECRET_KEYS_PREVIOUS"},
			notWant: []string{"-workers", "-http", "-xero-client-id"},
		},
		{
			args: []string{"accounts", "delete", "--help"},
			want: []string{"-id", "-yes", "-xero-client-id", "-shipstation-base-url", "ORDERBRIDGE_SECRET_KEY",
				"ORDERBRIDGE_XERO_CLIENT_SECRET"},
			notWant: []string{"-workers", "-http", "-sweep-every", "-overlap"},
		},
		{
			args:    []string{"accounts", "list", "--help"},
			want:    []string{"-database-url", "-data-dir"},
			notWant: []string{"-workers", "-http", "-xero-client-id"},
		},
		{
			args: []string{"users", "--help"},
			want: []string{"create", "reset-password", "disable", "enable", "list"},
		},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, tt.args...)
		if code != 0 {
			t.Errorf("%v: exit %d, stderr %q", tt.args, code, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v does not list %s:\n%s", tt.args, w, out)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(out, "  "+w+" ") || strings.Contains(out, "  "+w+"\n") {
				t.Errorf("%v lists %s, which it ignores", tt.args, w)
			}
		}
	}
}

// TestEverySubcommandHasHelp: each subcommand of users, accounts and keys
// answers --help with its usage, exit 0.
func TestEverySubcommandHasHelp(t *testing.T) {
	t.Parallel()
	groups := map[string][]command{"users": usersCommands(), "accounts": accountsCommands(), "keys": keysCommands()}
	for group, subs := range groups {
		for _, c := range subs {
			code, out, errOut := runCLI(t, group, c.name, "--help")
			if code != 0 || !strings.Contains(out, "Usage: orderbridge "+group+" "+c.name) {
				t.Errorf("%s %s --help: exit %d, stdout %q, stderr %q", group, c.name, code, out, errOut)
			}
		}
	}
}

package password

import (
	"strings"
	"testing"
)

// TestProblem is the policy for a new password (NIST SP 800-63B-4): at
// least 15 characters, at most 1,024 bytes, no composition rules, and not
// one an attacker tries first: commonly used, repeated or sequential,
// spaces only, or built on the user's email or the service's name.
func TestProblem(t *testing.T) {
	t.Parallel()
	const (
		short    = "Use at least 15 characters. A few unrelated words make a long password that is easy to remember."
		spaces   = "Use more than spaces: at least 8 letters, digits or symbols."
		long     = "Use at most 1,024 characters."
		common   = "This password is among the most commonly used, so it is guessed first. Choose another."
		pattern  = "Avoid repeated or sequential characters (aaaa, abcabc, 12345, qwerty)."
		personal = "Leave your email and the name orderbridge out of your password."
	)
	email := "annabel.smith@example.com"
	for _, tc := range []struct {
		name, pw, want string
	}{
		{"a passphrase", "correct horse battery", ""},
		{"exactly 15", "tulip-anvil-kaz", ""},
		{"no composition rules: lower case only", "plumberquietlyhums", ""},
		{"unicode counts per character", "naïve café crème", ""},
		{"64 characters", strings.Repeat("x", 0) + "the quick brown fox jumps over the lazy dog while it rains hard", ""},
		{"14 characters", "tulip-anvil-ka", short},
		{"ten spaces (issue 15)", strings.Repeat(" ", 10), spaces},
		{"fifteen spaces", strings.Repeat(" ", 15), spaces},
		{"tabs and newlines", "\t\t\n\n    \t\t\n\n   ", spaces},
		{"padded with spaces", "ab cd      efg     ", spaces},
		{"too long", strings.Repeat("correct horse ", 80), long},
		{"common, long", "1qaz2wsx3edc4rfv", common},
		{"common, padded with digits", "football12345678", common},
		{"common, padded with symbols", "!!!!sunshine!!!!", common},
		{"common, upper case", "MAILCREATED5240", common},
		{"common, spaced out", "p a s s w o r d 1", common},
		{"one repeated character", strings.Repeat("a", 20), pattern},
		{"a repeated word", "passwordpassword", pattern},
		{"a repeated phrase", "iloveyou iloveyou", pattern},
		{"counting", "123456789012345", pattern},
		{"counting down", "987654321098765", pattern},
		{"alphabet", "abcdefghijklmnop", pattern},
		{"keyboard row", "qwertyuiopasdfgh", pattern},
		{"keyboard columns", "zaq1xsw2cde3vfr4", pattern},
		{"the service's name", "my orderbridge password", personal},
		{"the service's name, cased", "OrderBridge2026-spring", personal},
		{"the email", "annabel.smith@example.com", personal},
		{"the email's local part", "annabel says hello there", personal},
		{"a part of the local part", "smith family holidays", personal},
	} {
		if got := Problem(tc.pw, email); got != tc.want {
			t.Errorf("%s: Problem(%q) = %q, want %q", tc.name, tc.pw, got, tc.want)
		}
	}
	// Short parts of an email are not words of their own.
	if got := Problem("channel four tonight", "ann@example.com"); got != "" {
		t.Errorf("a password containing a three-letter local part: %q", got)
	}
}

// TestCommonList: the list shipped with the code is the 10,000 most used
// passwords, loaded.
func TestCommonList(t *testing.T) {
	t.Parallel()
	set := commonPasswords()
	if len(set) != 10000 {
		t.Errorf("common passwords: %d, want 10000", len(set))
	}
	for _, pw := range []string{"123456", "password", "qwerty", "iloveyou", "1qaz2wsx3edc4rfv"} {
		if _, ok := set[pw]; !ok {
			t.Errorf("%q is not in the list", pw)
		}
	}
}

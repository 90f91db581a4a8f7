package password

import (
	_ "embed" // the common passwords list
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// MinLength and MaxLength bound a new password. NIST SP 800-63B-4 (2025)
// asks for at least 15 characters when a password is the only factor, as
// it is here, room for at least 64, and no composition rules; the ceiling
// only bounds the work of hashing.
const (
	MinLength = 15
	MaxLength = 1024
)

// minNonSpace is how many characters besides whitespace a password needs:
// spaces count towards MinLength (a passphrase has them) but add little
// to guess.
const minNonSpace = 8

// serviceName is the context word every password must leave out.
const serviceName = "orderbridge"

//go:embed common.txt
var commonText string

// commonPasswords is the embedded list as a set, parsed once.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10000)
	for _, line := range strings.Split(commonText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			set[line] = struct{}{}
		}
	}
	return set
})

// keyboardWalks are key runs people type as passwords, space-separated:
// rows and columns of QWERTY, AZERTY and QWERTZ keyboards, forwards (and,
// as checked, backwards).
const keyboardWalks = "1234567890qwertyuiopasdfghjklzxcvbnm qwertyuiopasdfghjklzxcvbnm " +
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p zaq1xsw2cde3vfr4bgt5nhy6mju7ki8lo9p0 " +
	"qazwsxedcrfvtgbyhnujmikolp azertyuiopqsdfghjklmwxcvbn qwertzuiopasdfghjklyxcvbnm"

// Problem says what is wrong with a new password, in words for the person
// choosing it, or "" when it may be used. context holds words of the
// user's own (their email); the password must leave those out, and the
// service's name. Every path that sets a password (sign-up, reset, change,
// admin commands, the demo) asks it; signing in never does, so a user
// whose password predates a rule still signs in.
func Problem(password string, context ...string) string {
	folded := fold(password)
	switch {
	case strings.TrimFunc(password, unicode.IsSpace) == "":
		return fmt.Sprintf("Use more than spaces: at least %d letters, digits or symbols.", minNonSpace)
	case utf8.RuneCountInString(password) < MinLength:
		return fmt.Sprintf("Use at least %d characters. A few unrelated words make a long password that is easy to remember.", MinLength)
	case len(password) > MaxLength:
		return "Use at most 1,024 characters."
	case utf8.RuneCountInString(folded) < minNonSpace:
		return fmt.Sprintf("Use more than spaces: at least %d letters, digits or symbols.", minNonSpace)
	case isCommon(folded):
		return "This password is among the most commonly used, so it is guessed first. Choose another."
	case repeats(folded) || counts(folded) || onKeyboard(folded):
		return "Avoid repeated or sequential characters (aaaa, abcabc, 12345, qwerty)."
	case personal(folded, context):
		return "Leave your email and the name " + serviceName + " out of your password."
	}
	return ""
}

// fold is how a password is compared with lists and words: lower case,
// whitespace removed ("P a s s w o r d" is "password").
func fold(pw string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, pw)
}

// isCommon reports whether folded is on the list, as it is or without the
// digits and symbols around it ("football12345678", "!!sunshine!!").
func isCommon(folded string) bool {
	set := commonPasswords()
	if _, ok := set[folded]; ok {
		return true
	}
	core := strings.TrimFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) })
	_, ok := set[core]
	return core != "" && ok
}

// repeats reports whether s is one shorter string over and over
// ("aaaaaaaa", "abcabcabcab", "iloveyouiloveyou").
func repeats(s string) bool {
	r := []rune(s)
	for p := 1; p <= len(r)/2; p++ {
		same := true
		for i := p; i < len(r) && same; i++ {
			same = r[i] == r[i-p]
		}
		if same {
			return true
		}
	}
	return false
}

// counts reports whether s counts up or down one step at a time
// ("abcdefgh", "1234567890123", "98765432109").
func counts(s string) bool {
	r := []rune(s)
	if len(r) < 2 {
		return false
	}
	for _, d := range []int{1, -1} {
		ok := true
		for i := 1; i < len(r) && ok; i++ {
			a, b := r[i-1], r[i]
			if a >= '0' && a <= '9' && b >= '0' && b <= '9' {
				ok = (int(b-a)-d)%10 == 0
			} else {
				ok = int(b-a) == d
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// onKeyboard reports whether s is a run of keys (keyboardWalks), either
// way.
func onKeyboard(s string) bool {
	rev := []rune(s)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	for _, w := range strings.Fields(keyboardWalks) {
		if strings.Contains(w, s) || strings.Contains(w, string(rev)) {
			return true
		}
	}
	return false
}

// personal reports whether folded contains the service's name or a word
// of context: an email whole, its local part, or a part of that of at
// least four characters ("annabel.smith@…": "annabel", "smith").
func personal(folded string, context []string) bool {
	words := []string{serviceName}
	for _, c := range context {
		c = fold(c)
		if utf8.RuneCountInString(c) >= 4 {
			words = append(words, c)
		}
		local, _, isEmail := strings.Cut(c, "@")
		if !isEmail {
			continue
		}
		for _, w := range append([]string{local}, strings.FieldsFunc(local, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})...) {
			if utf8.RuneCountInString(w) >= 4 {
				words = append(words, w)
			}
		}
	}
	for _, w := range words {
		if strings.Contains(folded, w) {
			return true
		}
	}
	return false
}

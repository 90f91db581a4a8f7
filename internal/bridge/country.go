package bridge

import (
	"strings"
	"unicode"

	"github.com/biter777/countries"
)

// maxCountryText bounds the text looked up: no country's name is longer
// (Xero's own field holds 50 characters), and the library's matching cost
// grows with the square of the length.
const maxCountryText = 100

// CountryCode turns the free-text Country of a Xero address ("New Zealand",
// "USA", "U.K.", "Deutschland", "nz") into its ISO 3166-1 alpha-2 code,
// which ShipStation requires. It reports false for text it does not
// recognise, including blank text: a wrong country on a parcel is worse
// than a skipped order, so nothing is guessed.
//
// The names themselves come from github.com/biter777/countries, which
// knows official, short, common and several native names and ignores case,
// spaces and punctuation. This layer only adds what that library misses
// for free text typed into Xero:
//   - a leading or trailing "the" ("The Netherlands", "Bahamas, The");
//   - code-like text (three letters or fewer) must be letters, dots and
//     spaces only ("U.S.A." is a code, "N/A" is not Namibia);
//   - the answer must be a two-letter code (the library's catch-all
//     "None" entry is not a country).
func CountryCode(name string) (string, bool) {
	s := oneLine(name)
	if s == "" || len(s) > maxCountryText {
		return "", false
	}
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters == 0 {
		return "", false
	}
	if letters <= 3 && strings.ContainsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && r != '.' && r != ' '
	}) {
		return "", false
	}
	for _, candidate := range []string{s, withoutThe(s)} {
		if code, ok := alpha2(candidate); ok {
			return code, true
		}
	}
	return "", false
}

// withoutThe drops a leading "the " or a trailing ", the".
func withoutThe(s string) string {
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "the "):
		return s[len("the "):]
	case strings.HasSuffix(lower, ", the"):
		return s[:len(s)-len(", the")]
	}
	return s
}

func alpha2(s string) (string, bool) {
	c := countries.ByName(s)
	if !c.IsValid() {
		return "", false
	}
	code := c.Alpha2()
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return "", false
	}
	return code, true
}

package bridge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ShipStation's field limits. Only orderNumber (50) is documented for the
// REST API; the rest are the storage limits of its Custom Store and ODBC
// specs (shipstation-api.md §3.5), the best evidence there is. Where a
// limit is not known at all (city, state, phone) a generous one that still
// fits Xero's own field sizes is used.
const (
	maxOrderNumber = 50
	maxSKU         = 50
	maxItemName    = 200
	maxCustomField = 100
	maxNotes       = 1000
	maxPersonName  = 100
	maxCompany     = 100
	maxStreet      = 200
	maxCity        = 100
	maxState       = 100
	maxPostalCode  = 50
	maxPhone       = 50
	maxOptionValue = 100
)

// ellipsis marks text that was cut where a person reads it (names, notes);
// identifiers (SKU, order number, custom fields) are cut without one so
// that a prefix search still finds them.
const ellipsis = "…"

// oneLine makes s fit a single-line field: invalid UTF-8 is replaced,
// every run of spaces, tabs, newlines and control characters becomes one
// space, and the ends are trimmed. Letters of every script pass unchanged.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// multiLine cleans a notes field: each line as oneLine, blank lines dropped.
func multiLine(s string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if l := oneLine(line); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// utf16Len is the length of s in UTF-16 code units, the unit in which
// ShipStation (a .NET service) measures strings: a character outside the
// Basic Multilingual Plane, such as most emoji, counts twice.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Units(r)
	}
	return n
}

func utf16Units(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

// cut shortens s to at most limit UTF-16 code units, never splitting a
// rune, and reports whether it had to. With mark, the result ends in an
// ellipsis (counted within the limit) so a reader sees that text is
// missing.
func cut(s string, limit int, mark bool) (string, bool) {
	if utf16Len(s) <= limit {
		return s, false
	}
	room := limit
	if mark {
		room -= utf16Len(ellipsis)
	}
	n, end := 0, 0
	for i, r := range s {
		if n+utf16Units(r) > room {
			end = i
			break
		}
		n += utf16Units(r)
		end = i + utf8.RuneLen(r)
	}
	out := strings.TrimRightFunc(s[:end], unicode.IsSpace)
	if mark {
		out += ellipsis
	}
	return out, true
}

// sameName compares two names as a merchant means them: case-insensitive,
// ignoring leading, trailing and repeated spaces.
func sameName(a, b string) bool {
	return strings.EqualFold(oneLine(a), oneLine(b))
}

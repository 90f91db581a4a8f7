package xero

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Xero writes dates in the MS-AJAX form "/Date(<ms since epoch>[±HHMM])/".
// The milliseconds are always the UTC instant; the optional offset only says
// in which zone the value was local, so "/Date(1419937200000+1300)/" is
// 2014-12-30T11:00Z, which was 2014-12-31 00:00 at +13:00.

// ParseMSDate reads Xero's "/Date(1539993600000+0000)/" form. The JSON-escaped
// form "\/Date(...)\/" is accepted too, for callers that did not decode the
// JSON string. The result is the instant in a fixed zone of the given offset
// (UTC when there is none).
func ParseMSDate(s string) (time.Time, error) {
	return parseMS(s)
}

// parseMS parses the MS-AJAX form from a string or the raw bytes of a JSON
// string (so decoding needs no allocation).
func parseMS[S ~string | ~[]byte](s S) (time.Time, error) {
	fail := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("xero: date %q: %s", string(s), why)
	}
	b := s
	// Strip "/Date(" and ")/", either possibly written with "\/".
	switch {
	case hasPrefix(b, "/Date("):
		b = b[len("/Date("):]
	case hasPrefix(b, `\/Date(`):
		b = b[len(`\/Date(`):]
	default:
		return fail("want /Date(milliseconds[+-HHMM])/")
	}
	switch {
	case hasSuffix(b, ")/"):
		b = b[:len(b)-len(")/")]
	case hasSuffix(b, `)\/`):
		b = b[:len(b)-len(`)\/`)]
	default:
		return fail("want /Date(milliseconds[+-HHMM])/")
	}
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	var ms int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if ms > (math.MaxInt64-9)/10 {
			return fail("out of range")
		}
		ms = ms*10 + int64(b[i]-'0')
	}
	if i == 0 {
		return fail("bad milliseconds")
	}
	if neg {
		ms = -ms
	}
	// time.UnixMilli silently wraps outside about ±292 million years; Xero's
	// dates are within 0001-9999, so anything far outside is garbage.
	const maxMS = 253402300799999 // 9999-12-31T23:59:59.999Z
	const minMS = -62135596800000 // 0001-01-01T00:00:00Z
	if ms > maxMS || ms < minMS {
		return fail("out of range")
	}
	t := time.UnixMilli(ms).UTC()
	rest := b[i:]
	if len(rest) == 0 {
		return t, nil
	}
	if len(rest) != 5 || (rest[0] != '+' && rest[0] != '-') {
		return fail("bad offset: want +HHMM or -HHMM")
	}
	var d [4]int
	for k := range 4 {
		c := rest[k+1]
		if c < '0' || c > '9' {
			return fail("bad offset: want +HHMM or -HHMM")
		}
		d[k] = int(c - '0')
	}
	if d[2] > 5 {
		return fail("bad offset minutes")
	}
	secs := (d[0]*10+d[1])*3600 + (d[2]*10+d[3])*60
	if rest[0] == '-' {
		secs = -secs
	}
	return t.In(fixedZone(secs)), nil
}

func hasPrefix[S ~string | ~[]byte](s S, p string) bool {
	return len(s) >= len(p) && string(s[:len(p)]) == p
}

func hasSuffix[S ~string | ~[]byte](s S, p string) bool {
	return len(s) >= len(p) && string(s[len(s)-len(p):]) == p
}

// fixedZone returns UTC itself for a zero offset, so times compare and
// print as plain UTC.
func fixedZone(secs int) *time.Location {
	if secs == 0 {
		return time.UTC
	}
	return time.FixedZone("", secs)
}

// FormatMSDate writes t in Xero's "/Date(ms+HHMM)/" form, keeping t's zone
// offset, so ParseMSDate(FormatMSDate(t)) is the same instant and offset
// (to the millisecond).
func FormatMSDate(t time.Time) string {
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign = '-'
		off = -off
	}
	// Xero offsets are whole minutes; seconds are dropped.
	b := make([]byte, 0, 32)
	b = append(b, "/Date("...)
	b = strconv.AppendInt(b, t.UnixMilli(), 10)
	b = append(b, sign)
	b = appendTwo(b, off/3600)
	b = appendTwo(b, off%3600/60)
	b = append(b, ")/"...)
	return string(b)
}

func appendTwo(b []byte, n int) []byte {
	return append(b, byte('0'+n/10%10), byte('0'+n%10))
}

// msInner returns the inside of a JSON string holding the MS-AJAX form, for
// parsing without allocating; ok is false for anything else (which then
// takes the general path).
func msInner(data []byte) ([]byte, bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return nil, false
	}
	inner := data[1 : len(data)-1]
	if !hasPrefix(inner, "/Date(") && !hasPrefix(inner, `\/Date(`) {
		return nil, false
	}
	// Only the "\/" escape is understood here.
	for i := 0; i < len(inner); i++ {
		if inner[i] == '"' || (inner[i] == '\\' && (i+1 >= len(inner) || inner[i+1] != '/')) {
			return nil, false
		}
	}
	return inner, true
}

// unquote returns the JSON string in data, or ok false for null. It is the
// fast path for the common case (no escapes other than "\/").
func unquote(data []byte) (s string, ok bool, err error) {
	if bytes.Equal(data, []byte("null")) {
		return "", false, nil
	}
	if len(data) >= 2 && data[0] == '"' && data[len(data)-1] == '"' && bytes.IndexByte(data[1:len(data)-1], '"') < 0 {
		inner := data[1 : len(data)-1]
		if bytes.IndexByte(inner, '\\') < 0 {
			return string(inner), true, nil
		}
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return "", false, fmt.Errorf("xero: date: want a JSON string: %w", err)
	}
	return s, true, nil
}

// Date is a calendar date with no time of day, as Xero's Date, DueDate and
// FullyPaidOnDate are. Xero sends them as the milliseconds of midnight UTC
// of that day; Date keeps the day so nothing can shift it into a local zone,
// and writes it back as "YYYY-MM-DD", the form Xero documents for writes.
// The zero Date means "not set".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's own zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// NewDate returns the given calendar date, normalised as time.Date does.
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// ParseDate reads "YYYY-MM-DD", "YYYY-MM-DDT00:00:00" (Xero's DateString) or
// the "/Date(...)/" form.
func ParseDate(s string) (Date, error) {
	if strings.HasPrefix(s, "/Date(") || strings.HasPrefix(s, `\/Date(`) {
		t, err := ParseMSDate(s)
		if err != nil {
			return Date{}, err
		}
		return DateOf(t), nil
	}
	for _, layout := range []string{time.DateOnly, "2006-01-02T15:04:05", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return DateOf(t), nil
		}
	}
	return Date{}, fmt.Errorf("xero: date %q: want YYYY-MM-DD or /Date(ms)/", s)
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight UTC at the start of the date.
func (d Date) Time() time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// String returns "YYYY-MM-DD", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(time.DateOnly)
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	if d.Year < 1 || d.Year > 9999 {
		return nil, fmt.Errorf("xero: date year %d out of range", d.Year)
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON accepts what ParseDate accepts, plus null and "".
func (d *Date) UnmarshalJSON(data []byte) error {
	if inner, ok := msInner(data); ok {
		t, err := parseMS(inner)
		if err != nil {
			return err
		}
		*d = DateOf(t)
		return nil
	}
	s, ok, err := unquote(data)
	if err != nil {
		return err
	}
	if !ok || s == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Time is an instant as Xero sends it: "/Date(1552326816230)/" or
// "/Date(1541176290160+0000)/". It keeps the offset Xero gave, so it writes
// back what it read. It also reads ISO-8601 text, with a zone or without one
// (taken as UTC, as webhook eventDateUtc and the connections dates are).
// The zero Time means "not set" and marshals as null.
type Time struct {
	time.Time
}

// ParseTime reads every instant form Xero uses; see Time.
func ParseTime(s string) (time.Time, error) {
	if strings.HasPrefix(s, "/Date(") || strings.HasPrefix(s, `\/Date(`) {
		return ParseMSDate(s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// No zone: Xero means UTC (eventDateUtc "2024-06-21T01:15:39.902",
		// createdDateUtc "2019-12-07T18:46:19.5165400").
		t, err = time.Parse("2006-01-02T15:04:05.999999999", s)
	}
	if err == nil {
		if y := t.UTC().Year(); y < 1 || y > 9999 {
			return time.Time{}, errors.New("xero: time " + strconv.Quote(s) + ": year out of range")
		}
		return t, nil
	}
	return time.Time{}, errors.New("xero: time " + strconv.Quote(s) + ": want /Date(ms)/ or ISO-8601")
}

// MarshalJSON writes the "/Date(ms+HHMM)/" form, or null when unset.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + FormatMSDate(t.Time) + `"`), nil
}

// UnmarshalJSON accepts what ParseTime accepts, plus null and "".
func (t *Time) UnmarshalJSON(data []byte) error {
	if inner, ok := msInner(data); ok {
		v, err := parseMS(inner)
		if err != nil {
			return err
		}
		t.Time = v
		return nil
	}
	s, ok, err := unquote(data)
	if err != nil {
		return err
	}
	if !ok || s == "" {
		*t = Time{}
		return nil
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

package shipstation

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	// The client must convert Pacific wall-clock readings on machines
	// without a zoneinfo database (scratch containers, Windows), so the
	// tz database is compiled in.
	_ "time/tzdata"
)

// PacificZone is the IANA name of the zone ShipStation V1 uses for every
// datetime it sends or accepts ("PST/PDT" in its docs).
const PacificZone = "America/Los_Angeles"

// wireLayout is the form ShipStation asks for in requests and filters:
// Pacific wall-clock time, 24-hour, no offset.
const wireLayout = "2006-01-02 15:04:05"

// LoadPacific loads America/Los_Angeles from the tz database (the embedded
// copy when the machine has none). The client keeps the result instead of
// a package variable so that nothing global is mutated or cached.
func LoadPacific() (*time.Location, error) {
	loc, err := time.LoadLocation(PacificZone)
	if err != nil {
		return nil, fmt.Errorf("shipstation: load %s: %w", PacificZone, err)
	}
	return loc, nil
}

// DateTime is a ShipStation V1 datetime as it travels on the wire: a
// wall-clock reading that means Pacific time unless the text carried its own
// offset. It records what was sent rather than an instant because turning a
// Pacific reading into an instant needs the zone, and the zone lives in the
// Client (see Instant and Client.Time).
//
// Accepted forms: "2015-06-29T08:46:27.0000000", "2016-02-16T15:16:53.707",
// "2015-06-29T08:46:27", the request form "2015-06-29 08:46:27", any of them
// with a trailing "Z" or "+hh:mm"/"-hh:mm" offset (honoured), and null or ""
// (the zero DateTime). The zero DateTime marshals as null, which is how the
// docs send an unknown paymentDate.
type DateTime struct {
	// wall is the reading with its fields stored in a UTC time.Time; when
	// hasOffset is true it is instead the exact instant (in UTC).
	wall      time.Time
	hasOffset bool
	set       bool
}

// PacificDateTime returns the DateTime that names instant t in Pacific
// time, which is what ShipStation wants in request bodies. Sub-second
// precision is dropped because the request form has none. A zero t gives
// the zero DateTime.
func PacificDateTime(t time.Time, pacific *time.Location) DateTime {
	if t.IsZero() {
		return DateTime{}
	}
	p := t.In(pacific)
	return DateTime{wall: time.Date(p.Year(), p.Month(), p.Day(), p.Hour(), p.Minute(), p.Second(), 0, time.UTC), set: true}
}

// ParseDateTime reads one datetime in any of the forms DateTime accepts
// (without JSON quotes). The empty string gives the zero DateTime.
func ParseDateTime(s string) (DateTime, error) {
	if s == "" {
		return DateTime{}, nil
	}
	d, err := parseDateTime(s)
	if err != nil {
		return DateTime{}, fmt.Errorf("shipstation: parse datetime %q: %w", truncate(s, 40), err)
	}
	return d, nil
}

var errDateTimeSyntax = errors.New("want yyyy-mm-ddThh:mm:ss[.fffffff][Z|±hh:mm]")

func parseDateTime(s string) (DateTime, error) {
	// Fixed positions first: the layout is rigid and time.Parse has no
	// single layout for "0 to 9 fractional digits, optional offset".
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return DateTime{}, errDateTimeSyntax
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return DateTime{}, errDateTimeSyntax
	}
	rest := s[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		frac := rest[1:n]
		if len(frac) == 0 || len(frac) > 9 {
			return DateTime{}, errDateTimeSyntax
		}
		v, _ := digits(frac)
		for i := len(frac); i < 9; i++ {
			v *= 10
		}
		nsec = v
		rest = rest[n:]
	}
	offset, hasOffset := 0, false
	switch {
	case rest == "":
	case rest == "Z" || rest == "z":
		hasOffset = true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := digits(rest[1:3])
		om, okm := digits(rest[4:6])
		if !okh || !okm || oh > 23 || om > 59 {
			return DateTime{}, errDateTimeSyntax
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
		hasOffset = true
	default:
		return DateTime{}, errDateTimeSyntax
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 59 {
		return DateTime{}, errors.New("field out of range")
	}
	w := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if hasOffset {
		w = w.Add(-time.Duration(offset) * time.Second)
		if w.Year() < 1 || w.Year() > 9999 {
			return DateTime{}, errors.New("instant out of range")
		}
	}
	return DateTime{wall: w, hasOffset: hasOffset, set: true}, nil
}

func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// IsZero reports whether the DateTime is absent (null or empty on the wire).
func (d DateTime) IsZero() bool { return !d.set }

// HasOffset reports whether the text carried its own offset, in which case
// the reading is an exact instant and the Pacific zone is not consulted.
func (d DateTime) HasOffset() bool { return d.hasOffset }

// Instant returns the moment the DateTime names, reading it as Pacific
// wall-clock time unless it carried an offset. The result is in UTC; the
// zero DateTime gives the zero time.
//
// Pacific readings do not always name exactly one instant:
//   - In the repeated hour when daylight saving time ends (01:00–01:59 on the
//     first Sunday of November) a reading happens twice. Instant picks the
//     FIRST occurrence (PDT, UTC-7), the earlier instant. Nothing in
//     ShipStation's docs says which one it means; the earlier instant is
//     the safer choice for a sync cursor, because re-reading a record is
//     harmless and skipping one is not.
//   - Readings in the skipped hour when daylight saving time starts
//     (02:00–02:59 on the second Sunday of March) never happen; Instant
//     reads them with the offset in force before the jump (PST, UTC-8),
//     so 02:30 becomes 10:30Z (03:30 PDT), as time.Date normalises them.
func (d DateTime) Instant(pacific *time.Location) time.Time {
	if !d.set {
		return time.Time{}
	}
	if d.hasOffset {
		return d.wall
	}
	return pacificInstant(d.wall, pacific)
}

// pacificInstant converts a wall reading (fields stored as UTC) to the
// instant, with the documented choices for repeated and skipped readings.
func pacificInstant(w time.Time, loc *time.Location) time.Time {
	// The zone's offsets one day either side of the reading cover every
	// offset that can apply to it: transitions are months apart.
	_, before := w.Add(-24 * time.Hour).In(loc).Zone()
	_, after := w.Add(24 * time.Hour).In(loc).Zone()
	var best time.Time
	for _, off := range []int{before, after} {
		t := w.Add(-time.Duration(off) * time.Second)
		if sameWall(t.In(loc), w) && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	if best.IsZero() {
		// A skipped reading: use the offset in force before the jump.
		best = w.Add(-time.Duration(before) * time.Second)
	}
	return best.UTC()
}

func sameWall(a, w time.Time) bool {
	ay, am, ad := a.Date()
	wy, wm, wd := w.Date()
	return ay == wy && am == wm && ad == wd && a.Hour() == w.Hour() && a.Minute() == w.Minute() &&
		a.Second() == w.Second() && a.Nanosecond() == w.Nanosecond()
}

// String returns the request form, "2006-01-02 15:04:05" Pacific, for
// readings without an offset, RFC 3339 for ones that had one, and "" for
// the zero DateTime.
func (d DateTime) String() string {
	switch {
	case !d.set:
		return ""
	case d.hasOffset:
		return d.wall.Format(time.RFC3339Nano)
	case d.wall.Nanosecond()%100 != 0:
		return d.wall.Format("2006-01-02T15:04:05.000000000")
	case d.wall.Nanosecond() != 0:
		// Keep what ShipStation sent (seven digits) so that a
		// read-modify-write does not silently round its timestamps.
		return d.wall.Format("2006-01-02T15:04:05.0000000")
	default:
		return d.wall.Format(wireLayout)
	}
}

// MarshalJSON writes the String form, or null for the zero DateTime.
func (d DateTime) MarshalJSON() ([]byte, error) {
	if !d.set {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON reads null, "" or any form ParseDateTime accepts.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*d = DateTime{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("shipstation: datetime: want a JSON string, got %s", truncate(string(b), 40))
	}
	v, err := ParseDateTime(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Date is a calendar date without a time, as ShipStation sends shipDate
// ("2015-07-02"). It also accepts the datetime form some endpoints use for
// the same field (fulfillments send "2016-06-07T00:00:00.0000000") by
// keeping the date part as written: a ship date is a Pacific calendar day,
// not an instant.
type Date struct {
	// Year, Month and Day are the calendar date; all zero means absent.
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the Pacific calendar date of instant t.
func DateOf(t time.Time, pacific *time.Location) Date {
	y, m, d := t.In(pacific).Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate reads "yyyy-mm-dd" (anything after the date, such as a time,
// is checked as a datetime and then ignored). "" gives the zero Date.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	bad := fmt.Errorf("shipstation: parse date %q: want yyyy-mm-dd", truncate(s, 40))
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, bad
	}
	if len(s) > 10 {
		if _, err := parseDateTime(s); err != nil {
			return Date{}, bad
		}
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return Date{}, bad
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, nil
}

// IsZero reports whether the date is absent.
func (d Date) IsZero() bool { return d == Date{} }

// String returns "yyyy-mm-dd", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Time returns midnight at the start of the date in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// MarshalJSON writes "yyyy-mm-dd", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON reads null, "" or a date as ParseDate does.
func (d *Date) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*d = Date{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("shipstation: date: want a JSON string, got %s", truncate(string(b), 40))
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// FormatPacific formats instant t the way ShipStation's filters want it:
// Pacific wall-clock time "yyyy-mm-dd hh:mm:ss". Inside the repeated hour
// at the end of daylight saving time this text is ambiguous; use
// windowStart and windowEnd (what the list calls do) for filter bounds.
func FormatPacific(t time.Time, pacific *time.Location) string {
	return t.In(pacific).Format(wireLayout)
}

// windowStart formats a lower filter bound so that, whichever occurrence
// ShipStation picks for an ambiguous reading, the window still starts at or
// before t: seconds are truncated, and a bound in the FIRST pass through
// the repeated fall-back hour is moved back to the last unambiguous second
// before that hour. The window may grow by up to an hour; callers dedupe.
func windowStart(t time.Time, pacific *time.Location) string {
	t = t.Truncate(time.Second)
	p := t.In(pacific)
	if ambiguous(p, pacific) && t.Equal(pacificInstant(wallOf(p), pacific)) {
		// First occurrence: the later reading would start too late.
		_, off := p.Zone()
		hourStart := wallOf(p).Truncate(time.Hour).Add(-time.Duration(off) * time.Second)
		return hourStart.Add(-time.Second).In(pacific).Format(wireLayout)
	}
	return p.Format(wireLayout)
}

// windowEnd formats an upper filter bound so that the window still ends at
// or after t: seconds round up, and a bound in the SECOND pass through the
// repeated hour moves to the first unambiguous second after it.
func windowEnd(t time.Time, pacific *time.Location) string {
	if t2 := t.Truncate(time.Second); !t2.Equal(t) {
		t = t2.Add(time.Second)
	}
	p := t.In(pacific)
	if ambiguous(p, pacific) && !t.Equal(pacificInstant(wallOf(p), pacific)) {
		// Second occurrence: the earlier reading would end too early.
		next := wallOf(p).Truncate(time.Hour).Add(time.Hour)
		return next.Format(wireLayout)
	}
	return p.Format(wireLayout)
}

// wallOf returns p's wall-clock fields stored in a UTC time.
func wallOf(p time.Time) time.Time {
	return time.Date(p.Year(), p.Month(), p.Day(), p.Hour(), p.Minute(), p.Second(), p.Nanosecond(), time.UTC)
}

// ambiguous reports whether p's wall-clock reading happens twice in loc.
func ambiguous(p time.Time, loc *time.Location) bool {
	w := wallOf(p)
	_, before := w.Add(-24 * time.Hour).In(loc).Zone()
	_, after := w.Add(24 * time.Hour).In(loc).Zone()
	if before == after {
		return false
	}
	n := 0
	for _, off := range []int{before, after} {
		if sameWall(w.Add(-time.Duration(off)*time.Second).In(loc), w) {
			n++
		}
	}
	return n == 2
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

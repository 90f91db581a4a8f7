package shipstation

import (
	"encoding/json"
	"testing"
	"time"
)

func pacific(t testing.TB) *time.Location {
	t.Helper()
	loc, err := LoadPacific()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// 2026's DST changes in America/Los_Angeles: 2026-03-08 02:00 PST jumps to
// 03:00 PDT (10:00Z); 2026-11-01 02:00 PDT falls back to 01:00 PST (09:00Z).
func TestParseDateTimeInstant(t *testing.T) {
	t.Parallel()
	loc := pacific(t)
	tests := []struct {
		name, in string
		want     time.Time
	}{
		{"docs orderDate, 7 digits, PDT", "2015-06-29T08:46:27.0000000", utc("2015-06-29T15:46:27Z")},
		{"docs createDate fraction", "2015-07-16T14:00:34.8230000", utc("2015-07-16T21:00:34.823Z")},
		{"docs item date, 3 digits", "2016-02-16T15:16:53.707", utc("2016-02-16T23:16:53.707Z")},
		{"no fraction, PST", "2026-01-15T12:00:00", utc("2026-01-15T20:00:00Z")},
		{"request form with space", "2026-01-15 12:00:00", utc("2026-01-15T20:00:00Z")},
		{"7 digits kept", "2026-01-15T12:00:00.1234567", utc("2026-01-15T20:00:00.1234567Z")},
		{"spring: last PST second", "2026-03-08T01:59:59.0000000", utc("2026-03-08T09:59:59Z")},
		{"spring: first PDT second", "2026-03-08T03:00:00.0000000", utc("2026-03-08T10:00:00Z")},
		{"spring: skipped reading uses PST", "2026-03-08T02:30:00", utc("2026-03-08T10:30:00Z")},
		{"fall: last unambiguous PDT", "2026-11-01T00:59:59.0000000", utc("2026-11-01T07:59:59Z")},
		{"fall: repeated hour picks first (PDT)", "2026-11-01T01:30:00.0000000", utc("2026-11-01T08:30:00Z")},
		{"fall: repeated hour end", "2026-11-01T01:59:59.999", utc("2026-11-01T08:59:59.999Z")},
		{"fall: first unambiguous PST", "2026-11-01T02:00:00", utc("2026-11-01T10:00:00Z")},
		{"trailing Z honoured", "2026-11-01T01:30:00.000Z", utc("2026-11-01T01:30:00Z")},
		{"offset honoured", "2026-07-01T10:00:00+02:00", utc("2026-07-01T08:00:00Z")},
		{"negative offset honoured", "2026-07-01T10:00:00.5-07:00", utc("2026-07-01T17:00:00.5Z")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := ParseDateTime(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := d.Instant(loc)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseDateTime(%q).Instant = %v, want %v (UTC)", tt.in, got, tt.want)
			}
			// JSON decoding goes through the same parser.
			var j DateTime
			if err := json.Unmarshal([]byte(`"`+tt.in+`"`), &j); err != nil {
				t.Fatal(err)
			}
			if !j.Instant(loc).Equal(tt.want) {
				t.Errorf("json: got %v, want %v", j.Instant(loc), tt.want)
			}
		})
	}
}

func TestParseDateTimeErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"garbage", "2026-13-01T00:00:00", "2026-02-29T00:00:00", "2026-01-01T24:00:00",
		"2026-01-01T00:00:00.", "2026-01-01T00:00:00.1234567890", "2026-01-01T00:00:00+0800",
		"2026-01-01", "2026-01-01T00:00", "2026/01/01T00:00:00", "0000-01-01T00:00:00+01:00",
	} {
		if d, err := ParseDateTime(in); err == nil {
			t.Errorf("ParseDateTime(%q) = %v, want an error", in, d)
		}
	}
	var d DateTime
	if err := json.Unmarshal([]byte(`12345`), &d); err == nil {
		t.Error("a JSON number decoded as a DateTime")
	}
}

func TestDateTimeNullAndZero(t *testing.T) {
	t.Parallel()
	var v struct {
		A DateTime `json:"a"`
		B DateTime `json:"b"`
		C DateTime `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a":null,"b":"","c":"2026-01-01T00:00:00"}`), &v); err != nil {
		t.Fatal(err)
	}
	if !v.A.IsZero() || !v.B.IsZero() || v.C.IsZero() {
		t.Errorf("zero-ness wrong: %+v", v)
	}
	if !v.A.Instant(pacific(t)).IsZero() {
		t.Error("zero DateTime has a non-zero instant")
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":null,"b":null,"c":"2026-01-01 00:00:00"}`; string(out) != want {
		t.Errorf("marshal = %s, want %s", out, want)
	}
}

// Request bodies carry Pacific wall-clock text; instants on either side of
// both 2026 changes must read as the local clock did.
func TestPacificDateTimeForRequests(t *testing.T) {
	t.Parallel()
	loc := pacific(t)
	tests := []struct {
		in   time.Time
		want string
	}{
		{utc("2026-03-08T09:59:59Z"), "2026-03-08 01:59:59"},
		{utc("2026-03-08T10:00:00Z"), "2026-03-08 03:00:00"},
		{utc("2026-11-01T08:30:00Z"), "2026-11-01 01:30:00"},
		{utc("2026-11-01T09:30:00Z"), "2026-11-01 01:30:00"},
		{utc("2026-11-01T10:00:00.9Z"), "2026-11-01 02:00:00"},
		{utc("2026-07-04T00:00:00Z"), "2026-07-03 17:00:00"},
	}
	for _, tt := range tests {
		if got := PacificDateTime(tt.in, loc).String(); got != tt.want {
			t.Errorf("PacificDateTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
		if got := FormatPacific(tt.in, loc); got != tt.want {
			t.Errorf("FormatPacific(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if !PacificDateTime(time.Time{}, loc).IsZero() {
		t.Error("zero instant gave a non-zero DateTime")
	}
}

func TestFilterWindowsAcrossDST(t *testing.T) {
	t.Parallel()
	loc := pacific(t)
	tests := []struct {
		name       string
		in         time.Time
		start, end string
	}{
		{"spring before", utc("2026-03-08T09:59:59Z"), "2026-03-08 01:59:59", "2026-03-08 01:59:59"},
		{"spring after", utc("2026-03-08T10:00:00Z"), "2026-03-08 03:00:00", "2026-03-08 03:00:00"},
		{"fall first pass", utc("2026-11-01T08:30:00Z"), "2026-11-01 00:59:59", "2026-11-01 01:30:00"},
		{"fall second pass", utc("2026-11-01T09:30:00Z"), "2026-11-01 01:30:00", "2026-11-01 02:00:00"},
		{"fall after", utc("2026-11-01T10:00:00Z"), "2026-11-01 02:00:00", "2026-11-01 02:00:00"},
		{"sub-second rounds outward", utc("2026-06-01T12:00:00.25Z"), "2026-06-01 05:00:00", "2026-06-01 05:00:01"},
	}
	for _, tt := range tests {
		if got := windowStart(tt.in, loc); got != tt.start {
			t.Errorf("%s: windowStart = %q, want %q", tt.name, got, tt.start)
		}
		if got := windowEnd(tt.in, loc); got != tt.end {
			t.Errorf("%s: windowEnd = %q, want %q", tt.name, got, tt.end)
		}
	}
}

// Whatever occurrence the server picks for an ambiguous reading, a window
// start must not be after the instant and a window end not before it.
func TestFilterWindowsNeverNarrow(t *testing.T) {
	t.Parallel()
	loc := pacific(t)
	for _, day := range []time.Time{utc("2026-03-07T12:00:00Z"), utc("2026-10-31T12:00:00Z")} {
		for t0 := day; t0.Before(day.Add(48 * time.Hour)); t0 = t0.Add(7*time.Minute + 13*time.Second) {
			for _, ts := range interpretations(t, windowStart(t0, loc), loc) {
				if ts.After(t0) {
					t.Fatalf("windowStart(%v) = %q can mean %v, after the instant", t0, windowStart(t0, loc), ts)
				}
			}
			for _, te := range interpretations(t, windowEnd(t0, loc), loc) {
				if te.Before(t0) {
					t.Fatalf("windowEnd(%v) = %q can mean %v, before the instant", t0, windowEnd(t0, loc), te)
				}
			}
		}
	}
}

// interpretations returns every instant a Pacific reading can mean.
func interpretations(t *testing.T, s string, loc *time.Location) []time.Time {
	t.Helper()
	w, err := time.Parse(wireLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for _, off := range []time.Duration{7 * time.Hour, 8 * time.Hour} {
		c := w.Add(off)
		if c.In(loc).Format(wireLayout) == s {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%q never happens in Pacific time", s)
	}
	return out
}

func TestDate(t *testing.T) {
	t.Parallel()
	loc := pacific(t)
	tests := []struct {
		in   string
		want Date
	}{
		{`"2015-07-02"`, Date{2015, time.July, 2}},
		{`"2016-06-07T00:00:00.0000000"`, Date{2016, time.June, 7}},
		{`null`, Date{}},
		{`""`, Date{}},
	}
	for _, tt := range tests {
		var d Date
		if err := json.Unmarshal([]byte(tt.in), &d); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if d != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.in, d, tt.want)
		}
	}
	for _, bad := range []string{`"2015-7-2"`, `"2015-02-30"`, `"2015-07-02Tjunk"`, `20150702`} {
		var d Date
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s decoded as %v", bad, d)
		}
	}
	// 2026-11-01T06:30Z is still Oct 31 (23:30 PDT) in Los Angeles.
	if got := DateOf(utc("2026-11-01T06:30:00Z"), loc); got != (Date{2026, time.October, 31}) {
		t.Errorf("DateOf = %v", got)
	}
	out, _ := json.Marshal(struct{ A, B Date }{Date{2026, time.March, 8}, Date{}})
	if string(out) != `{"A":"2026-03-08","B":null}` {
		t.Errorf("marshal = %s", out)
	}
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{
		"2015-06-29T08:46:27.0000000", "2016-02-16T15:16:53.707", "2026-11-01T01:30:00",
		"2026-03-08 02:30:00", "2026-11-01T01:30:00.000Z", "2026-07-01T10:00:00+02:00", "", "x",
		"9999-12-31T23:59:59.999999999-08:00",
	} {
		f.Add(s)
	}
	loc := pacific(f)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDateTime(s)
		if err != nil {
			return
		}
		// Round trip: the text form parses back to the same reading.
		again, err := ParseDateTime(d.String())
		if err != nil {
			t.Fatalf("String() of %q = %q does not parse: %v", s, d.String(), err)
		}
		if again != d {
			t.Fatalf("round trip of %q: %+v != %+v", s, again, d)
		}
		in := d.Instant(loc)
		if d.IsZero() && !in.IsZero() {
			t.Fatalf("%q: zero DateTime has instant %v", s, in)
		}
		// A Pacific reading's instant reads back as the same wall clock,
		// except in the skipped spring hour.
		if !d.IsZero() && !d.HasOffset() {
			back := PacificDateTime(in, loc)
			if !back.wall.Equal(d.wall.Truncate(time.Second)) && !inSpringGap(d.wall, loc) {
				t.Fatalf("%q: instant %v reads back as %v", s, in, back)
			}
		}
		// JSON round trip.
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var j DateTime
		if err := json.Unmarshal(b, &j); err != nil || j != d {
			t.Fatalf("json round trip of %q: %s -> %+v, %v", s, b, j, err)
		}
	})
}

func inSpringGap(w time.Time, loc *time.Location) bool {
	return !sameWall(pacificInstant(w, loc).In(loc), w)
}

package xero

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseMSDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Time // UTC instant
		wantOff int       // zone offset in seconds
		wantErr bool
	}{
		{in: "/Date(1539993600000+0000)/", want: time.Date(2018, 10, 20, 0, 0, 0, 0, time.UTC)},
		{in: "/Date(1552326816230)/", want: time.Date(2019, 3, 11, 17, 53, 36, 230e6, time.UTC)},
		// Documented: 2014-12-30T11:00Z, i.e. 2014-12-31 00:00 at +13:00.
		{in: "/Date(1419937200000+1300)/", want: time.Date(2014, 12, 30, 11, 0, 0, 0, time.UTC), wantOff: 13 * 3600},
		{in: "/Date(1419937200000-0530)/", want: time.Date(2014, 12, 30, 11, 0, 0, 0, time.UTC), wantOff: -(5*3600 + 30*60)},
		{in: `\/Date(1539993600000+0000)\/`, want: time.Date(2018, 10, 20, 0, 0, 0, 0, time.UTC)},
		{in: "/Date(-86400000)/", want: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)},
		{in: "/Date()/", wantErr: true},
		{in: "/Date(abc)/", wantErr: true},
		{in: "/Date(123+13)/", wantErr: true},
		{in: "/Date(123+0960)/", wantErr: true},
		{in: "/Date(99999999999999999999)/", wantErr: true},
		{in: "2018-10-20", wantErr: true},
		{in: "", wantErr: true},
		{in: "/Date(-)/", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMSDate(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseMSDate(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMSDate(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseMSDate(%q) = %v, want %v", tt.in, got.UTC(), tt.want)
			}
			if _, off := got.Zone(); off != tt.wantOff {
				t.Errorf("ParseMSDate(%q) offset = %d, want %d", tt.in, off, tt.wantOff)
			}
		})
	}
}

func TestFormatMSDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2018, 10, 20, 0, 0, 0, 0, time.UTC), "/Date(1539993600000+0000)/"},
		{time.Date(2014, 12, 31, 0, 0, 0, 0, time.FixedZone("", 13*3600)), "/Date(1419937200000+1300)/"},
		{time.Date(2014, 12, 30, 5, 30, 0, 0, time.FixedZone("", -(5*3600+30*60))), "/Date(1419937200000-0530)/"},
	}
	for _, tt := range tests {
		if got := FormatMSDate(tt.in); got != tt.want {
			t.Errorf("FormatMSDate(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDateJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{in: `"/Date(1539993600000+0000)/"`, want: NewDate(2018, 10, 20)},
		{in: `"\/Date(1546128000000+0000)\/"`, want: NewDate(2018, 12, 30)},
		// A date-only value with an offset is the local calendar date.
		{in: `"/Date(1419937200000+1300)/"`, want: NewDate(2014, 12, 31)},
		{in: `"2018-10-20"`, want: NewDate(2018, 10, 20)},
		{in: `"2018-10-20T00:00:00"`, want: NewDate(2018, 10, 20)},
		{in: `null`, want: Date{}},
		{in: `""`, want: Date{}},
		{in: `20181020`, wantErr: true},
		{in: `"20/10/2018"`, wantErr: true},
	}
	for _, tt := range tests {
		var got Date
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.wantErr {
			if err == nil {
				t.Errorf("unmarshal %s = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("unmarshal %s: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("unmarshal %s = %v, want %v", tt.in, got, tt.want)
		}
	}
	b, err := json.Marshal(struct {
		D Date `json:"Date,omitzero"`
		E Date `json:"DueDate,omitzero"`
	}{D: NewDate(2026, 7, 14)})
	if err != nil || string(b) != `{"Date":"2026-07-14"}` {
		t.Errorf("marshal = %s, %v; want {\"Date\":\"2026-07-14\"}", b, err)
	}
	if got := NewDate(2018, 10, 20).Time(); !got.Equal(time.Date(2018, 10, 20, 0, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("Date.Time() = %v, want midnight UTC", got)
	}
}

func TestTimeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
		out  string
	}{
		{`"/Date(1541176290160+0000)/"`, time.Date(2018, 11, 2, 16, 31, 30, 160e6, time.UTC), `"/Date(1541176290160+0000)/"`},
		{`"\/Date(1552326816230)\/"`, time.Date(2019, 3, 11, 17, 53, 36, 230e6, time.UTC), `"/Date(1552326816230+0000)/"`},
		{`"/Date(1419937200000+1300)/"`, time.Date(2014, 12, 30, 11, 0, 0, 0, time.UTC), `"/Date(1419937200000+1300)/"`},
		{`"2018-11-02T16:31:30Z"`, time.Date(2018, 11, 2, 16, 31, 30, 0, time.UTC), `"/Date(1541176290000+0000)/"`},
		// No zone: UTC (webhook eventDateUtc, connections dates).
		{`"2024-06-21T01:15:39.902"`, time.Date(2024, 6, 21, 1, 15, 39, 902e6, time.UTC), `"/Date(1718932539902+0000)/"`},
		{`"2019-12-07T18:46:19.5165400"`, time.Date(2019, 12, 7, 18, 46, 19, 516540000, time.UTC), `"/Date(1575744379516+0000)/"`},
	}
	for _, tt := range tests {
		var got Time
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("unmarshal %s: %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("unmarshal %s = %v, want %v", tt.in, got.UTC(), tt.want)
		}
		out, err := json.Marshal(got)
		if err != nil || string(out) != tt.out {
			t.Errorf("marshal %s = %s, %v; want %s", tt.in, out, err, tt.out)
		}
	}
	var bad Time
	if err := json.Unmarshal([]byte(`"yesterday"`), &bad); err == nil {
		t.Error("unmarshal \"yesterday\": want an error")
	}
}

func FuzzParseMSDate(f *testing.F) {
	for _, s := range []string{"/Date(1539993600000+0000)/", "/Date(1552326816230)/", "/Date(1419937200000+1300)/",
		`\/Date(1419937200000-0530)\/`, "/Date(-1)/", "/Date()/", "/Date(+0000)/", "/Date(1-1)/", "/Date(253402300799999+2359)/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseMSDate(s)
		if err != nil {
			return
		}
		// Round trip: formatting and parsing again gives the same instant
		// and offset.
		again, err := ParseMSDate(FormatMSDate(got))
		if err != nil {
			t.Fatalf("ParseMSDate(FormatMSDate(%v)) from %q: %v", got, s, err)
		}
		_, o1 := got.Zone()
		_, o2 := again.Zone()
		if !again.Equal(got) || o1 != o2 {
			t.Fatalf("round trip of %q: %v became %v", s, got, again)
		}
	})
}

func FuzzDateJSON(f *testing.F) {
	for _, s := range []string{`"/Date(1539993600000+0000)/"`, `"2018-10-20"`, `"2018-10-20T00:00:00"`, `null`, `""`,
		`"\/Date(1419937200000+1300)\/"`, `"/Date(-62135596800000)/"`, `12`, `"\u002fDate(1)/"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Date
		if err := json.Unmarshal(data, &d); err != nil {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			return // a year outside 1..9999 cannot be written
		}
		var back Date
		if err := json.Unmarshal(out, &back); err != nil || back != d {
			t.Fatalf("round trip of %q: %v -> %s -> %v (%v)", data, d, out, back, err)
		}
	})
}

func FuzzTimeJSON(f *testing.F) {
	for _, s := range []string{`"/Date(1541176290160+0000)/"`, `"/Date(1552326816230)/"`, `"2018-11-02T16:31:30Z"`,
		`"2024-06-21T01:15:39.902"`, `null`, `"/Date(1419937200000-1230)/"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Time
		if err := json.Unmarshal(data, &v); err != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal %v from %q: %v", v, data, err)
		}
		var back Time
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("unmarshal %s (from %q): %v", out, data, err)
		}
		// Xero's form keeps milliseconds and whole-minute offsets.
		if back.UnixMilli() != v.UnixMilli() {
			t.Fatalf("round trip of %q: %v -> %s -> %v", data, v.Time, out, back.Time)
		}
	})
}

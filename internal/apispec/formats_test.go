package apispec

import "testing"

func TestFormats(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		check func(string) error
		in    string
		ok    bool
	}{
		{"msdate midnight", func(s string) error { return checkMSDate(s, true) }, "/Date(1539993600000+0000)/", true},
		{"msdate no offset", func(s string) error { return checkMSDate(s, true) }, "/Date(1539993600000)/", true},
		{"msdate negative", func(s string) error { return checkMSDate(s, true) }, "/Date(-86400000)/", true},
		{"msdate not midnight", func(s string) error { return checkMSDate(s, true) }, "/Date(1539993600001+0000)/", false},
		{"msdate missing slash", func(s string) error { return checkMSDate(s, true) }, "/Date(1539993600000+0000)", false},
		{"msdate iso", func(s string) error { return checkMSDate(s, true) }, "2018-10-20", false},
		{"msdate bad offset", func(s string) error { return checkMSDate(s, false) }, "/Date(1419937200000+1399)/", false},
		{"msdate-time with offset", func(s string) error { return checkMSDate(s, false) }, "/Date(1419937200000+1300)/", true},
		{"msdate-time any ms", func(s string) error { return checkMSDate(s, false) }, "/Date(1552326816230)/", true},
		{"write date", checkWriteDate, "2019-03-11", true},
		{"write date, read form", checkWriteDate, "/Date(1539993600000+0000)/", true},
		{"write date, local timestamp", checkWriteDate, "2019-03-11T00:00:00", true},
		{"write date, not a date", checkWriteDate, "2019-02-30", false},
		{"write date, other layout", checkWriteDate, "11/03/2019", false},
		{"pacific 7 digits", checkPacific, "2015-06-29T08:46:27.0000000", true},
		{"pacific 3 digits", checkPacific, "2016-02-16T15:16:53.707", true},
		{"pacific no fraction", checkPacific, "2015-06-29T08:46:27", true},
		{"pacific with Z", checkPacific, "2015-06-29T08:46:27Z", false},
		{"pacific with offset", checkPacific, "2015-06-29T08:46:27-07:00", false},
		{"pacific request, space", checkPacificRequest, "2016-11-29 23:59:59", true},
		{"pacific request, date", checkPacificRequest, "2016-11-29", true},
		{"pacific request, Z", checkPacificRequest, "2016-11-29T23:59:59Z", false},
		{"pacific request, bad hour", checkPacificRequest, "2016-11-29 25:59:59", false},
		{"uuid", checkUUID, "7cb59f93-2964-421d-bb5e-a0f7a4572a44", true},
		{"uuid short", checkUUID, "7cb59f93", false},
		{"no-zone timestamp", checkNoZoneTimestamp, "2019-12-07T18:46:19.5165400", true},
		{"no-zone timestamp, rfc3339", checkNoZoneTimestamp, "2020-02-06T12:17:43.202-08:00", true},
		{"no-zone timestamp, http date", checkNoZoneTimestamp, "Wed, 21 Oct 2015 07:28:00 GMT", false},
	}
	for _, tc := range cases {
		if err := tc.check(tc.in); (err == nil) != tc.ok {
			t.Errorf("%s: %q: err=%v, want ok=%v", tc.name, tc.in, err, tc.ok)
		}
	}
}

package apispec

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Format names this package gives to schemas whose description states a
// format in a vendor extension or in its examples rather than in "format".
// Load writes them into the loaded schemas so that kin-openapi's own
// schema walk checks them, with the validators below.
const (
	// formatMSDate marks Xero fields tagged x-is-msdate: a calendar date
	// carried as "/Date(<ms at midnight UTC>[+-hhmm])/" in responses.
	formatMSDate = "x-xero-msdate"
	// formatMSDateTime marks Xero fields tagged x-is-msdate-time: an
	// instant carried as "/Date(<ms>[+-hhmm])/" in responses.
	formatMSDateTime = "x-xero-msdate-time"
	// formatPacific marks ShipStation fields whose documented example is a
	// date and time without an offset ("2015-06-29T08:46:27.0000000"):
	// ShipStation V1 answers in Pacific local time and never sends an offset.
	formatPacific = "x-shipstation-pacific-datetime"
	// formatPacificDate marks ShipStation fields whose example is a bare
	// date ("2015-07-02").
	formatPacificDate = "x-shipstation-date"
)

var (
	// msDateRE is the only shape Xero's JSON serialiser produces for its
	// dates (reference xero-api.md §2.1): milliseconds since the epoch and an
	// optional +-hhmm offset.
	msDateRE = regexp.MustCompile(`^/Date\((-?\d+)([+-]\d{4})?\)/$`)
	// uuidRE accepts RFC 9562 layouts and the nil UUID Xero's examples use.
	uuidRE = regexp.MustCompile(`^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)
	// pacificRE is ShipStation V1's response layout: no offset, 0 to 7
	// fractional digits (reference shipstation-api.md §2.1).
	pacificRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?$`)
	// pacificRequestRE is what ShipStation asks clients to send:
	// "yyyy-mm-dd hh:mm:ss" or the response layout, still without an offset.
	pacificRequestRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,7})?$`)
	dateRE           = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

const msPerDay = 24 * 60 * 60 * 1000

// checkMSDate validates a "/Date(ms[+-hhmm])/" string. dateOnly adds the
// rule of xero-api.md §2.1 that date fields hold midnight UTC of the date.
func checkMSDate(s string, dateOnly bool) error {
	m := msDateRE.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf(`%q is not a Xero JSON date "/Date(<ms>[+-hhmm])/"`, s)
	}
	ms, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return fmt.Errorf("%q: milliseconds out of range", s)
	}
	if off := m[2]; off != "" {
		hh, _ := strconv.Atoi(off[1:3])
		mm, _ := strconv.Atoi(off[3:5])
		if hh > 14 || mm > 59 {
			return fmt.Errorf("%q: offset %s is not a real UTC offset", s, off)
		}
	}
	if dateOnly && ms%msPerDay != 0 {
		return fmt.Errorf("%q: a date field must hold midnight UTC of the date (ms divisible by 86400000)", s)
	}
	return nil
}

// checkWriteDate is the request side of x-is-msdate fields: Xero accepts
// "YYYY-MM-DD" (the description's own field text says so) and also a
// "/Date()/" value echoed back from a read.
func checkWriteDate(s string) error {
	if dateRE.MatchString(s) {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return fmt.Errorf("%q is not a calendar date", s)
		}
		return nil
	}
	if _, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		return nil
	}
	if err := checkMSDate(s, false); err != nil {
		return fmt.Errorf(`%q is neither "YYYY-MM-DD" nor a Xero JSON date`, s)
	}
	return nil
}

func checkPacific(s string) error {
	if !pacificRE.MatchString(s) {
		return fmt.Errorf(`%q is not a ShipStation date-time "yyyy-mm-ddThh:mm:ss[.fffffff]" without offset`, s)
	}
	if _, err := time.Parse("2006-01-02T15:04:05", s[:19]); err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	return nil
}

func checkPacificRequest(s string) error {
	if dateRE.MatchString(s) {
		return checkDate(s)
	}
	if !pacificRequestRE.MatchString(s) {
		return fmt.Errorf(`%q is not "yyyy-mm-dd hh:mm:ss" Pacific time without offset`, s)
	}
	if _, err := time.Parse("2006-01-02T15:04:05", s[:10]+"T"+s[11:19]); err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	return nil
}

func checkDate(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil || !dateRE.MatchString(s) {
		return fmt.Errorf("%q is not a date yyyy-mm-dd", s)
	}
	return nil
}

func checkUUID(s string) error {
	if !uuidRE.MatchString(s) {
		return fmt.Errorf("%q is not a UUID", s)
	}
	return nil
}

func checkRFC3339(s string) error {
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return fmt.Errorf("%q is not an RFC 3339 date-time", s)
	}
	return nil
}

// formatOptions returns the per-validation format validators for one side
// of an exchange. They are passed per call (not registered globally in
// kin-openapi's package map) so that nothing else in the test binary is
// affected, and so that requests and responses can differ: Xero reads
// "/Date()/" but accepts "YYYY-MM-DD" on writes.
func formatOptions(response bool) openapi3.SchemaValidationOption {
	cb := openapi3.NewCallbackValidator[string]
	m := map[string]openapi3.StringFormatValidator{
		"uuid":      cb(checkUUID),
		"date":      cb(checkDate),
		"date-time": cb(checkRFC3339),
	}
	if response {
		m[formatMSDate] = cb(func(s string) error { return checkMSDate(s, true) })
		m[formatMSDateTime] = cb(func(s string) error { return checkMSDate(s, false) })
		m[formatPacific] = cb(checkPacific)
		m[formatPacificDate] = cb(checkDate)
	} else {
		m[formatMSDate] = cb(checkWriteDate)
		m[formatMSDateTime] = cb(checkWriteDate)
		m[formatPacific] = cb(checkPacificRequest)
		m[formatPacificDate] = cb(checkPacificRequest)
	}
	return openapi3.WithStringFormatValidators(m)
}

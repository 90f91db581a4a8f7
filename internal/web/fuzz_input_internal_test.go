package web

import (
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseInterval checks the configure form's interval (a number and a
// unit, as posted): what it accepts is from a second to maxInterval, and
// the page shows it back (intervalParts) as the same interval.
func FuzzParseInterval(f *testing.F) {
	for _, s := range [][2]string{{"30", "second"}, {"5", "minute"}, {"24", "hour"}, {"25", "hour"}, {"0", "minute"},
		{"-1", "second"}, {"86400", "second"}, {"1", "day"}, {"9223372036854775807", "hour"}, {"+3", "minute"}, {" 3", "minute"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, number, unit string) {
		d, ok := parseInterval(number, unit)
		if !ok {
			return
		}
		if d < time.Second || d > maxInterval {
			t.Fatalf("%q %q accepted as %v", number, unit, d)
		}
		n, u := intervalParts(d)
		if back, ok := parseInterval(strconv.Itoa(n), u); !ok || back != d {
			t.Fatalf("%q %q = %v shows as %d %s, which reads back as %v, %v", number, unit, d, n, u, back, ok)
		}
	})
}

// FuzzLogQuery checks the log page's query (and the CSV's): any query
// string gives a valid page (from 1, an offset that cannot overflow),
// only known direction and outcome filters, and links (logData.url) that
// read back as the same query.
func FuzzLogQuery(f *testing.F) {
	for _, s := range []string{"", "direction=xero_to_shipstation&outcome=failed&page=2", "page=-5", "page=9223372036854775807",
		"run=12&invoice=INV-1&q=%25_", "outcome=nope&direction=%00", "invoice=+&q=a%26b", "page=1e3", "run=-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		lq, d := logQuery(q)
		if lq.Page < 1 || lq.Page > maxLogPage || lq.PageSize < 1 {
			t.Fatalf("%q: page %d of size %d", raw, lq.Page, lq.PageSize)
		}
		if valid(logDirections(), d.Direction) != d.Direction || valid(logOutcomes(), d.Outcome) != d.Outcome || d.Run < 0 {
			t.Fatalf("%q: filters %+v", raw, d)
		}
		link, err := url.Parse(d.url("/log", lq.Page))
		if err != nil {
			t.Fatalf("%q: link %q: %v", raw, d.url("/log", lq.Page), err)
		}
		back, _ := logQuery(link.Query())
		if back != lq {
			t.Fatalf("%q: link %s reads back as %+v, want %+v", raw, link, back, lq)
		}
	})
}

// FuzzSameShipStationHost checks the webhook receiver's resource_url rule
// on any URL: what it accepts is on the configured scheme and host, with
// no user info, and where it reports never holds more than scheme and
// host (the query may name stores and batches).
func FuzzSameShipStationHost(f *testing.F) {
	for _, s := range []string{"https://ssapi.shipstation.com/shipments?batchId=1", "https://ssapi7.shipstation.com/x",
		"https://evil.example/x", "https://u:p@ssapi.shipstation.com/", "http://ssapi.shipstation.com/", "/relative", "",
		"https://ssapi.shipstation.com:443/x", "https://ssapi.shipstation.com%2eevil.example/"} {
		f.Add(s)
	}
	base, err := url.Parse(defaultShipStationBaseURL)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, resource string) {
		where, ok := sameShipStationHost(base, resource)
		if u, err := url.Parse(resource); ok && (err != nil || u.User != nil || u.Scheme != "https" ||
			!strings.HasSuffix(strings.ToLower(u.Hostname()), ".shipstation.com")) {
			t.Fatalf("%q accepted", resource)
		}
		hostOnly := "(not an absolute URL)"
		if u, err := url.Parse(resource); err == nil {
			hostOnly = clip(u.Scheme+"://"+u.Host, 120)
		}
		if where != hostOnly && where != hostOnly+" (with a user name)" && where != "(not an absolute URL)" {
			t.Fatalf("%q: reported as %q, more than its scheme and host", resource, where)
		}
	})
}

// FuzzLoggedPath checks that no path a client sends under /webhooks/, in
// any case, with dot segments or doubled slashes, is logged with what
// follows (a ShipStation URL secret), but the Xero receiver's own path.
func FuzzLoggedPath(f *testing.F) {
	for _, s := range []string{"/webhooks/shipstation/secret", "/Webhooks/ShipStation/secret", "/webhooks//shipstation/secret",
		"/x/../webhooks/shipstation/secret", "/webhooks/xero", "/log", "webhooks/shipstation/s", "/webhooks/xero/../shipstation/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := loggedPath(p)
		clean := strings.ToLower(path.Clean("/" + p))
		if strings.HasPrefix(clean, "/webhooks/") && clean != "/webhooks/xero" && got != "/webhooks/{redacted}" {
			t.Fatalf("%q logged as %q", p, got)
		}
		if !strings.HasPrefix(clean, "/webhooks/") && got != p {
			t.Fatalf("%q, not a webhook path, logged as %q", p, got)
		}
	})
}

// FuzzInvoiceURL checks that an invoice's URL, whatever its id (from
// Xero, or typed into the address bar), resolves in a browser to one path
// segment under /invoices/, and Re-sync to that segment's /resync: never
// to another route, never with a query or fragment.
func FuzzInvoiceURL(f *testing.F) {
	for _, s := range []string{"inv-1", "../connections/shipstation/disconnect?x=", "..", ".", "a/b", "%2e%2e", "#x", "?a=b",
		"\\..\\x", "8f2a1c1e-0000-4000-8000-000000000001", " ", "%", ".%2e"} {
		f.Add(s)
	}
	page, _ := url.Parse("http://app.example/invoices/x")
	f.Fuzz(func(t *testing.T, id string) {
		for _, tail := range []string{"", "/resync"} {
			ref := invoiceURL(id) + tail
			u, err := page.Parse(ref)
			if err != nil {
				t.Fatalf("id %q: %q does not parse: %v", id, ref, err)
			}
			if u.Host != "app.example" || u.RawQuery != "" || u.Fragment != "" {
				t.Fatalf("id %q: %q leads to %s", id, ref, u)
			}
			rest, ok := strings.CutPrefix(u.EscapedPath(), "/invoices/")
			seg, after, _ := strings.Cut(rest, "/")
			if !ok || seg == "" || seg == "." || seg == ".." || "/"+after != tail && !(tail == "" && after == "") {
				t.Fatalf("id %q: %q leads to %s", id, ref, u.EscapedPath())
			}
			if dec, err := url.PathUnescape(seg); err != nil || (strings.Trim(id, ".") != "" && dec != id) {
				t.Fatalf("id %q: the segment %q is not the id", id, seg)
			}
		}
	})
}

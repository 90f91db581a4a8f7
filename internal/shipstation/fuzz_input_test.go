package shipstation

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseWebhookPayload checks the reader of what ShipStation (or
// anyone who knows an account's URL secret) POSTs: it never panics, and a
// payload it accepts has both fields, as sent.
func FuzzParseWebhookPayload(f *testing.F) {
	for _, s := range []string{
		`{"resource_url":"https://ssapi.shipstation.com/shipments?batchId=1","resource_type":"SHIP_NOTIFY"}`,
		`{"resource_url":"","resource_type":"SHIP_NOTIFY"}`, `{"resource_url":`, `[]`, `null`, ``,
		`{"resource_url":"x","resource_type":"y","extra":{"a":[1,2]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParseWebhookPayload(body)
		if err != nil {
			return
		}
		if p.ResourceURL == "" || p.ResourceType == "" {
			t.Fatalf("%q accepted without a resource_url or resource_type: %+v", body, p)
		}
		var raw map[string]any
		if json.Unmarshal(body, &raw) != nil {
			t.Fatalf("%q accepted but is not a JSON object", body)
		}
	})
}

// FuzzResourceURLOnHost checks the rule that keeps the account's API key
// on ShipStation's host: whatever resource_url a payload names, the URL
// it returns has the base's scheme and host and no user info.
func FuzzResourceURLOnHost(f *testing.F) {
	for _, s := range [][2]string{
		{"", "https://ssapi.shipstation.com/shipments?batchId=1"},
		{"", "https://ssapi4.shipstation.com/orders"},
		{"", "https://evil.example/shipments"},
		{"", "https://ssapi.shipstation.com@evil.example/"},
		{"", "https://user:pw@ssapi.shipstation.com/"},
		{"http://127.0.0.1:8081", "http://127.0.0.1:8081/shipments"},
		{"http://127.0.0.1:8081", "http://127.0.0.1:8082/shipments"},
		{"", "//ssapi.shipstation.com/x"},
		{"", "HTTPS://SSAPI.SHIPSTATION.COM/x"},
		{"", "https://ssapi.shipstation.com.evil.example/"},
		{"", "https://ssapi1x.shipstation.com/"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, base, resource string) {
		u, err := ResourceURLOnHost(base, resource)
		if err != nil {
			return
		}
		if base == "" {
			base = DefaultBaseURL
		}
		b, perr := url.Parse(base)
		if perr != nil {
			t.Fatalf("accepted %q on an unparsable base %q", resource, base)
		}
		if u.User != nil || !strings.EqualFold(u.Scheme, b.Scheme) || !strings.EqualFold(u.Host, b.Host) {
			t.Fatalf("base %q, resource_url %q: fetch would go to %s", base, resource, u.Redacted())
		}
		// What is fetched is what a client builds from it: the same host.
		req, rerr := http.NewRequest(http.MethodGet, u.String(), nil)
		if rerr == nil && !strings.EqualFold(req.URL.Host, b.Host) {
			t.Fatalf("base %q, resource_url %q: the request goes to %s", base, resource, req.URL.Host)
		}
	})
}

// FuzzRateHeaders checks ShipStation's rate-limit headers' reader: what it
// accepts is a count from zero and a reset from zero to an hour (never a
// NaN or a negative count, which the budget would trust).
func FuzzRateHeaders(f *testing.F) {
	for _, s := range [][2]string{{"39", "60"}, {"0", "1.5"}, {"-1", "30"}, {"5", "NaN"}, {"5", "-0"}, {"5", "3601"},
		{"x", "1"}, {"", ""}, {"99999999999999999999", "1"}, {" 3 ", " 2 "}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, remaining, reset string) {
		h := http.Header{}
		h.Set("X-Rate-Limit-Remaining", remaining)
		h.Set("X-Rate-Limit-Reset", reset)
		r, d, ok := rateHeaders(h)
		if !ok {
			return
		}
		if r < 0 || d < 0 || d > time.Hour {
			t.Fatalf("remaining %q, reset %q read as %d, %v", remaining, reset, r, d)
		}
	})
}

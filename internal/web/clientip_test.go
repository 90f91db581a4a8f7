package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientIP: X-Forwarded-For names the client only when the peer is a
// trusted proxy, and then its right-most address that is not a trusted
// proxy; what the client wrote left of that is ignored.
func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ff::/48")}
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies: the header is anyone's", nil, "198.51.100.7:4000", []string{"192.0.2.1"}, "198.51.100.7"},
		{"untrusted peer", proxies, "198.51.100.7:4000", []string{"192.0.2.1"}, "198.51.100.7"},
		{"trusted peer, no header", proxies, "10.1.2.3:4000", nil, "10.1.2.3"},
		{"trusted peer names the client", proxies, "10.1.2.3:4000", []string{"192.0.2.1"}, "192.0.2.1"},
		{"spoofed entries left of the proxy's", proxies, "10.1.2.3:4000", []string{"1.1.1.1, 8.8.8.8, 192.0.2.1"}, "192.0.2.1"},
		{"two proxies", proxies, "10.1.2.3:4000", []string{"6.6.6.6, 192.0.2.1, 10.9.9.9"}, "192.0.2.1"},
		{"several headers", proxies, "10.1.2.3:4000", []string{"6.6.6.6", "192.0.2.1"}, "192.0.2.1"},
		{"with a port", proxies, "10.1.2.3:4000", []string{"192.0.2.1:5555"}, "192.0.2.1"},
		{"IPv6", proxies, "[2001:db8:ff::1]:443", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
		{"IPv6 with port", proxies, "[2001:db8:ff::1]:443", []string{"[2001:db8:1::5]:80"}, "2001:db8:1::5"},
		{"IPv4-mapped peer", proxies, "[::ffff:10.1.2.3]:4000", []string{"192.0.2.1"}, "192.0.2.1"},
		{"garbage right of the client", proxies, "10.1.2.3:4000", []string{"192.0.2.1, not-an-ip"}, "10.1.2.3"},
		{"garbage from a proxy chain", proxies, "10.1.2.3:4000", []string{"x, 10.9.9.9"}, "10.9.9.9"},
		{"only proxies", proxies, "10.1.2.3:4000", []string{"10.4.4.4, 10.9.9.9"}, "10.4.4.4"},
		{"empty header", proxies, "10.1.2.3:4000", []string{""}, "10.1.2.3"},
	} {
		s := &Server{cfg: Config{TrustedProxies: tc.trusted}}
		r := httptest.NewRequest("POST", "/signin", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientIP(r); got != tc.want {
			t.Errorf("%s: clientIP = %q, want %q", tc.name, got, tc.want)
		}
	}
}

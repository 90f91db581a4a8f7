package web

import (
	"net/url"
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/log": "/log", "/invoices/x?y=1": "/invoices/x?y=1", "": "/dashboard", "//evil.example": "/dashboard",
		`/\evil.example`: "/dashboard", "https://evil.example/": "/dashboard", "log": "/dashboard",
		"/invoices/INV%2F001": "/invoices/INV%2F001", "/log?q=a+b#top": "/log?q=a+b#top",
		// Browsers drop tabs and newlines from a URL, so each of these is
		// read as //evil.example.
		"/\t/evil.example": "/dashboard", "/\n/evil.example": "/dashboard", "/\r\n/evil.example": "/dashboard",
		"\t//evil.example": "/dashboard", " //evil.example": "/dashboard", "/ /evil.example": "/dashboard",
		// Backslashes are slashes to a browser.
		`\\evil.example`: "/dashboard", `/x\..\\evil.example`: "/dashboard",
		// Encoded forms that a server or browser may decode into the same.
		"/%2F/evil.example": "/dashboard", "/%5Cevil.example": "/dashboard", "/%5c/evil.example": "/dashboard",
		"/%09/evil.example": "/dashboard", "/%0a/evil.example": "/dashboard", "/%00": "/dashboard",
		"/%zz": "/dashboard", "/\x00": "/dashboard", "/\x7f": "/dashboard",
		// Non-ASCII: a request URI we sent to sign-in is always escaped.
		"/\u3000/evil.example": "/dashboard", "/\u00a0/evil.example": "/dashboard",
		"javascript:alert(1)": "/dashboard", "/signin?next=//evil.example": "/signin?next=//evil.example",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeNext checks that whatever comes in, what goes out is a path on
// this site that a browser cannot read as another host: printable ASCII
// only, one leading slash, no backslash, and the same after decoding.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/log", "//evil.example", "/\t/evil.example", `/\evil`, "/%2F/x", "/%09/x", "https://x/", "/a?b=c#d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := safeNext(in)
		if out != "/dashboard" && out != in {
			t.Fatalf("safeNext(%q) = %q: neither the input nor the default", in, out)
		}
		for _, c := range []byte(out) {
			if c <= ' ' || c >= 0x7f || c == '\\' {
				t.Fatalf("safeNext(%q) = %q: byte %q a browser may drop or turn into a slash", in, out, c)
			}
		}
		if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") {
			t.Fatalf("safeNext(%q) = %q: not a path on this site", in, out)
		}
		u, err := url.Parse(out)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			t.Fatalf("safeNext(%q) = %q: parses as %#v, %v", in, out, u, err)
		}
		if strings.HasPrefix(u.Path, "//") || strings.ContainsAny(u.Path, "\\\t\r\n") {
			t.Fatalf("safeNext(%q) = %q: decoded path %q", in, out, u.Path)
		}
	})
}

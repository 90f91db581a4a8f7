package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/web"
)

// setCookies returns the last response's Set-Cookie lines by name.
func (b *browser) setCookies() map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range b.resp.Cookies() {
		out[c.Name] = c
	}
	return out
}

// TestCookiesHostPrefixOverHTTPS: served over HTTPS, the session and CSRF
// cookies are __Host- cookies (Secure, Path=/, no Domain), which a
// sibling subdomain or a plain-http page cannot set or overwrite; a
// cookie without the prefix is not taken for a session.
func TestCookiesHostPrefixOverHTTPS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *web.Config) { c.SecureCookies = true })
	e.srv.Close()
	e.srv = httptest.NewTLSServer(e.web.Handler())
	t.Cleanup(e.srv.Close)
	b := e.browser()
	b.c.Transport = e.srv.Client().Transport

	b.get("/signin")
	b.wantStatus(http.StatusOK)
	csrf, ok := b.setCookies()["__Host-ob_csrf"]
	if !ok {
		t.Fatalf("sign-in page set %v, want __Host-ob_csrf", b.resp.Header.Values("Set-Cookie"))
	}
	b.signUp("Acme", "ann@example.com", password)
	srvURL, _ := url.Parse(e.srv.URL)
	var session *http.Cookie
	for _, c := range b.c.Jar.Cookies(srvURL) {
		if c.Name == "__Host-ob_session" {
			session = c
		}
		if c.Name == "ob_session" || c.Name == "ob_csrf" {
			t.Errorf("a cookie without the prefix over HTTPS: %s", c.Name)
		}
	}
	if session == nil {
		t.Fatal("no __Host-ob_session after sign-up")
	}
	// What the server sent: the prefix's rules.
	b.get("/dashboard")
	b.submit("/signout", nil)
	b.submitSignIn("ann@example.com", password)
	b.wantRedirect("/dashboard")
	for _, c := range []*http.Cookie{csrf, b.setCookies()["__Host-ob_session"]} {
		if c == nil {
			t.Fatalf("sign-in set %v", b.resp.Header.Values("Set-Cookie"))
		}
		if !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
			t.Errorf("%s: Secure %v Path %q Domain %q HttpOnly %v; want Secure, Path=/, no Domain, HttpOnly", c.Name, c.Secure, c.Path, c.Domain, c.HttpOnly)
		}
	}
	// The session's token under the plain name signs nobody in.
	token := b.setCookies()["__Host-ob_session"].Value
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/dashboard", nil)
	req.AddCookie(&http.Cookie{Name: "ob_session", Value: token})
	other := e.browser()
	other.c.Transport = e.srv.Client().Transport
	other.do(req)
	other.wantRedirect("/signin?next=%2Fdashboard")
}

// TestCookiesPlainOverHTTP: on a plain-http address (the demo, tests) the
// cookies keep their plain names and are not Secure, or browsers and Go's
// cookie jar would drop them.
func TestCookiesPlainOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/signin")
	if c, ok := b.setCookies()["ob_csrf"]; !ok || c.Secure {
		t.Errorf("sign-in page over http set %v, want ob_csrf, not Secure", b.resp.Header.Values("Set-Cookie"))
	}
	b.signUp("Acme", "ann@example.com", password)
	srvURL, _ := url.Parse(e.srv.URL)
	var names []string
	for _, c := range b.c.Jar.Cookies(srvURL) {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); !strings.Contains(got, "ob_session") || strings.Contains(got, "__Host-") {
		t.Errorf("cookies over http: %s", got)
	}
}

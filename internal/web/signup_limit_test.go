package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// signUpFrom posts the sign-up form for email from the client address a
// trusted proxy names, with a fresh visitor's CSRF token, and returns the
// status and the Retry-After header.
func (e *env) signUpFrom(t *testing.T, email, from string) (int, string) {
	t.Helper()
	b := e.browser()
	b.get("/signup")
	b.wantStatus(http.StatusOK)
	form := url.Values{"csrf_token": {b.csrf()}, "company": {"Co " + email}, "email": {email}, "name": {"Tester"},
		"password": {password}, "password_confirm": {password}}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/signup", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", from)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestSignUpIsRateLimitedPerAddress: one client address may try to sign up
// only so often (each try costs a password hash and, when the email is
// taken, says so); other addresses are not held back, and the limit lifts
// when its window passes.
func TestSignUpIsRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, behindProxy)
	const bot, person = "198.51.100.66", "203.0.113.10"
	for i := range 10 {
		if code, _ := e.signUpFrom(t, "user"+itoa64(int64(i))+"@example.com", bot); code != http.StatusSeeOther {
			t.Fatalf("sign-up %d from one address: %d, want an account", i+1, code)
		}
	}
	code, retry := e.signUpFrom(t, "user10@example.com", bot)
	if code != http.StatusTooManyRequests || retry == "" {
		t.Errorf("the 11th sign-up in an hour from one address: %d (Retry-After %q), want 429 with Retry-After", code, retry)
	}
	// Probing a taken email counts too: it is what enumeration does.
	if code, _ := e.signUpFrom(t, "user0@example.com", bot); code != http.StatusTooManyRequests {
		t.Errorf("a taken email from the limited address: %d, want 429", code)
	}
	if code, _ := e.signUpFrom(t, "someone@example.com", person); code != http.StatusSeeOther {
		t.Errorf("a sign-up from another address: %d, want an account", code)
	}
	e.clock.Advance(61 * time.Minute)
	if code, _ := e.signUpFrom(t, "user10@example.com", bot); code != http.StatusSeeOther {
		t.Errorf("a sign-up an hour later: %d, want an account", code)
	}
}

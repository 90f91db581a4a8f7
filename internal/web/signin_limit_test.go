package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/orderbridge/orderbridge/internal/web"
)

// attempt is one sign-in of a burst: the form, and the client address a
// trusted proxy says it came from ("" sends no X-Forwarded-For).
type attempt struct {
	email, password, from string
}

// signInBurst posts every attempt to /signin at once, over real HTTP, each
// with a fresh anonymous visitor's CSRF token, and returns the status of
// each, in order. The goroutines start together so the server sees them
// concurrently.
func (e *env) signInBurst(t *testing.T, attempts []attempt) []int {
	t.Helper()
	type prepared struct {
		c    *http.Client
		form url.Values
		from string
	}
	ready := make([]prepared, len(attempts))
	for i, a := range attempts {
		b := e.browser()
		b.get("/signin")
		b.wantStatus(http.StatusOK)
		ready[i] = prepared{c: b.c, from: a.from,
			form: url.Values{"csrf_token": {b.csrf()}, "email": {a.email}, "password": {a.password}}}
	}
	codes := make([]int, len(attempts))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range ready {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/signin", strings.NewReader(p.form.Encode()))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if p.from != "" {
				req.Header.Set("X-Forwarded-For", p.from)
			}
			<-start
			resp, err := p.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

func count(codes []int, want ...int) int {
	n := 0
	for _, c := range codes {
		for _, w := range want {
			if c == w {
				n++
			}
		}
	}
	return n
}

// TestSignInLimitHoldsUnderConcurrency is the attack of issue 15: a burst
// of simultaneous guesses for one email, the right password among them.
// Only as many as the limit may have their password checked (answered 401
// or, for the right one, signed in); the rest are refused with 429.
func TestSignInLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *web.Config) { c.SignInLimit = 5 })
	b := e.browser()
	b.signUp("Acme", "ann@example.com", password)

	var burst []attempt
	for i := range 39 {
		burst = append(burst, attempt{email: "ann@example.com", password: "wrong guess " + itoa64(int64(i))})
	}
	burst = append(burst, attempt{email: "ann@example.com", password: password})
	codes := e.signInBurst(t, burst)
	if checked := count(codes, http.StatusUnauthorized, http.StatusSeeOther); checked > 5 {
		t.Errorf("%d of %d simultaneous guesses were checked (limit 5): %v", checked, len(codes), codes)
	}
	if refused := count(codes, http.StatusTooManyRequests); refused < len(codes)-5 {
		t.Errorf("%d refused with 429, want at least %d: %v", refused, len(codes)-5, codes)
	}
}

// TestSignInIPLimitHoldsUnderConcurrency: one address guessing many
// emails at once is held to its own (looser) limit too.
func TestSignInIPLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *web.Config) { c.SignInLimit = 2 }) // the address may fail 20 times
	var burst []attempt
	for i := range 45 {
		burst = append(burst, attempt{email: "user" + itoa64(int64(i)) + "@example.com", password: "wrong guess"})
	}
	codes := e.signInBurst(t, burst)
	if checked := count(codes, http.StatusUnauthorized); checked > 20 {
		t.Errorf("%d of %d simultaneous guesses from one address were checked (limit 20): %v", checked, len(codes), codes)
	}
}

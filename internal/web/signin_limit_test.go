package web_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	pwd "github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
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
	// The right password signs in only if it is among the first five.
	if wrong := count(codes, http.StatusUnauthorized); wrong > 5 {
		t.Errorf("%d of %d simultaneous wrong guesses were checked (limit 5): %v", wrong, len(codes), codes)
	}
	if refused := count(codes, http.StatusTooManyRequests); refused < len(codes)-6 {
		t.Errorf("%d refused with 429, want at least %d: %v", refused, len(codes)-6, codes)
	}
	// Once the burst is over, the five failures hold the limit closed,
	// the right password included.
	if code := e.signInFrom(t, "ann@example.com", password, ""); count(codes, http.StatusUnauthorized) == 5 && code != http.StatusTooManyRequests {
		t.Errorf("the right password after five failures: %d, want 429", code)
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

// signInFrom signs in once from client address from (through the trusted
// proxy) and returns the status.
func (e *env) signInFrom(t *testing.T, email, pw, from string) int {
	t.Helper()
	return e.signInBurst(t, []attempt{{email: email, password: pw, from: from}})[0]
}

// behindProxy is the documented deployment: a TLS proxy on this machine
// in front of the app, trusted to name the client in X-Forwarded-For.
func behindProxy(c *web.Config) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// TestSignInLockoutCannotBeTurnedOnOthers is the lockout-as-a-weapon
// attack of issue 15: behind the proxy, one address failing 50 times
// locked out every user, and 5 guesses every 15 minutes kept any known
// email locked. Now an attacker elsewhere locks out only itself, and a
// guesser spread over many addresses is still stopped.
func TestSignInLockoutCannotBeTurnedOnOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, behindProxy)
	const ann, bob = "ann@example.com", "bob@example.com"
	const home, office, attacker = "203.0.113.10", "203.0.113.20", "198.51.100.66"
	e.browser().signUp("Acme", ann, password)
	e.browser().signUp("Bobs", bob, password)
	if code := e.signInFrom(t, ann, password, home); code != http.StatusSeeOther {
		t.Fatalf("ann's first sign-in from home: %d", code)
	}

	// One address guesses many accounts, then ann's, then keeps at it: 5
	// guesses every 15 minutes for six hours, 120 in all, more than the
	// account limit.
	for i := range 60 {
		e.signInFrom(t, "user"+itoa64(int64(i))+"@example.com", "guess", attacker)
	}
	for range 24 {
		for i := range 5 {
			e.signInFrom(t, ann, "guess "+itoa64(int64(i)), attacker)
		}
		if code := e.signInFrom(t, ann, "another guess", attacker); code != http.StatusTooManyRequests {
			t.Fatalf("the attacker's sixth guess in a window: %d, want 429", code)
		}
		// The real users, elsewhere, are not held back.
		if code := e.signInFrom(t, ann, password, home); code != http.StatusSeeOther {
			t.Fatalf("ann from home while attacked: %d, want a sign-in", code)
		}
		if code := e.signInFrom(t, bob, password, office); code != http.StatusSeeOther {
			t.Fatalf("bob, never attacked, from a new address: %d, want a sign-in", code)
		}
		e.clock.Advance(15 * time.Minute)
	}
	// One address alone cannot run up the account limit either: ann
	// signs in from an address she never used.
	if code := e.signInFrom(t, ann, password, "192.0.2.77"); code != http.StatusSeeOther {
		t.Errorf("ann from a new address after the attack: %d, want a sign-in", code)
	}
	// The attacker's own address is held back on every account.
	for i := range 50 {
		e.signInFrom(t, "someone"+itoa64(int64(i))+"@example.com", "guess", attacker)
	}
	if code := e.signInFrom(t, bob, "wrong", attacker); code != http.StatusTooManyRequests {
		t.Errorf("the attacker's address after 50 failures: %d, want 429", code)
	}
}

// TestSignInStopsASpreadBruteForce: a guesser with many addresses, each
// within its own limits, is stopped by the account limit; the right
// password from a new address is refused then, but ann's own address
// still signs in.
func TestSignInStopsASpreadBruteForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *web.Config) { behindProxy(c); c.SignInAccountLimit = 20 })
	const ann, home = "ann@example.com", "203.0.113.10"
	e.browser().signUp("Acme", ann, password)
	if code := e.signInFrom(t, ann, password, home); code != http.StatusSeeOther {
		t.Fatalf("ann's first sign-in: %d", code)
	}
	var burst []attempt
	for i := range 10 {
		for j := range 3 {
			burst = append(burst, attempt{email: ann, password: "guess " + itoa64(int64(j)), from: "198.51.100." + itoa64(int64(i+1))})
		}
	}
	codes := e.signInBurst(t, burst)
	if checked := count(codes, http.StatusUnauthorized); checked > 20 {
		t.Errorf("%d guesses checked across 10 addresses, account limit 20: %v", checked, codes)
	}
	// A burst may refuse more than it must (attempts in flight count);
	// one by one from yet more addresses, the 21st failure is refused.
	refused := false
	for i := range 21 {
		if e.signInFrom(t, ann, "more guessing", "198.51.100."+itoa64(int64(100+i))) == http.StatusTooManyRequests {
			refused = true
			break
		}
	}
	if !refused {
		t.Error("21 more guesses from new addresses were all checked, account limit 20")
	}
	if code := e.signInFrom(t, ann, password, "192.0.2.200"); code != http.StatusTooManyRequests {
		t.Errorf("the right password from a new address after the account limit: %d, want 429", code)
	}
	if code := e.signInFrom(t, ann, password, home); code != http.StatusSeeOther {
		t.Errorf("ann from her own address: %d, want a sign-in", code)
	}
	// A day later the account limit has lifted.
	e.clock.Advance(24*time.Hour + time.Minute)
	if code := e.signInFrom(t, ann, password, "192.0.2.200"); code != http.StatusSeeOther {
		t.Errorf("from a new address a day later: %d, want a sign-in", code)
	}
}

// TestPasswordHashingIsBounded is the memory attack of issue 15: many
// sign-ins at once each hashed a password with its 19 MiB. No more than
// the gate's bound may hash at once (counted inside the gate); the rest
// wait or are told to come back (503, Retry-After).
func TestPasswordHashingIsBounded(t *testing.T) {
	t.Parallel()
	gate := pwd.NewGate(2, 20*time.Millisecond)
	e := newEnv(t, func(c *web.Config) {
		behindProxy(c)
		c.PasswordHashes = gate
		c.Argon2 = pwd.Params{Memory: 2 * 1024, Time: 2, Threads: 1} // slow enough to overlap
	})
	var burst []attempt
	for i := range 40 {
		burst = append(burst, attempt{email: "user" + itoa64(int64(i)) + "@example.com", password: "guess", from: "198.51.100." + itoa64(int64(i+1))})
	}
	codes := e.signInBurst(t, burst)
	if gate.Peak() > 2 {
		t.Errorf("%d password hashes ran at once, bound 2", gate.Peak())
	}
	if gate.Peak() < 1 || count(codes, http.StatusUnauthorized) == 0 {
		t.Errorf("no password was checked: peak %d, %v", gate.Peak(), codes)
	}
	if n := count(codes, http.StatusUnauthorized, http.StatusServiceUnavailable); n != len(codes) {
		t.Errorf("answers %v, want only 401 and 503", codes)
	}
}

// TestPasswordHashingBusyAnswers503: with every hashing slot taken, a
// sign-in or sign-up waits its turn briefly, then is told to come back
// (503, Retry-After) without anything checked, created or counted.
func TestPasswordHashingBusyAnswers503(t *testing.T) {
	t.Parallel()
	gate := pwd.NewGate(1, 10*time.Millisecond)
	e := newEnv(t, func(c *web.Config) { c.PasswordHashes = gate; c.SignInLimit = 1 })
	e.browser().signUp("Acme", "ann@example.com", password)
	held, release := make(chan struct{}), make(chan struct{})
	go func() { _ = gate.Do(t.Context(), func() { close(held); <-release }) }()
	<-held

	b := e.browser()
	b.get("/signin")
	for range 2 { // past the limit of 1 if it were counted
		b.submit("/signin", url.Values{"email": {"ann@example.com"}, "password": {"a guess"}})
		b.wantStatus(http.StatusServiceUnavailable)
		if ra := b.resp.Header.Get("Retry-After"); ra != "2" {
			t.Errorf("Retry-After = %q, want 2", ra)
		}
		if a := b.alerts(); len(a) != 1 || a[0] != "Too many people are signing in right now. Try again in a moment." {
			t.Errorf("alerts = %q", a)
		}
	}
	s := e.browser()
	s.get("/signup")
	s.submit("/signup", url.Values{"company": {"Bobs"}, "email": {"bob@example.com"}, "name": {"Bob"},
		"password": {password}, "password_confirm": {password}})
	s.wantStatus(http.StatusServiceUnavailable)
	if a := s.alerts(); len(a) != 1 || a[0] != "Too many people are signing in right now. Try again in a moment." {
		t.Errorf("sign-up alerts = %q", a)
	}
	if _, err := e.st.UserByEmail(t.Context(), "bob@example.com"); err == nil {
		t.Error("a sign-up refused for want of a hashing slot created the user")
	}

	close(release)
	testkit.Eventually(t, "the held hashing slot is free", func() bool { return gate.Running() == 0 })
	b.submit("/signin", url.Values{"email": {"ann@example.com"}, "password": {password}})
	b.wantRedirect("/dashboard")
}

// TestEveryPasswordFormUsesTheHashingBound: changing a password hashes
// too, and holds its 19 MiB like a sign-in: with every slot taken it
// answers 503 and changes nothing, rather than hashing beside the bound.
func TestEveryPasswordFormUsesTheHashingBound(t *testing.T) {
	t.Parallel()
	gate := pwd.NewGate(1, 10*time.Millisecond)
	e := newEnv(t, func(c *web.Config) { c.PasswordHashes = gate })
	b := e.browser()
	b.signUp("Acme", "ann@example.com", password)
	held, release := make(chan struct{}), make(chan struct{})
	go func() { _ = gate.Do(t.Context(), func() { close(held); <-release }) }()
	<-held
	const newPassword = "a much longer new passphrase"
	b.get("/account")
	b.submit("/account/password", url.Values{"current_password": {password}, "new_password": {newPassword}, "new_password_confirm": {newPassword}})
	b.wantStatus(http.StatusServiceUnavailable)
	if ra := b.resp.Header.Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After = %q, want 2", ra)
	}
	close(release)
	testkit.Eventually(t, "the held hashing slot is free", func() bool { return gate.Running() == 0 })
	if fresh := e.browser(); fresh.signIn("ann@example.com", password) != http.StatusOK || fresh.h1() != "Dashboard" {
		t.Error("the old password no longer signs in: the refused change changed it")
	}
}

package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	pwd "github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/web"
)

const password = "correct horse battery"

func TestSignUpSignInSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()

	// A visitor is sent to sign in, and comes back where they were going.
	b.get("/configure")
	b.wantRedirect("/signin?next=%2Fconfigure")
	b.get("/")
	b.wantRedirect("/signin")

	b.signUp("Acme Ltd", "Ann@Example.com", password)
	if got := b.h1(); got != "Dashboard" {
		t.Errorf("after sign-up: h1 %q", got)
	}
	if got := text(b.find(func(n *html.Node) bool { return attr(n, "class") == "who" })[0]); !strings.Contains(got, "ann@example.com") || !strings.Contains(got, "Acme Ltd") {
		t.Errorf("gear menu shows %q, want the user and account", got)
	}
	u, _ := e.account(t, "ann@example.com")
	if strings.Contains(u.PasswordHash, password) || !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$") {
		t.Errorf("stored hash %q is not an argon2id PHC string", u.PasswordHash)
	}

	// Sign out ends the session: the old cookie no longer works.
	b.get("/dashboard")
	b.submit("/signout", nil)
	b.wantRedirect("/signin")
	b.get("/dashboard")
	b.wantRedirect("/signin?next=%2Fdashboard")

	// A wrong password and an unknown email get the same answer.
	for _, email := range []string{"ann@example.com", "nobody@example.com"} {
		b.submitSignIn(email, "wrong password")
		b.wantStatus(http.StatusUnauthorized)
		if a := b.alerts(); len(a) != 1 || a[0] != "That email and password do not match an account." {
			t.Errorf("wrong sign-in for %s: alerts %q", email, a)
		}
		if v := attr(b.field("Email"), "value"); v != email {
			t.Errorf("email not kept in the form: %q", v)
		}
	}

	// The right password signs in and honours next, but only on this site.
	// A session cookie planted before sign-in is replaced, not adopted.
	srvURL, _ := url.Parse(e.srv.URL)
	b.c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: "ob_session", Value: "planted-by-an-attacker", Path: "/"}})
	b.get("/signin?next=/log")
	b.submit("/signin", url.Values{"email": {"ANN@example.com"}, "password": {password}})
	b.wantRedirect("/log")
	for _, c := range b.c.Jar.Cookies(srvURL) {
		if c.Name == "ob_session" && c.Value == "planted-by-an-attacker" {
			t.Error("sign-in kept a planted session cookie")
		}
	}
	b.follow()
	if b.h1() != "Transaction log" {
		t.Errorf("after sign-in with next: h1 %q", b.h1())
	}
	b.submit("/signout", nil) // the form is in the gear menu of every page
	b.follow()
	b.submit("/signin", url.Values{"email": {"ann@example.com"}, "password": {password}, "next": {"//evil.example/"}})
	b.wantRedirect("/dashboard")
}

func TestSignUpValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.signUp("First", "taken@example.com", password)
	other := e.browser()

	tests := []struct {
		name  string
		form  url.Values
		label string
		want  string
	}{
		{"bad email", url.Values{"company": {"X"}, "email": {"not-an-email"}, "password": {password}, "password_confirm": {password}},
			"Email", "Enter an email address like name@example.com."},
		{"short password", url.Values{"company": {"X"}, "email": {"a@example.com"}, "password": {"short"}, "password_confirm": {"short"}},
			"Password", "Use at least 15 characters. A few unrelated words make a long password that is easy to remember."},
		{"14 characters", url.Values{"company": {"X"}, "email": {"a@example.com"}, "password": {"tulip-anvil-ka"}, "password_confirm": {"tulip-anvil-ka"}},
			"Password", "Use at least 15 characters. A few unrelated words make a long password that is easy to remember."},
		{"only spaces", url.Values{"company": {"X"}, "email": {"a@example.com"}, "password": {"               "}, "password_confirm": {"               "}},
			"Password", "Use more than spaces: at least 8 letters, digits or symbols."},
		{"common password", url.Values{"company": {"X"}, "email": {"a@example.com"}, "password": {"password12345678"}, "password_confirm": {"password12345678"}},
			"Password", "This password is among the most commonly used, so it is guessed first. Choose another."},
		{"the email in it", url.Values{"company": {"X"}, "email": {"annabel@example.com"}, "password": {"annabel's password!"}, "password_confirm": {"annabel's password!"}},
			"Password", "Leave your email and the name orderbridge out of your password."},
		{"confirm differs", url.Values{"company": {"X"}, "email": {"a@example.com"}, "password": {password}, "password_confirm": {password + "x"}},
			"Password again", "The two passwords differ."},
		{"no company", url.Values{"email": {"a@example.com"}, "password": {password}, "password_confirm": {password}},
			"Business name", "Enter your business name."},
		{"taken email", url.Values{"company": {"X"}, "email": {"TAKEN@example.com"}, "password": {password}, "password_confirm": {password}},
			"Email", "An account with this email exists already. Sign in instead."},
	}
	for _, tc := range tests {
		other.get("/signup")
		other.submit("/signup", tc.form)
		other.wantStatus(http.StatusUnprocessableEntity)
		if got := other.fieldError(tc.label); got != tc.want {
			t.Errorf("%s: error on %q = %q, want %q", tc.name, tc.label, got, tc.want)
		}
	}
	// Nothing was created by the failures.
	accounts, err := e.st.ListAccounts(t.Context())
	if err != nil || len(accounts) != 1 {
		t.Errorf("accounts = %d (%v), want 1", len(accounts), err)
	}
}

func TestSignUpClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *web.Config) { c.AllowSignUp = false })
	b := e.browser()
	b.get("/signup")
	b.wantStatus(http.StatusForbidden)
	b.get("/signin")
	if links := b.find(func(n *html.Node) bool { return attr(n, "href") == "/signup" }); len(links) != 0 {
		t.Error("sign-in page offers sign-up while it is closed")
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()

	// Anonymous forms: the token must match the visitor's cookie.
	b.get("/signin")
	b.post("/signin", url.Values{"email": {"a@example.com"}, "password": {"x"}})
	b.wantStatus(http.StatusForbidden)
	if b.h1() != "This form has expired" {
		t.Errorf("h1 = %q", b.h1())
	}
	b.post("/signin", url.Values{"email": {"a@example.com"}, "password": {"x"}, "csrf_token": {strings.Repeat("A", 43)}})
	b.wantStatus(http.StatusForbidden)

	b.signUp("Acme", "ann@example.com", password)
	anonToken := b.csrf() // now the session's token
	b.get("/configure")
	sessionToken := b.csrf()
	if sessionToken == "" || sessionToken != anonToken {
		t.Fatalf("session csrf token %q differs between pages (%q)", sessionToken, anonToken)
	}
	for name, tok := range map[string]string{"missing": "", "wrong": sessionToken + "x"} {
		b.post("/configure", url.Values{"csrf_token": {tok}, "interval": {"7"}, "interval_unit": {"minute"}, "invoice_statuses": {"PAID"}, "log_retention_days": {"9"}})
		b.wantStatus(http.StatusForbidden)
		set, _ := e.st.Settings(t.Context(), e.mustAccount(t, "ann@example.com"))
		if set.SyncInterval == 7*time.Minute {
			t.Errorf("%s token: settings saved", name)
		}
	}
	b.post("/signout", url.Values{})
	b.wantStatus(http.StatusForbidden)

	// Another session's token is no good either.
	c := e.browser()
	c.signUp("Other", "bob@example.com", password)
	b.post("/signout", url.Values{"csrf_token": {c.csrf()}})
	b.wantStatus(http.StatusForbidden)

	// A cross-site request is refused before the form is read.
	req, _ := http.NewRequest(http.MethodPost, b.url("/signout"), strings.NewReader("csrf_token="+sessionToken))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	b.do(req)
	b.wantStatus(http.StatusForbidden)
}

func TestSignInRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *web.Config) { c.SignInLimit = 3; c.SignInWindow = 10 * time.Minute })
	b := e.browser()
	b.signUp("Acme", "ann@example.com", password)
	b.submit("/signout", nil)

	attacker := e.browser()
	attacker.get("/signin")
	for i := range 3 {
		attacker.submit("/signin", url.Values{"email": {"ann@example.com"}, "password": {"guess " + string(rune('a'+i))}})
		attacker.wantStatus(http.StatusUnauthorized)
		e.clock.Advance(time.Minute)
	}
	// Locked: even the right password is refused until the window passes.
	attacker.submit("/signin", url.Values{"email": {"ann@example.com"}, "password": {password}})
	attacker.wantStatus(http.StatusTooManyRequests)
	if a := attacker.alerts(); len(a) != 1 || a[0] != "Too many failed attempts. Try again in 7 minutes." {
		t.Errorf("alerts = %q", a)
	}
	if ra := attacker.resp.Header.Get("Retry-After"); ra != "420" {
		t.Errorf("Retry-After = %q, want 420", ra)
	}
	// Another email from the same address is not locked by this one.
	attacker.submit("/signin", url.Values{"email": {"other@example.com"}, "password": {"x"}})
	attacker.wantStatus(http.StatusUnauthorized)

	e.clock.Advance(8 * time.Minute)
	attacker.submit("/signin", url.Values{"email": {"ann@example.com"}, "password": {password}})
	attacker.wantRedirect("/dashboard")
}

func (e *env) mustAccount(t *testing.T, email string) int64 {
	t.Helper()
	_, id := e.account(t, email)
	return id
}

// TestADisabledUserCannotSignIn: an operator's `orderbridge users disable`
// (store.DisableUser) ends the user's open session and refuses the right
// password with the answer a wrong one gets; enabling lets them back.
func TestADisabledUserCannotSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.signUp("Acme Ltd", "ann@example.com", password)
	b.get("/dashboard")
	b.wantStatus(http.StatusOK)
	u, _ := e.account(t, "ann@example.com")

	if _, err := e.st.DisableUser(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	b.get("/dashboard")
	b.wantRedirect("/signin?next=%2Fdashboard")
	b.submitSignIn("ann@example.com", password)
	b.wantStatus(http.StatusUnauthorized)
	if a := b.alerts(); len(a) != 1 || a[0] != "That email and password do not match an account." {
		t.Errorf("a disabled user's sign-in: alerts %q", a)
	}

	if err := e.st.EnableUser(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	b.submitSignIn("ann@example.com", password)
	b.wantRedirect("/dashboard")
}

// TestOlderShortPasswordStillSignsIn: the password policy applies when a
// password is set; a user whose password predates the 15-character floor
// still signs in with it.
func TestOlderShortPasswordStillSignsIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const old = "tenletters"
	hash, err := pwd.Hash(old, pwd.Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	err = e.st.WithTx(t.Context(), func(tx *store.Tx) error {
		a, err := tx.CreateAccount(t.Context(), "Old Shop")
		if err != nil {
			return err
		}
		_, err = tx.CreateUser(t.Context(), a.ID, "old@example.com", "Old", hash)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.submitSignIn("old@example.com", old)
	b.wantRedirect("/dashboard")
}

// TestSignUpStatesThePasswordFloor: the sign-up form tells the person the
// policy's own floor before they choose.
func TestSignUpStatesThePasswordFloor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/signup")
	want := "At least " + itoa64(int64(pwd.MinLength)) + " characters"
	labels := b.find(func(n *html.Node) bool { return attr(n, "for") == "password" })
	if len(labels) != 1 {
		t.Fatalf("%d labels for the password", len(labels))
	}
	if got := text(labels[0]); !strings.Contains(got, want) {
		t.Errorf("password label %q, want it to say %q", got, want)
	}
}

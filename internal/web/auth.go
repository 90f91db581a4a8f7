package web

import (
	"errors"
	"math"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
)

type authForm struct {
	Email       string
	Name        string
	Company     string
	Next        string
	Errors      map[string]string
	AllowSignUp bool
}

func (f *authForm) fail(field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	f.Errors[field] = msg
}

// safeNext keeps a post-sign-in redirect on this site: a path, not a URL
// to somewhere else. Browsers forgive a lot in a Location header: they
// drop tabs and newlines ("/\t/evil.example" is "//evil.example"), read a
// backslash as a slash, and trim spaces, so only printable ASCII without
// backslashes passes (every next this app sends is an escaped request URI),
// and the path must start with exactly one slash both as written and
// decoded. Anything else gives the dashboard.
func safeNext(next string) string {
	const home = "/dashboard"
	if len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return home
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home
	}
	if !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return home
	}
	for i := 0; i < len(u.Path); i++ {
		if c := u.Path[i]; c < ' ' || c == 0x7f || c == '\\' {
			return home
		}
	}
	return next
}

func (s *Server) signUpForm(w http.ResponseWriter, r *http.Request) {
	if sessionOf(r.Context()) != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	if !s.cfg.AllowSignUp {
		s.errorPage(w, r, http.StatusForbidden, "Sign-up is closed", "Ask the person who runs this orderbridge for an account.")
		return
	}
	s.render(w, r, http.StatusOK, "signup", page{Title: "Create your account", Data: &authForm{}})
}

// signUp creates an account and its first user in one transaction and
// signs them in.
func (s *Server) signUp(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.AllowSignUp {
		s.errorPage(w, r, http.StatusForbidden, "Sign-up is closed", "Ask the person who runs this orderbridge for an account.")
		return
	}
	f := &authForm{
		Email:   strings.TrimSpace(r.PostFormValue("email")),
		Name:    strings.TrimSpace(r.PostFormValue("name")),
		Company: strings.TrimSpace(r.PostFormValue("company")),
	}
	pw := r.PostFormValue("password")
	if addr, err := mail.ParseAddress(f.Email); err != nil || addr.Address != f.Email {
		f.fail("email", "Enter an email address like name@example.com.")
	}
	if f.Company == "" {
		f.fail("company", "Enter your business name.")
	} else if utf8.RuneCountInString(f.Company) > 200 {
		f.fail("company", "Use at most 200 characters.")
	}
	if msg := password.Problem(pw); msg != "" {
		f.fail("password", msg)
	}
	if pw != r.PostFormValue("password_confirm") {
		f.fail("password_confirm", "The two passwords differ.")
	}
	if f.Errors != nil {
		s.render(w, r, http.StatusUnprocessableEntity, "signup", page{Title: "Create your account", Data: f})
		return
	}
	hash, err := password.Hash(pw, s.cfg.Argon2)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var user store.User
	err = s.st.WithTx(r.Context(), func(tx *store.Tx) error {
		a, err := tx.CreateAccount(r.Context(), f.Company)
		if err != nil {
			return err
		}
		user, err = tx.CreateUser(r.Context(), a.ID, f.Email, f.Name, hash)
		return err
	})
	if errors.Is(err, store.ErrEmailTaken) {
		f.fail("email", "An account with this email exists already. Sign in instead.")
		s.render(w, r, http.StatusUnprocessableEntity, "signup", page{Title: "Create your account", Data: f})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "web: account created", "account", user.AccountID, "user", user.ID)
	if err := s.startSession(w, r, user); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	if sessionOf(r.Context()) != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin", page{Title: "Sign in",
		Data: &authForm{Next: r.URL.Query().Get("next"), AllowSignUp: s.cfg.AllowSignUp}})
}

// clientIP is the peer address. Behind a proxy every request shares the
// proxy's address, which is why the per-IP limit is ten times the
// per-email one.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// signIn checks the password, with failed attempts limited per email and
// per IP address through the database (so every web process shares the
// limit). The answer to a wrong email and to a wrong password is the same.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := &authForm{Email: strings.TrimSpace(r.PostFormValue("email")), Next: r.PostFormValue("next"),
		AllowSignUp: s.cfg.AllowSignUp}
	pw := r.PostFormValue("password")
	emailKey, ipKey := "email:"+store.NormalizeEmail(f.Email), "ip:"+clientIP(r)
	since := s.now().Add(-s.cfg.SignInWindow)
	for _, lim := range []struct {
		key   string
		limit int
	}{{emailKey, s.cfg.SignInLimit}, {ipKey, 10 * s.cfg.SignInLimit}} {
		n, oldest, err := s.st.LoginFailures(ctx, lim.key, since)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if n >= lim.limit {
			s.metrics.SignInFailures.Inc()
			wait := oldest.Add(s.cfg.SignInWindow).Sub(s.now())
			minutes := int(math.Ceil(wait.Minutes()))
			if minutes < 1 {
				minutes = 1
			}
			w.Header().Set("Retry-After", itoa(int(math.Ceil(wait.Seconds()))))
			f.fail("form", "Too many failed attempts. Try again in "+plural(minutes, "minute")+".")
			s.log.WarnContext(ctx, "web: sign-in rate limited", "limit", strings.SplitN(lim.key, ":", 2)[0])
			s.render(w, r, http.StatusTooManyRequests, "signin", page{Title: "Sign in", Data: f})
			return
		}
	}
	user, err := s.st.UserByEmail(ctx, f.Email)
	ok, rehash := false, false
	switch {
	case err == nil:
		ok, rehash, err = password.Check(pw, user.PasswordHash, s.cfg.Argon2)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
	case errors.Is(err, store.ErrNotFound):
		// Spend the same time as a real check, so timing does not tell
		// which emails have accounts.
		_, _ = password.Hash(pw, s.cfg.Argon2)
	default:
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.metrics.SignInFailures.Inc()
		if err := s.st.RecordLoginFailure(ctx, emailKey, ipKey); err != nil {
			s.serverError(w, r, err)
			return
		}
		f.fail("form", "That email and password do not match an account.")
		s.render(w, r, http.StatusUnauthorized, "signin", page{Title: "Sign in", Data: f})
		return
	}
	if rehash {
		if h, err := password.Hash(pw, s.cfg.Argon2); err == nil {
			if err := s.st.SetPasswordHash(ctx, user.ID, h); err != nil {
				s.log.WarnContext(ctx, "web: rehash password", "user", user.ID, "err", err)
			}
		}
	}
	if err := s.st.ClearLoginFailures(ctx, emailKey); err != nil {
		s.log.WarnContext(ctx, "web: clear login failures", "err", err)
	}
	if err := s.st.RecordSignIn(ctx, user.ID); err != nil {
		s.log.WarnContext(ctx, "web: record sign-in", "err", err)
	}
	if err := s.startSession(w, r, user); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(f.Next), http.StatusSeeOther)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if ss := sessionOf(r.Context()); ss != nil {
		if err := s.st.DeleteSession(r.Context(), ss.token); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	http.SetCookie(w, s.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return itoa(n) + " " + word + "s"
}

func itoa(n int) string { return strconv.Itoa(n) }

// untilText says how long until t, roughly, for people.
func untilText(d time.Duration) string {
	switch {
	case d <= 0:
		return "now"
	case d < time.Minute:
		return "in under a minute"
	case d < time.Hour:
		return "in " + plural(int(math.Round(d.Minutes())), "minute")
	default:
		return "in " + plural(int(math.Round(d.Hours())), "hour")
	}
}

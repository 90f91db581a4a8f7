package web

import (
	"errors"
	"math"
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
	Errors      fieldErrors
	AllowSignUp bool
}

// PasswordMin is the policy's length floor, for the sign-up form's hint.
func (f *authForm) PasswordMin() int { return password.MinLength }

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
		f.Errors.set("email", "Enter an email address like name@example.com.")
	}
	if f.Company == "" {
		f.Errors.set("company", "Enter your business name.")
	} else if utf8.RuneCountInString(f.Company) > 200 {
		f.Errors.set("company", "Use at most 200 characters.")
	}
	if msg := password.Problem(pw, f.Email); msg != "" {
		f.Errors.set("password", msg)
	}
	if pw != r.PostFormValue("password_confirm") {
		f.Errors.set("password_confirm", "The two passwords differ.")
	}
	if f.Errors != nil {
		s.render(w, r, http.StatusUnprocessableEntity, "signup", page{Title: "Create your account", Data: f})
		return
	}
	attempt, ok := s.signUpAllowed(w, r, f)
	if !ok {
		return
	}
	hash, err := s.hashes.Hash(r.Context(), pw, s.cfg.Argon2)
	if err != nil {
		// Nothing was tried: it does not count.
		if ferr := s.st.ForgetLoginAttempt(r.Context(), attempt); ferr != nil {
			s.log.WarnContext(r.Context(), "web: forget unchecked sign-up", "err", ferr)
		}
		if errors.Is(err, password.ErrBusy) {
			s.busy(w, r, f)
			return
		}
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
		f.Errors.set("email", "An account with this email exists already. Sign in instead.")
		s.render(w, r, http.StatusUnprocessableEntity, "signup", page{Title: "Create your account", Data: f})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "web: account created", "account", user.AccountID, "user", user.ID)
	// The address the account was made from is the user's: the
	// per-account sign-in limit never holds it back.
	if err := s.st.RememberSignInClient(r.Context(), user.Email, s.clientIP(r)); err != nil {
		s.log.WarnContext(r.Context(), "web: remember sign-in client", "err", err)
	}
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

package web

import (
	"errors"
	"math"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
)

// Sign-in limits (doc/security.md). Each is counted in the database, so
// every web process shares it, and an attempt is recorded before its
// password is checked (store.BeginLoginAttempt), so simultaneous guesses
// cannot slip past a limit together.
const (
	// ipLimitFactor: a client address may fail this many times the pair
	// limit over all emails in the window (guessing many accounts).
	ipLimitFactor = 10
	// pairDayFactor: one email from one address may fail this many times
	// the pair limit in a day, so one address alone (5 guesses every
	// 15 minutes) can never run up the per-account limit.
	pairDayFactor = 4
	// accountWindow is the window of the per-account and daily pair
	// limits.
	accountWindow = 24 * time.Hour
	// knownClientAge: an address the user signed in from within this long
	// is never held back by the per-account limit.
	knownClientAge = 30 * 24 * time.Hour
	// busyRetryAfter is the Retry-After, in seconds, of a sign-in refused
	// because every password hashing slot was taken.
	busyRetryAfter = 2
)

// clientIP is the address of the client. It is the peer's, unless the
// peer is a trusted proxy (Config.TrustedProxies): then it is the
// right-most address of X-Forwarded-For that is not a trusted proxy, the
// last one a proxy of ours saw. Addresses left of it were written by the
// client and prove nothing. Without trusted proxies the header is ignored:
// anyone can send it.
func (s *Server) clientIP(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := peer.Addr().Unmap()
	if !s.trusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			// Not an address: no proxy of ours wrote it, so the client did,
			// and the hop right of it is the client as far as we know.
			break
		}
		addr = hop
		if !s.trusted(hop) {
			break
		}
	}
	return addr.String()
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a
// port ("192.0.2.1:1234", "[2001:db8::1]:80").
func parseHop(v string) (netip.Addr, bool) {
	v = strings.TrimSpace(v)
	if a, err := netip.ParseAddr(v); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// signInLimit is one limit an attempt counts against.
type signInLimit struct {
	name   string // for the log line
	key    string
	window time.Duration
	limit  int
}

// signInLimits are the limits an attempt for email from client counts
// against. A tight one per (email, client) pair, per 15 minutes and per
// day, stops a guesser without touching anyone elsewhere; a loose one per
// client stops one address guessing across many accounts; and one per
// account, far above what one address can reach, stops a guesser spread
// over many addresses. The
// account limit never applies to an address the user signed in from in
// the last 30 days, so no one elsewhere can lock the user out.
func (s *Server) signInLimits(r *http.Request, email, client string) ([]signInLimit, error) {
	lims := []signInLimit{
		{"email and address", store.SignInPairKey(email, client), s.cfg.SignInWindow, s.cfg.SignInLimit},
		{"email and address, a day", store.SignInPairDayKey(email, client), accountWindow, pairDayFactor * s.cfg.SignInLimit},
		{"address", store.SignInIPKey(client), s.cfg.SignInWindow, ipLimitFactor * s.cfg.SignInLimit},
	}
	known, err := s.st.KnownSignInClient(r.Context(), email, client, s.now().Add(-knownClientAge))
	if err != nil {
		return nil, err
	}
	if !known {
		lims = append(lims, signInLimit{"account", store.SignInEmailKey(email), accountWindow, s.cfg.SignInAccountLimit})
	}
	return lims, nil
}

// signIn checks the password, within the limits of signInLimits. The
// answer to a wrong email and to a wrong password is the same.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := &authForm{Email: strings.TrimSpace(r.PostFormValue("email")), Next: r.PostFormValue("next"),
		AllowSignUp: s.cfg.AllowSignUp}
	pw := r.PostFormValue("password")
	email, client := store.NormalizeEmail(f.Email), s.clientIP(r)
	lims, err := s.signInLimits(r, email, client)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ls := make([]store.LoginLimit, len(lims))
	for i, l := range lims {
		ls[i] = store.LoginLimit{Key: l.key, Since: s.now().Add(-l.window)}
	}
	attempt, err := s.st.BeginLoginAttempt(ctx, ls...)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// The attempt counts as a failure until it is known otherwise.
	var wait time.Duration
	var over []string
	for i, l := range lims {
		if c := attempt.Counts[i]; c.N > l.limit {
			wait = max(wait, c.Oldest.Add(l.window).Sub(s.now()))
			over = append(over, l.name)
		}
	}
	if over != nil {
		// Refused unchecked: forget it, so only checked failures keep a
		// limit closed and the wait is the window from the oldest.
		if err := s.st.ForgetLoginAttempt(ctx, attempt); err != nil {
			s.log.WarnContext(ctx, "web: forget refused sign-in", "err", err)
		}
		s.metrics.SignInFailures.Inc()
		minutes := max(1, int(math.Ceil(wait.Minutes())))
		w.Header().Set("Retry-After", itoa(max(1, int(math.Ceil(wait.Seconds())))))
		f.Errors.set("form", "Too many failed attempts. Try again in "+plural(minutes, "minute")+".")
		s.log.WarnContext(ctx, "web: sign-in rate limited", "limit", strings.Join(over, ", "))
		s.render(w, r, http.StatusTooManyRequests, "signin", page{Title: "Sign in", Data: f})
		return
	}
	user, err := s.st.UserByEmail(ctx, email)
	ok, rehash := false, false
	switch {
	case err == nil:
		ok, rehash, err = s.hashes.Check(ctx, pw, user.PasswordHash, s.cfg.Argon2)
	case errors.Is(err, store.ErrNotFound):
		// Spend the same time as a real check, so timing does not tell
		// which emails have accounts.
		_, err = s.hashes.Hash(ctx, pw, s.cfg.Argon2)
	}
	if err != nil {
		if ferr := s.st.ForgetLoginAttempt(ctx, attempt); ferr != nil {
			s.log.WarnContext(ctx, "web: forget unchecked sign-in", "err", ferr)
		}
		if errors.Is(err, password.ErrBusy) {
			s.busy(w, r, f)
			return
		}
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.metrics.SignInFailures.Inc()
		f.Errors.set("form", "That email and password do not match an account.")
		s.render(w, r, http.StatusUnauthorized, "signin", page{Title: "Sign in", Data: f})
		return
	}
	if rehash {
		if h, err := s.hashes.Hash(ctx, pw, s.cfg.Argon2); err == nil {
			if err := s.st.SetPasswordHash(ctx, user.ID, h); err != nil {
				s.log.WarnContext(ctx, "web: rehash password", "user", user.ID, "err", err)
			}
		}
	}
	// The failures before a right password stay until their window
	// passes: clearing them would let guesses racing it past the limit.
	if err := s.st.SucceedLoginAttempt(ctx, attempt); err != nil {
		s.log.WarnContext(ctx, "web: forget successful sign-in", "err", err)
	}
	if err := s.st.RememberSignInClient(ctx, email, client); err != nil {
		s.log.WarnContext(ctx, "web: remember sign-in client", "err", err)
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

// Sign-up limit (doc/security.md): one client address may try signUpLimit
// sign-ups in signUpWindow, made or refused because the email has an
// account. Each costs a password hash and a refusal tells that the email
// is taken, so a bot must not try them by the thousand.
const (
	signUpLimit  = 10
	signUpWindow = time.Hour
)

// signUpAllowed records a sign-up from the client's address
// (store.BeginLoginAttempt under store.SignUpKey, so simultaneous ones
// cannot slip past the limit together) and reports whether it is within
// the limit. Past it, the attempt is forgotten and the client is answered
// 429 with Retry-After; ok is false then, or on an error, already
// answered.
func (s *Server) signUpAllowed(w http.ResponseWriter, r *http.Request, f *authForm) (store.LoginAttempt, bool) {
	ctx := r.Context()
	attempt, err := s.st.BeginLoginAttempt(ctx, store.LoginLimit{Key: store.SignUpKey(s.clientIP(r)), Since: s.now().Add(-signUpWindow)})
	if err != nil {
		s.serverError(w, r, err)
		return attempt, false
	}
	c := attempt.Counts[0]
	if c.N <= signUpLimit {
		return attempt, true
	}
	if err := s.st.ForgetLoginAttempt(ctx, attempt); err != nil {
		s.log.WarnContext(ctx, "web: forget refused sign-up", "err", err)
	}
	wait := c.Oldest.Add(signUpWindow).Sub(s.now())
	w.Header().Set("Retry-After", itoa(max(1, int(math.Ceil(wait.Seconds())))))
	f.Errors.set("form", "Too many sign-ups from your network. Try again in "+plural(max(1, int(math.Ceil(wait.Minutes()))), "minute")+".")
	s.log.WarnContext(ctx, "web: sign-up rate limited", "limit", signUpLimit)
	s.render(w, r, http.StatusTooManyRequests, "signup", page{Title: "Create your account", Data: f})
	return attempt, false
}

// hashFailed answers a password form (change, reset, invitation) whose
// hash did not run: every hashing slot was taken (503, try again in a
// moment, as busy says on the sign-in forms), or something failed.
func (s *Server) hashFailed(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, password.ErrBusy) {
		s.serverError(w, r, err)
		return
	}
	s.log.WarnContext(r.Context(), "web: password hashing busy", "limit", s.hashes.Size())
	w.Header().Set("Retry-After", "2")
	s.errorPage(w, r, http.StatusServiceUnavailable, "Busy for a moment",
		"Too many people are signing in right now. Go back and try again in a moment.")
}

// busy answers a sign-in or sign-up that found every password hashing
// slot taken: nothing was checked, try again in a moment.
func (s *Server) busy(w http.ResponseWriter, r *http.Request, f *authForm) {
	s.log.WarnContext(r.Context(), "web: password hashing busy", "limit", s.hashes.Size())
	w.Header().Set("Retry-After", itoa(busyRetryAfter))
	f.Errors.set("form", "Too many people are signing in right now. Try again in a moment.")
	name, title := "signin", "Sign in"
	if r.URL.Path == "/signup" {
		name, title = "signup", "Create your account"
	}
	s.render(w, r, http.StatusServiceUnavailable, name, page{Title: title, Data: f})
}

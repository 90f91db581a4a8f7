package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

// sessionCookie is the session cookie's base name (Server.cookieName).
const sessionCookie = "ob_session"

// sessionState is the signed-in user of a request.
type sessionState struct {
	token   string
	s       store.Session
	user    store.User
	account store.Account
	data    sessionData
}

// sessionData is kept with the session in the database (never in the
// cookie, which holds only a random token).
type sessionData struct {
	// XeroState and XeroVerifier belong to a Xero authorization in flight:
	// the callback must bring XeroState back, and Exchange needs the PKCE
	// verifier.
	XeroState    string `json:"xero_state,omitempty"`
	XeroVerifier string `json:"xero_verifier,omitempty"`
	// Flash is a one-time message for the next page.
	Flash string `json:"flash,omitempty"`
}

// randomToken returns 32 random bytes, URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("web: crypto/rand failed: %v", err)) // never happens on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// loadSession finds the session of the cookie, if any, and extends it when
// more than half its idle time is gone (a sliding session without a write
// per request), but never past SessionMaxAge from sign-in.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(s.cookieName(sessionCookie))
		if err != nil || c.Value == "" || sessionless(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		sess, err := s.st.SessionByToken(ctx, c.Value)
		if errors.Is(err, store.ErrNotFound) {
			http.SetCookie(w, s.cookie(sessionCookie, "", -1))
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if !s.now().Before(sess.CreatedAt.Add(s.cfg.SessionMaxAge)) {
			// Past its absolute lifetime, however recently used.
			if err := s.st.DeleteSession(ctx, c.Value); err != nil {
				s.log.WarnContext(ctx, "web: delete old session", "err", err)
			}
			http.SetCookie(w, s.cookie(sessionCookie, "", -1))
			next.ServeHTTP(w, r)
			return
		}
		user, err := s.st.User(ctx, sess.UserID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		account, err := s.st.Account(ctx, sess.AccountID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		ss := &sessionState{token: c.Value, s: sess, user: user, account: account}
		if len(sess.Data) > 0 {
			if err := json.Unmarshal(sess.Data, &ss.data); err != nil {
				s.log.WarnContext(ctx, "web: session data unreadable; starting afresh", "err", err)
			}
		}
		if now := s.now(); sess.ExpiresAt.Sub(now) < s.cfg.SessionTTL/2 {
			// Never past the absolute lifetime.
			until := now.Add(s.cfg.SessionTTL)
			if end := sess.CreatedAt.Add(s.cfg.SessionMaxAge); end.Before(until) {
				until = end
			}
			if until.After(sess.ExpiresAt) {
				if err := s.st.ExtendSession(ctx, c.Value, until); err == nil {
					http.SetCookie(w, s.cookie(sessionCookie, c.Value, int(until.Sub(now).Seconds())))
				}
			}
		}
		stateOf(ctx).sess = ss
		next.ServeHTTP(w, r)
	})
}

// sessionless reports whether a path never needs the session, so static
// files and probes cost no database read.
func sessionless(path string) bool {
	return strings.HasPrefix(path, "/static/") || path == "/healthz" || path == "/readyz" || path == "/metrics"
}

// requireSession sends visitors without a session to the sign-in page,
// remembering where they were going.
func (s *Server) requireSession(h func(http.ResponseWriter, *http.Request, *sessionState)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss := sessionOf(r.Context())
		if ss == nil {
			target := "/signin"
			if r.Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		h(w, r, ss)
	}
}

// startSession signs a user in: a new session (never one the visitor
// brought, so a planted cookie cannot be fixed), with its own CSRF token.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, user store.User) error {
	ctx := r.Context()
	if c, err := r.Cookie(s.cookieName(sessionCookie)); err == nil && c.Value != "" {
		_ = s.st.DeleteSession(ctx, c.Value)
	}
	token := randomToken()
	if err := s.st.CreateSession(ctx, token, user.ID, randomToken(), s.now().Add(s.cfg.SessionTTL)); err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(sessionCookie, token, int(s.cfg.SessionTTL.Seconds())))
	return nil
}

// saveSessionData writes the session's data document back.
func (s *Server) saveSessionData(r *http.Request, ss *sessionState) error {
	b, err := json.Marshal(ss.data)
	if err != nil {
		return fmt.Errorf("web: session data: %w", err)
	}
	return s.st.SetSessionData(r.Context(), ss.token, b)
}

// flash stores a one-time message shown on the next page.
func (s *Server) flash(r *http.Request, ss *sessionState, msg string) {
	ss.data.Flash = msg
	if err := s.saveSessionData(r, ss); err != nil {
		s.log.WarnContext(r.Context(), "web: save flash", "err", err)
	}
}

// takeFlash returns and clears the pending message.
func (s *Server) takeFlash(r *http.Request, ss *sessionState) string {
	msg := ss.data.Flash
	if msg != "" {
		ss.data.Flash = ""
		if err := s.saveSessionData(r, ss); err != nil {
			s.log.WarnContext(r.Context(), "web: clear flash", "err", err)
		}
	}
	return msg
}

// Purge deletes expired sessions, sign-in failures too old to count and
// sign-in clients too old to be known.
// The app calls it now and then (hourly is plenty); nothing depends on it
// but the size of two tables.
func (s *Server) Purge(ctx context.Context) error {
	n, err := s.st.PurgeExpiredSessions(ctx)
	if err != nil {
		return err
	}
	m, err := s.st.PurgeLoginFailures(ctx, s.now().Add(-max(s.cfg.SignInWindow, accountWindow)-time.Minute))
	if err != nil {
		return err
	}
	c, err := s.st.PurgeSignInClients(ctx, s.now().Add(-knownClientAge))
	if err != nil {
		return err
	}
	s.log.DebugContext(ctx, "web: purged", "sessions", n, "login_failures", m, "sign_in_clients", c)
	return nil
}

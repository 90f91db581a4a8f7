package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/logging"
)

// reqState is per-request state the middleware shares: set once at the
// outermost layer, filled in by the inner ones (the mux sets the route
// pattern on its own copy of the request, which the outer layers never see).
type reqState struct {
	pattern string
	sess    *sessionState
	// anonCSRF is the CSRF token of a visitor without a session (the
	// sign-in and sign-up forms): a cookie the form must echo.
	anonCSRF string
}

type ctxKey struct{}

func stateOf(ctx context.Context) *reqState {
	st, _ := ctx.Value(ctxKey{}).(*reqState)
	return st
}

// sessionOf returns the signed-in session of the request, or nil.
func sessionOf(ctx context.Context) *sessionState {
	if st := stateOf(ctx); st != nil {
		return st.sess
	}
	return nil
}

// statusWriter records the status code for the log and metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request and counts it by route pattern
// (not by path, which would let a scanner blow up the metric's labels).
// Every line the request logs, this one and the handlers', carries its
// request id (requestID), which the response's X-Request-Id echoes.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &reqState{}
		id := requestID(r.Header.Get(requestIDHeader))
		w.Header().Set(requestIDHeader, id)
		ctx := logging.With(r.Context(), slog.String("request_id", id))
		r = r.WithContext(context.WithValue(ctx, ctxKey{}, st))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		route := st.pattern
		if route == "" {
			route = "unmatched"
		}
		s.metrics.HTTPRequests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		attrs := []any{"method", r.Method, "path", loggedPath(r.URL.Path), "route", route, "status", sw.code,
			"duration", time.Since(start).Round(time.Microsecond)}
		if st.sess != nil {
			attrs = append(attrs, "account", st.sess.s.AccountID, "user", st.sess.s.UserID)
		}
		level := s.log.InfoContext
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			level = s.log.DebugContext
		}
		level(r.Context(), "web: request", attrs...)
	})
}

// requestIDHeader carries a request's id: from a proxy that set one, and
// back to the client, which can quote it in a support request.
const requestIDHeader = "X-Request-Id"

// requestID returns the incoming id when it is safe to log and echo (1 to
// 64 letters, digits, '.', '_' or '-': a proxy's UUID or trace id), and a
// new random one otherwise, so a client cannot forge log syntax or flood
// the log with a huge value.
func requestID(incoming string) string {
	if len(incoming) >= 1 && len(incoming) <= 64 && strings.IndexFunc(incoming, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')
	}) < 0 {
		return incoming
	}
	return rand.Text()[:20]
}

// loggedPath is the request path as every log line shows it (the request
// line, the CSRF warning, an internal error): a ShipStation webhook path
// ends in the account's URL secret, which is never logged. Anything under
// /webhooks/ but the Xero receiver is redacted, whatever its case, dot
// segments, doubled or encoded slashes (the path is decoded and cleaned
// first), so a secret sent in a shape the receiver does not match, and
// that reaches the other layers, is not logged either.
func loggedPath(p string) string {
	clean := strings.ToLower(path.Clean("/" + p))
	if clean == "/webhooks/xero" || !strings.HasPrefix(clean, "/webhooks/") {
		return p
	}
	return "/webhooks/{redacted}"
}

// recoverer turns a panic into a 500 page and a log line with the stack,
// so one bad request does not take the process down.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "web: panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if strings.HasPrefix(r.URL.Path, "/webhooks/") {
					// Xero and ShipStation get what they always get: no
					// body, and a status that makes them send it again.
					emptyStatus(w, http.StatusInternalServerError)
					return
				}
				s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
					"The error has been logged. Please try again.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets a strict Content Security Policy (scripts and styles
// only from our own static files, no inline code) and the usual hardening
// headers. Referrer-Policy keeps the OAuth code out of Referer headers.
// Cache-Control: no-store keeps every answer (pages, the log's CSV, run
// JSON, redirects) out of browser and proxy caches; the static files
// alone replace it with their own.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// csrfField is the hidden form field carrying the CSRF token.
const csrfField = "csrf_token"

// csrf refuses every unsafe request whose form does not carry the token:
// the session's own token when signed in, the anonymous cookie's value
// otherwise (sign-in and sign-up). Cookies are SameSite=Lax as well, and
// http.CrossOriginProtection checks Sec-Fetch-Site: three layers, because
// each one alone has gaps (old browsers, same-site subdomains).
func (s *Server) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r.Context())
		if st.sess == nil && !sessionless(r.URL.Path) {
			st.anonCSRF = s.anonCSRFToken(w, r)
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		// The body is bounded by limitBodies; past it, say so rather than
		// "expired".
		if err := r.ParseForm(); isTooLarge(err) {
			s.tooLarge(w, r)
			return
		}
		want := st.anonCSRF
		if st.sess != nil {
			want = st.sess.s.CSRFToken
		}
		got := r.PostFormValue(csrfField)
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			s.log.WarnContext(r.Context(), "web: csrf token missing or wrong", "path", loggedPath(r.URL.Path))
			s.errorPage(w, r, http.StatusForbidden, "This form has expired",
				"Go back, reload the page and submit the form again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// anonCSRFCookie is the anonymous CSRF cookie's base name
// (Server.cookieName).
const anonCSRFCookie = "ob_csrf"

// anonCSRFToken returns the visitor's anonymous CSRF token, setting the
// cookie on first sight.
func (s *Server) anonCSRFToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.cookieName(anonCSRFCookie)); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := randomToken()
	http.SetCookie(w, s.cookie(anonCSRFCookie, tok, 0))
	return tok
}

// cookie makes one of our cookies: HttpOnly, SameSite=Lax (a Xero redirect
// back to us is a top-level GET, which Lax lets through), Secure when so
// configured. maxAge 0 makes a browser-session cookie; negative deletes it.
// name is the base name; cookieName gives the one sent.
func (s *Server) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: s.cookieName(name), Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode}
}

// cookieName is the name a cookie goes by. Served over HTTPS (Secure
// cookies) it has the __Host- prefix: browsers accept such a cookie only
// from a secure origin, with Path=/ and no Domain, so a sibling subdomain
// or a plain-http page cannot plant or overwrite it (session fixation,
// CSRF token injection). On a plain-http address (the demo, tests) a
// Secure cookie would be dropped, so the plain name stays.
func (s *Server) cookieName(name string) string {
	if s.cfg.SecureCookies {
		return "__Host-" + name
	}
	return name
}

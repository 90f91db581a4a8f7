package web

import (
	"net/http"
	"time"
)

// ServerLimits bound what one client can hold of a listener: how long it
// may take to send its headers and body, how long a response may take,
// how long an idle keep-alive connection stays open and how large its
// headers may be. Every listener the app opens (the web app with the
// webhooks, the metrics listener) is built with NewHTTPServer, so they
// share one policy.
type ServerLimits struct {
	// ReadHeaderTimeout bounds reading the request line and headers.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request.
	IdleTimeout time.Duration
}

// DefaultServerLimits are the limits of a production listener.
func DefaultServerLimits() ServerLimits {
	return ServerLimits{
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}

// withDefaults fills every zero field from DefaultServerLimits.
func (l ServerLimits) withDefaults() ServerLimits {
	d := DefaultServerLimits()
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	return l
}

// NewHTTPServer returns the http.Server that serves h under limits (zero
// fields take DefaultServerLimits). The caller sets BaseContext and
// serves it.
func NewHTTPServer(h http.Handler, limits ServerLimits) *http.Server {
	l := limits.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		IdleTimeout:       l.IdleTimeout,
	}
}

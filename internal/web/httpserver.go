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
	// ReadTimeout bounds reading a whole request, body included: a client
	// that stalls its body is cut, on the webhook receivers too.
	ReadTimeout time.Duration
	// WriteTimeout bounds a response, from the end of the request's
	// headers. A handler that streams more (the log's CSV) extends its own
	// deadline with http.ResponseController.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
}

// DefaultServerLimits are the limits of a production listener.
func DefaultServerLimits() ServerLimits {
	return ServerLimits{
		ReadHeaderTimeout: 10 * time.Second,
		// A form or a webhook body (1 MiB at most, see maxBody) arrives
		// well within this even on a slow link.
		ReadTimeout: 30 * time.Second,
		// Above webhookSaveTimeout, so a webhook's transaction can answer,
		// and above one API call's 60 s (the invoice preview and the
		// connect pages call Xero or ShipStation while the browser waits).
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
	}
}

// withDefaults fills every zero field from DefaultServerLimits.
func (l ServerLimits) withDefaults() ServerLimits {
	d := DefaultServerLimits()
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = d.ReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = d.WriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
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
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

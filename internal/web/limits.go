package web

import (
	"errors"
	"net/http"
	"path"
	"strings"
)

// maxFormBody bounds the body of every route but the webhook receivers:
// the largest form (the export settings) is a few kilobytes.
const maxFormBody = 1 << 20

// webhookPath reports whether p is under /webhooks/, where the receivers
// answer with empty bodies and count what they refuse.
func webhookPath(p string) bool { return strings.HasPrefix(path.Clean(p), "/webhooks/") }

// maxBody is the body limit of a request path: each webhook receiver's
// own (what its vendor sends, with room to spare), maxFormBody otherwise.
func maxBody(p string) int64 {
	switch {
	case path.Clean(p) == "/webhooks/xero":
		return maxXeroWebhookBody
	case webhookPath(p):
		return maxShipStationWebhookBody
	}
	return maxFormBody
}

// limitBodies bounds every request's body to its route's maxBody: past it
// the body's reader fails, which the handlers turn into 413 (the CSRF
// layer for forms, the webhook receivers themselves, which count and note
// the bad delivery). A form body that announces more is refused at once.
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := maxBody(r.URL.Path)
		if r.ContentLength > limit && !webhookPath(r.URL.Path) {
			s.tooLarge(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// tooLarge answers 413: empty to a webhook sender, a page to a person.
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request) {
	if webhookPath(r.URL.Path) {
		emptyStatus(w, http.StatusRequestEntityTooLarge)
		return
	}
	s.errorPage(w, r, http.StatusRequestEntityTooLarge, "Too much data",
		"The form sent more than this page accepts. Go back and try again with less.")
}

// isTooLarge reports whether err is a body past limitBodies' limit.
func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

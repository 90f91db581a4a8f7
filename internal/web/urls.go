package web

import (
	"net/url"
	"strings"
)

// URLs built from outside data. An id from Xero or ShipStation (an
// invoice's id, a number, a name) is never pasted into a path as it is:
// "../connections/shipstation/disconnect?x=" would make a link or a form
// (Re-sync, with its valid CSRF token) lead to another endpoint. Every
// such URL is built here, from the canonical id, one escaped segment.

// pathSegment escapes s as one path segment: "/", "?", "#" and "%" are
// escaped (url.PathEscape), and so are the dots of a segment that is
// only dots, which a browser would otherwise resolve as "." or "..".
func pathSegment(s string) string {
	e := url.PathEscape(s)
	if strings.Trim(e, ".") == "" {
		// Browsers read "%2E" as a dot too (WHATWG URL), so no escape
		// keeps such a segment; a marker stops it being one, and the link
		// leads to a "not found" invoice instead of another route.
		return strings.Repeat("%2E", len(e)) + "~"
	}
	return e
}

// invoiceURL is the invoice page of an invoice id; Re-sync posts to it
// with "/resync" added.
func invoiceURL(id string) string { return "/invoices/" + pathSegment(id) }

package xero

import (
	"context"
	"io"
	"strings"
)

// Endpoint families, the bounded names Endpoint gives a path: egress is
// counted by them (per account in the store, per process on /metrics), so
// a few names must cover every URL Xero serves.
const (
	EndpointInvoices    = "invoices"    // /Invoices and /Invoices/{id}
	EndpointHistory     = "history"     // /Invoices/{id}/History
	EndpointContacts    = "contacts"    // /Contacts and /Contacts/{id}
	EndpointSettings    = "settings"    // /TrackingCategories, /Organisation, /Items and the rest
	EndpointPayments    = "payments"    // /Payments
	EndpointConnections = "connections" // /connections (tenantless)
	EndpointToken       = "token"       // /connect/token on the identity host
	EndpointOther       = "other"       // anything else (the authorize page)
)

// Endpoint names the family of a Xero URL path (see the Endpoint
// constants), for counting bytes and calls without a label per URL.
func Endpoint(path string) string {
	rest, ok := strings.CutPrefix(path, apiPath+"/")
	if !ok {
		switch {
		case path == "/connections" || strings.HasPrefix(path, "/connections/"):
			return EndpointConnections
		case path == "/connect/token":
			return EndpointToken
		}
		return EndpointOther
	}
	resource, sub, _ := strings.Cut(rest, "/")
	switch resource {
	case "Invoices":
		if strings.HasSuffix(sub, "/History") {
			return EndpointHistory
		}
		return EndpointInvoices
	case "Contacts":
		return EndpointContacts
	case "Payments":
		return EndpointPayments
	}
	return EndpointSettings
}

// Meter is told the size of every response body a metered Client read from
// Xero (error bodies too): Xero bills the bytes an app pulls (egress), per
// month beyond the tier's allowance, so the caller counts them per account.
// It runs in the calling goroutine after the body was read, outside any
// lock of the Client; it must not call the Client.
type Meter func(ctx context.Context, tenantID, endpoint string, bytes int64)

// Metered returns a Client that shares c's app and tokens and reports
// every response's body size to m.
func (c *Client) Metered(m Meter) *Client {
	out := *c
	out.meter = m
	return &out
}

// countingBody counts the bytes read from a response body.
type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

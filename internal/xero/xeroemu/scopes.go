package xeroemu

import (
	"slices"
	"strings"
	"time"
)

// Scopes as Xero documents them (developer.xero.com, "Granular scopes"
// FAQ; Xero-OpenAPI xero_accounting.yaml 16.1.0). The emulator keeps its
// own table: it is written from the documentation, not from the client.
//
// Since 2 March 2026 a new app may request only the granular scopes
// (accounting.invoices, accounting.payments, accounting.banktransactions,
// accounting.manualjournals, and their .read variants) in place of the
// broad accounting.transactions(.read). Older apps may request both kinds
// and mix them. The other accounting scopes (contacts, settings,
// attachments, reports...) are unchanged.

// broadScopes are the deprecated scopes a new app may not request.
func broadScopes() []string {
	return []string{"accounting.transactions", "accounting.transactions.read"}
}

// knownScope reports whether Xero knows the scope at all (for any app).
func knownScope(s string) bool {
	switch strings.TrimSuffix(s, ".read") {
	case "openid", "profile", "email", "offline_access",
		"accounting.transactions", "accounting.invoices", "accounting.payments",
		"accounting.banktransactions", "accounting.manualjournals",
		"accounting.contacts", "accounting.settings", "accounting.attachments",
		"accounting.journals", "accounting.reports", "accounting.budgets":
		return true
	}
	return false
}

// granularOnly reports whether an app created at created may request only
// granular scopes: apps created on or after 2 March 2026. The zero time is
// such a new app.
func granularOnly(created time.Time) bool {
	return created.IsZero() || !created.Before(time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC))
}

// refusedScope returns the first scope of the request the app may not
// request, or "".
func (e *Emulator) refusedScope(scopes []string) string {
	for _, s := range scopes {
		if !knownScope(s) || granularOnly(e.appCreated) && slices.Contains(broadScopes(), s) {
			return s
		}
	}
	return ""
}

// defaultCustomScope is what a custom connection (client credentials)
// is granted when the token request names no scope: everything the
// emulator serves, in the naming the app may use.
func (e *Emulator) defaultCustomScope() string {
	if granularOnly(e.appCreated) {
		return "accounting.invoices accounting.payments accounting.contacts accounting.settings"
	}
	return "accounting.transactions accounting.contacts accounting.settings"
}

// routeScopes is which scopes let a token call a route (by the route's
// first path segment below /api.xro/2.0): the granular scope, the broad
// one it replaced, and for reads their .read variants. Every API route
// must be listed, so that a route added without thinking about scopes
// fails at once (handle panics) instead of being open to every token.
func routeScopes(resource string) (granular, broad string, ok bool) {
	switch resource {
	case "Invoices", "CreditNotes", "Quotes", "PurchaseOrders", "RepeatingInvoices", "LinkedTransactions":
		return "accounting.invoices", "accounting.transactions", true
	case "Payments", "BatchPayments", "Overpayments", "Prepayments":
		return "accounting.payments", "accounting.transactions", true
	case "BankTransactions", "BankTransfers":
		return "accounting.banktransactions", "accounting.transactions", true
	case "ManualJournals":
		return "accounting.manualjournals", "accounting.transactions", true
	case "Contacts", "ContactGroups":
		return "accounting.contacts", "", true
	case "Organisation", "TrackingCategories", "Accounts", "TaxRates", "Currencies", "BrandingThemes", "Items":
		// Items are also granted by accounting.invoices (below).
		return "accounting.settings", "", true
	}
	return "", "", false
}

// scopeGuard is the scope check of one API route.
type scopeGuard struct {
	resource string
	write    bool
}

// newScopeGuard reads a route pattern ("GET /api.xro/2.0/Invoices/{id}").
func newScopeGuard(pattern string) scopeGuard {
	method, path, _ := strings.Cut(pattern, " ")
	rest := strings.TrimPrefix(path, "/api.xro/2.0/")
	resource, _, _ := strings.Cut(rest, "/")
	if _, _, ok := routeScopes(resource); !ok {
		panic("xeroemu: route " + pattern + " has no scope in routeScopes")
	}
	return scopeGuard{resource: resource, write: method != "GET"}
}

// allows reports whether a token granted scopes may make the call. A
// write scope covers reads; .read variants cover only GETs.
func (g scopeGuard) allows(scopes []string) bool {
	granular, broad, _ := routeScopes(g.resource)
	bases := []string{granular, broad}
	if g.resource == "Items" {
		bases = append(bases, "accounting.invoices")
	}
	for _, b := range bases {
		if b == "" {
			continue
		}
		if slices.Contains(scopes, b) || !g.write && slices.Contains(scopes, b+".read") {
			return true
		}
	}
	return false
}

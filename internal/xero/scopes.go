package xero

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// Xero's OAuth2 scopes that orderbridge deals with. A ".read" suffix makes
// the read-only variant of an accounting scope.
const (
	// ScopeOfflineAccess gets a refresh token; without it a connection
	// dies with its first access token (30 minutes).
	ScopeOfflineAccess = "offline_access"
	// ScopeInvoices is the granular scope for Invoices (and their History),
	// CreditNotes, Quotes, PurchaseOrders, RepeatingInvoices and Items.
	ScopeInvoices = "accounting.invoices"
	// ScopePayments is the granular scope for Payments, BatchPayments,
	// Overpayments and Prepayments.
	ScopePayments = "accounting.payments"
	// ScopeTransactions is the deprecated broad scope that ScopeInvoices,
	// ScopePayments and a few others replace. Apps created on or after 2
	// March 2026 may not request it; it stops working in September 2027.
	ScopeTransactions = "accounting.transactions"
	// ScopeContacts is Contacts (neither broad nor granular: unchanged).
	ScopeContacts = "accounting.contacts"
	// ScopeSettings is Organisation, TrackingCategories, Accounts, TaxRates
	// (unchanged too).
	ScopeSettings = "accounting.settings"
)

// Names of the scope sets the setting ORDERBRIDGE_XERO_SCOPES accepts.
const (
	// ScopeSetGranular is the default: what an app created on or after 2
	// March 2026 may request.
	ScopeSetGranular = "granular"
	// ScopeSetBroad is for an older app that still uses the deprecated
	// broad accounting.transactions.
	ScopeSetBroad = "broad"
)

// GranularScopes is the smallest set orderbridge works with, in Xero's
// granular scopes: invoices read and written (the export reads them, the
// write-back adds History notes and edits lines), contacts only read (the
// ship-to address), settings only read (Organisation, TrackingCategories).
// No Payments: orderbridge never records one. No openid/profile/email:
// orderbridge never reads the ID token.
func GranularScopes() []string {
	return []string{ScopeOfflineAccess, ScopeInvoices, ScopeContacts + ".read", ScopeSettings + ".read"}
}

// BroadScopes is GranularScopes with the deprecated broad
// accounting.transactions in place of accounting.invoices, for apps created
// before 2 March 2026 whose users have not consented to granular scopes yet.
func BroadScopes() []string {
	return []string{ScopeOfflineAccess, ScopeTransactions, ScopeContacts + ".read", ScopeSettings + ".read"}
}

// ParseScopes reads the scope setting: "" or "granular" (GranularScopes),
// "broad" (BroadScopes), or an explicit list separated by spaces or
// commas. An explicit list must include offline_access and cover what
// orderbridge calls (invoices read and written, contacts read), or every
// export would end in "reconnect needed".
func ParseScopes(s string) ([]string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", ScopeSetGranular:
		return GranularScopes(), nil
	case ScopeSetBroad:
		return BroadScopes(), nil
	}
	list := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
	var errs []error
	if !slices.Contains(list, ScopeOfflineAccess) {
		errs = append(errs, errors.New("offline_access is missing (without it no refresh token is issued)"))
	}
	for _, n := range productNeeds() {
		if !covers(list, n.family, n.write) {
			errs = append(errs, fmt.Errorf("nothing grants %s (add %s)", n.what, n.family.scope(list, n.write)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("xero: scopes %q: %w", s, err)
	}
	return slices.Compact(list), nil
}

// scopeFamily is one kind of resource, guarded by one granular scope
// (and, for transactions, the broad scope it replaced).
type scopeFamily int

const (
	familySettings scopeFamily = iota
	familyInvoices
	familyPayments
	familyContacts
)

// granular is the family's scope in the post-2026 naming.
func (f scopeFamily) granular() string {
	switch f {
	case familyInvoices:
		return ScopeInvoices
	case familyPayments:
		return ScopePayments
	case familyContacts:
		return ScopeContacts
	default:
		return ScopeSettings
	}
}

// broad is the deprecated scope that also grants the family, or "".
func (f scopeFamily) broad() string {
	if f == familyInvoices || f == familyPayments {
		return ScopeTransactions
	}
	return ""
}

// what names the family for people.
func (f scopeFamily) what() string {
	switch f {
	case familyInvoices:
		return "invoices"
	case familyPayments:
		return "payments"
	case familyContacts:
		return "contacts"
	default:
		return "organisation settings"
	}
}

// scope names the scope a person should grant for a read (or write) of f:
// the first of the app's requested scopes that grants it, else the broad
// one when the app requests broad scopes (an old app), else the granular
// one.
func (f scopeFamily) scope(requested []string, write bool) string {
	for _, s := range requested {
		if covers([]string{s}, f, write) {
			return s
		}
	}
	s := f.granular()
	if b := f.broad(); b != "" && (slices.Contains(requested, b) || slices.Contains(requested, b+".read")) {
		s = b
	}
	if !write {
		s += ".read"
	}
	return s
}

// covers reports whether granted scopes allow a read (or write) of f. The
// write scope covers reads too; a broad scope covers its granular ones.
func covers(granted []string, f scopeFamily, write bool) bool {
	for _, base := range []string{f.granular(), f.broad()} {
		if base == "" {
			continue
		}
		if slices.Contains(granted, base) || !write && slices.Contains(granted, base+".read") {
			return true
		}
	}
	return false
}

// need is one kind of call orderbridge makes.
type need struct {
	family scopeFamily
	write  bool
	what   string
}

// productNeeds is what orderbridge's export and write-back call.
func productNeeds() []need {
	return []need{
		{familyInvoices, true, "reading and writing invoices"},
		{familyContacts, false, "reading contacts"},
	}
}

// familyOf maps an API path to the scope family that guards it; ok is
// false for tenantless calls (/connections), which need no accounting
// scope.
func familyOf(path string) (scopeFamily, bool) {
	rest, ok := strings.CutPrefix(path, "/api.xro/2.0/")
	if !ok {
		return familySettings, false
	}
	resource, _, _ := strings.Cut(rest, "/")
	switch resource {
	case "Invoices", "CreditNotes", "Quotes", "PurchaseOrders", "RepeatingInvoices", "LinkedTransactions", "Items":
		return familyInvoices, true
	case "Payments", "BatchPayments", "Overpayments", "Prepayments":
		return familyPayments, true
	case "Contacts", "ContactGroups":
		return familyContacts, true
	default:
		// Organisation, TrackingCategories, Accounts, TaxRates...: the
		// unchanged accounting.settings.
		return familySettings, true
	}
}

// Scopes returns the scopes the app requests.
func (a *App) Scopes() []string { return slices.Clone(a.cfg.Scopes) }

// MissingScopes lists the scopes a new grant needs but lacks, judged by
// the token response's "scope" field (what the person allowed). It is
// empty when the grant covers what orderbridge calls, and also when the
// token response did not say (tokens read back from storage), since then
// only an API call can tell.
func (a *App) MissingScopes(tok *oauth2.Token) []string {
	if tok == nil {
		return nil
	}
	raw, _ := tok.Extra("scope").(string)
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	granted := strings.Fields(raw)
	var missing []string
	for _, n := range productNeeds() {
		if !covers(granted, n.family, n.write) {
			missing = append(missing, n.family.scope(a.cfg.Scopes, n.write))
		}
	}
	return missing
}

// ScopeError says a grant lacks the scopes orderbridge needs, found at
// connect time from the token response.
type ScopeError struct {
	// Missing names each missing scope as the app requests it.
	Missing []string
}

// Error names the missing scopes and what to do.
func (e *ScopeError) Error() string {
	return "xero: the grant lacks scope " + strings.Join(e.Missing, ", ") + ": connect Xero again and allow it"
}

// Is matches ErrReconnectNeeded and ErrMissingScope.
func (e *ScopeError) Is(target error) bool {
	return target == ErrReconnectNeeded || target == ErrMissingScope
}

// CheckGrant returns a *ScopeError when tok's granted scopes miss one
// orderbridge needs, so a connection is refused at once instead of failing
// at the first export.
func (a *App) CheckGrant(tok *oauth2.Token) error {
	if m := a.MissingScopes(tok); len(m) > 0 {
		return &ScopeError{Missing: m}
	}
	return nil
}

// ReconnectReason tells a person why a connection needs connecting again
// when err says more than "expired or revoked": a grant that lacks a
// scope. It is "" otherwise. It starts in lower case, as it follows
// "Xero needs reconnecting: " on the web pages.
func ReconnectReason(err error) string {
	if ae, ok := errors.AsType[*AuthError](err); ok && ae.MissingScope != "" {
		return fmt.Sprintf("the Xero connection lacks permission to %s (scope %s): connect Xero again and allow it",
			ae.Needs, ae.MissingScope)
	}
	if se, ok := errors.AsType[*ScopeError](err); ok {
		return fmt.Sprintf("the Xero connection lacks scope %s: connect Xero again and allow it", strings.Join(se.Missing, ", "))
	}
	return ""
}

// Package xero is orderbridge's client for the Xero Accounting API.
//
// It covers what the sync needs and nothing more: OAuth2 (authorization
// code with PKCE, refresh with rotation, custom connections through client
// credentials), the tenant list, invoices (paged, filtered, created and
// updated), contacts, tracking categories, the organisation, payments,
// history notes, invoice line updates that never drop a line, and webhook
// verification and parsing.
//
// Three things shape the package:
//
//   - Refresh tokens rotate on every use, so a TokenSource saves every new
//     token pair through the caller's function before it hands the access
//     token out, and refreshes at most once at a time per token set.
//   - Xero's limits (5 calls in flight, 60 a minute and 5,000 a day per
//     tenant) are enforced by 429s that stop a sync for a while, so the
//     client paces itself from the remaining-limit headers instead of
//     finding the limits by hitting them.
//   - Callers (River workers) must tell permanent failures from transient
//     ones, so every failure is a typed error that errors.Is recognises:
//     ErrReconnectNeeded, ErrMissingScope, ErrValidation, ErrEditLocked,
//     ErrRateLimited, ErrUnavailable, ErrServer and so on. See Retryable,
//     RetryAfter and ReconnectReason.
//   - Apps created on or after 2 March 2026 may request only granular
//     scopes, so the scope sets live here, once: GranularScopes (the
//     default), BroadScopes (older apps), ParseScopes (the setting).
//
// Money is float64. encoding/json decodes Xero's decimal text to the
// nearest float64 and writes back the shortest text that reads as the same
// float64, so an amount that is not recomputed goes back to Xero exactly as
// it came; arithmetic belongs in whole cents (Cents, FromCents).
package xero

// Package xeroemu is an in-memory Xero for tests and the demo: OAuth2
// (authorization code with automatic consent and PKCE, refresh-token
// rotation with a grace period, client credentials), /connections, and the
// Accounting API parts orderbridge uses (Contacts, Invoices, Payments,
// invoice History, TrackingCategories, Organisation, Accounts) with Xero's
// JSON (PascalCase, /Date(ms+0000)/ dates, camelCase pagination), rate
// limits and their headers, signed webhooks with the intent-to-receive
// check, idempotency keys and fault injection. It enforces scopes as Xero
// does since 2 March 2026: a new app (the default; see Options.AppCreated)
// may request only granular scopes, and every API call checks that the
// token's grant covers the endpoint.
//
// It is written from Xero's documentation and OpenAPI examples, never from
// our client's structs, so a mistake in the client shows up as a failing
// test rather than being mirrored. Deliberate differences from the real
// service are listed in doc/emulators.md.
package xeroemu

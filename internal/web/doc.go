// Package web is orderbridge's web app: sign-up and sign-in (argon2id
// passwords, database sessions, CSRF tokens, a shared sign-in rate limit),
// the Xero (OAuth2 with PKCE) and ShipStation connect flows, the configure
// page with its Xero Export tab, Save and sync with live progress, the
// transaction log with CSV, the invoice detail with an order preview, the
// dashboard, and /healthz and /readyz; /metrics only on the metrics
// listener's OpsHandler, never on the public Handler.
//
// Pages are html/template rendered on the server from embedded templates
// and static files; every form works without JavaScript. The package knows
// the worker's runs only through the small interfaces it declares (Jobs,
// StatusSource, InvoiceSource, ShipStation), which the app implements; of
// package worker itself it uses only what decides nothing at run time: the
// settings the mapping sees (worker.BridgeSettings), a run's result type
// and its errors, so a page never holds a second copy of a worker rule.
// Every handler takes the account from the session and passes it to every
// store call, so one account never reaches another's data.
//
// See doc/web.md.
package web

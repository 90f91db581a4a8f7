// Package worker is orderbridge's engine: the export of Xero invoices to
// ShipStation, the write-back of ShipStation's shipments to Xero, the
// ShipStation webhook subscription, and the River job kinds and workers
// that run them.
//
// New builds an Engine of four parts, each with one job: Clients (an
// account's API clients and the per-process caches they share: a Xero
// token source per account, a ShipStation rate budget and carrier names
// per key), Exporter, WriteBacker and Subscriber. Engine.Register adds
// every job kind's worker to River and returns the periodic sweeps; the
// `sync` command calls the Exporter without River.
//
// One export run reads the invoices Xero changed since the account's cursor
// (minus an overlap window), page by page, fetches only the contacts it has
// not cached, asks bridge.Decide what to do with each invoice, sends orders
// to ShipStation in bulk calls, and then, in one transaction per page,
// records each invoice's link and log line and advances the cursor. No
// network call happens inside a transaction: on SQLite the transaction holds
// the only writer connection, and a Xero token refresh saves the new token
// through that same writer.
package worker

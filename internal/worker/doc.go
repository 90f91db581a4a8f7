// Package worker is orderbridge's export engine: the River job kinds and
// their workers (export_invoices per account, and the periodic sweep that
// enqueues it for every account that is due), and the Exporter they share
// with the `sync` command.
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

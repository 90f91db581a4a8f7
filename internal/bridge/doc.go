// Package bridge is the domain of orderbridge: the one place that knows
// both Xero and ShipStation. It turns a Xero sales invoice, its contact and
// the account's settings into a Decision: a ShipStation order to send (a
// whole order, because ShipStation upserts replace the stored order), a
// cancellation, an alert, "unchanged", or a skip with a reason a merchant
// can act on.
//
// The package is pure on purpose: no I/O, no clock, no logging. The export
// worker fetches invoices and contacts, remembers what it sent before
// (Previous) and calls Decide; the web UI calls the same function to
// preview an order. Because nothing here reads the world, every rule in
// doc/mapping.md is a table test.
//
// The other direction is DecideWriteBack: a ShipStation label or
// fulfillment, its invoice link and the invoice give a plan (a History
// note, a shipping-cost line to add or remove, or a skip with a reason)
// that the write-back worker carries out and records action by action.
//
// Money is handled in whole cents (xero.Cents), never by adding float64s.
// Text is cut at ShipStation's field limits on rune boundaries, counting
// UTF-16 code units as ShipStation's .NET back end does, so non-Latin text
// is never mangled.
package bridge

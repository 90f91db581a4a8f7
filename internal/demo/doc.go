// Package demo seeds the Xero and ShipStation emulators with a realistic
// organisation, so `orderbridge demo`, manual testing and load tests all see
// the same kind of data a merchant has: customers in several countries typed
// the way people type them, contacts missing one or both addresses, a
// "Sales Channel" tracking category whose "ShipStation" option selects what
// syncs, invoices in every status, bills that must never sync, discounts,
// shipping lines, fractional quantities, notes and non-Latin text.
//
// A showcase set of contacts and invoices is always seeded, each chosen to
// show one rule of doc/mapping.md (listed in Summary's Notable fields); the
// rest are drawn from a seeded PCG generator, so the same Options give the
// same data (ids included) every time. Large counts (tens of thousands of
// invoices) are the load-test mode; generation is linear in the counts.
//
// For every invoice the package also works out what orderbridge should do
// with it under the default settings, from the data it generated and the
// rules in doc/mapping.md, and reports the totals in Summary. Tests hold the
// real mapping (bridge.Decide) to those numbers, so the demo never promises
// a merchant something the product does not do.
package demo

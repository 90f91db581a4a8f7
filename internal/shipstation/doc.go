// Package shipstation is a client for ShipStation's V1 API
// (https://ssapi.shipstation.com), the only ShipStation API that can create
// and update orders.
//
// It covers what orderbridge needs: upserting orders one at a time or in
// bulk (POST /orders/createorders, at most 100 per call, each order's
// result mapped back by orderKey), reading orders, shipments and
// fulfillments through page iterators, order actions (mark as shipped,
// hold, restore, delete, create and void labels), stores and carriers, and
// webhooks (subscribe, list, delete, and fetching a delivery's resource_url
// only when it points at the configured API host).
//
// Times. V1 speaks Pacific time without an offset. DateTime keeps the wire
// reading; Client.Time (or DateTime.Instant) turns it into an instant with
// the America/Los_Angeles zone the Client loads, and filters are sent as
// Pacific "yyyy-mm-dd hh:mm:ss". Date is a plain calendar date (shipDate).
//
// Pacing. Every call first asks a Budget; MemoryBudget counts calls down
// from X-Rate-Limit-Remaining and waits for X-Rate-Limit-Reset, so a normal
// run never sees a 429. Clients sharing an API key must share one Budget.
//
// Errors. Non-2xx answers are *APIError values that match one of
// ErrValidation, ErrAuth, ErrNotFound, ErrRateLimited or ErrServer with
// errors.Is. The API key and secret never appear in errors or logs.
//
// See doc/shipstation-client.md for the reasoning behind these choices.
package shipstation

// Package shipstationemu is an in-memory emulator of the ShipStation V1 API
// (ssapi.shipstation.com) for tests, benchmarks and the local demo. It is
// written from ShipStation's documented JSON, never from orderbridge's
// client, so that a wrong field name in the client fails a test instead of
// being mirrored here.
//
// It covers what orderbridge needs: order upserts (single and bulk) with
// ShipStation's validation and whole-order replace, order listing with the
// documented filters and paging, soft delete, holds, mark-as-shipped
// fulfillments, labels and voids, stores, carriers, and V1 webhooks whose
// resource_url points back at the emulator. Rate limits (40 calls a minute
// per key pair, with a time scale), fault injection and request counters
// come from emukit.
//
// Datetimes go out in Pacific time (America/Los_Angeles, DST included) with
// no offset and seven fractional digits, as ShipStation renders them.
package shipstationemu

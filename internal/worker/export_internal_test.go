package worker

import (
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
)

const shippedReason = "order already shipped in ShipStation; changes to the invoice are not sent after shipping"

// TestSilent: a re-read that repeats the link's decision adds no log line;
// anything the link does not record yet, an order status included, does.
func TestSilent(t *testing.T) {
	t.Parallel()
	exported := store.InvoiceLink{Decision: store.DecisionExported, OrderStatus: shipstation.StatusAwaitingShipment}
	shippedSkip := store.InvoiceLink{Decision: store.DecisionSkipped, Reason: shippedReason, OrderStatus: shipstation.StatusShipped}
	exportedShipped := store.InvoiceLink{Decision: store.DecisionExported, OrderStatus: shipstation.StatusShipped}
	tests := []struct {
		name    string
		link    *store.InvoiceLink
		outcome Outcome
		reason  string
		status  string // learnt by sending
		want    bool
	}{
		{"no link", nil, OutcomeSkipped, shippedReason, "", false},
		{"unchanged after export", &exported, OutcomeUnchanged, "", "", true},
		{"exported again", &exported, OutcomeUpdated, "", shipstation.StatusAwaitingShipment, false},
		{"shipped skip repeated", &shippedSkip, OutcomeSkipped, shippedReason, "", true},
		{"shipped skip, first time", &exportedShipped, OutcomeSkipped, shippedReason, "", false},
		{"refused as shipped, link said shipped", &shippedSkip, OutcomeSkipped, shippedReason, shipstation.StatusShipped, true},
		{"refused as shipped, link said open", &exported, OutcomeSkipped, shippedReason, shipstation.StatusShipped, false},
		{"unchanged, but the order is open again", &exportedShipped, OutcomeUnchanged, "", shipstation.StatusAwaitingShipment, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			it := &item{outcome: tc.outcome, reason: tc.reason, status: tc.status}
			if tc.link != nil {
				it.link, it.hasLink = *tc.link, true
			}
			if got := silent(it); got != tc.want {
				t.Errorf("silent = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestConfirmedStatus: the status ShipStation gave during the run outranks
// the link's, in the decision, in silent and in the log line.
func TestConfirmedStatus(t *testing.T) {
	t.Parallel()
	link := store.InvoiceLink{OrderKey: "xero:t:i", OrderID: 7, OrderStatus: shipstation.StatusShipped,
		Decision: store.DecisionSkipped, Reason: shippedReason, ReasonCode: string(bridge.CauseShipped), ContentHash: "h"}
	open := &item{link: link, hasLink: true, seen: shipstation.StatusAwaitingShipment,
		outcome: OutcomeUnchanged, d: bridge.Decision{Kind: bridge.Unchanged, Invoice: "INV-1", Reason: "ShipStation already has this order as it is now"}}
	if p := open.previous(nil, false); p.OrderStatus != shipstation.StatusAwaitingShipment || p.Hash != "h" {
		t.Errorf("previous = %+v", p)
	}
	if silent(open) {
		t.Error("an order open again is silent")
	}
	if msg := message(open); !strings.Contains(msg, "unchanged") || !strings.Contains(msg, "was shipped and is awaiting_shipment again") {
		t.Errorf("message = %q", msg)
	}
	still := &item{link: link, hasLink: true, seen: shipstation.StatusShipped, outcome: OutcomeSkipped, reason: shippedReason,
		d: bridge.Decision{Kind: bridge.Skip, Cause: bridge.CauseShipped, Invoice: "INV-1", Reason: shippedReason}}
	if p := still.previous(nil, false); p.OrderStatus != shipstation.StatusShipped {
		t.Errorf("previous = %+v", p)
	}
	if !silent(still) {
		t.Error("a confirmed shipped order repeats its skip and is not silent")
	}
	if msg := message(still); strings.Contains(msg, "again") {
		t.Errorf("message = %q", msg)
	}
	// A list of shipped orders read earlier in the run does not undo a
	// cancel ShipStation confirmed.
	cancelled := &item{link: link, hasLink: true, seen: shipstation.StatusCancelled}
	if p := cancelled.previous(map[string]int64{"xero:t:i": 7}, false); p.OrderStatus != shipstation.StatusCancelled {
		t.Errorf("previous = %+v", p)
	}
}

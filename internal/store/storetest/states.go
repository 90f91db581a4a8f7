package storetest

import (
	"reflect"
	"testing"

	"github.com/orderbridge/orderbridge/internal/store"
)

// testInvoiceStates checks that each invoice is counted once, in the state
// its link says now (an order sent and later skipped is still in
// ShipStation), and that the list of a state holds exactly those counted.
func testInvoiceStates(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	other := b.account(t, "Other")
	links := []store.InvoiceLink{
		{InvoiceID: "sent", Decision: store.DecisionExported, OrderID: 1, OrderStatus: "awaiting_shipment"},
		{InvoiceID: "sent-then-unchanged", Decision: store.DecisionUnchanged, OrderID: 2, OrderStatus: "awaiting_shipment"},
		{InvoiceID: "sent-then-untracked", Decision: store.DecisionSkipped, ReasonCode: "tracking_rule", OrderID: 3, OrderStatus: "awaiting_shipment"},
		{InvoiceID: "shipped", Decision: store.DecisionSkipped, ReasonCode: "shipped", OrderID: 4, OrderStatus: "shipped"},
		{InvoiceID: "cancelled", Decision: store.DecisionCancelled, OrderID: 5, OrderStatus: "cancelled"},
		{InvoiceID: "no-address", Decision: store.DecisionSkipped, ReasonCode: "no_address"},
		{InvoiceID: "no-country", Decision: store.DecisionSkipped, ReasonCode: "no_country"},
		{InvoiceID: "draft", Decision: store.DecisionSkipped, ReasonCode: "status"},
		{InvoiceID: "refused", Decision: store.DecisionFailed, OrderID: 6, OrderStatus: "awaiting_shipment"},
		{InvoiceID: "voided-after-ship", Decision: store.DecisionAlert, ReasonCode: "voided_after_ship", OrderID: 7, OrderStatus: "shipped"},
	}
	for _, l := range links {
		l.AccountID = a.ID
		must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, l))
	}
	must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, store.InvoiceLink{AccountID: other.ID, InvoiceID: "theirs",
		Decision: store.DecisionSkipped, ReasonCode: "no_address"}))

	waiting := []string{"no_address", "no_country"}
	counts, err := b.st.CountInvoiceStates(b.ctx, a.ID, waiting)
	must(t, "CountInvoiceStates", err)
	want := map[store.InvoiceState]int{
		store.StateInShipStation: 3, store.StateShipped: 1, store.StateCancelled: 1, store.StateWaiting: 2,
		store.StateNotSent: 1, store.StateFailed: 1, store.StateAttention: 1,
	}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("CountInvoiceStates = %v\nwant %v", counts, want)
	}
	for state, n := range want {
		list, err := b.st.InvoicesInState(b.ctx, a.ID, state, waiting, 0)
		must(t, "InvoicesInState", err)
		if len(list) != n {
			t.Errorf("InvoicesInState(%s) = %d links, counted %d", state, len(list), n)
		}
	}
	list, err := b.st.InvoicesInState(b.ctx, a.ID, store.StateWaiting, waiting, 1)
	must(t, "InvoicesInState", err)
	if len(list) != 1 {
		t.Errorf("InvoicesInState with limit 1 = %d links", len(list))
	}
	// Without waiting codes nothing waits: those skips are not sent.
	counts, err = b.st.CountInvoiceStates(b.ctx, a.ID, nil)
	must(t, "CountInvoiceStates", err)
	if counts[store.StateWaiting] != 0 || counts[store.StateNotSent] != 3 {
		t.Errorf("CountInvoiceStates without waiting codes = %v", counts)
	}
}

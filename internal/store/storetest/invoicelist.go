package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

// listFixture stores the invoices the list tests read: every state, and
// numbers, customers, dates and totals whose orders differ per column.
func listFixture(t *testing.T, b *bundle) (store.Account, []string) {
	t.Helper()
	a := b.account(t, "Acme")
	other := b.account(t, "Other")
	links := []store.InvoiceLink{
		{InvoiceID: "id-a", InvoiceNumber: "INV-0001", Customer: "Bravo Ltd", InvoiceDate: "2026-03-01", TotalCents: 5000,
			Decision: store.DecisionExported, OrderID: 1, OrderStatus: "awaiting_shipment", ShipCity: "Auckland", ShipCountry: "NZ"},
		{InvoiceID: "id-b", InvoiceNumber: "INV-0002", Customer: "alpha & Co", InvoiceDate: "2026-03-03", TotalCents: 1250,
			Decision: store.DecisionSkipped, ReasonCode: "no_address", Reason: "the contact has no address"},
		{InvoiceID: "id-c", InvoiceNumber: "INV-0003", Customer: "Charlie", InvoiceDate: "2026-03-02", TotalCents: 99900,
			Decision: store.DecisionExported, OrderID: 3, OrderStatus: "shipped"},
		{InvoiceID: "id-d", InvoiceNumber: "INV-0004", Customer: "Delta", InvoiceDate: "2026-03-05", TotalCents: 700,
			Decision: store.DecisionExported, OrderID: 4, OrderStatus: "shipped"},
		{InvoiceID: "id-e", InvoiceNumber: "INV-0005", Customer: "Echo", InvoiceDate: "2026-03-04", TotalCents: 3000,
			Decision: store.DecisionFailed, Reason: "ShipStation refused the order"},
		{InvoiceID: "id-f", InvoiceNumber: "SO-17", Customer: "Foxtrot", InvoiceDate: "2026-02-27", TotalCents: 3000,
			Decision: store.DecisionSkipped, ReasonCode: "status", Reason: "a draft"},
	}
	for _, l := range links {
		l.AccountID = a.ID
		must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, l))
	}
	must(t, "RecordInvoiceShipment", b.st.RecordInvoiceShipment(b.ctx, a.ID, "id-c", "1Z999AA10123456784", false, false))
	must(t, "RecordInvoiceShipment", b.st.RecordInvoiceShipment(b.ctx, a.ID, "id-d", "9400111899223", false, true))
	must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, store.InvoiceLink{AccountID: other.ID, InvoiceID: "theirs",
		InvoiceNumber: "INV-0009", Customer: "Bravo Ltd", InvoiceDate: "2026-03-01", Decision: store.DecisionSkipped, ReasonCode: "no_address"}))
	return a, []string{"no_address", "no_country"}
}

func ids(l store.InvoiceList) []string {
	var out []string
	for _, r := range l.Rows {
		out = append(out, r.InvoiceID)
	}
	return out
}

// testInvoiceList checks the invoices page's query: each invoice once in
// the state CountInvoiceStates counts it in, search, filters, sorts and
// the counts of the search.
func testInvoiceList(t *testing.T, open Opener) {
	b := setup(t, open)
	a, waiting := listFixture(t, b)

	all, err := b.st.ListInvoices(b.ctx, a.ID, store.InvoiceListQuery{Waiting: waiting})
	must(t, "ListInvoices", err)
	counted, err := b.st.CountInvoiceStates(b.ctx, a.ID, waiting)
	must(t, "CountInvoiceStates", err)
	if !reflect.DeepEqual(all.Counts, counted) {
		t.Errorf("the list's counts %v differ from the dashboard's %v", all.Counts, counted)
	}
	states := map[string]store.InvoiceState{}
	for _, r := range all.Rows {
		states[r.InvoiceID] = r.State
	}
	wantStates := map[string]store.InvoiceState{"id-a": store.StateInShipStation, "id-b": store.StateWaiting, "id-c": store.StateShipped,
		"id-d": store.StateWrittenBack, "id-e": store.StateFailed, "id-f": store.StateNotSent}
	if !reflect.DeepEqual(states, wantStates) {
		t.Errorf("states = %v\nwant %v", states, wantStates)
	}
	if all.Total != 6 || all.Next != nil || all.Prev != nil {
		t.Errorf("Total = %d, Next = %v, Prev = %v; want 6 on one page", all.Total, all.Next, all.Prev)
	}
	// The default order is the invoice date, oldest first unless Desc.
	if got, want := ids(all), []string{"id-f", "id-a", "id-c", "id-b", "id-e", "id-d"}; !slices.Equal(got, want) {
		t.Errorf("default order = %v, want %v", got, want)
	}

	tests := []struct {
		name string
		q    store.InvoiceListQuery
		want []string
	}{
		{"number part, any case", store.InvoiceListQuery{Search: "inv-000", Sort: store.SortNumber}, []string{"id-a", "id-b", "id-c", "id-d", "id-e"}},
		{"customer part, any case", store.InvoiceListQuery{Search: "ALPHA &"}, []string{"id-b"}},
		{"tracking part", store.InvoiceListQuery{Search: "a1012345"}, []string{"id-c"}},
		{"wildcards are literal", store.InvoiceListQuery{Search: "INV_0"}, nil},
		{"state", store.InvoiceListQuery{State: store.StateWrittenBack}, []string{"id-d"}},
		{"dates inclusive", store.InvoiceListQuery{From: "2026-03-02", To: "2026-03-04"}, []string{"id-c", "id-b", "id-e"}},
		{"number desc", store.InvoiceListQuery{Sort: store.SortNumber, Desc: true}, []string{"id-f", "id-e", "id-d", "id-c", "id-b", "id-a"}},
		{"customer ignores case", store.InvoiceListQuery{Sort: store.SortCustomer}, []string{"id-b", "id-a", "id-c", "id-d", "id-e", "id-f"}},
		{"total, ties by id", store.InvoiceListQuery{Sort: store.SortTotal}, []string{"id-d", "id-b", "id-e", "id-f", "id-a", "id-c"}},
		{"total desc", store.InvoiceListQuery{Sort: store.SortTotal, Desc: true}, []string{"id-c", "id-a", "id-f", "id-e", "id-b", "id-d"}},
		{"state in reading order", store.InvoiceListQuery{Sort: store.SortState}, []string{"id-e", "id-b", "id-a", "id-c", "id-d", "id-f"}},
		{"date desc", store.InvoiceListQuery{Desc: true}, []string{"id-d", "id-e", "id-b", "id-c", "id-a", "id-f"}},
	}
	for _, tc := range tests {
		tc.q.Waiting = waiting
		got, err := b.st.ListInvoices(b.ctx, a.ID, tc.q)
		must(t, "ListInvoices "+tc.name, err)
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, ids(got), tc.want)
		}
		if got.Total != len(tc.want) {
			t.Errorf("%s: Total = %d, want %d", tc.name, got.Total, len(tc.want))
		}
	}

	// The counts are the search's, whatever the state filter.
	got, err := b.st.ListInvoices(b.ctx, a.ID, store.InvoiceListQuery{Waiting: waiting, Search: "inv", State: store.StateShipped})
	must(t, "ListInvoices", err)
	wantCounts := map[store.InvoiceState]int{store.StateInShipStation: 1, store.StateWaiting: 1, store.StateShipped: 1,
		store.StateWrittenBack: 1, store.StateFailed: 1}
	if !reflect.DeepEqual(got.Counts, wantCounts) || !slices.Equal(ids(got), []string{"id-c"}) {
		t.Errorf("search inv, shipped: rows %v counts %v; want [id-c] and %v", ids(got), got.Counts, wantCounts)
	}

	// A voided label's tracking number leaves the invoice.
	must(t, "RecordInvoiceShipment", b.st.RecordInvoiceShipment(b.ctx, a.ID, "id-c", "1Z999AA10123456784", true, false))
	got, err = b.st.ListInvoices(b.ctx, a.ID, store.InvoiceListQuery{Waiting: waiting, Search: "1Z999"})
	must(t, "ListInvoices", err)
	if len(got.Rows) != 0 {
		t.Errorf("a voided label's tracking number still finds %v", ids(got))
	}
	// The export's next upsert keeps the write-back's columns.
	l, err := b.st.InvoiceLink(b.ctx, a.ID, "id-d")
	must(t, "InvoiceLink", err)
	l.Tracking, l.WrittenBack = "", false
	must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, l))
	if l, _ = b.st.InvoiceLink(b.ctx, a.ID, "id-d"); l.Tracking != "9400111899223" || !l.WrittenBack {
		t.Errorf("after the export's upsert: tracking %q, written back %v", l.Tracking, l.WrittenBack)
	}
	// ... and its tracking number stays searchable; a customer's name is
	// found in any case, beyond ASCII too.
	l.Customer = "Kōwhai Café"
	must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, l))
	for _, term := range []string{"94001118", "KŌWHAI CAFÉ", "inv-0004"} {
		got, err = b.st.ListInvoices(b.ctx, a.ID, store.InvoiceListQuery{Waiting: waiting, Search: term})
		must(t, "ListInvoices", err)
		if !slices.Equal(ids(got), []string{"id-d"}) {
			t.Errorf("search %q after the export's upsert = %v, want [id-d]", term, ids(got))
		}
	}
	wantNotFound(t, "RecordInvoiceShipment of another account's invoice",
		b.st.RecordInvoiceShipment(b.ctx, a.ID, "theirs", "X", false, true))
}

// testInvoiceListPaging walks every sort order page by page, both ways:
// each invoice appears once, in the order of the whole list.
func testInvoiceListPaging(t *testing.T, open Opener) {
	b := setup(t, open)
	a, waiting := listFixture(t, b)
	for _, sort := range []store.InvoiceSort{store.SortDate, store.SortNumber, store.SortCustomer, store.SortTotal, store.SortState} {
		for _, desc := range []bool{false, true} {
			q := store.InvoiceListQuery{Waiting: waiting, Sort: sort, Desc: desc}
			whole, err := b.st.ListInvoices(b.ctx, a.ID, q)
			must(t, "ListInvoices", err)
			q.Limit = 4
			var forward []string
			var pages []store.InvoiceList
			for range 10 {
				p, err := b.st.ListInvoices(b.ctx, a.ID, q)
				must(t, "ListInvoices", err)
				pages = append(pages, p)
				forward = append(forward, ids(p)...)
				if p.Next == nil {
					break
				}
				q.After = p.Next
			}
			if !slices.Equal(forward, ids(whole)) || len(pages) != 2 {
				t.Errorf("%s desc=%v: forward pages %v in %d pages, want %v in 2", sort, desc, forward, len(pages), ids(whole))
				continue
			}
			if pages[0].Prev != nil || pages[1].Prev == nil {
				t.Errorf("%s desc=%v: Prev of the first page %v, of the second %v", sort, desc, pages[0].Prev, pages[1].Prev)
				continue
			}
			q.After, q.Before = nil, pages[1].Prev
			back, err := b.st.ListInvoices(b.ctx, a.ID, q)
			must(t, "ListInvoices", err)
			if !slices.Equal(ids(back), ids(pages[0])) || back.Prev != nil || back.Next == nil {
				t.Errorf("%s desc=%v: back = %v (prev %v, next %v), want %v", sort, desc, ids(back), back.Prev, back.Next, ids(pages[0]))
			}
			// A cursor survives its URL.
			if c, ok := store.ParseInvoiceCursor(pages[1].Prev.String()); !ok || c != *pages[1].Prev {
				t.Errorf("cursor %v does not read back: %v", *pages[1].Prev, c)
			}
		}
	}
}

// testImportInvoiceLinks loads links in bulk, every field kept; a link
// that exists already fails the whole import.
func testImportInvoiceLinks(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	var links []store.InvoiceLink
	for i := range 1200 {
		links = append(links, store.InvoiceLink{AccountID: a.ID, InvoiceID: fmt.Sprintf("id-%04d", i), InvoiceNumber: fmt.Sprintf("INV-%04d", i),
			Customer: "Bulk Ltd", InvoiceDate: "2026-03-01", TotalCents: int64(i), Decision: store.DecisionExported, OrderID: int64(i + 1),
			OrderStatus: "shipped", Tracking: fmt.Sprintf("TRK%04d", i), WrittenBack: i%2 == 0, UpdatedAt: ts(time.Duration(i) * time.Second)})
	}
	must(t, "ImportInvoiceLinks", b.st.ImportInvoiceLinks(b.ctx, links))
	got, err := b.st.InvoiceLink(b.ctx, a.ID, "id-1100")
	must(t, "InvoiceLink", err)
	if got.Tracking != "TRK1100" || !got.WrittenBack || got.TotalCents != 1100 || !got.UpdatedAt.Equal(ts(1100*time.Second)) {
		t.Errorf("imported link = %+v", got)
	}
	counts, err := b.st.CountInvoiceStates(b.ctx, a.ID, nil)
	must(t, "CountInvoiceStates", err)
	if counts[store.StateWrittenBack] != 600 || counts[store.StateShipped] != 600 {
		t.Errorf("counts = %v", counts)
	}
	if err := b.st.ImportInvoiceLinks(b.ctx, links[:1]); err == nil {
		t.Error("importing an existing link succeeded")
	}
}

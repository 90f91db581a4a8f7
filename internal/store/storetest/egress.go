package storetest

import (
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

// testXeroEgress: responses add up per account, day and endpoint, and one
// account's bytes never show in another's.
func testXeroEgress(t *testing.T, open Opener) {
	b := setup(t, open)
	a, other := b.account(t, "A"), b.account(t, "B")
	day := time.Date(2026, 3, 14, 23, 59, 0, 0, time.UTC)
	must(t, "AddXeroEgress", b.st.AddXeroEgress(b.ctx, a.ID, day, "invoices", 1000))
	must(t, "AddXeroEgress", b.st.AddXeroEgress(b.ctx, a.ID, day, "invoices", 234))
	must(t, "AddXeroEgress", b.st.AddXeroEgress(b.ctx, a.ID, day, "contacts", 50))
	must(t, "AddXeroEgress", b.st.AddXeroEgress(b.ctx, a.ID, day.Add(2*time.Minute), "invoices", 7)) // the next UTC day
	must(t, "AddXeroEgress", b.st.AddXeroEgress(b.ctx, other.ID, day, "invoices", 99))
	got, err := b.st.XeroEgress(b.ctx, a.ID, day)
	must(t, "XeroEgress", err)
	want := []store.EgressDay{
		{Day: "2026-03-14", Endpoint: "contacts", Bytes: 50, Calls: 1},
		{Day: "2026-03-14", Endpoint: "invoices", Bytes: 1234, Calls: 2},
		{Day: "2026-03-15", Endpoint: "invoices", Bytes: 7, Calls: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("egress %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("egress row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	later, err := b.st.XeroEgress(b.ctx, a.ID, day.Add(time.Hour))
	must(t, "XeroEgress", err)
	if len(later) != 1 || later[0].Bytes != 7 {
		t.Errorf("egress from the next day: %+v", later)
	}
}

// testSweptChanges: changes read after the last delivery count against the
// webhooks; changes before it, and any change of an account whose webhooks
// never delivered, are not recorded.
func testSweptChanges(t *testing.T, open Opener) {
	b := setup(t, open)
	a, quiet := b.account(t, "A"), b.account(t, "B")
	now := time.Now().UTC().Truncate(time.Millisecond)
	must(t, "NoteWebhookDelivery", b.st.NoteWebhookDelivery(b.ctx, a.ID, store.SourceXero, now.Add(-2*time.Hour), 1, 0))
	changes := []store.SweptChange{
		{Resource: "inv-before", ChangedAt: now.Add(-3 * time.Hour)},
		{Resource: "inv-after", ChangedAt: now.Add(-time.Hour)},
		{Resource: "inv-after", ChangedAt: now.Add(-time.Hour)}, // read again: one change
		{Resource: "inv-new", ChangedAt: now.Add(-time.Minute)},
	}
	must(t, "NoteSweptChanges", b.st.NoteSweptChanges(b.ctx, a.ID, store.SourceXero, changes))
	must(t, "NoteSweptChanges", b.st.NoteSweptChanges(b.ctx, quiet.ID, store.SourceXero, changes))
	health, err := b.st.WebhookHealthOf(b.ctx, a.ID)
	must(t, "WebhookHealthOf", err)
	h := health[store.SourceXero]
	if len(h.SweptChanges) != 2 {
		t.Errorf("swept changes %v, want the two after the delivery", h.SweptChanges)
	}
	if n := h.MissedChanges(now); n != 1 || h.Healthy(now) {
		t.Errorf("missed %d (healthy %v), want 1 overdue change and not healthy", n, h.Healthy(now))
	}
	must(t, "NoteWebhookDelivery", b.st.NoteWebhookDelivery(b.ctx, a.ID, store.SourceXero, now, 1, 0))
	health, err = b.st.WebhookHealthOf(b.ctx, a.ID)
	must(t, "WebhookHealthOf", err)
	if h := health[store.SourceXero]; !h.Healthy(now) {
		t.Errorf("a delivery after the changes did not make the webhooks healthy again: %+v", h)
	}
	health, err = b.st.WebhookHealthOf(b.ctx, quiet.ID)
	must(t, "WebhookHealthOf", err)
	if len(health) != 0 {
		t.Errorf("the account without deliveries has health %+v", health)
	}
}

// testReadCursorFollowsInvoiceCursor: resetting the invoice cursor (a
// backfill, a settings change) deletes the read cursor, which would keep
// the next run from reading back.
func testReadCursorFollowsInvoiceCursor(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "A")
	must(t, "AdvanceCursor", b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		if err := tx.AdvanceCursor(b.ctx, a.ID, store.CursorXeroInvoices, ts(0)); err != nil {
			return err
		}
		return tx.AdvanceCursor(b.ctx, a.ID, store.CursorXeroInvoicesRead, ts(time.Hour))
	}))
	must(t, "ResetCursor", b.st.ResetCursor(b.ctx, a.ID, store.CursorXeroInvoices, ts(-time.Hour)))
	if _, ok, err := b.st.Cursor(b.ctx, a.ID, store.CursorXeroInvoicesRead); err != nil || ok {
		t.Errorf("read cursor after a reset of the invoice cursor: set %v, %v", ok, err)
	}
}

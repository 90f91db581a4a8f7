package storetest

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

// record records one event in its own transaction.
func (b *bundle) record(t *testing.T, ev store.WebhookEvent) bool {
	t.Helper()
	var fresh bool
	must(t, "RecordWebhookEvent", b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		var err error
		fresh, err = tx.RecordWebhookEvent(b.ctx, ev)
		return err
	}))
	return fresh
}

func testWebhookEvents(t *testing.T, open Opener) {
	b := setup(t, open)
	a, other := b.account(t, "A"), b.account(t, "B")
	key := store.EventKey("tenant", "INVOICE", "UPDATE", "inv-1", "2026-03-14T15:09:26Z")
	if key == store.EventKey("tenant", "INVOICE", "UPDATE", "inv-1", "2026-03-14T15:09:27Z") {
		t.Fatal("two events of different dates have one key")
	}
	if store.EventKey("ab", "c") == store.EventKey("a", "bc") {
		t.Fatal("EventKey does not separate its parts")
	}
	ev := store.WebhookEvent{AccountID: a.ID, Source: store.SourceShipStation, Key: key, Kind: "SHIP_NOTIFY",
		Resource: "https://ssapi.shipstation.com/shipments?batchId=1", ReceivedAt: ts(0)}
	if !b.record(t, ev) {
		t.Fatal("first delivery not recorded as new")
	}
	if b.record(t, ev) {
		t.Error("a repeat was recorded as new")
	}
	// The same key in another account, or from the other source, is new.
	if !b.record(t, store.WebhookEvent{AccountID: other.ID, Source: store.SourceShipStation, Key: key, Kind: "SHIP_NOTIFY", ReceivedAt: ts(0)}) {
		t.Error("another account's event with the same key was not new")
	}
	if !b.record(t, store.WebhookEvent{AccountID: a.ID, Source: store.SourceXero, Key: key, Kind: "INVOICE", State: store.EventDone, ReceivedAt: ts(0)}) {
		t.Error("a Xero event with a ShipStation event's key was not new")
	}
	second := ev
	second.Key, second.ReceivedAt = store.EventKey("second"), ts(time.Second)
	b.record(t, second)

	pending, err := b.st.PendingWebhookEvents(b.ctx, a.ID, store.SourceShipStation, 10)
	must(t, "PendingWebhookEvents", err)
	if len(pending) != 2 || pending[0].Key != key || pending[1].Key != second.Key {
		t.Fatalf("pending = %+v, want the two ShipStation events oldest first", pending)
	}
	got := pending[0]
	if got.Resource != ev.Resource || got.Kind != "SHIP_NOTIFY" || !got.ReceivedAt.Equal(ts(0)) || got.State != store.EventPending {
		t.Errorf("stored event = %+v", got)
	}
	if has, err := b.st.HasPendingWebhookEvents(b.ctx, a.ID, store.SourceXero); err != nil || has {
		t.Errorf("Xero events pending = %v, %v; a done event is not pending", has, err)
	}
	must(t, "FinishWebhookEvent", b.st.FinishWebhookEvent(b.ctx, a.ID, got.ID, store.EventDone, "3 shipments"))
	wantNotFound(t, "finishing another account's event", b.st.FinishWebhookEvent(b.ctx, other.ID, pending[1].ID, store.EventDone, ""))
	if err := b.st.FinishWebhookEvent(b.ctx, a.ID, got.ID, store.EventPending, ""); err == nil {
		t.Error("finishing an event as pending succeeded")
	}
	pending, err = b.st.PendingWebhookEvents(b.ctx, a.ID, store.SourceShipStation, 10)
	must(t, "PendingWebhookEvents", err)
	if len(pending) != 1 || pending[0].Key != second.Key {
		t.Fatalf("pending after finishing one = %+v", pending)
	}
	// A finished event still recognises its repeat.
	if b.record(t, ev) {
		t.Error("a repeat of a finished event was recorded as new")
	}
	n, err := b.st.PruneWebhookEvents(b.ctx, ts(time.Second))
	must(t, "PruneWebhookEvents", err)
	if n != 3 {
		t.Errorf("pruned %d events received before the second, want 3", n)
	}
	pending, err = b.st.PendingWebhookEvents(b.ctx, a.ID, store.SourceShipStation, 10)
	must(t, "PendingWebhookEvents", err)
	if len(pending) != 1 {
		t.Errorf("the later event went too: %+v", pending)
	}
}

// A delivery's events recorded at once: which are new comes back by
// index, across statements, with repeats (within the call, or of events
// recorded before) not new.
func testWebhookEventsBatch(t *testing.T, open Opener) {
	b := setup(t, open)
	a, other := b.account(t, "A"), b.account(t, "B")
	old := store.WebhookEvent{AccountID: a.ID, Source: store.SourceXero, Key: store.EventKey("old"), Kind: "INVOICE", State: store.EventDone, ReceivedAt: ts(0)}
	b.record(t, old)
	var evs []store.WebhookEvent
	want := map[int]bool{}
	for i := range 1203 {
		ev := store.WebhookEvent{AccountID: a.ID, Source: store.SourceXero, Key: store.EventKey("k", strconv.Itoa(i)), Kind: "INVOICE", State: store.EventDone, ReceivedAt: ts(0)}
		if i%2 == 1 {
			ev.AccountID = other.ID
		}
		evs = append(evs, ev)
		want[len(evs)-1] = true
	}
	evs = append(evs, old)      // recorded before
	evs = append(evs, evs[7])   // a repeat within the call
	evs = append(evs, evs[600]) // in another statement
	var fresh []bool
	must(t, "RecordWebhookEvents", b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		var err error
		fresh, err = tx.RecordWebhookEvents(b.ctx, evs)
		return err
	}))
	if len(fresh) != len(evs) {
		t.Fatalf("%d answers for %d events", len(fresh), len(evs))
	}
	for i := range evs {
		if fresh[i] != want[i] {
			t.Errorf("event %d: new = %v, want %v", i, fresh[i], want[i])
		}
	}
	// Everything is stored once: recording it all again finds nothing new.
	must(t, "RecordWebhookEvents again", b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		again, err := tx.RecordWebhookEvents(b.ctx, evs)
		for i, f := range again {
			if f {
				t.Errorf("event %d new the second time", i)
			}
		}
		return err
	}))
	if stored := WebhookEvents(t, b.st); len(stored) != 1204 || stored[0].Key != old.Key || stored[1].Kind != "INVOICE" {
		t.Errorf("%d events stored, want 1204, the first recorded first", len(stored))
	}
}

func testWorkDemand(t *testing.T, open Opener) {
	b := setup(t, open)
	a, other := b.account(t, "A"), b.account(t, "B")
	ctx := b.ctx
	wanted := func(acct int64, kind string) bool {
		t.Helper()
		ok, err := b.st.WorkRequested(ctx, acct, kind)
		must(t, "WorkRequested", err)
		return ok
	}
	if wanted(a.ID, "export_invoices") {
		t.Fatal("work requested before any request")
	}
	must(t, "RequestWork", b.st.RequestWork(ctx, a.ID, "export_invoices"))
	must(t, "RequestWork again", b.st.RequestWork(ctx, a.ID, "export_invoices"))
	if !wanted(a.ID, "export_invoices") || wanted(a.ID, "write_back") || wanted(other.ID, "export_invoices") {
		t.Fatal("a request shows for the wrong account or kind")
	}
	took, err := b.st.TakeWork(ctx, a.ID, "export_invoices")
	must(t, "TakeWork", err)
	if !took || wanted(a.ID, "export_invoices") {
		t.Fatalf("TakeWork = %v and the request is still there: %v", took, wanted(a.ID, "export_invoices"))
	}
	if took, _ := b.st.TakeWork(ctx, a.ID, "export_invoices"); took {
		t.Error("a second TakeWork found a request")
	}
	// A request made in a rolled-back transaction is not there.
	_ = b.st.WithTx(ctx, func(tx *store.Tx) error {
		must(t, "RequestWork in tx", tx.RequestWork(ctx, a.ID, "export_invoices"))
		return context.Canceled
	})
	if wanted(a.ID, "export_invoices") {
		t.Error("a rolled-back request is visible")
	}
}

func testWebhookHealth(t *testing.T, open Opener) {
	b := setup(t, open)
	a, other := b.account(t, "A"), b.account(t, "B")
	ctx := b.ctx
	h, err := b.st.WebhookHealthOf(ctx, a.ID)
	must(t, "WebhookHealthOf", err)
	if len(h) != 0 {
		t.Fatalf("health before any delivery = %+v", h)
	}
	must(t, "NoteWebhookDelivery", b.st.NoteWebhookDelivery(ctx, a.ID, store.SourceXero, ts(0), 3, 0))
	must(t, "NoteWebhookDelivery", b.st.NoteWebhookDelivery(ctx, a.ID, store.SourceXero, ts(time.Minute), 2, 2))
	must(t, "NoteWebhookFailure", b.st.NoteWebhookFailure(ctx, a.ID, store.SourceShipStation, ts(2*time.Minute), "resource_url host evil.example"))
	must(t, "NoteWebhookDelivery other", b.st.NoteWebhookDelivery(ctx, other.ID, store.SourceXero, ts(time.Hour), 1, 0))
	h, err = b.st.WebhookHealthOf(ctx, a.ID)
	must(t, "WebhookHealthOf", err)
	x := h[store.SourceXero]
	if !x.LastDeliveryAt.Equal(ts(time.Minute)) || x.Deliveries != 2 || x.Events != 5 || x.Duplicates != 2 || x.Failures != 0 || !x.LastFailureAt.IsZero() {
		t.Errorf("xero health = %+v", x)
	}
	s := h[store.SourceShipStation]
	if !s.LastDeliveryAt.IsZero() || s.Failures != 1 || !s.LastFailureAt.Equal(ts(2*time.Minute)) || !strings.Contains(s.LastFailure, "evil.example") {
		t.Errorf("shipstation health = %+v", s)
	}
}

func testTenantRouting(t *testing.T, open Opener) {
	b := setup(t, open)
	ctx := b.ctx
	a, other, gone := b.account(t, "A"), b.account(t, "Other"), b.account(t, "Gone")
	save := func(acct int64, kind store.ConnectionKind, meta store.ConnectionMetadata) {
		t.Helper()
		must(t, "SaveConnection", b.st.SaveConnection(ctx, acct, kind, meta, []byte(`{"x":1}`)))
	}
	// The organisation was connected to Gone, which let it go before A
	// connected it (one account per organisation at a time).
	save(gone.ID, store.KindXero, store.ConnectionMetadata{TenantID: "t-1"})
	must(t, "Disconnect", b.st.Disconnect(ctx, gone.ID, store.KindXero))
	save(a.ID, store.KindXero, store.ConnectionMetadata{TenantID: "t-1"})
	save(other.ID, store.KindXero, store.ConnectionMetadata{TenantID: "t-2"})
	got, err := b.st.XeroTenantAccounts(ctx, "t-1")
	must(t, "XeroTenantAccounts", err)
	if len(got) != 1 || got[0] != a.ID {
		t.Errorf("accounts of t-1 = %v, want [%d] (not the disconnected one)", got, a.ID)
	}
	if got, _ := b.st.XeroTenantAccounts(ctx, "t-3"); len(got) != 0 {
		t.Errorf("accounts of an unknown tenant = %v", got)
	}
	if got, _ := b.st.XeroTenantAccounts(ctx, "t-1' OR '1'='1"); len(got) != 0 {
		t.Errorf("a quoted tenant id matched %v", got)
	}
}

func testShipStationHooks(t *testing.T, open Opener) {
	b := setup(t, open)
	ctx := b.ctx
	a, other := b.account(t, "A"), b.account(t, "B")
	_, err := b.st.ShipStationHookOf(ctx, a.ID)
	wantNotFound(t, "hook before subscribing", err)
	if _, err := b.st.ShipStationHookBySecret(ctx, "nothing"); err == nil {
		t.Fatal("a secret matched before any hook")
	}
	must(t, "SaveShipStationHook", b.st.SaveShipStationHook(ctx, store.ShipStationHook{AccountID: a.ID, SecretHash: store.HashHookSecret("s3cret-a"), StoreID: 7}))
	must(t, "SaveShipStationHook", b.st.SaveShipStationHook(ctx, store.ShipStationHook{AccountID: other.ID, SecretHash: store.HashHookSecret("s3cret-b"), WebhookID: 9, StoreID: 8}))
	h, err := b.st.ShipStationHookBySecret(ctx, "s3cret-a")
	must(t, "ShipStationHookBySecret", err)
	if h.AccountID != a.ID || h.StoreID != 7 || h.WebhookID != 0 {
		t.Errorf("hook = %+v", h)
	}
	if _, err := b.st.ShipStationHookBySecret(ctx, "s3cret-"); err == nil {
		t.Error("a prefix of the secret matched")
	}
	// Subscribed: the id is recorded; a new secret replaces the old one.
	must(t, "SaveShipStationHook", b.st.SaveShipStationHook(ctx, store.ShipStationHook{AccountID: a.ID, SecretHash: store.HashHookSecret("rotated"), WebhookID: 42, StoreID: 7}))
	_, err = b.st.ShipStationHookBySecret(ctx, "s3cret-a")
	wantNotFound(t, "the replaced secret", err)
	h, err = b.st.ShipStationHookOf(ctx, a.ID)
	must(t, "ShipStationHookOf", err)
	if h.WebhookID != 42 || h.SecretHash != store.HashHookSecret("rotated") {
		t.Errorf("hook after replacing = %+v", h)
	}
	if strings.Contains(b.dump(t), "rotated") || strings.Contains(b.dump(t), "s3cret-b") {
		t.Error("a hook secret is stored in the clear")
	}
	must(t, "DeleteShipStationHook", b.st.DeleteShipStationHook(ctx, a.ID))
	must(t, "DeleteShipStationHook again", b.st.DeleteShipStationHook(ctx, a.ID))
	_, err = b.st.ShipStationHookOf(ctx, a.ID)
	wantNotFound(t, "deleted hook", err)
	if _, err := b.st.ShipStationHookBySecret(ctx, "s3cret-b"); err != nil {
		t.Errorf("deleting one account's hook touched another's: %v", err)
	}
}

// WebhookEvents returns every account's recorded webhook events, oldest
// first, read from DumpTables (ReceivedAt is left zero): what tests of
// the receivers and the worker check across accounts.
func WebhookEvents(tb testing.TB, st *store.Store) []store.WebhookEvent {
	tb.Helper()
	var buf bytes.Buffer
	if err := st.DumpTables(tb.Context(), &buf); err != nil {
		tb.Fatal(err)
	}
	var out []store.WebhookEvent
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		row, ok := strings.CutPrefix(sc.Text(), "webhook_event: ")
		if !ok {
			continue
		}
		var r struct {
			ID       int64  `json:"id"`
			Account  int64  `json:"account_id"`
			Source   string `json:"source"`
			Key      string `json:"event_key"`
			Kind     string `json:"kind"`
			Resource string `json:"resource"`
			State    string `json:"state"`
			Detail   string `json:"detail"`
		}
		if err := json.Unmarshal([]byte(row), &r); err != nil {
			tb.Fatalf("webhook_event row %s: %v", row, err)
		}
		out = append(out, store.WebhookEvent{ID: r.ID, AccountID: r.Account, Source: store.WebhookSource(r.Source), Key: r.Key,
			Kind: r.Kind, Resource: r.Resource, State: store.WebhookEventState(r.State), Detail: r.Detail})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	slices.SortFunc(out, func(a, b store.WebhookEvent) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

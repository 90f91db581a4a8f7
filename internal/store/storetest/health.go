package storetest

import (
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

// testAccountFacts: one read of every account's health facts (the
// operator's metrics) says which connection needs reconnecting, each
// account's Xero quota and its Xero webhook deliveries and swept changes,
// and lists an account with none of them too.
func testAccountFacts(t *testing.T, open Opener) {
	b := setup(t, open)
	quiet, lapsed, busy := b.account(t, "Quiet"), b.account(t, "Lapsed"), b.account(t, "Busy")
	now := time.Now().UTC().Truncate(time.Millisecond)
	creds := store.ShipStationCredentials{APIKey: "k", APISecret: "s"}
	must(t, "SaveShipStationConnection", b.st.SaveShipStationConnection(b.ctx, lapsed.ID, store.ConnectionMetadata{StoreID: 1}, creds))
	must(t, "SetConnectionStatus", b.st.SetConnectionStatus(b.ctx, lapsed.ID, store.KindShipStation, store.StatusReconnectNeeded, "key refused"))
	must(t, "NoteXeroDayRemaining", b.st.NoteXeroDayRemaining(b.ctx, busy.ID, 42, now))
	must(t, "NoteWebhookDelivery", b.st.NoteWebhookDelivery(b.ctx, busy.ID, store.SourceXero, now.Add(-2*time.Hour), 1, 0))
	must(t, "NoteSweptChanges", b.st.NoteSweptChanges(b.ctx, busy.ID, store.SourceXero,
		[]store.SweptChange{{Resource: "inv-1", ChangedAt: now.Add(-time.Hour)}}))

	facts, err := b.st.AllAccountFacts(b.ctx)
	must(t, "AllAccountFacts", err)
	byID := map[int64]store.AccountFacts{}
	for _, f := range facts {
		byID[f.AccountID] = f
	}
	if len(facts) != 3 {
		t.Fatalf("%d accounts' facts, want 3: %+v", len(facts), facts)
	}
	if f := byID[quiet.ID]; f.ReconnectNeeded || !f.XeroQuota.SeenAt.IsZero() || !f.XeroWebhook.LastDeliveryAt.IsZero() {
		t.Errorf("quiet account: %+v", f)
	}
	if f := byID[lapsed.ID]; !f.ReconnectNeeded {
		t.Errorf("lapsed account: %+v, want reconnect needed", f)
	}
	f := byID[busy.ID]
	if f.ReconnectNeeded || f.XeroQuota.DayRemaining != 42 || !f.XeroQuota.SeenAt.Equal(now) {
		t.Errorf("busy account quota: %+v", f.XeroQuota)
	}
	if !f.XeroWebhook.LastDeliveryAt.Equal(now.Add(-2*time.Hour)) || len(f.XeroWebhook.SweptChanges) != 1 || f.XeroWebhook.MissedChanges(now) != 1 {
		t.Errorf("busy account webhook: %+v, want one missed change", f.XeroWebhook)
	}
}

package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

func testAlertAcks(t *testing.T, open Opener) {
	b := setup(t, open)
	a1, a2 := b.account(t, "Acme"), b.account(t, "Globex")
	must(t, "AcknowledgeAlert", b.st.AcknowledgeAlert(b.ctx, a1.ID, "invoice:inv-1", "f1", 0))
	must(t, "AcknowledgeAlert again", b.st.AcknowledgeAlert(b.ctx, a1.ID, "invoice:inv-1", "f2", 0))
	must(t, "AcknowledgeAlert", b.st.AcknowledgeAlert(b.ctx, a1.ID, "problem:sync_off", "p", 0))
	got, err := b.st.AcknowledgedAlerts(b.ctx, a1.ID)
	must(t, "AcknowledgedAlerts", err)
	if len(got) != 2 || got["invoice:inv-1"] != "f2" || got["problem:sync_off"] != "p" {
		t.Errorf("acks = %v", got)
	}
	other, err := b.st.AcknowledgedAlerts(b.ctx, a2.ID)
	must(t, "AcknowledgedAlerts", err)
	if len(other) != 0 {
		t.Errorf("another account sees acks %v", other)
	}
	must(t, "ForgetAcknowledgement", b.st.ForgetAcknowledgement(b.ctx, a1.ID, "problem:sync_off"))
	got, _ = b.st.AcknowledgedAlerts(b.ctx, a1.ID)
	if _, ok := got["problem:sync_off"]; ok || len(got) != 1 {
		t.Errorf("after forget: %v", got)
	}
	if err := b.st.AcknowledgeAlert(b.ctx, a1.ID, "", "f", 0); err == nil {
		t.Error("an empty key was accepted")
	}
}

func testInvites(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	now := time.Now().UTC()
	must(t, "CreateInvite", b.st.CreateInvite(b.ctx, "tok-1", store.Invite{AccountID: a.ID, Email: " Cat@Example.com ", ExpiresAt: now.Add(time.Hour)}))
	must(t, "CreateInvite", b.st.CreateInvite(b.ctx, "tok-old", store.Invite{AccountID: a.ID, Email: "dan@example.com", ExpiresAt: now.Add(-time.Minute)}))
	inv, err := b.st.InviteByToken(b.ctx, "tok-1")
	must(t, "InviteByToken", err)
	if inv.AccountID != a.ID || inv.Email != "cat@example.com" || !inv.UsedAt.IsZero() {
		t.Errorf("invite = %+v", inv)
	}
	if _, err := b.st.InviteByToken(b.ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	used, err := b.st.UseInvite(b.ctx, "tok-1")
	must(t, "UseInvite", err)
	if used.UsedAt.IsZero() {
		t.Errorf("used invite = %+v", used)
	}
	if _, err := b.st.UseInvite(b.ctx, "tok-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second use: %v", err)
	}
	if _, err := b.st.UseInvite(b.ctx, "tok-old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired use: %v", err)
	}
}

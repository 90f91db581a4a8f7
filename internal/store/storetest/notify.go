package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

// The notifier's tables: open problems, mail claims, opt-outs; and the
// password reset tokens.

func testProblemsAndClaims(t *testing.T, open Opener) {
	b := setup(t, open)
	acme := b.account(t, "Acme")
	u, err := b.st.CreateUser(b.ctx, acme.ID, "ann@example.com", "Ann", "h")
	must(t, "CreateUser", err)

	failed := store.AccountProblem{Kind: "invoices_failed", Text: "1 invoice failed", Action: "See", Link: "#attention"}
	open1, err := b.st.SyncProblems(b.ctx, acme.ID, []store.AccountProblem{failed}, ts(0))
	must(t, "SyncProblems", err)
	if len(open1) != 1 || open1[0].Episode != 1 || !open1[0].OpenedAt.Equal(ts(0)) {
		t.Fatalf("first sync = %+v, want episode 1 opened at %v", open1, ts(0))
	}
	failed.Text = "2 invoices failed"
	again, err := b.st.SyncProblems(b.ctx, acme.ID, []store.AccountProblem{failed}, ts(time.Hour))
	must(t, "SyncProblems", err)
	if len(again) != 1 || again[0].Episode != 1 || !again[0].OpenedAt.Equal(ts(0)) || again[0].Text != "2 invoices failed" {
		t.Errorf("still open = %+v, want episode 1 from %v with the new text", again, ts(0))
	}
	cleared, err := b.st.SyncProblems(b.ctx, acme.ID, nil, ts(2*time.Hour))
	must(t, "SyncProblems", err)
	if len(cleared) != 0 {
		t.Errorf("after clearing: %+v", cleared)
	}
	back, err := b.st.SyncProblems(b.ctx, acme.ID, []store.AccountProblem{failed}, ts(3*time.Hour))
	must(t, "SyncProblems", err)
	if len(back) != 1 || back[0].Episode != 2 || !back[0].OpenedAt.Equal(ts(3*time.Hour)) {
		t.Errorf("back again = %+v, want episode 2", back)
	}

	// A claim is taken once; released, it can be taken again; a claim
	// never marked sent is taken over only once stale.
	claim := func(key string, at time.Time) bool {
		ok, err := b.st.ClaimNotification(b.ctx, key, acme.ID, u.ID, "invoices_failed", at, 10*time.Minute)
		must(t, "ClaimNotification", err)
		return ok
	}
	if !claim("k1", ts(0)) || claim("k1", ts(time.Minute)) {
		t.Error("a claim was not taken once")
	}
	must(t, "ReleaseNotification", b.st.ReleaseNotification(b.ctx, "k1"))
	if !claim("k1", ts(2*time.Minute)) {
		t.Error("a released claim was not taken again")
	}
	if claim("k1", ts(5*time.Minute)) || !claim("k1", ts(13*time.Minute)) {
		t.Error("an unsent claim should be taken over only after 10 minutes")
	}
	if sent, err := b.st.NotificationSent(b.ctx, "k1"); err != nil || sent {
		t.Errorf("NotificationSent before the mark = %v, %v", sent, err)
	}
	must(t, "MarkNotificationSent", b.st.MarkNotificationSent(b.ctx, "k1", ts(14*time.Minute)))
	if sent, err := b.st.NotificationSent(b.ctx, "k1"); err != nil || !sent {
		t.Errorf("NotificationSent after the mark = %v, %v", sent, err)
	}
	must(t, "ReleaseNotification", b.st.ReleaseNotification(b.ctx, "k1"))
	if claim("k1", ts(48*time.Hour)) {
		t.Error("a sent mail was claimed again")
	}
	wantNotFound(t, "MarkNotificationSent(unknown)", b.st.MarkNotificationSent(b.ctx, "nope", ts(0)))
	if !claim("k2", ts(20*time.Minute)) {
		t.Fatal("claim k2")
	}
	for _, c := range []struct {
		acct, user int64
		want       int
	}{{0, 0, 2}, {acme.ID, 0, 2}, {0, u.ID, 2}, {acme.ID + 99, 0, 0}} {
		n, err := b.st.NotificationsSince(b.ctx, ts(0), c.acct, c.user)
		if err != nil || n != c.want {
			t.Errorf("NotificationsSince(account %d, user %d) = %d, %v; want %d", c.acct, c.user, n, err, c.want)
		}
	}

	must(t, "SetNotificationOptOuts", b.st.SetNotificationOptOuts(b.ctx, u.ID, []string{"xero_quota", "contacts_waiting"}))
	must(t, "SetNotificationOptOuts", b.st.SetNotificationOptOuts(b.ctx, u.ID, []string{"xero_quota"}))
	off, err := b.st.NotificationOptOuts(b.ctx, u.ID)
	must(t, "NotificationOptOuts", err)
	if len(off) != 1 || !off["xero_quota"] {
		t.Errorf("opt-outs = %v, want only xero_quota", off)
	}
}

func testPasswordResets(t *testing.T, open Opener) {
	b := setup(t, open)
	acme := b.account(t, "Acme")
	u, err := b.st.CreateUser(b.ctx, acme.ID, "ann@example.com", "Ann", "h")
	must(t, "CreateUser", err)
	const token = "reset-token-that-must-never-be-stored"
	must(t, "CreatePasswordReset", b.st.CreatePasswordReset(b.ctx, token, u.ID, ts(0), ts(time.Hour)))
	must(t, "CreatePasswordReset", b.st.CreatePasswordReset(b.ctx, "second", u.ID, ts(time.Minute), ts(time.Hour)))
	if dump := b.dump(t); strings.Contains(dump, token) || !strings.Contains(dump, "password_reset: ") {
		t.Errorf("the reset tokens are not stored, or stored as they are:\n%s", dump)
	}
	if n, err := b.st.PasswordResetsSince(b.ctx, u.ID, ts(-time.Second)); err != nil || n != 2 {
		t.Errorf("PasswordResetsSince = %d, %v; want 2", n, err)
	}
	if id, err := b.st.PasswordResetUser(b.ctx, token, ts(30*time.Minute)); err != nil || id != u.ID {
		t.Errorf("PasswordResetUser = %d, %v", id, err)
	}
	if _, err := b.st.PasswordResetUser(b.ctx, token, ts(time.Hour)); !errors.Is(err, store.ErrResetInvalid) {
		t.Errorf("an expired token: %v, want ErrResetInvalid", err)
	}
	if id, err := b.st.UsePasswordReset(b.ctx, token, ts(30*time.Minute)); err != nil || id != u.ID {
		t.Fatalf("UsePasswordReset = %d, %v", id, err)
	}
	for _, tok := range []string{token, "second", "unknown"} {
		if _, err := b.st.UsePasswordReset(b.ctx, tok, ts(31*time.Minute)); !errors.Is(err, store.ErrResetInvalid) {
			t.Errorf("UsePasswordReset(%s) after use = %v, want ErrResetInvalid", tok, err)
		}
	}
	n, err := b.st.PurgePasswordResets(b.ctx, ts(2*time.Hour))
	if err != nil || n != 2 {
		t.Errorf("PurgePasswordResets = %d, %v; want 2", n, err)
	}
}

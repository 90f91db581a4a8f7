package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

// The web app's tables: users, sessions and failed sign-ins.

func testUsers(t *testing.T, open Opener) {
	b := setup(t, open)
	acme, other := b.account(t, "Acme"), b.account(t, "Other")

	u, err := b.st.CreateUser(b.ctx, acme.ID, "  Ann@Example.COM ", " Ann ", "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA")
	must(t, "CreateUser", err)
	if u.ID == 0 || u.Email != "ann@example.com" || u.Name != "Ann" || u.AccountID != acme.ID {
		t.Errorf("CreateUser = %+v", u)
	}
	// An email is one user across all accounts, whatever its case.
	if _, err := b.st.CreateUser(b.ctx, other.ID, "ANN@example.com", "", "h"); !errors.Is(err, store.ErrEmailTaken) {
		t.Errorf("CreateUser(taken email) = %v, want ErrEmailTaken", err)
	}
	for _, bad := range []struct{ email, hash string }{{" ", "h"}, {"x@example.com", ""}} {
		if _, err := b.st.CreateUser(b.ctx, acme.ID, bad.email, "", bad.hash); err == nil {
			t.Errorf("CreateUser(%q, %q) succeeded", bad.email, bad.hash)
		}
	}

	got, err := b.st.UserByEmail(b.ctx, "ann@EXAMPLE.com")
	must(t, "UserByEmail", err)
	if got.ID != u.ID || got.PasswordHash != u.PasswordHash || !got.LastSignInAt.IsZero() {
		t.Errorf("UserByEmail = %+v, want %+v", got, u)
	}
	_, err = b.st.UserByEmail(b.ctx, "nobody@example.com")
	wantNotFound(t, "UserByEmail(unknown)", err)
	_, err = b.st.User(b.ctx, u.ID+1000)
	wantNotFound(t, "User(unknown)", err)

	must(t, "SetPasswordHash", b.st.SetPasswordHash(b.ctx, u.ID, "new-hash"))
	must(t, "RecordSignIn", b.st.RecordSignIn(b.ctx, u.ID))
	got, err = b.st.User(b.ctx, u.ID)
	must(t, "User", err)
	if got.PasswordHash != "new-hash" || got.LastSignInAt.IsZero() {
		t.Errorf("after SetPasswordHash and RecordSignIn: %+v", got)
	}
	wantNotFound(t, "SetPasswordHash(unknown)", b.st.SetPasswordHash(b.ctx, u.ID+1000, "h"))
	wantNotFound(t, "RecordSignIn(unknown)", b.st.RecordSignIn(b.ctx, u.ID+1000))

	bob, err := b.st.CreateUser(b.ctx, other.ID, "bob@example.com", "Bob", "h")
	must(t, "CreateUser(bob)", err)
	list, err := b.st.ListUsers(b.ctx, acme.ID)
	must(t, "ListUsers", err)
	if len(list) != 1 || list[0].ID != u.ID {
		t.Errorf("ListUsers(acme) = %+v, want only Ann", list)
	}

	// Deleting an account deletes its users, and only its users.
	must(t, "DeleteAccount", b.st.DeleteAccount(b.ctx, acme.ID))
	_, err = b.st.User(b.ctx, u.ID)
	wantNotFound(t, "User after DeleteAccount", err)
	if _, err := b.st.User(b.ctx, bob.ID); err != nil {
		t.Errorf("other account's user gone: %v", err)
	}
}

func testSessions(t *testing.T, open Opener) {
	b := setup(t, open)
	acme := b.account(t, "Acme")
	u, err := b.st.CreateUser(b.ctx, acme.ID, "ann@example.com", "Ann", "h")
	must(t, "CreateUser", err)

	const token = "cookie-token-that-must-never-be-stored"
	future := time.Now().Add(time.Hour)
	must(t, "CreateSession", b.st.CreateSession(b.ctx, token, u.ID, "csrf-1", future))
	s, err := b.st.SessionByToken(b.ctx, token)
	must(t, "SessionByToken", err)
	if s.UserID != u.ID || s.AccountID != acme.ID || s.CSRFToken != "csrf-1" || string(s.Data) != "{}" {
		t.Errorf("SessionByToken = %+v", s)
	}
	_, err = b.st.SessionByToken(b.ctx, token+"x")
	wantNotFound(t, "SessionByToken(wrong token)", err)

	// The token itself is never stored, only its hash.
	var dump strings.Builder
	must(t, "DumpTables", b.st.DumpTables(b.ctx, &dump))
	if strings.Contains(dump.String(), token) {
		t.Error("session token stored in the clear")
	}

	must(t, "SetSessionData", b.st.SetSessionData(b.ctx, token, []byte(`{"xero_state":"s"}`)))
	s, err = b.st.SessionByToken(b.ctx, token)
	must(t, "SessionByToken", err)
	if string(s.Data) != `{"xero_state":"s"}` {
		t.Errorf("Data = %s", s.Data)
	}
	later := future.Add(time.Hour).UTC().Truncate(time.Microsecond)
	must(t, "ExtendSession", b.st.ExtendSession(b.ctx, token, later))
	s, err = b.st.SessionByToken(b.ctx, token)
	must(t, "SessionByToken", err)
	if !s.ExpiresAt.Equal(later) {
		t.Errorf("ExpiresAt = %v, want %v", s.ExpiresAt, later)
	}

	// An expired session is not found, cannot be changed, and is purged.
	const old = "expired-token"
	must(t, "CreateSession(expired)", b.st.CreateSession(b.ctx, old, u.ID, "csrf-2", time.Now().Add(-time.Minute)))
	_, err = b.st.SessionByToken(b.ctx, old)
	wantNotFound(t, "SessionByToken(expired)", err)
	wantNotFound(t, "SetSessionData(expired)", b.st.SetSessionData(b.ctx, old, nil))
	wantNotFound(t, "ExtendSession(expired)", b.st.ExtendSession(b.ctx, old, future))
	n, err := b.st.PurgeExpiredSessions(b.ctx)
	must(t, "PurgeExpiredSessions", err)
	if n != 1 {
		t.Errorf("PurgeExpiredSessions = %d, want 1", n)
	}

	// Sign out ends one session; DeleteUserSessions ends them all.
	must(t, "CreateSession(second)", b.st.CreateSession(b.ctx, "second", u.ID, "csrf-3", future))
	must(t, "DeleteSession", b.st.DeleteSession(b.ctx, token))
	must(t, "DeleteSession(again)", b.st.DeleteSession(b.ctx, token))
	_, err = b.st.SessionByToken(b.ctx, token)
	wantNotFound(t, "SessionByToken after DeleteSession", err)
	if _, err := b.st.SessionByToken(b.ctx, "second"); err != nil {
		t.Errorf("other session ended too: %v", err)
	}
	n, err = b.st.DeleteUserSessions(b.ctx, u.ID)
	must(t, "DeleteUserSessions", err)
	if n != 1 {
		t.Errorf("DeleteUserSessions = %d, want 1", n)
	}

	// ResetPassword sets the hash and ends every session, together: a
	// refused hash ends none.
	must(t, "CreateSession(third)", b.st.CreateSession(b.ctx, "third", u.ID, "csrf-4", future))
	if _, err := b.st.ResetPassword(b.ctx, u.ID, ""); err == nil {
		t.Error("ResetPassword with an empty hash succeeded")
	}
	if _, err := b.st.SessionByToken(b.ctx, "third"); err != nil {
		t.Errorf("a refused ResetPassword ended the session: %v", err)
	}
	n, err = b.st.ResetPassword(b.ctx, u.ID, "reset-hash")
	must(t, "ResetPassword", err)
	if got, err := b.st.User(b.ctx, u.ID); n != 1 || err != nil || got.PasswordHash != "reset-hash" {
		t.Errorf("ResetPassword = %d; user %+v, %v: want 1 session ended and the new hash", n, got, err)
	}
	if err := b.st.CreateSession(b.ctx, "", u.ID, "c", future); err == nil {
		t.Error("CreateSession with an empty token succeeded")
	}
}

func testLoginFailures(t *testing.T, open Opener) {
	b := setup(t, open)
	start := time.Now().Add(-time.Minute)
	pair := store.LoginLimit{Key: "pair:ann@example.com|192.0.2.1", Since: start}
	ip := store.LoginLimit{Key: "ip:192.0.2.1", Since: start}
	for i := range 3 {
		a, err := b.st.BeginLoginAttempt(b.ctx, pair, ip)
		must(t, "BeginLoginAttempt", err)
		if len(a.Counts) != 2 || a.Counts[0].N != i+1 || a.Counts[1].N != i+1 || a.Counts[0].Oldest.Before(start) {
			t.Errorf("attempt %d: counts %+v, want %d each", i+1, a.Counts, i+1)
		}
	}
	// Only attempts after since count.
	a, err := b.st.BeginLoginAttempt(b.ctx, store.LoginLimit{Key: ip.Key, Since: time.Now().Add(time.Minute)})
	must(t, "BeginLoginAttempt(future)", err)
	if a.Counts[0].N != 0 {
		t.Errorf("attempts since the future = %+v", a.Counts)
	}
	// A refused attempt is forgotten: the next counts as if it never was.
	must(t, "ForgetLoginAttempt", b.st.ForgetLoginAttempt(b.ctx, a))
	a, err = b.st.BeginLoginAttempt(b.ctx, ip)
	must(t, "BeginLoginAttempt", err)
	must(t, "ForgetLoginAttempt", b.st.ForgetLoginAttempt(b.ctx, a))
	if a.Counts[0].N != 4 {
		t.Errorf("ip count after a forgotten attempt = %d, want 4", a.Counts[0].N)
	}
	// A success is no failure; the failures before it stay.
	ok, err := b.st.BeginLoginAttempt(b.ctx, pair, ip)
	must(t, "BeginLoginAttempt", err)
	must(t, "SucceedLoginAttempt", b.st.SucceedLoginAttempt(b.ctx, ok))
	a, err = b.st.BeginLoginAttempt(b.ctx, pair, ip)
	must(t, "BeginLoginAttempt", err)
	if a.Counts[0].N != 4 || a.Counts[1].N != 4 {
		t.Errorf("after a success: counts %+v, want 4 each (3 failures and itself)", a.Counts)
	}
	if _, err := b.st.BeginLoginAttempt(b.ctx); err != nil {
		t.Errorf("BeginLoginAttempt(no limits): %v", err)
	}
	err = b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		_, err := tx.BeginLoginAttempt(b.ctx, ip)
		return err
	})
	if !errors.Is(err, store.ErrLoginInTx) {
		t.Errorf("BeginLoginAttempt in a transaction: %v, want ErrLoginInTx", err)
	}
	purged, err := b.st.PurgeLoginFailures(b.ctx, time.Now().Add(time.Minute))
	must(t, "PurgeLoginFailures", err)
	if purged != 8 {
		t.Errorf("PurgeLoginFailures = %d, want 8", purged)
	}

	// Sign-in clients.
	known, err := b.st.KnownSignInClient(b.ctx, "ann@example.com", "192.0.2.1", start)
	must(t, "KnownSignInClient", err)
	if known {
		t.Error("a client is known before any sign-in")
	}
	must(t, "RememberSignInClient", b.st.RememberSignInClient(b.ctx, "Ann@Example.com", "192.0.2.1"))
	must(t, "RememberSignInClient again", b.st.RememberSignInClient(b.ctx, "ann@example.com", "192.0.2.1"))
	for _, tc := range []struct {
		email, client string
		since         time.Time
		want          bool
	}{
		{"ann@example.com", "192.0.2.1", start, true},
		{"ANN@example.com", "192.0.2.1", start, true},
		{"ann@example.com", "192.0.2.2", start, false},
		{"bob@example.com", "192.0.2.1", start, false},
		{"ann@example.com", "192.0.2.1", time.Now().Add(time.Minute), false},
	} {
		got, err := b.st.KnownSignInClient(b.ctx, tc.email, tc.client, tc.since)
		must(t, "KnownSignInClient", err)
		if got != tc.want {
			t.Errorf("KnownSignInClient(%s, %s, %v) = %v", tc.email, tc.client, tc.since, got)
		}
	}
	n, err := b.st.PurgeSignInClients(b.ctx, time.Now().Add(time.Minute))
	must(t, "PurgeSignInClients", err)
	if n != 1 {
		t.Errorf("PurgeSignInClients = %d, want 1", n)
	}
}

// testLoginAttemptsConcurrent is the race of issue 15 at the store: many
// simultaneous attempts under one key, over the store's whole connection
// pool (on PostgreSQL, as from many processes). However they interleave,
// no more than limit of them may see a count within limit; the refused
// ones are forgotten, as the web app does, and the next attempt counts
// exactly those that were let through, plus itself.
func testLoginAttemptsConcurrent(t *testing.T, open Opener) {
	b := setup(t, open)
	const limit, n = 5, 40
	l := store.LoginLimit{Key: "pair:ann@example.com|192.0.2.1", Since: time.Now().Add(-time.Hour)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	within := 0
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			a, err := b.st.BeginLoginAttempt(b.ctx, l)
			if err != nil {
				t.Error(err)
				return
			}
			if a.Counts[0].N <= limit {
				mu.Lock()
				within++
				mu.Unlock()
				return
			}
			if err := b.st.ForgetLoginAttempt(b.ctx, a); err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if within > limit {
		t.Errorf("%d of %d simultaneous attempts saw a count within %d", within, n, limit)
	}
	a, err := b.st.BeginLoginAttempt(b.ctx, l)
	must(t, "BeginLoginAttempt", err)
	if a.Counts[0].N != within+1 {
		t.Errorf("after the burst: count %d, want %d let through + 1", a.Counts[0].N, within)
	}
}

// testUserAdmin covers the operators' marks: admin, disable (which ends
// the sessions and refuses the sign-in lookup) and enable.
func testUserAdmin(t *testing.T, open Opener) {
	b := setup(t, open)
	acme, other := b.account(t, "Acme"), b.account(t, "Other")
	ann, err := b.st.CreateUser(b.ctx, acme.ID, "ann@example.com", "Ann", "h")
	must(t, "CreateUser", err)
	bob, err := b.st.CreateUser(b.ctx, other.ID, "bob@example.com", "Bob", "h")
	must(t, "CreateUser(bob)", err)
	if ann.Admin || ann.Disabled() {
		t.Errorf("a new user is %+v, want neither admin nor disabled", ann)
	}
	must(t, "SetUserAdmin", b.st.SetUserAdmin(b.ctx, ann.ID, true))
	wantNotFound(t, "SetUserAdmin(unknown)", b.st.SetUserAdmin(b.ctx, bob.ID+1000, true))

	future := time.Now().Add(time.Hour)
	must(t, "CreateSession", b.st.CreateSession(b.ctx, "ann-1", ann.ID, "c", future))
	must(t, "CreateSession", b.st.CreateSession(b.ctx, "ann-2", ann.ID, "c", future))
	must(t, "CreateSession", b.st.CreateSession(b.ctx, "bob-1", bob.ID, "c", future))
	n, err := b.st.DisableUser(b.ctx, ann.ID)
	must(t, "DisableUser", err)
	if n != 2 {
		t.Errorf("DisableUser ended %d sessions, want 2", n)
	}
	_, err = b.st.SessionByToken(b.ctx, "ann-1")
	wantNotFound(t, "SessionByToken(disabled user)", err)
	if _, err := b.st.SessionByToken(b.ctx, "bob-1"); err != nil {
		t.Errorf("another user's session ended: %v", err)
	}
	_, err = b.st.UserByEmail(b.ctx, "ann@example.com")
	if !errors.Is(err, store.ErrUserDisabled) || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByEmail(disabled) = %v, want ErrUserDisabled and ErrNotFound", err)
	}
	got, err := b.st.FindUser(b.ctx, "ANN@example.com")
	must(t, "FindUser", err)
	if !got.Admin || !got.Disabled() {
		t.Errorf("FindUser = %+v, want an admin, disabled", got)
	}
	_, err = b.st.DisableUser(b.ctx, bob.ID+1000)
	wantNotFound(t, "DisableUser(unknown)", err)

	all, err := b.st.AllUsers(b.ctx)
	must(t, "AllUsers", err)
	if len(all) != 2 || all[0].ID != ann.ID || all[1].ID != bob.ID {
		t.Errorf("AllUsers = %+v, want Ann then Bob", all)
	}
	must(t, "EnableUser", b.st.EnableUser(b.ctx, ann.ID))
	if _, err := b.st.UserByEmail(b.ctx, "ann@example.com"); err != nil {
		t.Errorf("UserByEmail after EnableUser: %v", err)
	}
}

// testPurgeAccount: PurgeAccount leaves no row naming the account in any
// table with an account_id (found in the catalogue), nor its River jobs,
// sessions or failed sign-ins, and leaves another account whole.
func testPurgeAccount(t *testing.T, open Opener) {
	b := setup(t, open)
	ctx := b.ctx
	acme, other := b.account(t, "Acme"), b.account(t, "Other")
	fill := func(acct store.Account, email string) {
		must(t, "SaveShipStationConnection", b.st.SaveShipStationConnection(ctx, acct.ID, store.ConnectionMetadata{StoreID: acct.ID},
			store.ShipStationCredentials{APIKey: "k", APISecret: "s"}))
		u, err := b.st.CreateUser(ctx, acct.ID, email, "", "h")
		must(t, "CreateUser", err)
		must(t, "CreateSession", b.st.CreateSession(ctx, "tok-"+email, u.ID, "c", time.Now().Add(time.Hour)))
		_, err = b.st.BeginLoginAttempt(ctx, store.LoginLimit{Key: "email:" + email, Since: time.Now().Add(-time.Hour)},
			store.LoginLimit{Key: "pair:" + email + "|192.0.2.1", Since: time.Now().Add(-time.Hour)},
			store.LoginLimit{Key: store.SignInPairDayKey(email, "192.0.2.1"), Since: time.Now().Add(-time.Hour)})
		must(t, "BeginLoginAttempt", err)
		_, err = b.st.AppendLog(ctx, store.LogEntry{AccountID: acct.ID, Direction: store.XeroToShipStation, Outcome: store.OutcomeFailed, Message: "m"})
		must(t, "AppendLog", err)
	}
	fill(acme, "ann@example.com")
	fill(other, "bob@example.com")
	before, err := b.st.AccountRows(ctx, acme.ID)
	must(t, "AccountRows", err)
	for _, table := range []string{"account", "account_connection", "app_user", "user_session", "transaction_log"} {
		if before[table] == 0 {
			t.Errorf("before the purge: no %s row counted (%v)", table, before)
		}
	}
	p, err := b.st.PurgeAccount(ctx, acme.ID, nil)
	must(t, "PurgeAccount", err)
	if p.LoginFailures != 3 {
		t.Errorf("PurgeAccount = %+v, want its user's failed sign-in under its three keys", p)
	}
	after, err := b.st.AccountRows(ctx, acme.ID)
	must(t, "AccountRows", err)
	if len(after) != 0 {
		t.Errorf("rows of the purged account remain: %v", after)
	}
	// A new attempt counts alone: none of the purged user's remain.
	a, err := b.st.BeginLoginAttempt(ctx, store.LoginLimit{Key: "email:ann@example.com"},
		store.LoginLimit{Key: "pair:ann@example.com|192.0.2.1"}, store.LoginLimit{Key: "pair:bob@example.com|192.0.2.1"},
		store.LoginLimit{Key: store.SignInPairDayKey("ann@example.com", "192.0.2.1")})
	must(t, "BeginLoginAttempt", err)
	if a.Counts[0].N != 1 || a.Counts[1].N != 1 || a.Counts[3].N != 1 {
		t.Errorf("failed sign-ins of the purged account's user remain: %+v", a.Counts)
	}
	if a.Counts[2].N != 2 {
		t.Errorf("the other account's user's failed sign-in went too: %+v", a.Counts)
	}
	kept, err := b.st.AccountRows(ctx, other.ID)
	must(t, "AccountRows(other)", err)
	if len(kept) != len(before) {
		t.Errorf("the other account's rows %v, want the same tables as %v", kept, before)
	}
	_, err = b.st.PurgeAccount(ctx, acme.ID, nil)
	wantNotFound(t, "PurgeAccount(gone)", err)
}

func testClearLoginFailures(t *testing.T, open Opener) {
	b := setup(t, open)
	start := time.Now().Add(-time.Minute)
	// Clearing one email's failures leaves everyone else's, including an
	// email the prefix's "_" would match as a LIKE wildcard.
	limits := func(email string) []store.LoginLimit {
		return []store.LoginLimit{{Key: store.SignInPairKey(email, "192.0.2.9"), Since: start},
			{Key: store.SignInPairDayKey(email, "192.0.2.9"), Since: start}, {Key: store.SignInEmailKey(email), Since: start},
			{Key: store.SignInIPKey("192.0.2.9"), Since: start}}
	}
	for _, email := range []string{"b_b@example.com", "bxb@example.com", "b_b@example.com.other"} {
		_, err := b.st.BeginLoginAttempt(b.ctx, limits(email)...)
		must(t, "BeginLoginAttempt", err)
	}
	cleared, err := b.st.ClearSignInLockout(b.ctx, "B_B@Example.com")
	must(t, "ClearSignInLockout", err)
	if cleared != 3 {
		t.Errorf("ClearSignInLockout removed %d failures, want 3", cleared)
	}
	for email, want := range map[string]int{"b_b@example.com": 1, "bxb@example.com": 2, "b_b@example.com.other": 2} {
		a, err := b.st.BeginLoginAttempt(b.ctx, limits(email)...)
		must(t, "BeginLoginAttempt", err)
		for i, c := range a.Counts[:3] {
			if c.N != want {
				t.Errorf("%s: %s counts %d, want %d", email, limits(email)[i].Key, c.N, want)
			}
		}
	}
	// The address's own count is about the address, not the user: kept.
	a, err := b.st.BeginLoginAttempt(b.ctx, store.LoginLimit{Key: store.SignInIPKey("192.0.2.9"), Since: start})
	must(t, "BeginLoginAttempt", err)
	if a.Counts[0].N != 7 {
		t.Errorf("the address counts %d failures, want 7 (none cleared)", a.Counts[0].N)
	}
}

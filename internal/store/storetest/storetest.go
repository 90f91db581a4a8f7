// Package storetest is the store's conformance suite: one set of tests
// that every dialect must pass. Each dialect's test file calls Run with a
// function that opens a fresh, empty, unmigrated database for one test.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
)

// Opener opens a fresh, empty database for one test and arranges, with
// t.Cleanup, for it to be closed and removed. The suite migrates it.
type Opener func(t *testing.T) *store.Store

// Run runs the whole suite against the stores open makes. Every subtest is
// parallel and has its own database.
func Run(t *testing.T, open Opener) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Migrations", testMigrations},
		{"Accounts", testAccounts},
		{"Connections", testConnections},
		{"SetXeroOrganisation", testSetXeroOrganisation},
		{"ConnectedElsewhere", testConnectedElsewhere},
		{"SecretsNeverPlain", testSecretsNeverPlain},
		{"KeyRotation", testKeyRotation},
		{"XeroToken", testXeroToken},
		{"Settings", testSettings},
		{"InvoiceLinks", testInvoiceLinks},
		{"InvoiceStates", testInvoiceStates},
		{"InvoiceList", testInvoiceList},
		{"InvoiceListPaging", testInvoiceListPaging},
		{"ImportInvoiceLinks", testImportInvoiceLinks},
		{"Contacts", testContacts},
		{"LogAppendAndFilter", testLogAppendAndFilter},
		{"LogPaging", testLogPaging},
		{"LogPurgeAndCounts", testLogPurgeAndCounts},
		{"Cursors", testCursors},
		{"WrittenShipments", testWrittenShipments},
		{"WriteBack", testWriteBack},
		{"TxRollback", testTxRollback},
		{"TxPanic", testTxPanic},
		{"ConcurrentWriters", testConcurrentWriters},
		{"AccountIsolation", testAccountIsolation},
		{"DeleteAccountCascades", testDeleteAccountCascades},
		{"RiverJobInTx", testRiverJobInTx},
		{"Users", testUsers},
		{"UserAdmin", testUserAdmin},
		{"PurgeAccount", testPurgeAccount},
		{"Sessions", testSessions},
		{"LoginFailures", testLoginFailures},
		{"ClearLoginFailures", testClearLoginFailures},
		{"ProblemsAndClaims", testProblemsAndClaims},
		{"PasswordResets", testPasswordResets},
		{"LoginAttemptsConcurrent", testLoginAttemptsConcurrent},
		{"WebhookEvents", testWebhookEvents},
		{"WebhookEventsBatch", testWebhookEventsBatch},
		{"WorkDemand", testWorkDemand},
		{"WebhookHealth", testWebhookHealth},
		{"TenantRouting", testTenantRouting},
		{"ShipStationHooks", testShipStationHooks},
		{"XeroQuota", testXeroQuota},
		{"XeroEgress", testXeroEgress},
		{"SweptChanges", testSweptChanges},
		{"AccountFacts", testAccountFacts},
		{"ReadCursorFollowsInvoiceCursor", testReadCursorFollowsInvoiceCursor},
		{"AlertAcks", testAlertAcks},
		{"Invites", testInvites},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

// bundle is what most tests need: a migrated store and a sealer for it.
type bundle struct {
	ctx    context.Context
	st     *store.Store
	sealer *seal.Sealer
	key    seal.Key
}

// setup opens and migrates a store, with a fresh sealer.
func setup(t *testing.T, open Opener) *bundle {
	t.Helper()
	ctx := t.Context()
	key := generateKey(t)
	sealer := sealerOf(t, key)
	st := open(t).WithSealer(sealer)
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return &bundle{ctx: ctx, st: st, sealer: sealer, key: key}
}

// account creates an account.
func (b *bundle) account(t *testing.T, name string) store.Account {
	t.Helper()
	a, err := b.st.CreateAccount(b.ctx, name)
	if err != nil {
		t.Fatalf("CreateAccount(%q): %v", name, err)
	}
	return a
}

// dump returns every stored row as text.
func (b *bundle) dump(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := b.st.DumpTables(b.ctx, &buf); err != nil {
		t.Fatalf("DumpTables: %v", err)
	}
	return buf.String()
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: err = %v, want ErrNotFound", what, err)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// ts returns a fixed UTC time, offset by d, with microsecond precision.
func ts(d time.Duration) time.Time {
	return time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(d)
}

func testMigrations(t *testing.T, open Opener) {
	ctx := t.Context()
	st := open(t)
	if err := st.CheckSchema(ctx); !errors.Is(err, store.ErrSchemaOutOfDate) {
		t.Fatalf("CheckSchema before Migrate = %v, want ErrSchemaOutOfDate", err)
	}
	for i := range 3 {
		if err := st.Migrate(ctx); err != nil {
			t.Fatalf("Migrate #%d: %v", i+1, err)
		}
		if err := st.CheckSchema(ctx); err != nil {
			t.Fatalf("CheckSchema after Migrate #%d: %v", i+1, err)
		}
	}
	// The schema works after repeated migrations.
	if _, err := st.CreateAccount(ctx, "after migrations"); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
}

func testAccounts(t *testing.T, open Opener) {
	b := setup(t, open)
	a1 := b.account(t, "  Acme Ltd ")
	a2 := b.account(t, "Globex")
	if a1.Name != "Acme Ltd" || a1.ID == 0 || a1.ID == a2.ID || a1.CreatedAt.IsZero() {
		t.Errorf("accounts = %+v, %+v", a1, a2)
	}
	got, err := b.st.Account(b.ctx, a1.ID)
	must(t, "Account", err)
	if got != a1 {
		t.Errorf("Account = %+v, want %+v", got, a1)
	}
	list, err := b.st.ListAccounts(b.ctx)
	must(t, "ListAccounts", err)
	if len(list) != 2 || list[0] != a1 || list[1] != a2 {
		t.Errorf("ListAccounts = %+v", list)
	}
	must(t, "RenameAccount", b.st.RenameAccount(b.ctx, a2.ID, "Globex Corp"))
	got, err = b.st.Account(b.ctx, a2.ID)
	must(t, "Account", err)
	if got.Name != "Globex Corp" {
		t.Errorf("renamed = %q", got.Name)
	}
	_, err = b.st.Account(b.ctx, 999999)
	wantNotFound(t, "Account(missing)", err)
	wantNotFound(t, "RenameAccount(missing)", b.st.RenameAccount(b.ctx, 999999, "x"))
	if _, err := b.st.CreateAccount(b.ctx, "  "); err == nil {
		t.Error("CreateAccount(blank) succeeded")
	}
}

// testSetXeroOrganisation: the organisation's zone and short code join a
// connection's metadata, keeping the rest and the secret; a connection now
// to another organisation is left alone.
func testSetXeroOrganisation(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	meta := store.ConnectionMetadata{TenantID: "tenant-1", TenantName: "Acme NZ"}
	must(t, "SaveConnection", b.st.SaveConnection(b.ctx, a.ID, store.KindXero, meta, []byte(`{"refresh_token":"r1"}`)))
	must(t, "SetXeroOrganisation", b.st.SetXeroOrganisation(b.ctx, a.ID, "tenant-2", "EASTERNSTANDARDTIME", "!other"))
	c, err := b.st.Connection(b.ctx, a.ID, store.KindXero)
	must(t, "Connection", err)
	if c.Metadata != meta {
		t.Errorf("another organisation's details changed the connection: %+v", c.Metadata)
	}
	must(t, "SetXeroOrganisation", b.st.SetXeroOrganisation(b.ctx, a.ID, "tenant-1", "NEWZEALANDSTANDARDTIME", "!kT9pq"))
	c, err = b.st.Connection(b.ctx, a.ID, store.KindXero)
	must(t, "Connection", err)
	want := meta
	want.Timezone, want.ShortCode = "NEWZEALANDSTANDARDTIME", "!kT9pq"
	if c.Metadata != want || c.Status != store.StatusConnected {
		t.Errorf("connection after SetXeroOrganisation: %+v, want metadata %+v", c, want)
	}
	secret, err := b.st.ConnectionSecret(b.ctx, a.ID, store.KindXero)
	must(t, "ConnectionSecret", err)
	if string(secret) != `{"refresh_token":"r1"}` {
		t.Errorf("secret after SetXeroOrganisation: %s", secret)
	}
}

func testConnections(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	_, err := b.st.Connection(b.ctx, a.ID, store.KindXero)
	wantNotFound(t, "Connection before save", err)

	meta := store.ConnectionMetadata{TenantID: "tenant-1", TenantName: "Acme NZ"}
	must(t, "SaveConnection", b.st.SaveConnection(b.ctx, a.ID, store.KindXero, meta, []byte(`{"refresh_token":"r1"}`)))
	ssMeta := store.ConnectionMetadata{StoreID: 42, StoreName: "Manual Orders"}
	must(t, "SaveConnection", b.st.SaveConnection(b.ctx, a.ID, store.KindShipStation, ssMeta, []byte(`{"key":"k","secret":"s"}`)))

	c, err := b.st.Connection(b.ctx, a.ID, store.KindXero)
	must(t, "Connection", err)
	if c.Status != store.StatusConnected || c.Metadata != meta || !c.HasSecret || c.UpdatedAt.IsZero() {
		t.Errorf("Connection = %+v", c)
	}
	c, err = b.st.Connection(b.ctx, a.ID, store.KindShipStation)
	must(t, "Connection", err)
	if c.Metadata != ssMeta {
		t.Errorf("ShipStation metadata = %+v", c.Metadata)
	}
	secret, err := b.st.ConnectionSecret(b.ctx, a.ID, store.KindShipStation)
	must(t, "ConnectionSecret", err)
	if string(secret) != `{"key":"k","secret":"s"}` {
		t.Errorf("secret = %q", secret)
	}

	must(t, "SetConnectionStatus", b.st.SetConnectionStatus(b.ctx, a.ID, store.KindXero, store.StatusReconnectNeeded, "Xero refused the refresh token: connect again"))
	c, err = b.st.Connection(b.ctx, a.ID, store.KindXero)
	must(t, "Connection", err)
	if c.Status != store.StatusReconnectNeeded || !strings.Contains(c.StatusReason, "connect again") {
		t.Errorf("after SetConnectionStatus: %+v", c)
	}
	if err := b.st.SetConnectionStatus(b.ctx, a.ID, store.KindXero, "bogus", ""); err == nil {
		t.Error("SetConnectionStatus(bogus) succeeded")
	}
	if err := b.st.SaveConnection(b.ctx, a.ID, "fedex", meta, []byte("x")); err == nil {
		t.Error("SaveConnection(unknown kind) succeeded")
	}

	// Reconnecting replaces the secret and clears the reason.
	// A token long enough that sealed text (base64) cannot hold it by chance.
	const second = "second-refresh-token-8f3a"
	must(t, "SaveConnection again", b.st.SaveConnection(b.ctx, a.ID, store.KindXero, meta, []byte(`{"refresh_token":"`+second+`"}`)))
	c, err = b.st.Connection(b.ctx, a.ID, store.KindXero)
	must(t, "Connection", err)
	if c.Status != store.StatusConnected || c.StatusReason != "" {
		t.Errorf("after reconnect: %+v", c)
	}

	must(t, "Disconnect", b.st.Disconnect(b.ctx, a.ID, store.KindXero))
	c, err = b.st.Connection(b.ctx, a.ID, store.KindXero)
	must(t, "Connection", err)
	if c.Status != store.StatusDisconnected || c.HasSecret || c.Metadata != meta {
		t.Errorf("after Disconnect: %+v", c)
	}
	_, err = b.st.ConnectionSecret(b.ctx, a.ID, store.KindXero)
	wantNotFound(t, "ConnectionSecret after Disconnect", err)
	if strings.Contains(b.dump(t), second) {
		t.Error("the disconnected secret is still stored")
	}

	// Without a sealer, secrets are refused rather than stored plain.
	noSeal := b.st.WithSealer(nil)
	if err := noSeal.SaveConnection(b.ctx, a.ID, store.KindXero, meta, []byte("x")); !errors.Is(err, store.ErrNoSealer) {
		t.Errorf("SaveConnection without sealer: %v, want ErrNoSealer", err)
	}
	if _, err := noSeal.ConnectionSecret(b.ctx, a.ID, store.KindShipStation); !errors.Is(err, store.ErrNoSealer) {
		t.Errorf("ConnectionSecret without sealer: %v, want ErrNoSealer", err)
	}
}

func testSecretsNeverPlain(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	const refresh = "REFRESH-TOKEN-7f3a9c1e-never-plain"
	const apiSecret = "SS-API-SECRET-0b5d2e77"
	must(t, "SaveConnection", b.st.SaveConnection(b.ctx, a.ID, store.KindXero, store.ConnectionMetadata{TenantID: "t"},
		[]byte(`{"access_token":"AT","refresh_token":"`+refresh+`"}`)))
	must(t, "SaveXeroToken", b.st.SaveXeroToken(b.ctx, a.ID, []byte(`{"refresh_token":"`+refresh+`-2"}`)))
	must(t, "SaveConnection", b.st.SaveConnection(b.ctx, a.ID, store.KindShipStation, store.ConnectionMetadata{},
		[]byte(`{"key":"k","secret":"`+apiSecret+`"}`)))
	d := b.dump(t)
	if !strings.Contains(d, "account_connection:") {
		t.Fatalf("dump lacks the connections:\n%s", d)
	}
	for _, s := range []string{refresh, apiSecret, "refresh_token"} {
		if strings.Contains(d, s) {
			t.Errorf("stored rows contain %q in the clear:\n%s", s, d)
		}
	}
	// Errors name neither the secret nor its sealed form.
	other := b.st.WithSealer(NewSealer(t))
	_, err := other.ConnectionSecret(b.ctx, a.ID, store.KindXero)
	if !errors.Is(err, seal.ErrUnknownKey) {
		t.Fatalf("ConnectionSecret with a foreign key: %v, want ErrUnknownKey", err)
	}
	if strings.Contains(err.Error(), refresh) || strings.Contains(err.Error(), "ob1:") {
		t.Errorf("error leaks the secret: %v", err)
	}
}

func generateKey(t *testing.T) seal.Key {
	t.Helper()
	k, _, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sealerOf(t *testing.T, current seal.Key, previous ...seal.Key) *seal.Sealer {
	t.Helper()
	s, err := seal.NewSealer(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testKeyRotation(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	must(t, "SaveConnection", b.st.SaveConnection(b.ctx, a.ID, store.KindXero, store.ConnectionMetadata{}, []byte("old-key-token")))
	must(t, "SaveConnection", b.st.SaveConnection(b.ctx, a.ID, store.KindShipStation, store.ConnectionMetadata{}, []byte("old-key-apikey")))

	newKey := generateKey(t)
	rotated := b.st.WithSealer(sealerOf(t, newKey, b.key))
	for _, kind := range []store.ConnectionKind{store.KindXero, store.KindShipStation} {
		if _, err := rotated.ConnectionSecret(b.ctx, a.ID, kind); err != nil {
			t.Fatalf("%s secret after rotation: %v", kind, err)
		}
	}
	// A new write uses the new key: the old sealer can no longer open it.
	must(t, "SaveXeroToken", rotated.SaveXeroToken(b.ctx, a.ID, []byte("new-key-token")))
	if _, err := b.st.ConnectionSecret(b.ctx, a.ID, store.KindXero); !errors.Is(err, seal.ErrUnknownKey) {
		t.Errorf("old sealer opened a value sealed after rotation: %v", err)
	}
	n, err := rotated.ResealSecrets(b.ctx)
	must(t, "ResealSecrets", err)
	if n != 1 {
		t.Errorf("ResealSecrets rewrote %d, want 1 (the ShipStation secret)", n)
	}
	n, err = rotated.ResealSecrets(b.ctx)
	must(t, "ResealSecrets again", err)
	if n != 0 {
		t.Errorf("second ResealSecrets rewrote %d, want 0", n)
	}
	// The old key can now be dropped.
	dropped := b.st.WithSealer(sealerOf(t, newKey))
	for kind, want := range map[store.ConnectionKind]string{store.KindXero: "new-key-token", store.KindShipStation: "old-key-apikey"} {
		got, err := dropped.ConnectionSecret(b.ctx, a.ID, kind)
		must(t, "ConnectionSecret after dropping the old key", err)
		if string(got) != want {
			t.Errorf("%s secret = %q, want %q", kind, got, want)
		}
	}
}

// testConnectedElsewhere: one Xero organisation and one ShipStation store
// belong to one account at a time. Two accounts syncing the same
// organisation or store would overwrite each other's orders.
func testConnectedElsewhere(t *testing.T, open Opener) {
	b := setup(t, open)
	first, second := b.account(t, "First"), b.account(t, "Second")
	org := store.ConnectionMetadata{TenantID: "tenant-shared", TenantName: "Shared Ltd"}
	shop := store.ConnectionMetadata{StoreID: 77, StoreName: "Web Shop"}
	must(t, "SaveConnection xero", b.st.SaveConnection(b.ctx, first.ID, store.KindXero, org, []byte(`{"refresh_token":"r"}`)))
	must(t, "SaveConnection shipstation", b.st.SaveConnection(b.ctx, first.ID, store.KindShipStation, shop, []byte(`{"k":1}`)))

	for _, c := range []struct {
		kind store.ConnectionKind
		meta store.ConnectionMetadata
		name string
	}{{store.KindXero, org, "Shared Ltd"}, {store.KindShipStation, shop, "Web Shop"}} {
		err := b.st.SaveConnection(b.ctx, second.ID, c.kind, c.meta, []byte(`{"x":1}`))
		var taken *store.ConnectedElsewhereError
		if !errors.As(err, &taken) || !errors.Is(err, store.ErrConnectedElsewhere) {
			t.Fatalf("second account's %s connection: err = %v, want ConnectedElsewhereError", c.kind, err)
		}
		if taken.Kind != c.kind || !strings.Contains(taken.Message(), c.name) {
			t.Errorf("refusal = %+v, message %q: want it to name %q", taken, taken.Message(), c.name)
		}
		if _, err := b.st.Connection(b.ctx, second.ID, c.kind); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the refused %s connection was saved anyway (err %v)", c.kind, err)
		}
		// Inside a transaction too: the refusal is the store's, whoever calls.
		err = b.st.WithTx(b.ctx, func(tx *store.Tx) error {
			return tx.SaveConnection(b.ctx, second.ID, c.kind, c.meta, []byte(`{"x":1}`))
		})
		if !errors.Is(err, store.ErrConnectedElsewhere) {
			t.Errorf("in a transaction: err = %v", err)
		}
	}
	// The owner reconnects freely; a different store is fine for the other.
	must(t, "owner reconnects", b.st.SaveConnection(b.ctx, first.ID, store.KindXero, org, []byte(`{"refresh_token":"r2"}`)))
	must(t, "another store", b.st.SaveConnection(b.ctx, second.ID, store.KindShipStation,
		store.ConnectionMetadata{StoreID: 78, StoreName: "Other"}, []byte(`{"x":1}`)))
	// Once the owner disconnects, the organisation can move.
	must(t, "Disconnect", b.st.Disconnect(b.ctx, first.ID, store.KindXero))
	must(t, "moved", b.st.SaveConnection(b.ctx, second.ID, store.KindXero, org, []byte(`{"x":1}`)))
	// An unchosen organisation or store (the chooser comes next) claims nothing.
	must(t, "no tenant yet", b.st.SaveConnection(b.ctx, first.ID, store.KindXero, store.ConnectionMetadata{}, []byte(`{"x":1}`)))
	third := b.account(t, "Third")
	must(t, "no tenant yet, twice", b.st.SaveConnection(b.ctx, third.ID, store.KindXero, store.ConnectionMetadata{}, []byte(`{"x":1}`)))
}

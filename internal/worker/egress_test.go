package worker_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// secondAccount connects another account to a new organisation of the same
// emulator (and a ShipStation store and key pair of its own), for tests that tell accounts
// apart.
func (b *engineBundle) secondAccount(name string) (acct int64, tenant string) {
	b.t.Helper()
	tenant = b.xemu.AddOrg(name)
	xapp, err := xero.New(xero.Config{
		ClientID: b.xemu.ClientID(), ClientSecret: b.xemu.ClientSecret(), RedirectURL: "http://127.0.0.1:1/connect/xero/callback",
		Scopes: xero.GranularScopes(), BaseURL: b.xemu.URL(), HTTPClient: testHTTP, Pacing: xero.Pacing{Off: true},
	})
	if err != nil {
		b.t.Fatal(err)
	}
	tok := authorize(b.t, xapp)
	a, err := b.st.CreateAccount(b.ctx, name)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.st.SaveXeroConnection(b.ctx, a.ID, store.ConnectionMetadata{TenantID: tenant, TenantName: name}, tok); err != nil {
		b.t.Fatal(err)
	}
	key, secret := b.semu.AddKeyPair()
	creds := store.ShipStationCredentials{APIKey: key, APISecret: secret}
	if err := b.st.SaveShipStationConnection(b.ctx, a.ID, store.ConnectionMetadata{StoreID: b.semu.AddStore(name).StoreID}, creds); err != nil {
		b.t.Fatal(err)
	}
	if _, err := b.xemu.SeedTrackingCategory(tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		b.t.Fatal(err)
	}
	s := store.DefaultSettings()
	s.SyncEnabled = true
	if err := b.st.SaveSettings(b.ctx, a.ID, s); err != nil {
		b.t.Fatal(err)
	}
	return a.ID, tenant
}

// egress sums what the store counted for an account.
func (b *engineBundle) egress(acct int64) (bytes, calls int64) {
	b.t.Helper()
	days, err := b.st.XeroEgress(b.ctx, acct, time.Now().AddDate(0, 0, -1))
	if err != nil {
		b.t.Fatal(err)
	}
	for _, d := range days {
		bytes += d.Bytes
		calls += d.Calls
	}
	return bytes, calls
}

// Every byte Xero sends is counted for the account whose call it was: the
// store's count of each account equals what the emulator sent that
// account's organisation, and the two differ as their organisations do.
func TestXeroEgressCountedPerAccount(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	// What the set-up's connect read is not the runs' to count.
	b.xemu.Egress().Reset()
	c := b.contact("Acme Outdoor Ltd")
	for range 3 {
		b.invoice(c, "AUTHORISED", true)
	}
	acct2, tenant2 := b.secondAccount("Second Shop Ltd")
	c2, err := b.xemu.SeedContact(tenant2, xeroemu.Contact{Name: "Bay Bikes", Addresses: []xeroemu.Address{
		{AddressType: "STREET", AddressLine1: "1 Quay St", City: "Napier", PostalCode: "4110", Country: "NZ"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.xemu.SeedInvoice(tenant2, xeroemu.Invoice{Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: c2.ContactID},
		LineItems: []xeroemu.LineItem{{Description: "Bell", Quantity: 1, UnitAmount: 9, AccountCode: "200"}}}); err != nil {
		t.Fatal(err)
	}

	b.export()
	if _, err := b.eng.Exporter.Export(b.ctx, acct2, worker.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	got1, calls1 := b.egress(b.acct)
	got2, calls2 := b.egress(acct2)
	want1, want2 := b.xemu.EgressBytes(b.tenant), b.xemu.EgressBytes(tenant2)
	if got1 != want1 || got2 != want2 {
		t.Errorf("egress counted %d and %d bytes, the emulator sent %d and %d", got1, got2, want1, want2)
	}
	if want1 == 0 || want2 == 0 || want1 == want2 {
		t.Errorf("the emulator sent %d and %d bytes: want two different non-zero figures", want1, want2)
	}
	if calls1 == 0 || calls2 == 0 {
		t.Errorf("calls counted: %d and %d", calls1, calls2)
	}
}

// idleEgressLimit is what one export of a merchant with no changes may
// download from Xero: an empty invoice list and an empty contact list,
// whatever the organisation holds.
const idleEgressLimit = 1024

// An export that finds nothing new downloads next to nothing: the overlap
// window is not read again in full while nothing changes (here 200
// invoices and their contact, all changed within it).
func TestIdleExportDownloadsAlmostNothing(t *testing.T) {
	t.Parallel()
	var later atomic.Int64 // how far the clock has moved on
	b := setupEngine(t, engineOptions{now: func() time.Time { return time.Now().Add(time.Duration(later.Load())) }})
	c := b.contact("Acme Outdoor Ltd")
	for range 200 {
		b.invoice(c, "AUTHORISED", true)
	}
	b.export()
	later.Store(int64(10 * time.Minute)) // the merchant made no change since
	b.export()                           // the first idle run may still read the window once

	before := b.xemu.EgressBytes(b.tenant)
	sum := b.export()
	got := b.xemu.EgressBytes(b.tenant) - before
	if got > idleEgressLimit {
		t.Errorf("an idle export downloaded %d bytes (%d Xero calls), want at most %d", got, sum.XeroCalls, idleEgressLimit)
	}
	// Nothing was lost by reading less: a change made now is read.
	inv := b.invoice(c, "AUTHORISED", true)
	if sum := b.export(); sum.Exported != 1 || b.orders(inv) != 1 {
		t.Errorf("after a new invoice: %s", sum)
	}
}

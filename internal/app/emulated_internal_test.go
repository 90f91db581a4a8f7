package app

import (
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// emulatedConfig is a configuration that talks to the emulators xemu and
// semu and keeps its data in a fresh temporary folder.
func emulatedConfig(t *testing.T, xemu *xeroemu.Emulator, semu *shipstationemu.Emulator) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.XeroClientID, cfg.XeroClientSecret = xemu.ClientID(), xemu.ClientSecret()
	cfg.XeroBaseURL, cfg.ShipStationBaseURL = xemu.URL(), semu.URL()
	return cfg
}

// acmeWithContactProblem makes the account "Acme" in a, connects it to
// xemu's Xero and semu's ShipStation with sync on and the tracking rule
// off, and seeds one authorised invoice whose contact has no address: an
// invoice the export holds back until the merchant fixes the contact.
func acmeWithContactProblem(t *testing.T, a *App, xemu *xeroemu.Emulator, semu *shipstationemu.Emulator) store.Account {
	t.Helper()
	ctx := t.Context()
	acct, err := a.Store.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := a.ConnectXeroAutoConsent(ctx, acct.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConnectShipStation(ctx, acct.ID, semu.APIKey(), semu.APISecret(), 0); err != nil {
		t.Fatal(err)
	}
	s := store.DefaultSettings()
	s.SyncEnabled, s.TrackingRuleEnabled = true, false
	if _, err := a.Store.ChangeSettings(ctx, acct.ID, s); err != nil {
		t.Fatal(err)
	}
	nowhere, err := xemu.SeedContact(tenant, xeroemu.Contact{Name: "No Address Ltd"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xemu.SeedInvoice(tenant, xeroemu.Invoice{Status: "AUTHORISED", Contact: xeroemu.Contact{ContactID: nowhere.ContactID},
		Date: time.Now().UTC(), LineItems: []xeroemu.LineItem{{Description: "Tent", Quantity: 1, UnitAmount: 100, AccountCode: "200"}}}); err != nil {
		t.Fatal(err)
	}
	return acct
}

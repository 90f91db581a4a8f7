package xero_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// Example connects to the emulator through the authorization-code flow,
// saves the token pair, and pages through the sales invoices.
func Example() {
	hc := testkit.NewHTTPClient()
	defer hc.CloseIdleConnections()
	emu := xeroemu.New(xeroemu.Options{RateLimit: emukit.NoRateLimit})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	defer emu.Close()
	emu.SetURL(srv.URL)
	tenant := emu.DefaultTenantID()
	for i := range 3 {
		_, _ = emu.SeedInvoice(tenant, xeroemu.Invoice{Status: "AUTHORISED", Contact: xeroemu.Contact{Name: "Barney Rubble"},
			Date:      time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
			LineItems: []xeroemu.LineItem{{ItemCode: fmt.Sprintf("SKU-%d", i), Description: "Tires", Quantity: 1, UnitAmount: 20}}})
	}

	app, err := xero.New(xero.Config{ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(), BaseURL: emu.URL(),
		RedirectURL: "http://localhost:8080/xero/callback", Scopes: []string{"offline_access", "accounting.invoices"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	// The user consents (the emulator does so at once) and comes back with a code.
	verifier := oauth2.GenerateVerifier()
	noFollow := &http.Client{Transport: hc.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(app.AuthCodeURL("state", verifier))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	callback, _ := url.Parse(resp.Header.Get("Location"))
	tok, err := app.Exchange(ctx, callback.Query().Get("code"), verifier)
	if err != nil {
		fmt.Println(err)
		return
	}

	// Every new pair is saved before it is used.
	save := func(ctx context.Context, tok *oauth2.Token) error { return nil /* seal and store tok */ }
	client := app.Client(app.TokenSource(tok, save))
	for page, err := range client.InvoicePages(ctx, tenant, xero.InvoiceQuery{PageSize: 1000, Where: `Type=="ACCREC"`}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, inv := range page.Invoices {
			fmt.Println(inv.Status, inv.Date, inv.LineItems[0].ItemCode)
		}
	}
	// Output:
	// AUTHORISED 2026-07-01 SKU-0
	// AUTHORISED 2026-07-01 SKU-1
	// AUTHORISED 2026-07-01 SKU-2
}

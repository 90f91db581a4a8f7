package demo_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/demo"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// now is the fixed "now" every test seeds with: data must not depend on
// the day the tests run.
var now = time.Date(2026, time.November, 20, 22, 15, 0, 0, time.UTC)

// xeroOrg is a Xero emulator on a test server with a seeded organisation
// and a client-credentials token to read it back as an app would.
type xeroOrg struct {
	emu    *xeroemu.Emulator
	tenant string
	token  string
	sum    demo.Summary
}

// seedXero starts a Xero emulator (rate limits off, a frozen clock) behind
// the API-description validator, so everything the tests read back is also
// checked against Xero's own OpenAPI file, and seeds it with opts.
func seedXero(t testing.TB, opts demo.Options) *xeroOrg {
	t.Helper()
	return seedInto(t, xeroemutest.NewServer(t, emuOptions()), opts)
}

// seedXeroFast is seedXero without the validator, for the load-test size,
// whose pages of 1,000 invoices would take seconds to validate.
func seedXeroFast(t testing.TB, opts demo.Options) *xeroOrg {
	t.Helper()
	emu := xeroemu.New(emuOptions())
	srv := httptest.NewServer(emu)
	emu.SetURL(srv.URL)
	t.Cleanup(func() {
		emu.Close()
		srv.Close()
	})
	return seedInto(t, emu, opts)
}

// emuOptions are the test emulators' options: no rate limits and a
// frozen clock.
func emuOptions() xeroemu.Options {
	return xeroemu.Options{
		RateLimit: emukit.NoRateLimit, AccessTokenTTL: 24 * time.Hour,
		Now: func() time.Time { return now },
	}
}

// seedInto seeds emu's first organisation with opts.
func seedInto(t testing.TB, emu *xeroemu.Emulator, opts demo.Options) *xeroOrg {
	t.Helper()
	tenant := emu.DefaultTenantID()
	sum, err := demo.SeedXero(emu, tenant, opts)
	if err != nil {
		t.Fatalf("SeedXero: %v", err)
	}
	return &xeroOrg{emu: emu, tenant: tenant, token: clientCredentials(t, emu), sum: sum}
}

// clientCredentials gets an access token with Xero's client-credentials
// grant (a custom connection), bound to the first organisation.
func clientCredentials(t testing.TB, emu *xeroemu.Emulator) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"accounting.invoices accounting.payments accounting.contacts accounting.settings"}}
	req, err := http.NewRequest(http.MethodPost, emu.URL()+"/connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(emu.ClientID(), emu.ClientSecret())
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if status := send(t, req, &tok); status != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("client credentials: status %d", status)
	}
	return tok.AccessToken
}

// get calls the Accounting API as a Xero app does and decodes the answer
// into out, failing the test on anything but 200.
func (o *xeroOrg) get(t testing.TB, path string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, o.emu.URL()+"/api.xro/2.0/"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	req.Header.Set("Xero-Tenant-Id", o.tenant)
	req.Header.Set("Accept", "application/json")
	if status := send(t, req, out); status != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, status)
	}
}

// send does a request and decodes a 200 answer's JSON into out.
func send(t testing.TB, req *http.Request, out any) int {
	t.Helper()
	hc := testkit.HTTPClient(t)
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: decode: %v", req.Method, req.URL.Path, err)
		}
	}
	return resp.StatusCode
}

// readAll pages through every invoice and contact over HTTP, 1,000 a page
// as orderbridge's sync does, and decodes them into the client's types, the
// form bridge.Decide takes.
func (o *xeroOrg) readAll(t testing.TB) ([]xero.Invoice, map[string]*xero.Contact) {
	t.Helper()
	var invoices []xero.Invoice
	for page := 1; ; page++ {
		var resp struct{ Invoices []xero.Invoice }
		o.get(t, fmt.Sprintf("Invoices?page=%d&pageSize=1000", page), &resp)
		invoices = append(invoices, resp.Invoices...)
		if len(resp.Invoices) < 1000 {
			break
		}
	}
	contacts := map[string]*xero.Contact{}
	for page := 1; ; page++ {
		var resp struct{ Contacts []xero.Contact }
		o.get(t, fmt.Sprintf("Contacts?page=%d&pageSize=1000", page), &resp)
		for i := range resp.Contacts {
			contacts[resp.Contacts[i].ContactID] = &resp.Contacts[i]
		}
		if len(resp.Contacts) < 1000 {
			break
		}
	}
	return invoices, contacts
}

package conformance_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/apispec"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// breaking passes the emulator's answer on after applying edit to its body
// (the first match of re replaced by repl), the way a bug in the emulator
// would change it.
func breaking(h http.Handler, re *regexp.Regexp, repl string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if loc := re.FindIndex(body); loc != nil {
			body = append(append(append([]byte(nil), body[:loc[0]]...), re.ReplaceAll(body[loc[0]:loc[1]], []byte(repl))...), body[loc[1]:]...)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// TestBrokenEmulatorResponsesAreCaught puts a deliberately broken answer
// of a real emulator (a renamed field, a wrong enum value, a missing
// required field) in front of apispec.Middleware and checks that each is
// reported with the operation, the JSON path and what the description
// says.
func TestBrokenEmulatorResponsesAreCaught(t *testing.T) {
	t.Parallel()
	specs := apispec.Shared(t).Fork()
	tests := []struct {
		name   string
		vendor apispec.Vendor
		re     *regexp.Regexp
		repl   string
		want   []string
	}{
		{"xero: renamed field", apispec.Xero, regexp.MustCompile(`"InvoiceNumber"`), `"InvoiceNo"`,
			[]string{"xero:getInvoices", "response body /Invoices/0/InvoiceNo", `key "InvoiceNo" is not documented`, "keys of the schema only"}},
		{"xero: renamed field, letter case", apispec.Xero, regexp.MustCompile(`"InvoiceID"`), `"InvoiceId"`,
			[]string{"xero:getInvoices", "response body /Invoices/0/InvoiceId", "renamed field", `key "InvoiceID"`}},
		{"xero: wrong enum", apispec.Xero, regexp.MustCompile(`"Status":"AUTHORISED"`), `"Status":"APPROVED"`,
			[]string{"xero:getInvoices", "response body /Invoices/0/Status", `"APPROVED"`, "enum", "AUTHORISED"}},
		{"xero: wrong type", apispec.Xero, regexp.MustCompile(`"Total":[0-9.]+`), `"Total":"40.00"`,
			[]string{"xero:getInvoices", "response body /Invoices/0/Total", "number"}},
		{"xero: date format", apispec.Xero, regexp.MustCompile(`"Date":"/Date\([0-9]+\+0000\)/"`), `"Date":"2026-07-01"`,
			[]string{"xero:getInvoices", "response body /Invoices/0/Date", "x-is-msdate"}},
		{"shipstation: missing required field", apispec.ShipStation, regexp.MustCompile(`"orderKey":"[^"]*",?`), ``,
			[]string{"shipstation:POST /orders/createorders", "response body /results/0/orderKey", "required"}},
		{"shipstation: renamed field", apispec.ShipStation, regexp.MustCompile(`"orderNumber"`), `"orderNo"`,
			[]string{"shipstation:POST /orders/createorders", "response body /results/0/orderNumber", "required"}},
		{"shipstation: wrong type", apispec.ShipStation, regexp.MustCompile(`"success":true`), `"success":"true"`,
			[]string{"shipstation:POST /orders/createorders", "response body /results/0/success", "boolean"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &testkit.Recorder{TB: t}
			switch tc.vendor {
			case apispec.Xero:
				callXeroInvoices(t, rec, specs, tc.re, tc.repl)
			case apispec.ShipStation:
				callShipStationCreateOrders(t, rec, specs, tc.re, tc.repl)
			}
			msgs := rec.Messages()
			found := false
			for _, m := range msgs {
				t.Log(m)
				all := true
				for _, w := range tc.want {
					all = all && strings.Contains(m, w)
				}
				found = found || all
			}
			if !found {
				t.Errorf("no violation mentions all of %q; got %q", tc.want, msgs)
			}
		})
	}
}

// callXeroInvoices lists the invoices of an emulator whose answers are
// broken by re/repl, with a client-credentials token.
func callXeroInvoices(t *testing.T, rec *testkit.Recorder, specs *apispec.Specs, re *regexp.Regexp, repl string) {
	emu := xeroemu.New(xeroemu.Options{RateLimit: emukit.NoRateLimit})
	srv := httptest.NewServer(apispec.Middleware(rec, specs, breaking(emu, re, repl)))
	t.Cleanup(func() { srv.Close(); emu.Close() })
	emu.SetURL(srv.URL)
	tenant := emu.DefaultTenantID()
	c, err := emu.SeedContact(tenant, xeroemu.Contact{Name: "Broken Ltd"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.SeedInvoice(tenant, xeroemu.Invoice{Contact: xeroemu.Contact{ContactID: c.ContactID}, Status: "AUTHORISED",
		Date:      time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		LineItems: []xeroemu.LineItem{{Description: "Widget", Quantity: 2, UnitAmount: 10, AccountCode: "200"}}}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/connect/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(emu.ClientID(), emu.ClientSecret())
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decode(t, req, &tok)
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/api.xro/2.0/Invoices", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Xero-Tenant-Id", tenant)
	req.Header.Set("Accept", "application/json")
	decode(t, req, nil)
}

// callShipStationCreateOrders posts one order to an emulator whose
// answers are broken by re/repl.
func callShipStationCreateOrders(t *testing.T, rec *testkit.Recorder, specs *apispec.Specs, re *regexp.Regexp, repl string) {
	emu := shipstationemu.New(shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	srv := httptest.NewServer(apispec.Middleware(rec, specs, breaking(emu, re, repl)))
	t.Cleanup(func() { srv.Close(); emu.Close() })
	emu.SetURL(srv.URL)
	body, _ := json.Marshal([]any{map[string]any{
		"orderNumber": "INV-1", "orderKey": "k-1", "orderDate": "2026-07-01 09:00:00", "orderStatus": "awaiting_shipment",
		"billTo": map[string]any{"name": "Jane"},
		"shipTo": map[string]any{"name": "Jane", "street1": "1 Queen St", "city": "Auckland", "postalCode": "1010", "country": "NZ"},
	}})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/orders/createorders", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(emu.APIKey(), emu.APISecret())
	decode(t, req, nil)
}

func decode(t *testing.T, req *http.Request, into any) {
	t.Helper()
	hc := testkit.HTTPClient(t)
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatal(err)
		}
	}
}

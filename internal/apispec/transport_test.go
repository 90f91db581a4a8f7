package apispec

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// goodInvoices is a hand-written GET /Invoices?page=1 answer shaped as the
// description documents it.
const goodInvoices = `{"Id":"900c500b-e83c-4ce2-902a-b8ba04751748","Status":"OK","ProviderName":"orderbridge","DateTimeUTC":"/Date(1552326816230)/",
 "pagination":{"page":1,"pageSize":100,"pageCount":1,"itemCount":1},
 "Invoices":[{"Type":"ACCREC","InvoiceID":"d4956132-ed94-4dd7-9eaa-aa22dfdf06f2","InvoiceNumber":"INV-0001","Reference":"Red Fish",
   "Status":"AUTHORISED","Date":"/Date(1539993600000+0000)/","DueDate":"/Date(1540598400000+0000)/","DateString":"2018-10-20T00:00:00",
   "UpdatedDateUTC":"/Date(1541176290160+0000)/","LineAmountTypes":"Exclusive","CurrencyCode":"NZD","SubTotal":40.00,"TotalTax":6.00,"Total":46.00,
   "Contact":{"ContactID":"430fa14a-f945-44d3-9f97-5df5e28441b8","Name":"Ridgeway University","Addresses":[],"Phones":[]},
   "LineItems":[{"LineItemID":"5f7a612b-fdcc-4d33-90fa-a9f6bc6db32f","Description":"Acme Tires","Quantity":2.0,"UnitAmount":20.00,"ItemCode":"TIRE","AccountCode":"200","TaxType":"OUTPUT2","TaxAmount":6.00,"LineAmount":40.00,"Tracking":[]}]}]}`

// replace returns body with old replaced by new exactly once, or fails.
func replace(t *testing.T, body, old, new string) string {
	t.Helper()
	if strings.Count(body, old) != 1 {
		t.Fatalf("fixture: %q occurs %d times", old, strings.Count(body, old))
	}
	return strings.Replace(body, old, new, 1)
}

func TestTransportXero(t *testing.T) {
	t.Parallel()
	specs := Shared(t).Fork()
	getInvoices := call{method: "GET", path: "/api.xro/2.0/Invoices?page=1"}
	const putBody = `{"Invoices":[{"Type":"ACCREC","Contact":{"ContactID":"430fa14a-f945-44d3-9f97-5df5e28441b8"},"Date":"2019-03-11","DueDate":"2019-03-25",
		"Reference":"SO-1","Status":"AUTHORISED","LineAmountTypes":"Exclusive","LineItems":[{"Description":"Acme Tires","Quantity":2,"UnitAmount":20,"AccountCode":"200","TaxType":"NONE"}]}]}`
	cases := []struct {
		name  string
		call  call
		reply fakeReply
		want  [][]string // fragments that must appear together in one violation; none = clean
	}{
		{name: "documented invoices list passes", call: getInvoices, reply: fakeReply{body: goodInvoices}},
		{name: "documented invoice creation passes", call: call{method: "PUT", path: "/api.xro/2.0/Invoices", body: putBody}, reply: fakeReply{body: goodInvoices}},
		{name: "single invoice by id passes",
			call:  call{method: "GET", path: "/api.xro/2.0/Invoices/d4956132-ed94-4dd7-9eaa-aa22dfdf06f2"},
			reply: fakeReply{body: goodInvoices}},
		{name: "renamed field", call: getInvoices,
			reply: fakeReply{body: replace(t, goodInvoices, `"InvoiceID"`, `"InvoiceId"`)},
			want:  [][]string{{"xero:getInvoices", "response body /Invoices/0/InvoiceId", `key "InvoiceID"`}}},
		{name: "wrong enum value", call: getInvoices,
			reply: fakeReply{body: replace(t, goodInvoices, `"AUTHORISED"`, `"APPROVED"`)},
			want:  [][]string{{"xero:getInvoices", "response body /Invoices/0/Status", `"APPROVED"`, `enum ["DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED"]`}}},
		{name: "wrong type", call: getInvoices,
			reply: fakeReply{body: replace(t, goodInvoices, `"Total":46.00`, `"Total":"46.00"`)},
			want:  [][]string{{"xero:getInvoices", "response body /Invoices/0/Total", "type number"}}},
		{name: "malformed msdate", call: getInvoices,
			reply: fakeReply{body: replace(t, goodInvoices, `"/Date(1539993600000+0000)/"`, `"/Date(1539993600000+0000)"`)},
			want:  [][]string{{"xero:getInvoices", "response body /Invoices/0/Date", "x-is-msdate"}}},
		{name: "ISO date where description says msdate", call: getInvoices,
			reply: fakeReply{body: replace(t, goodInvoices, `"/Date(1541176290160+0000)/"`, `"2018-11-02T16:31:30Z"`)},
			want:  [][]string{{"response body /Invoices/0/UpdatedDateUTC", "x-is-msdate-time"}}},
		{name: "date field not at midnight UTC", call: getInvoices,
			reply: fakeReply{body: replace(t, goodInvoices, `"/Date(1539993600000+0000)/"`, `"/Date(1539993600001+0000)/"`)},
			want:  [][]string{{"response body /Invoices/0/Date", "midnight UTC"}}},
		{name: "undocumented path", call: call{method: "GET", path: "/api.xro/2.0/Orders"}, reply: fakeReply{body: `{}`},
			want: [][]string{{"no documented operation", "GET /api.xro/2.0/Orders", "no description documents this path"}}},
		{name: "undocumented method", call: call{method: "PATCH", path: "/api.xro/2.0/Invoices", body: putBody}, reply: fakeReply{body: `{}`},
			want: [][]string{{"method PATCH is not documented", "GET, POST, PUT"}}},
		{name: "undocumented status", call: getInvoices, reply: fakeReply{status: http.StatusTeapot, body: `{}`},
			want: [][]string{{"xero:getInvoices", "status 418 is not documented", "statuses 200"}}},
		{name: "bad request body: enum", call: call{method: "PUT", path: "/api.xro/2.0/Invoices", body: replace(t, putBody, `"ACCREC"`, `"SALE"`)},
			reply: fakeReply{body: goodInvoices},
			want:  [][]string{{"xero:createInvoices", "request body /Invoices/0/Type", `"SALE"`, "enum"}}},
		{name: "bad request body: undocumented key", call: call{method: "PUT", path: "/api.xro/2.0/Invoices", body: replace(t, putBody, `"Reference"`, `"ShippingNote"`)},
			reply: fakeReply{body: goodInvoices},
			want:  [][]string{{"xero:createInvoices", "request body /Invoices/0/ShippingNote", "not documented"}}},
		{name: "bad request body: not JSON", call: call{method: "PUT", path: "/api.xro/2.0/Invoices", body: `{"Invoices":[`},
			reply: fakeReply{body: goodInvoices},
			want:  [][]string{{"xero:createInvoices", "request body"}}},
		{name: "bad request body: date format", call: call{method: "PUT", path: "/api.xro/2.0/Invoices", body: replace(t, putBody, `"2019-03-11"`, `"11/03/2019"`)},
			reply: fakeReply{body: goodInvoices},
			want:  [][]string{{"request body /Invoices/0/Date", "YYYY-MM-DD"}}},
		// A custom connection's call needs no tenant header (exception
		// table); without a Bearer token the header is required again.
		{name: "missing tenant header with a token", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1", header: map[string]string{"xero-tenant-id": ""}},
			reply: fakeReply{body: goodInvoices}},
		{name: "missing tenant header", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1", header: map[string]string{"xero-tenant-id": "", "Authorization": ""}},
			reply: fakeReply{body: goodInvoices},
			want:  [][]string{{"xero:getInvoices", "request header xero-tenant-id", "required"}, {"xero:getInvoices", "request header Authorization"}}},
		{name: "missing bearer token", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1", header: map[string]string{"Authorization": ""}},
			reply: fakeReply{body: goodInvoices},
			want:  [][]string{{"xero:getInvoices", "request header Authorization", "Bearer"}}},
		{name: "missing Accept header", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1", header: map[string]string{"Accept": ""}},
			reply: fakeReply{body: goodInvoices},
			want:  [][]string{{"xero:getInvoices", "request header Accept", "XML"}}},
		{name: "misspelt query parameter", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1&pagesize=100"},
			reply: fakeReply{body: goodInvoices},
			want:  [][]string{{"request query pagesize", "not documented", "pageSize"}}},
		{name: "query parameter of the wrong type", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=first"},
			reply: fakeReply{body: goodInvoices},
			want:  [][]string{{"request query page"}}},
		{name: "If-Modified-Since without zone is excepted", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1", header: map[string]string{"If-Modified-Since": "2026-07-01T00:00:00"}},
			reply: fakeReply{body: goodInvoices}},
		{name: "If-Modified-Since in another format", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1", header: map[string]string{"If-Modified-Since": "yesterday"}},
			reply: fakeReply{body: goodInvoices},
			want:  [][]string{{"request header If-Modified-Since", "by exception"}}},
		{name: "429 with its headers is excepted", call: getInvoices,
			reply: fakeReply{status: 429, header: map[string]string{"Retry-After": "30", "X-Rate-Limit-Problem": "minute"}}},
		{name: "429 without Retry-After", call: getInvoices,
			reply: fakeReply{status: 429, header: map[string]string{"X-Rate-Limit-Problem": "minute"}},
			want:  [][]string{{"xero:getInvoices", "response header Retry-After"}}},
		{name: "401 problem JSON is excepted", call: getInvoices,
			reply: fakeReply{status: 401, body: `{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: token expired","Instance":"x","Extensions":{}}`}},
		{name: "401 with a body of the wrong shape", call: getInvoices,
			reply: fakeReply{status: 401, body: `{"Title":"Unauthorized","Status":"401"}`},
			want:  [][]string{{"response body /Status", "type integer", "exception"}}},
		{name: "400 on a list, with the description's Error schema, is excepted", call: getInvoices,
			reply: fakeReply{status: 400, body: `{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred","Elements":[]}`}},
		{name: "400 on a list with a mistyped Error", call: getInvoices,
			reply: fakeReply{status: 400, body: `{"ErrorNumber":"10","Type":"ValidationException","Message":"x"}`},
			want:  [][]string{{"xero:getInvoices", "response body /ErrorNumber", "type integer", "exception"}}},
		{name: "503 plain text is excepted", call: getInvoices,
			reply: fakeReply{status: 503, contentType: "text/plain", body: "The Xero API is currently offline for maintenance"}},
		{name: "connections, lowercase path and offset-less dates",
			call: call{method: "GET", path: "/connections"},
			reply: fakeReply{body: `[{"id":"7cb59f93-2964-421d-bb5e-a0f7a4572a44","authEventId":"d99ecdfe-7b24-4ac5-a4a4-b29ab5cd0a54","tenantId":"fe79f7dd-b6d4-4a92-ba7b-538af6289c58",
				"tenantType":"ORGANISATION","tenantName":"Demo Company (NZ)","createdDateUtc":"2019-12-07T18:46:19.5165400","updatedDateUtc":"2019-12-07T18:46:19.5187840"}]`}},
		{name: "connections, bad uuid",
			call:  call{method: "GET", path: "/connections"},
			reply: fakeReply{body: `[{"id":"7cb59f93","tenantId":"fe79f7dd-b6d4-4a92-ba7b-538af6289c58","createdDateUtc":"2019-12-07T18:46:19"}]`},
			want:  [][]string{{"xero:getConnections", "response body /0/id", "format uuid"}}},
		{name: "consent redirect",
			call:  call{method: "GET", path: "/identity/connect/authorize?response_type=code&client_id=c&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&scope=openid+offline_access&state=s1", noAuth: true},
			reply: fakeReply{status: http.StatusFound, header: map[string]string{"Location": "http://localhost/cb?code=x&state=s1"}}},
		{name: "consent request without state",
			call:  call{method: "GET", path: "/identity/connect/authorize?response_type=code&client_id=c&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&scope=openid", noAuth: true},
			reply: fakeReply{status: http.StatusFound, header: map[string]string{"Location": "http://localhost/cb?code=x"}},
			want:  [][]string{{"xero:getAuthorize", "request query state", "required"}}},
		{name: "token exchange",
			call:  call{method: "POST", path: "/connect/token", body: "grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2Flocalhost%2Fcb"},
			reply: fakeReply{body: `{"id_token":"x","access_token":"y","expires_in":1800,"token_type":"Bearer","refresh_token":"z","scope":"openid"}`}},
		{name: "token exchange, unknown grant and a token answer without expires_in",
			call:  call{method: "POST", path: "/connect/token", body: "grant_type=password"},
			reply: fakeReply{body: `{"access_token":"y","token_type":"Bearer"}`},
			want:  [][]string{{"xero:postToken", "request body /grant_type", "enum"}, {"xero:postToken", "response body /expires_in", "required"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []byte
			srv := fakeServer(t, tc.reply, &got)
			rec := &testkit.Recorder{TB: t}
			client := &http.Client{
				Transport: NewTransport(rec, specs, nil),
				// Redirects stay visible: the consent page answers 302.
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}
			resp, err := client.Do(tc.call.request(t, srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			// The transport hands both bodies on intact.
			if string(body) != tc.reply.body {
				t.Errorf("caller read %q, server sent %q", body, tc.reply.body)
			}
			if string(got) != tc.call.body {
				t.Errorf("server read %q, caller sent %q", got, tc.call.body)
			}
			msgs := rec.Messages()
			for _, m := range msgs {
				t.Log(m)
			}
			assertMessages(t, msgs, tc.want)
		})
	}
}

package apispec

import "testing"

func TestRouting(t *testing.T) {
	t.Parallel()
	specs := Shared(t)
	cases := []struct {
		method, path string
		want         string // operation id, "" for none
		param        string // name=value expected among the path parameters
	}{
		{"GET", "/api.xro/2.0/Invoices", "getInvoices", ""},
		{"PUT", "/api.xro/2.0/Invoices", "createInvoices", ""},
		{"POST", "/api.xro/2.0/Invoices", "updateOrCreateInvoices", ""},
		{"GET", "/api.xro/2.0/Invoices/d4956132-ed94-4dd7-9eaa-aa22dfdf06f2", "getInvoice", "InvoiceID=d4956132-ed94-4dd7-9eaa-aa22dfdf06f2"},
		{"PUT", "/api.xro/2.0/Invoices/d4956132-ed94-4dd7-9eaa-aa22dfdf06f2/History", "createInvoiceHistory", ""},
		// Two templates fit /Contacts/x: the uuid picks ContactID.
		{"GET", "/api.xro/2.0/Contacts/430fa14a-f945-44d3-9f97-5df5e28441b8", "getContact", "ContactID=430fa14a-f945-44d3-9f97-5df5e28441b8"},
		{"GET", "/api.xro/2.0/Contacts/CUST-001", "getContactByContactNumber", "ContactNumber=CUST-001"},
		{"GET", "/connections", "getConnections", ""},
		{"GET", "/Connections", "getConnections", ""},
		{"DELETE", "/connections/7cb59f93-2964-421d-bb5e-a0f7a4572a44", "deleteConnection", "id=7cb59f93-2964-421d-bb5e-a0f7a4572a44"},
		{"POST", "/connect/token", opToken, ""},
		{"GET", "/identity/connect/authorize", opAuthorize, ""},
		{"GET", "/invoices", "", ""}, // the accounting paths keep their case and prefix
		{"GET", "/api.xro/2.0/invoices", "", ""},
		{"GET", "/orders", "GET /orders", ""},
		{"GET", "/orders/123", "GET /orders/{orderId}", "orderId=123"},
		{"POST", "/orders/createorder", "POST /orders/createorder", ""},
		{"GET", "/stores", "GET /stores", ""},
		{"DELETE", "/webhooks/77", "DELETE /webhooks/{webhookId}", "webhookId=77"},
	}
	for _, tc := range cases {
		o, params, _ := specs.find(tc.method, tc.path)
		got := ""
		if o != nil {
			got = o.op.ID
		}
		if got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.path, got, tc.want)
			continue
		}
		if tc.param != "" {
			found := false
			for k, v := range params {
				found = found || k+"="+v == tc.param
			}
			if !found {
				t.Errorf("%s %s: params %v, want %s", tc.method, tc.path, params, tc.param)
			}
		}
	}
}

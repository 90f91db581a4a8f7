package xeroemu_test

import (
	"net/http"
	"testing"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// admin calls the emulator's admin API with its token (none when token is
// false).
func (b *testBundle) admin(t testing.TB, method, path string, body any, token bool) response {
	t.Helper()
	h := map[string]string{}
	if token {
		h[emukit.AdminTokenHeader] = b.emu.AdminToken()
	}
	return call(t, method, b.emu.URL()+emukit.AdminPrefix+path, body, h)
}

// TestAdminCountersAndRequests checks that the admin API reports per-route
// and per-tenant calls, egress per tenant and the recent requests, and that
// it needs its own token (a Xero access token does not open it).
func TestAdminCountersAndRequests(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{OrgNames: []string{"One", "Two"}, AdminToken: "admintok"})
	if b.emu.AdminToken() != "admintok" {
		t.Fatalf("AdminToken = %q", b.emu.AdminToken())
	}
	b.do(t, http.MethodGet, "/api.xro/2.0/Organisation", nil).must(t, http.StatusOK)
	b.do(t, http.MethodGet, "/api.xro/2.0/Organisation", nil).must(t, http.StatusOK)
	b.do(t, http.MethodGet, "/api.xro/2.0/Organisation", nil, "Xero-Tenant-Id", "nope").must(t, http.StatusForbidden)

	b.admin(t, http.MethodGet, "/counters", nil, false).must(t, http.StatusUnauthorized)
	if r := call(t, http.MethodGet, b.emu.URL()+emukit.AdminPrefix+"/counters", nil,
		map[string]string{"Authorization": "Bearer " + b.token}); r.status != http.StatusUnauthorized {
		t.Errorf("admin API with a Xero token: %d, want 401", r.status)
	}
	c := b.admin(t, http.MethodGet, "/counters", nil, true).must(t, http.StatusOK).body
	calls := c["calls"].(map[string]any)
	if num(calls["GET /api.xro/2.0/Organisation"]) != 3 {
		t.Errorf("calls %v, want 3 GET Organisation", calls)
	}
	tenants := c["tenants"].(map[string]any)
	mine, _ := tenants[b.tenant].(map[string]any)
	if num(mine["GET /api.xro/2.0/Organisation"]) != 2 {
		t.Errorf("tenants %v, want 2 GET Organisation for %s", tenants, b.tenant)
	}
	egress := c["egressBytes"].(map[string]any)
	if num(egress[b.tenant]) <= 0 || num(egress[b.tenant]) != float64(b.emu.EgressBytes(b.tenant)) {
		t.Errorf("egress %v, want %d for %s", egress, b.emu.EgressBytes(b.tenant), b.tenant)
	}

	r := b.admin(t, http.MethodGet, "/requests?since=0", nil, true).must(t, http.StatusOK)
	reqs := r.items(t, "requests")
	// The client-credentials token call comes first, then the three above.
	if len(reqs) != 4 {
		t.Fatalf("requests %s, want 4", r.raw)
	}
	last := reqs[3]
	if last["method"] != "GET" || last["path"] != "/api.xro/2.0/Organisation" || num(last["status"]) != 403 ||
		last["route"] != "GET /api.xro/2.0/Organisation" {
		t.Errorf("last request %v", last)
	}
	if reqs[2]["principal"] != b.tenant || num(reqs[2]["status"]) != 200 || reqs[2]["time"] == "" {
		t.Errorf("second call %v, want tenant %s, 200", reqs[2], b.tenant)
	}
	if r := b.admin(t, http.MethodGet, "/requests?since=3", nil, true).must(t, http.StatusOK); len(r.items(t, "requests")) != 1 {
		t.Errorf("since=3: %s", r.raw)
	}

	b.admin(t, http.MethodDelete, "/counters", nil, true).must(t, http.StatusNoContent)
	c = b.admin(t, http.MethodGet, "/counters", nil, true).must(t, http.StatusOK).body
	if len(c["calls"].(map[string]any)) != 0 || b.emu.Counters().Total() != 0 {
		t.Errorf("after reset: %v", c)
	}

	ts := b.admin(t, http.MethodGet, "/tenants", nil, true).must(t, http.StatusOK).items(t, "tenants")
	if len(ts) != 2 || ts[0]["tenantId"] != b.tenant || ts[1]["name"] != "Two" {
		t.Errorf("tenants %v", ts)
	}
}

// TestAdminSeedInvoices seeds invoices over HTTP into the second
// organisation and checks what the API then serves, the share tagged for
// ShipStation, and that each raised an INVOICE webhook as a created
// invoice does.
func TestAdminSeedInvoices(t *testing.T) {
	t.Parallel()
	const key = "seed-webhook-key"
	rc := newReceiver(t, key)
	b := setup(t, xeroemu.Options{OrgNames: []string{"One", "Two"}, WebhookURL: rc.srv.URL, WebhookKey: key})
	second := b.emu.TenantIDs()[1]
	if err := b.emu.SeedStarterData(second); err != nil {
		t.Fatal(err)
	}
	if err := b.emu.SeedStarterData(second); err != nil {
		t.Fatalf("starter data twice: %v", err)
	}

	r := b.admin(t, http.MethodPost, "/seed/invoices", map[string]any{
		"tenant": second, "count": 10, "status": "approved", "taggedShare": 0.3,
	}, true).must(t, http.StatusOK)
	raw, _ := r.body["invoiceIds"].([]any)
	if len(raw) != 10 || r.body["tenant"] != second {
		t.Fatalf("seed answer %s", r.raw)
	}
	// A client-credentials token reaches only the first organisation, so
	// the second is read from Go.
	tagged, contacts := 0, map[string]bool{}
	for _, id := range raw {
		inv, ok := b.emu.Invoice(second, id.(string))
		if !ok || inv.Status != "AUTHORISED" || inv.Type != "ACCREC" || inv.Total <= 0 {
			t.Errorf("invoice %s: %+v", id, inv)
			continue
		}
		contacts[inv.Contact.Name] = true
		if tr := inv.LineItems[0].Tracking; len(tr) == 1 && tr[0].Option == "ShipStation" {
			tagged++
		}
	}
	if tagged != 3 {
		t.Errorf("%d tagged, want 3 of 10", tagged)
	}
	if len(contacts) != 3 || !contacts["Load Customer 1"] {
		t.Errorf("billed %v, want the three starter customers", contacts)
	}
	seen := map[string]bool{}
	for len(seen) < 10 {
		_, p := rc.next(t)
		for _, ev := range p.Events {
			if ev.EventCategory == "INVOICE" && ev.EventType == "CREATE" && ev.TenantID == second {
				seen[ev.ResourceID] = true
			}
		}
	}

	// Drafts to named contacts in the first organisation, which has no
	// starter data yet: the name creates the contact, nothing is tagged.
	r = b.admin(t, http.MethodPost, "/seed/invoices", map[string]any{
		"count": 2, "status": "DRAFT", "taggedShare": 0, "contacts": []string{"Brand New Ltd"},
	}, true).must(t, http.StatusOK)
	for _, id := range r.body["invoiceIds"].([]any) {
		inv := b.do(t, http.MethodGet, "/api.xro/2.0/Invoices/"+id.(string), nil).must(t, http.StatusOK).one(t, "Invoices")
		line := inv["LineItems"].([]any)[0].(map[string]any)
		if tr, _ := line["Tracking"].([]any); inv["Status"] != "DRAFT" || len(tr) != 0 ||
			inv["Contact"].(map[string]any)["Name"] != "Brand New Ltd" {
			t.Errorf("draft %v", inv)
		}
	}

	for _, tc := range []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"count": 0}, http.StatusBadRequest},
		{map[string]any{"count": 1, "status": "PAID"}, http.StatusBadRequest},
		{map[string]any{"count": 1, "taggedShare": 2}, http.StatusBadRequest},
		{map[string]any{"count": 1, "colour": "red"}, http.StatusBadRequest},
		{map[string]any{"count": 1, "tenant": "nope"}, http.StatusNotFound},
	} {
		if r := b.admin(t, http.MethodPost, "/seed/invoices", tc.body, true); r.status != tc.status {
			t.Errorf("%v: %d %s, want %d", tc.body, r.status, r.raw, tc.status)
		}
	}
}

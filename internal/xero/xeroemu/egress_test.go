package xeroemu_test

import (
	"testing"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// TestEgressBytes checks that the emulator books every response body byte
// a client receives to the organisation it was served for, and the rest
// (token, /connections, refusals) to the total only.
func TestEgressBytes(t *testing.T) {
	t.Parallel()
	emu := xeroemutest.NewServer(t, xeroemu.Options{OrgNames: []string{"A", "B"}, RateLimit: emukit.NoRateLimit})
	ids := emu.TenantIDs()
	tok := clientCredentials(t, emu)["access_token"].(string) // bound to A, needs no tenant header
	if emu.EgressBytes(ids[0]) != 0 || emu.EgressTotal() == 0 {
		t.Fatalf("after the token call: A %d, total %d", emu.EgressBytes(ids[0]), emu.EgressTotal())
	}
	afterToken := emu.EgressTotal()
	a := &testBundle{emu: emu, token: tok, tenant: ids[0]}
	for i := range 3 {
		if _, err := emu.SeedInvoice(ids[0], xeroemu.Invoice{Type: "ACCREC", Contact: xeroemu.Contact{Name: "C" + string(rune('0'+i))}, Status: "AUTHORISED",
			LineItems: []xeroemu.LineItem{{Description: "Widget", Quantity: 2, UnitAmount: 10}}}); err != nil {
			t.Fatal(err)
		}
	}
	var served int64
	for _, path := range []string{"/api.xro/2.0/Invoices?page=1", "/api.xro/2.0/Invoices", "/api.xro/2.0/Organisation", "/api.xro/2.0/Contacts"} {
		served += int64(len(a.do(t, "GET", path, nil).must(t, 200).raw))
	}
	if got := emu.EgressBytes(ids[0]); got != served || served == 0 {
		t.Errorf("EgressBytes(A) = %d, want the %d body bytes received", got, served)
	}
	if got := emu.EgressBytes(ids[1]); got != 0 {
		t.Errorf("EgressBytes(B) = %d, want 0", got)
	}
	// A refusal before the tenant is known counts in the total only.
	bad := &testBundle{emu: emu, token: "nope", tenant: ids[1]}
	refused := int64(len(bad.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 401).raw))
	if got := emu.EgressTotal(); got != afterToken+served+refused {
		t.Errorf("EgressTotal = %d, want %d", got, afterToken+served+refused)
	}
	if emu.EgressBytes(ids[1]) != 0 || emu.Egress().Get(ids[0]) != served {
		t.Errorf("refusal booked to an organisation: %v", emu.Egress().Snapshot())
	}
}

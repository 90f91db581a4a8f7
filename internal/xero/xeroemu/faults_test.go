package xeroemu_test

import (
	"slices"
	"testing"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

func TestInjectedErrorsHaveNoEffect(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Faulty")
	inv := seedInvoices(t, b, 1, cid, nil)[0]
	b.emu.SetFaults(emukit.FaultConfig{ErrorRate: 1, Seed: 7})
	seen := map[int]bool{}
	for range 20 {
		r := b.do(t, "PUT", "/api.xro/2.0/Invoices", invoiceBody(map[string]any{"Type": "ACCREC", "Contact": map[string]any{"ContactID": cid}}))
		if r.status != 500 && r.status != 503 {
			t.Fatalf("status %d, want 500 or 503", r.status)
		}
		seen[r.status] = true
		r = b.do(t, "PUT", "/api.xro/2.0/Invoices/"+inv.InvoiceID+"/History", map[string]any{"HistoryRecords": []any{map[string]any{"Details": "x"}}})
		if r.status < 500 {
			t.Fatalf("history: %d", r.status)
		}
	}
	if !seen[500] || !seen[503] {
		t.Errorf("statuses seen %v, want both 500 and 503", seen)
	}
	// The statuses are configurable; 503 alone is one Xero documents
	// (xero-api.md §8.2), so the exchange still validates.
	b.emu.SetFaults(emukit.FaultConfig{ErrorRate: 1, ErrorStatuses: []int{503}})
	for range 5 {
		b.do(t, "GET", "/api.xro/2.0/Invoices", nil).must(t, 503)
	}

	b.emu.SetFaults(emukit.FaultConfig{})
	if all := b.do(t, "GET", "/api.xro/2.0/Invoices", nil).must(t, 200).items(t, "Invoices"); len(all) != 1 {
		t.Errorf("%d invoices after failed creates, want 1", len(all))
	}
	if len(b.emu.History(b.tenant, inv.InvoiceID)) != 2 { // Created, Approved
		t.Errorf("history after failed notes = %v", b.emu.History(b.tenant, inv.InvoiceID))
	}
	if got := b.emu.Counters().Get("PUT /api.xro/2.0/Invoices"); got != 20 {
		t.Errorf("failed calls counted %d, want 20", got)
	}
}

func TestFaultsAreRepeatable(t *testing.T) {
	t.Parallel()
	run := func() []int {
		b := setup(t, xeroemu.Options{Faults: emukit.FaultConfig{ErrorRate: 0.5, Seed: 42}})
		var out []int
		for range 30 {
			out = append(out, b.do(t, "GET", "/api.xro/2.0/Organisation", nil).status)
		}
		return out
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different outcomes:\n%v\n%v", a, b)
	}
	if !slices.Contains(a, 200) || !slices.ContainsFunc(a, func(s int) bool { return s >= 500 }) {
		t.Errorf("errors=0.5 gave %v, want a mix", a)
	}
}

func TestOrganisationOffline(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{Faults: emukit.FaultConfig{Offline: true}})
	r := b.do(t, "GET", "/api.xro/2.0/Invoices", nil).must(t, 503)
	if string(r.raw) != "Organisation offline" {
		t.Errorf("offline body = %q", r.raw)
	}
	// The identity side stays up.
	call(t, "GET", b.emu.URL()+"/connections", nil, map[string]string{"Authorization": "Bearer " + b.token}).must(t, 200)
	clientCredentials(t, b.emu)
}

func TestCounters(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Counted")
	inv := seedInvoices(t, b, 1, cid, nil)[0]
	b.do(t, "GET", "/api.xro/2.0/Invoices/"+inv.InvoiceID, nil).must(t, 200)
	b.do(t, "GET", "/api.xro/2.0/Invoices/"+inv.InvoiceNumber, nil).must(t, 200)
	b.do(t, "POST", "/api.xro/2.0/Invoices/"+inv.InvoiceID+"/History", map[string]any{"HistoryRecords": []any{map[string]any{"Details": "x"}}}).must(t, 200)
	b.do(t, "GET", "/api.xro/2.0/Contacts", nil).must(t, 200)
	want := map[string]int64{
		"POST /connect/token":                     1,
		"GET /api.xro/2.0/Invoices/{id}":          2,
		"POST /api.xro/2.0/Invoices/{id}/History": 1,
		"GET /api.xro/2.0/Contacts":               1,
	}
	got := b.emu.Counters().Snapshot()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if b.emu.Counters().Total() != 5 {
		t.Errorf("total = %d, want 5", b.emu.Counters().Total())
	}
}

// TestInjected429LooksLikeXeros: an injected 429 carries what Xero's does
// (Retry-After and X-Rate-Limit-Problem, xero-api.md §0.5, §8.3), so a
// client sees the same answer as from a real limit.
func TestInjected429LooksLikeXeros(t *testing.T) {
	t.Parallel()
	for _, rl := range []emukit.RateLimit{emukit.NoRateLimit, {Scale: 600}} {
		b := setup(t, xeroemu.Options{RateLimit: rl, Faults: emukit.FaultConfig{ErrorRate: 1, ErrorStatuses: []int{429}}})
		r := b.do(t, "GET", "/api.xro/2.0/Invoices", nil).must(t, 429)
		if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Errorf("rate limit %v: Retry-After = %q, want whole seconds ≥ 1", rl, ra)
		}
		if p := r.header.Get("X-Rate-Limit-Problem"); p != "minute" {
			t.Errorf("rate limit %v: X-Rate-Limit-Problem = %q, want minute", rl, p)
		}
	}
}

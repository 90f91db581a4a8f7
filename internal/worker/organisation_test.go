package worker_test

import (
	"testing"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// TestExportFillsTheOrganisationOnce: a Xero connection made before
// orderbridge stored the organisation's time zone and short code gets
// them from its next run, one Organisation call, and never again.
func TestExportFillsTheOrganisationOnce(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{xemu: &xeroemu.Options{OrgTimezone: "NEWZEALANDSTANDARDTIME"}})
	// The connection as an older orderbridge saved it: no zone, no code.
	tok, err := b.st.XeroGrant(b.ctx, b.acct)
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.st.Connection(b.ctx, b.acct, store.KindXero)
	if err != nil {
		t.Fatal(err)
	}
	old := store.ConnectionMetadata{TenantID: c.Metadata.TenantID, TenantName: c.Metadata.TenantName}
	if err := b.st.SaveXeroConnection(b.ctx, b.acct, old, tok); err != nil {
		t.Fatal(err)
	}

	b.xemu.Counters().Reset()
	sum := b.export()
	if n := b.xemu.Counters().Get("GET /api.xro/2.0/Organisation"); n != 1 {
		t.Errorf("the first run read the organisation %d times, want 1 (calls %v)", n, b.xemu.Counters().Snapshot())
	}
	c, err = b.st.Connection(b.ctx, b.acct, store.KindXero)
	if err != nil {
		t.Fatal(err)
	}
	if c.Metadata.Timezone != "NEWZEALANDSTANDARDTIME" || c.Metadata.ShortCode == "" || c.Metadata.TenantID != old.TenantID {
		t.Errorf("after the run the connection holds %+v, want the organisation's time zone and short code", c.Metadata)
	}
	if sum.XeroCalls != int(b.xemu.Counters().Total()) {
		t.Errorf("the run counted %d Xero calls, the emulator %d", sum.XeroCalls, b.xemu.Counters().Total())
	}

	// Known now: no run, export or the invoice page's preview, asks again,
	// and the preview has the short code for its link into Xero.
	b.export()
	inv := b.invoice(b.contact("Acme Outdoor Ltd"), "AUTHORISED", true)
	res, _, err := b.eng.Exporter.Resync(b.ctx, b.acct, inv.InvoiceID, worker.RunOptions{DryRun: true})
	if err != nil || res.OrgShortCode != c.Metadata.ShortCode {
		t.Errorf("preview: short code %q (%v), want %q", res.OrgShortCode, err, c.Metadata.ShortCode)
	}
	if n := b.xemu.Counters().Get("GET /api.xro/2.0/Organisation"); n != 1 {
		t.Errorf("the organisation was read %d times in all, want 1", n)
	}
}

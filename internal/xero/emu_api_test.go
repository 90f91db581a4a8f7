package xero_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// seedInvoices stores n authorised invoices for one contact, each with two
// lines, the first tracked as Region/North.
func seedInvoices(tb testing.TB, e *xeroemu.Emulator, tenant string, n int) []xeroemu.Invoice {
	tb.Helper()
	cat, err := e.SeedTrackingCategory(tenant, "Region", "North", "South")
	if err != nil && !strings.Contains(err.Error(), "exists") && !strings.Contains(err.Error(), "unique") {
		tb.Fatal(err)
	}
	_ = cat
	c, err := e.SeedContact(tenant, xeroemu.Contact{Name: "Barney Rubble", EmailAddress: "barney@example.com",
		Addresses: []xeroemu.Address{{AddressType: "STREET", AddressLine1: "1 Quarry Rd", City: "Bedrock", Region: "CA", PostalCode: "90210", Country: "USA"}}})
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]xeroemu.Invoice, 0, n)
	for i := range n {
		inv, err := e.SeedInvoice(tenant, xeroemu.Invoice{
			Type: "ACCREC", Status: "AUTHORISED", Reference: fmt.Sprintf("PO %d", i),
			Contact: xeroemu.Contact{ContactID: c.ContactID},
			Date:    time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), DueDate: time.Date(2026, 7, 31, 0, 0, 0, 0, time.UTC),
			LineItems: []xeroemu.LineItem{
				{ItemCode: "SKU-1", Description: "Acme Tires", Quantity: 2, UnitAmount: 20, AccountCode: "200",
					Tracking: []xeroemu.LineItemTracking{{Name: "Region", Option: "North"}}},
				{ItemCode: "SKU-2", Description: "Valve caps", Quantity: 4, UnitAmount: 1.25, AccountCode: "200"},
			},
		})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, inv)
	}
	return out
}

func TestEmuInvoicesDecode(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	seeded := seedInvoices(t, b.emu, b.tenant, 1)[0]
	ctx := context.Background()
	inv, err := b.client.Invoice(ctx, b.tenant, seeded.InvoiceID)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"InvoiceID", inv.InvoiceID, seeded.InvoiceID},
		{"InvoiceNumber", inv.InvoiceNumber, seeded.InvoiceNumber},
		{"Type", inv.Type, "ACCREC"},
		{"Status", inv.Status, "AUTHORISED"},
		{"Reference", inv.Reference, "PO 0"},
		{"Contact.ContactID", inv.Contact.ContactID, seeded.Contact.ContactID},
		{"Contact.Name", inv.Contact.Name, "Barney Rubble"},
		{"Date", inv.Date, xero.NewDate(2026, 7, 1)},
		{"DueDate", inv.DueDate, xero.NewDate(2026, 7, 31)},
		{"UpdatedDateUTC", inv.UpdatedDateUTC.UnixMilli(), seeded.UpdatedDateUTC.UnixMilli()},
		{"Total", inv.Total, seeded.Total},
		{"AmountDue", inv.AmountDue, seeded.AmountDue},
		{"lines", len(inv.LineItems), 2},
		{"LineItemID", inv.LineItems[0].LineItemID, seeded.LineItems[0].LineItemID},
		{"ItemCode", inv.LineItems[0].ItemCode, "SKU-1"},
		{"Quantity", inv.LineItems[1].Quantity, 4.0},
		{"UnitAmount", inv.LineItems[1].UnitAmount, 1.25},
		{"LineAmount", inv.LineItems[0].LineAmount, 40.0},
		{"Tracking option", inv.LineItems[0].Tracking[0].Name + ": " + inv.LineItems[0].Tracking[0].Option, "Region: North"},
		{"Tracking ids", inv.LineItems[0].Tracking[0].TrackingOptionID != "" && inv.LineItems[0].Tracking[0].TrackingCategoryID != "", true},
		{"Editable", inv.Editable(), true},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// The single GET carries the full contact.
	if len(inv.Contact.Addresses) == 0 {
		t.Fatal("no addresses on the single invoice's contact")
	}
	var street xero.Address
	for _, a := range inv.Contact.Addresses {
		if a.AddressType == xero.AddressStreet {
			street = a
		}
	}
	if street.AddressLine1 != "1 Quarry Rd" || street.City != "Bedrock" || street.PostalCode != "90210" {
		t.Errorf("street address = %+v", street)
	}
	// Xero (and the emulator) answer an unknown id with bare text, not
	// JSON: the error keeps the text and is still ErrNotFound, never a
	// decoding failure.
	_, err = b.client.Invoice(ctx, b.tenant, "00000000-0000-0000-0000-000000000000")
	var nf *xero.NotFoundError
	if !errors.Is(err, xero.ErrNotFound) || errors.Is(err, xero.ErrBadResponse) || !errors.As(err, &nf) ||
		nf.Message != "The resource you're looking for cannot be found" {
		t.Errorf("unknown invoice: %v", err)
	}
	if _, err := b.client.Contact(ctx, b.tenant, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, xero.ErrNotFound) {
		t.Errorf("unknown contact: %v", err)
	}
}

func TestEmuPaging(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	seeded := seedInvoices(t, b.emu, b.tenant, 2500)
	before := b.emu.Counters().Get("GET /api.xro/2.0/Invoices")
	seen := map[string]bool{}
	pages := 0
	for p, err := range b.client.InvoicePages(context.Background(), b.tenant, xero.InvoiceQuery{PageSize: 1000, Where: `Type=="ACCREC"`}) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, inv := range p.Invoices {
			seen[inv.InvoiceID] = true
			if len(inv.LineItems) != 2 || inv.LineItems[0].ItemCode != "SKU-1" {
				t.Fatalf("invoice %s lines = %+v", inv.InvoiceNumber, inv.LineItems)
			}
		}
	}
	if calls := b.emu.Counters().Get("GET /api.xro/2.0/Invoices") - before; calls != 3 || pages != 3 {
		t.Errorf("calls = %d, pages = %d, want 3", calls, pages)
	}
	if len(seen) != len(seeded) {
		t.Errorf("distinct invoices = %d, want %d", len(seen), len(seeded))
	}
	for _, s := range seeded {
		if !seen[s.InvoiceID] {
			t.Fatalf("invoice %s missing", s.InvoiceNumber)
		}
	}
}

func TestEmuIfModifiedSince(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{clock: true})
	old := seedInvoices(t, b.emu, b.tenant, 3)
	b.clock.Advance(time.Hour)
	cut := b.clock.Now()
	b.clock.Advance(time.Minute)
	changed, err := b.emu.UpdateInvoice(b.tenant, old[1].InvoiceID, func(inv *xeroemu.Invoice) { inv.Reference = "PO changed" })
	if err != nil {
		t.Fatal(err)
	}
	// The header is UTC; pass the cut in another zone to prove it.
	since := cut.In(time.FixedZone("", -7*3600))
	page, err := b.client.Invoices(context.Background(), b.tenant, xero.InvoiceQuery{ModifiedSince: since})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Invoices) != 1 || page.Invoices[0].InvoiceID != old[1].InvoiceID || page.Invoices[0].Reference != "PO changed" {
		t.Fatalf("modified since = %+v", page.Invoices)
	}
	if got := page.Invoices[0].UpdatedDateUTC.UnixMilli(); got != changed.UpdatedDateUTC.UnixMilli() {
		t.Errorf("UpdatedDateUTC = %d, want %d", got, changed.UpdatedDateUTC.UnixMilli())
	}
}

func TestEmuEditLock(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	inv := seedInvoices(t, b.emu, b.tenant, 1)[0]
	ctx := context.Background()
	// While nothing is paid, an update works.
	up, err := b.client.UpdateInvoice(ctx, b.tenant, xero.Invoice{InvoiceID: inv.InvoiceID, Reference: "PO 0 | shipped"}, "ref-1")
	if err != nil || up.Reference != "PO 0 | shipped" {
		t.Fatalf("update = %+v, %v", up, err)
	}
	pay, err := b.client.CreatePayment(ctx, b.tenant, xero.Payment{Invoice: &xero.Invoice{InvoiceID: inv.InvoiceID},
		Account: &xero.Account{Code: "090"}, Date: xero.NewDate(2026, 7, 2), Amount: 10}, "pay-1")
	if err != nil {
		t.Fatal(err)
	}
	if pay.PaymentID == "" || pay.Amount != 10 {
		t.Errorf("payment = %+v", pay)
	}
	_, err = b.client.UpdateInvoice(ctx, b.tenant, xero.Invoice{InvoiceID: inv.InvoiceID, Reference: "again"}, "")
	var ve *xero.ValidationError
	if !errors.As(err, &ve) || !ve.EditLocked || !errors.Is(err, xero.ErrEditLocked) || !errors.Is(err, xero.ErrValidation) || xero.Retryable(err) {
		t.Fatalf("update after payment: %v", err)
	}
	if !strings.Contains(err.Error(), "cannot be edited") {
		t.Errorf("error %q lacks Xero's message", err)
	}
	// The line helpers refuse before writing.
	posts := b.emu.Counters().Get("POST /api.xro/2.0/Invoices/{id}")
	if _, err := b.client.AddLine(ctx, b.tenant, inv.InvoiceID, xero.LineItem{Description: "Shipping"}, ""); !errors.Is(err, xero.ErrEditLocked) {
		t.Errorf("AddLine: %v", err)
	}
	if n := b.emu.Counters().Get("POST /api.xro/2.0/Invoices/{id}"); n != posts {
		t.Errorf("AddLine wrote to a locked invoice")
	}
	// A history note still works.
	if _, err := b.client.AddNote(ctx, b.tenant, inv.InvoiceID, "Shipped via UPS", "note-1"); err != nil {
		t.Errorf("note on a paid invoice: %v", err)
	}
	// Validation messages come through.
	_, err = b.client.CreateInvoice(ctx, b.tenant, xero.Invoice{Type: "ACCREC", LineItems: []xero.LineItem{{Description: "x", Quantity: 1, UnitAmount: 1}}}, "")
	if !errors.Is(err, xero.ErrValidation) || errors.Is(err, xero.ErrEditLocked) || !errors.As(err, &ve) || len(ve.Messages) == 0 {
		t.Errorf("invoice without contact: %v", err)
	}
}

func TestEmuNotes(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	inv := seedInvoices(t, b.emu, b.tenant, 1)[0]
	var sb strings.Builder
	for i := 0; sb.Len() < 600; i++ {
		fmt.Fprintf(&sb, "Parcel %d shipped via UPS Ground, tracking 1Z999AA1%08d. ", i, i)
	}
	note := strings.TrimSpace(sb.String()[:600])
	ctx := context.Background()
	before := len(b.emu.History(b.tenant, inv.InvoiceID))
	recs, err := b.client.AddNote(ctx, b.tenant, inv.InvoiceID, note, "ship-7")
	if err != nil {
		t.Fatal(err)
	}
	hist := b.emu.History(b.tenant, inv.InvoiceID)[before:]
	if len(hist) != 3 || len(recs) != 3 {
		t.Fatalf("records = %d stored, %d returned, want 3", len(hist), len(recs))
	}
	var joined string
	for _, h := range hist {
		if utf8.RuneCountInString(h.Details) > 250 || h.Changes != "Note" {
			t.Errorf("record %+v", h)
		}
		joined += h.Details
	}
	if joined != note {
		t.Errorf("stored notes rebuild\n%q\nwant\n%q", joined, note)
	}
	// Reading history through the API gives the same notes.
	got, err := b.client.History(ctx, b.tenant, inv.InvoiceID)
	if err != nil {
		t.Fatal(err)
	}
	var notes int
	for _, h := range got {
		if h.Changes == "Note" {
			notes++
			if h.DateUTC.IsZero() || h.User == "" {
				t.Errorf("history record = %+v", h)
			}
		}
	}
	if notes != 3 {
		t.Errorf("notes via API = %d, want 3", notes)
	}
	// The same key again is answered from Xero's idempotency cache.
	if _, err := b.client.AddNote(ctx, b.tenant, inv.InvoiceID, note, "ship-7"); err != nil {
		t.Fatal(err)
	}
	if n := len(b.emu.History(b.tenant, inv.InvoiceID)) - before; n != 3 {
		t.Errorf("after a retry with the same key: %d notes, want 3", n)
	}
}

func TestEmuContactsByIDs(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	var ids []string
	for i := range 120 {
		c, err := b.emu.SeedContact(b.tenant, xeroemu.Contact{Name: fmt.Sprintf("Customer %03d", i), EmailAddress: fmt.Sprintf("c%d@example.com", i),
			Phones: []xeroemu.Phone{{PhoneType: "MOBILE", PhoneNumber: fmt.Sprintf("555-%04d", i)}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ContactID)
	}
	got, err := b.client.ContactsByIDs(context.Background(), b.tenant, ids)
	if err != nil {
		t.Fatal(err)
	}
	if n := b.emu.Counters().Get("GET /api.xro/2.0/Contacts"); n != 3 {
		t.Errorf("calls = %d, want 3", n)
	}
	byID := map[string]xero.Contact{}
	for _, c := range got {
		byID[c.ContactID] = c
	}
	if len(byID) != 120 {
		t.Fatalf("contacts = %d, want 120", len(byID))
	}
	c := byID[ids[7]]
	if c.Name != "Customer 007" || c.EmailAddress != "c7@example.com" || c.ContactStatus != "ACTIVE" || c.UpdatedDateUTC.IsZero() {
		t.Errorf("contact = %+v", c)
	}
	var mobile string
	for _, p := range c.Phones {
		if p.PhoneType == "MOBILE" {
			mobile = p.PhoneNumber
		}
	}
	if mobile != "555-0007" {
		t.Errorf("mobile = %q", mobile)
	}
	// Paging through all contacts also works.
	n := 0
	for p, err := range b.client.ContactPages(context.Background(), b.tenant, xero.ContactQuery{PageSize: 50}) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Contacts)
	}
	if n != 120 {
		t.Errorf("paged contacts = %d", n)
	}
}

func TestEmuTrackingCategories(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	seeded, err := b.emu.SeedTrackingCategory(b.tenant, "Sales Channel", "ShipStation", "Retail")
	if err != nil {
		t.Fatal(err)
	}
	cats, err := b.client.TrackingCategories(context.Background(), b.tenant, false)
	if err != nil {
		t.Fatal(err)
	}
	var got *xero.TrackingCategory
	for i := range cats {
		if cats[i].TrackingCategoryID == seeded.TrackingCategoryID {
			got = &cats[i]
		}
	}
	if got == nil || got.Name != "Sales Channel" || got.Status != "ACTIVE" || len(got.Options) != 2 ||
		got.Options[0].Name != "ShipStation" || got.Options[0].TrackingOptionID != seeded.Options[0].TrackingOptionID {
		t.Errorf("category = %+v, seeded %+v", got, seeded)
	}
}

func TestEmuUpdateLines(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	inv := seedInvoices(t, b.emu, b.tenant, 1)[0]
	ctx := context.Background()
	ship := xero.LineItem{ItemCode: "SHIPPING", Description: "Shipping - UPS Ground", Quantity: 1, UnitAmount: 12.5, AccountCode: "260"}
	out, err := b.client.AddLine(ctx, b.tenant, inv.InvoiceID, ship, "add-ship")
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := b.emu.Invoice(b.tenant, inv.InvoiceID)
	if len(stored.LineItems) != 3 || len(out.LineItems) != 3 {
		t.Fatalf("lines = %d stored, %d returned, want 3", len(stored.LineItems), len(out.LineItems))
	}
	// The existing lines are untouched: same IDs, amounts and tracking.
	for i, want := range inv.LineItems {
		got := stored.LineItems[i]
		if got.LineItemID != want.LineItemID || got.ItemCode != want.ItemCode || got.Quantity != want.Quantity ||
			got.UnitAmount != want.UnitAmount || got.AccountCode != want.AccountCode || got.Description != want.Description ||
			fmt.Sprint(got.Tracking) != fmt.Sprint(want.Tracking) {
			t.Errorf("line %d changed:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if l := stored.LineItems[2]; l.ItemCode != "SHIPPING" || l.UnitAmount != 12.5 || l.LineItemID == "" {
		t.Errorf("new line = %+v", l)
	}
	if stored.Total != inv.Total+12.5 {
		t.Errorf("total = %v, want %v", stored.Total, inv.Total+12.5)
	}
	// Remove the shipping line again.
	if _, err := b.client.RemoveLines(ctx, b.tenant, inv.InvoiceID, func(l xero.LineItem) bool { return l.ItemCode == "SHIPPING" }, ""); err != nil {
		t.Fatal(err)
	}
	stored, _ = b.emu.Invoice(b.tenant, inv.InvoiceID)
	if len(stored.LineItems) != 2 || stored.LineItems[0].LineItemID != inv.LineItems[0].LineItemID || fmt.Sprint(stored.LineItems[0].Tracking) != fmt.Sprint(inv.LineItems[0].Tracking) {
		t.Errorf("after remove: %+v", stored.LineItems)
	}
}

func TestEmuFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		faults  emukit.FaultConfig
		is      error
		offline bool
		status  int
	}{
		{"offline", emukit.FaultConfig{Offline: true}, xero.ErrUnavailable, true, 503},
		{"maintenance", emukit.FaultConfig{ErrorRate: 1, ErrorStatuses: []int{503}}, xero.ErrUnavailable, false, 503},
		{"server error", emukit.FaultConfig{ErrorRate: 1, ErrorStatuses: []int{500}}, xero.ErrServer, false, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{emu: xeroemu.Options{Faults: tt.faults}})
			_, err := b.client.Organisation(context.Background(), b.tenant)
			var se *xero.ServerError
			if !errors.Is(err, tt.is) || !errors.As(err, &se) || se.OrgOffline != tt.offline || se.Status != tt.status || !xero.Retryable(err) {
				t.Errorf("err = %v (%+v)", err, se)
			}
		})
	}
}

func TestEmuRateLimitError(t *testing.T) {
	t.Parallel()
	// Real-time limits and no pacing: the 61st call in a minute is refused.
	b := setup(t, setupOpts{emu: xeroemu.Options{RateLimit: emukit.RealRateLimit}, pacing: xero.Pacing{Off: true}})
	ctx := context.Background()
	var err error
	for i := 0; i < 61 && err == nil; i++ {
		_, err = b.client.Organisation(ctx, b.tenant)
	}
	var rl *xero.RateLimitError
	if !errors.As(err, &rl) || rl.Problem != "minute" || rl.RetryAfter <= 0 || rl.RetryAfter > time.Minute || rl.Local {
		t.Fatalf("err = %v (%+v)", err, rl)
	}
	if d, ok := xero.RetryAfter(err); !ok || d != rl.RetryAfter || !xero.Retryable(err) {
		t.Errorf("RetryAfter = %v, %v", d, ok)
	}
	if n := b.emu.Counters().Get("GET /api.xro/2.0/Organisation"); n != 61 {
		t.Errorf("calls = %d, want 61", n)
	}
	if bud := b.app.Budget(b.tenant); bud.DayRemaining != 5000-60 {
		t.Errorf("budget = %+v", bud)
	}
}

func TestEmuPacing(t *testing.T) {
	t.Parallel()
	// The emulator runs 600 times faster than real time: a minute is 100ms.
	rl := emukit.RateLimit{Scale: 600}
	b := setup(t, setupOpts{emu: xeroemu.Options{RateLimit: rl}, pacing: xero.Pacing{Minute: rl.Window(time.Minute)}})
	const calls = 150 // two and a half minutes' worth
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	work := make(chan struct{}, calls)
	for range calls {
		work <- struct{}{}
	}
	close(work)
	for range 8 {
		wg.Go(func() {
			for range work {
				_, err := b.client.Organisation(context.Background(), b.tenant)
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := b.status.get(http.StatusTooManyRequests); n != 0 {
		t.Errorf("%d responses were 429; pacing should avoid every one", n)
	}
	if n := b.emu.Counters().Get("GET /api.xro/2.0/Organisation"); n != calls {
		t.Errorf("calls = %d, want %d", n, calls)
	}
}

func TestEmuWebhook(t *testing.T) {
	t.Parallel()
	got := make(chan *xero.WebhookPayload, 10)
	var key string
	var keyMu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		keyMu.Lock()
		k := key
		keyMu.Unlock()
		if err := xero.VerifySignature(k, body, r.Header.Get(xero.SignatureHeader)); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		p, err := xero.ParseWebhook(body)
		if err != nil {
			t.Errorf("parse: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		got <- p
	}))
	t.Cleanup(srv.Close)
	b := setup(t, setupOpts{emu: xeroemu.Options{WebhookURL: srv.URL}})
	keyMu.Lock()
	key = b.emu.WebhookKey()
	keyMu.Unlock()
	inv := seedInvoices(t, b.emu, b.tenant, 1)[0]
	deadline := time.After(10 * time.Second)
	for {
		select {
		case p := <-got:
			for _, e := range p.Events {
				if e.ResourceID == inv.InvoiceID {
					if !e.IsInvoice() || e.EventType != xero.EventTypeCreate || e.TenantID != b.tenant || e.EventDate.IsZero() ||
						!strings.HasSuffix(e.ResourceURL, "/Invoices/"+inv.InvoiceID) {
						t.Errorf("event = %+v", e)
					}
					return
				}
			}
		case <-deadline:
			t.Fatal("no INVOICE webhook for the seeded invoice")
		}
	}
}

package xeroemu_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/apispec"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// TestDocumentedRequestExamples posts every documented request example of
// the write operations orderbridge uses to the emulator (through
// apispec.Middleware, like every test here) and expects it accepted. The
// examples name a contact, an invoice (a bill, in updateInvoice's) and a
// bank account code of Xero's demo organisation: they are replaced by ones
// the emulator holds, and nothing else is changed.
// A request the emulator refused would still have to be refused as
// documented (the middleware checks the refusal's status and body), but
// these examples are all valid, so each must be accepted.
func TestDocumentedRequestExamples(t *testing.T) {
	t.Parallel()
	specs := apispec.Shared(t)
	b := setup(t, xeroemu.Options{})
	cid := seedCustomer(t, b, "Example Customer")
	invs := seedInvoices(t, b, 2, cid, func(i int, inv *xeroemu.Invoice) {
		// A payment needs an approved invoice; updateInvoice's example
		// updates a bill, with no lines, so a draft.
		inv.Status = "AUTHORISED"
		if i == 1 {
			inv.Type, inv.Status = "ACCPAY", "DRAFT"
		}
	})
	inv, bill := invs[0], invs[1]
	ids := map[string]string{"ContactID": cid, "InvoiceID": inv.InvoiceID, "Code": "090"} // 090: the emulator's bank account
	idRE := regexp.MustCompile(`"(ContactID|InvoiceID)":"[0-9a-f-]{36}"|"(Code)":"970"`)
	// refusals are the examples the emulator refuses, with the message
	// and why. updateInvoice's example sends "Contact":{}; the emulator
	// reads an empty Contact as a contact change naming no contact
	// (validation as on create, xero-api.md §7.2 leaves partial updates of
	// the contact unverified).
	refusals := map[string]string{
		"updateInvoice": "The Contact must contain at least 1 of the following elements",
	}
	used := 0
	for _, op := range apispec.UsedOperations() {
		if op.Vendor != apispec.Xero {
			continue
		}
		exs, err := apispec.Examples(specs, op.Vendor, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range exs.Requests {
			used++
			body := idRE.ReplaceAllStringFunc(string(ex.Body), func(m string) string {
				key := m[1 : strings.Index(m[1:], `"`)+1]
				return `"` + key + `":"` + ids[key] + `"`
			})
			target := inv.InvoiceID
			if op.ID == "updateInvoice" {
				target = bill.InvoiceID
				body = strings.ReplaceAll(body, inv.InvoiceID, bill.InvoiceID)
			}
			path := strings.ReplaceAll(exs.Path, "{InvoiceID}", target)
			r := b.do(t, exs.Method, path, json.RawMessage(body))
			if want, ok := refusals[op.ID]; ok {
				// Refused as documented: a 400 whose body the middleware
				// validated against the Error schema, with this message.
				if msgs := r.validationMessages(t); r.status != http.StatusBadRequest || !containsMsg(msgs, want) {
					t.Errorf("%s: documented request example: status %d, messages %v; want 400 with %q", op, r.status, msgs, want)
				}
				continue
			}
			if r.status != http.StatusOK {
				t.Errorf("%s: documented request example %s %s: status %d, want 200; body %s", op, exs.Method, path, r.status, r.raw)
			}
		}
	}
	if used == 0 {
		t.Fatal("no documented request examples replayed")
	}
}

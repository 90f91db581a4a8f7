package xero

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/apispec"
)

const exampleID = "11111111-1111-4111-8111-111111111111"

// envelopeIgnored lists the keys of Xero's response envelope the client does
// not keep: request metadata, not data (xero-api.md §2).
func envelopeIgnored() []string {
	return []string{"/Id", "/Status", "/ProviderName", "/DateTimeUTC"}
}

// exampleReplay says how to decode one operation's documented responses
// with the client: call runs the client method against a server answering
// the example, and its result is put back into Xero's envelope (under the
// returned key, "" for a bare value) to compare with the example.
type exampleReplay struct {
	op   string
	call func(ctx context.Context, c *Client) (key string, v any, err error)
	// ignore are the example's keys the client drops on purpose (JSON
	// pointers, "*" for one segment), each with its reason next to it.
	ignore []string
}

// invoiceIgnored lists the Invoice keys the client does not model, each
// with its reason.
func invoiceIgnored() []string {
	return []string{
		// Display forms Xero derives from Date, DueDate and UpdatedDateUTC,
		// which the client keeps.
		"/Invoices/*/DateString", "/Invoices/*/DueDateString", "/Invoices/*/UpdatedDateUTCString",
		// Repeating-invoice templates and attachment lists play no part in
		// turning an invoice into an order (doc/mapping.md).
		"/Invoices/*/RepeatingInvoiceID", "/Invoices/*/Attachments",
		// Contact groups: the order takes the contact's name, addresses,
		// phones and email only.
		"/Invoices/*/Contact/ContactGroups",
	}
}

// contactIgnored lists the Contact keys the client does not model: a
// contact's accounting defaults, balances and payment settings; the order
// takes its name, addresses, phones and email only (doc/mapping.md).
func contactIgnored() []string {
	return []string{
		"/Contacts/*/AccountsPayableTaxType", "/Contacts/*/AccountsReceivableTaxType",
		"/Contacts/*/PurchasesDefaultAccountCode", "/Contacts/*/PurchasesDefaultLineAmountType",
		"/Contacts/*/SalesDefaultAccountCode", "/Contacts/*/SalesDefaultLineAmountType",
		"/Contacts/*/Balances", "/Contacts/*/BankAccountDetails", "/Contacts/*/BatchPayments",
		"/Contacts/*/BrandingTheme", "/Contacts/*/Discount", "/Contacts/*/PaymentTerms", "/Contacts/*/Website",
		"/Contacts/*/Attachments", "/Contacts/*/HasAttachments",
	}
}

// organisationIgnored lists the Organisation keys the client does not model:
// tax, financial-year and lock-date settings, edition and class, and the
// deprecated APIKey; orderbridge reads the organisation's identity, country,
// currency and time zone.
func organisationIgnored() []string {
	return []string{
		"/Organisations/*/APIKey", "/Organisations/*/Class", "/Organisations/*/Edition",
		"/Organisations/*/OrganisationEntityType", "/Organisations/*/TaxNumber",
		"/Organisations/*/DefaultPurchasesTax", "/Organisations/*/DefaultSalesTax",
		"/Organisations/*/SalesTaxBasis", "/Organisations/*/SalesTaxPeriod",
		"/Organisations/*/FinancialYearEndDay", "/Organisations/*/FinancialYearEndMonth",
		"/Organisations/*/EndOfYearLockDate", "/Organisations/*/PeriodLockDate",
	}
}

func exampleReplays() []exampleReplay {
	tenant := testTenant
	inv := func(v *Invoice, err error) (string, any, error) { return "Invoices", one(v), err }
	return []exampleReplay{
		{op: "getInvoices", call: func(ctx context.Context, c *Client) (string, any, error) {
			p, err := c.Invoices(ctx, tenant, InvoiceQuery{})
			if err != nil {
				return "", nil, err
			}
			return "", map[string]any{"Invoices": p.Invoices, "pagination": p.Pagination, "Warnings": p.Warnings}, nil
		}, ignore: invoiceIgnored()},
		{op: "getInvoice", call: func(ctx context.Context, c *Client) (string, any, error) {
			return inv(c.Invoice(ctx, tenant, exampleID))
		}, ignore: invoiceIgnored()},
		{op: "createInvoices", call: func(ctx context.Context, c *Client) (string, any, error) {
			return inv(c.CreateInvoice(ctx, tenant, Invoice{Type: InvoiceTypeSales, Contact: &Contact{ContactID: exampleID},
				LineItems: []LineItem{{Description: "x", Quantity: 1, UnitAmount: 1}}}, ""))
		}, ignore: invoiceIgnored()},
		{op: "updateInvoice", call: func(ctx context.Context, c *Client) (string, any, error) {
			return inv(c.UpdateInvoice(ctx, tenant, Invoice{InvoiceID: exampleID, Reference: "x"}, ""))
		}, ignore: invoiceIgnored()},
		{op: "getInvoiceHistory", call: func(ctx context.Context, c *Client) (string, any, error) {
			h, err := c.History(ctx, tenant, exampleID)
			return "HistoryRecords", h, err
		}, ignore: []string{"/HistoryRecords/*/DateUTCString"}}, // display form of DateUTC
		{op: "createInvoiceHistory", call: func(ctx context.Context, c *Client) (string, any, error) {
			h, err := c.AddNote(ctx, tenant, exampleID, "Shipped", "")
			return "HistoryRecords", h, err
		}, ignore: []string{"/HistoryRecords/*/DateUTCString"}},
		{op: "getContacts", call: func(ctx context.Context, c *Client) (string, any, error) {
			p, err := c.Contacts(ctx, tenant, ContactQuery{})
			if err != nil {
				return "", nil, err
			}
			return "", map[string]any{"Contacts": p.Contacts, "pagination": p.Pagination}, nil
		}, ignore: contactIgnored()},
		{op: "getContact", call: func(ctx context.Context, c *Client) (string, any, error) {
			v, err := c.Contact(ctx, tenant, exampleID)
			return "Contacts", one(v), err
		}, ignore: contactIgnored()},
		{op: "getTrackingCategories", call: func(ctx context.Context, c *Client) (string, any, error) {
			v, err := c.TrackingCategories(ctx, tenant, false)
			return "TrackingCategories", v, err
		}},
		{op: "getOrganisations", call: func(ctx context.Context, c *Client) (string, any, error) {
			v, err := c.Organisation(ctx, tenant)
			return "Organisations", one(v), err
		}, ignore: organisationIgnored()},
		{op: "createPayments", call: func(ctx context.Context, c *Client) (string, any, error) {
			v, err := c.CreatePayment(ctx, tenant, Payment{Invoice: &Invoice{InvoiceID: exampleID}, Account: &Account{Code: "970"},
				Date: NewDate(2026, 7, 14), Amount: 1}, "")
			return "Payments", one(v), err
		}},
		{op: "getConnections", call: func(ctx context.Context, c *Client) (string, any, error) {
			v, err := c.Connections(ctx, "")
			return "", v, err
		}},
	}
}

// one wraps a single decoded element as the one-element list Xero's
// envelope holds (nil stays an empty list).
func one[T any](v *T) []T {
	if v == nil {
		return nil
	}
	return []T{*v}
}

// TestDocumentedExamplesDecode serves every documented response example
// of the operations orderbridge uses and decodes it with the client's own
// method, through apispec's transport (so the client's request is checked
// too). A 200 example must decode with nothing important lost: every key
// of the example that carries a value is in the decoded value encoded
// again, or on the case's ignore list with its reason. A 400 example must
// become a *ValidationError carrying the example's messages.
func TestDocumentedExamplesDecode(t *testing.T) {
	t.Parallel()
	specs := apispec.Shared(t)
	// A non-empty ValidationErrors list.
	elementErrorsRE := regexp.MustCompile(`"ValidationErrors"\s*:\s*\[\s*\{`)
	covered := map[string]bool{}
	for _, tc := range exampleReplays() {
		covered[tc.op] = true
		exs, err := apispec.Examples(specs, apispec.Xero, tc.op)
		if err != nil {
			t.Fatal(err)
		}
		if len(exs.Responses) == 0 {
			t.Errorf("%s: no documented response examples", tc.op)
		}
		for status, list := range exs.Responses {
			for i, ex := range list {
				t.Run(tc.op+"/"+strconv.Itoa(status)+"/"+strconv.Itoa(i), func(t *testing.T) {
					t.Parallel()
					f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
						w.Header().Set("Content-Type", "application/json; charset=utf-8")
						w.WriteHeader(status)
						_, _ = w.Write(ex.Body)
					})
					key, v, err := tc.call(t.Context(), testClient(t, f.URL))
					// A 400, or a write's 200 whose elements carry
					// ValidationErrors (summarizeErrors=false), is a failure the
					// client reports. (A read passes element errors on: the
					// getInvoice example carries one.)
					write := strings.HasPrefix(tc.op, "create") || strings.HasPrefix(tc.op, "update")
					if status >= 400 || (write && elementErrorsRE.Match(ex.Body)) {
						var ve *ValidationError
						if !errors.As(err, &ve) || len(ve.Messages) == 0 {
							t.Fatalf("documented %d example: error %v, want a *ValidationError with messages", status, err)
						}
						return
					}
					if err != nil {
						t.Fatalf("documented %d example: %v", status, err)
					}
					var got any = v
					if key != "" {
						got = map[string]any{key: v}
					}
					enc, err := json.Marshal(got)
					if err != nil {
						t.Fatal(err)
					}
					lost, err := apispec.LostKeys(ex.Body, enc, append(slices.Clone(envelopeIgnored()), tc.ignore...)...)
					if err != nil {
						t.Fatal(err)
					}
					for _, p := range lost {
						t.Errorf("%s: the documented example's %s is lost in decoding", tc.op, p)
					}
				})
			}
		}
	}
	// Every used Accounting and identity operation with a documented
	// response example is replayed here.
	for _, op := range apispec.UsedOperations() {
		if op.Vendor != apispec.Xero || covered[op.ID] {
			continue
		}
		exs, err := apispec.Examples(specs, op.Vendor, op.ID)
		if err == nil && len(exs.Responses) > 0 {
			t.Errorf("%s has documented response examples but no replay case", op)
		}
	}
}

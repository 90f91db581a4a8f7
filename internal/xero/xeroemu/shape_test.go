package xeroemu_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/orderbridge/orderbridge/internal/testenv"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// Deliberate differences between the documented examples and the
// emulator's answers, by path in the example. Each is a field the emulator
// leaves out because it models nothing behind it (or because the example
// itself is wrong).
var shapeExceptions = map[string]string{
	// Only repeating invoices carry it; the emulator has none.
	"Invoices[0].RepeatingInvoiceID": "no repeating invoices",
	// No attachments are modelled (HasAttachments is always false).
	"Invoices[0].Attachments": "no attachments",
	// Per-element write results; a GET never carries them.
	"Invoices[0].StatusAttributeString": "write results only",
	"Invoices[0].ValidationErrors":      "write results only",
	// The example misspells TaxNumberType; no real field is meant.
	"Contacts[0].TaxNumbeType": "typo in the example",
	// Balances would need a ledger; contacts have none.
	"Contacts[0].Balances": "no ledger",
}

var (
	specOnce sync.Once
	specDoc  *openapi3.T
	specErr  error
)

// accountingSpec loads xero_accounting.yaml once per test binary (it is
// large). Examples are read, not validated: some mistype their schema.
func accountingSpec(t *testing.T) *openapi3.T {
	t.Helper()
	dir := testenv.SpecsDir(t)
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = true
		specDoc, specErr = loader.LoadFromFile(filepath.Join(dir, "xero", "xero_accounting.yaml"))
	})
	if specErr != nil {
		t.Fatalf("load accounting spec: %v", specErr)
	}
	return specDoc
}

func example(t *testing.T, doc *openapi3.T, path, method string) any {
	t.Helper()
	item := doc.Paths.Find(path)
	if item == nil {
		t.Fatalf("spec has no path %s", path)
	}
	op := item.GetOperation(strings.ToUpper(method))
	if op == nil {
		t.Fatalf("spec has no %s %s", method, path)
	}
	resp := op.Responses.Status(200)
	if resp == nil || resp.Value == nil {
		t.Fatalf("%s %s has no 200 response", method, path)
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil {
		t.Fatalf("%s %s has no JSON response", method, path)
	}
	ex := mt.Example
	if ex == nil {
		for _, e := range mt.Examples {
			if e.Value != nil {
				ex = e.Value.Value
				break
			}
		}
	}
	if s, ok := ex.(string); ok {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("%s %s example: %v", method, path, err)
		}
		ex = v
	}
	if ex == nil {
		t.Fatalf("%s %s has no example", method, path)
	}
	// Round-trip through JSON so YAML scalars become JSON kinds.
	raw, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

var msDatePattern = regexp.MustCompile(`^/Date\(-?\d+([+-]\d{4})?\)/$`)

func kind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// compareShape reports every key of want (recursively; the first element
// of arrays) that got lacks or holds with another JSON kind, and every
// /Date()/ value of want that got does not render the same way.
func compareShape(path string, want, got any) []string {
	if kind(want) == "null" {
		return nil
	}
	if kind(want) != kind(got) {
		return []string{fmt.Sprintf("%s: kind %s, want %s", path, kind(got), kind(want))}
	}
	var out []string
	switch w := want.(type) {
	case string:
		if msDatePattern.MatchString(w) && !msDatePattern.MatchString(got.(string)) {
			out = append(out, fmt.Sprintf("%s: %q is not a /Date()/ like %q", path, got, w))
		}
	case map[string]any:
		g := got.(map[string]any)
		for k, wv := range w {
			p := strings.TrimPrefix(path+"."+k, ".")
			if _, ok := shapeExceptions[p]; ok {
				continue
			}
			gv, ok := g[k]
			if !ok {
				out = append(out, p+": missing")
				continue
			}
			out = append(out, compareShape(p, wv, gv)...)
		}
	case []any:
		g := got.([]any)
		if len(w) > 0 && len(g) > 0 {
			out = append(out, compareShape(path+"[0]", w[0], g[0])...)
		}
	}
	return out
}

func TestShapesMatchDocumentedExamples(t *testing.T) {
	t.Parallel()
	doc := accountingSpec(t)
	b := setup(t, xeroemu.Options{})
	c, err := b.emu.SeedContact(b.tenant, xeroemu.Contact{
		Name: "Liam Gallagher", FirstName: "Liam", LastName: "Gallagher", EmailAddress: "liam@rockstar.com", CompanyNumber: "NumberBusiness1234",
		Addresses:      []xeroemu.Address{{AddressType: "POBOX", City: "Anytown", Region: "NY", PostalCode: "10101", Country: "USA"}},
		Phones:         []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneNumber: "222-2222", PhoneAreaCode: "212"}},
		ContactPersons: []xeroemu.ContactPerson{{FirstName: "Debbie", LastName: "Gwyther", EmailAddress: "debbie@rockstar.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := b.emu.SeedInvoice(b.tenant, xeroemu.Invoice{
		Contact: xeroemu.Contact{ContactID: c.ContactID}, Status: "PAID", Reference: "Tour",
		Date: time.Date(2019, 3, 7, 0, 0, 0, 0, time.UTC), DueDate: time.Date(2019, 3, 13, 0, 0, 0, 0, time.UTC),
		LineItems: []xeroemu.LineItem{{ItemCode: "123", Description: "Guitars Fender Strat", Quantity: 1, UnitAmount: 148062.76, AccountCode: "200"}},
		Payments:  []xeroemu.Payment{{Amount: 148062.76, Reference: "Yahoo", Date: time.Date(2019, 3, 19, 0, 0, 0, 0, time.UTC)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.emu.SeedTrackingCategory(b.tenant, "Region", "North"); err != nil {
		t.Fatal(err)
	}
	note := b.do(t, "PUT", "/api.xro/2.0/Invoices/"+inv.InvoiceID+"/History", map[string]any{"HistoryRecords": []any{map[string]any{"Details": "Hello World"}}}).must(t, 200)

	tests := []struct {
		name, specPath, method string
		got                    response
	}{
		{"GET Invoices", "/Invoices", "get", b.do(t, "GET", "/api.xro/2.0/Invoices?page=1", nil)},
		{"GET Invoices/{id}", "/Invoices/{InvoiceID}", "get", b.do(t, "GET", "/api.xro/2.0/Invoices/"+inv.InvoiceID, nil)},
		{"GET Contacts", "/Contacts", "get", b.do(t, "GET", "/api.xro/2.0/Contacts?page=1", nil)},
		{"GET TrackingCategories", "/TrackingCategories", "get", b.do(t, "GET", "/api.xro/2.0/TrackingCategories", nil)},
		{"GET Organisation", "/Organisation", "get", b.do(t, "GET", "/api.xro/2.0/Organisation", nil)},
		{"PUT Invoices/{id}/History", "/Invoices/{InvoiceID}/History", "put", note},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.got.must(t, 200)
			for _, problem := range compareShape("", example(t, doc, tt.specPath, tt.method), tt.got.body) {
				t.Error(problem)
			}
		})
	}
}

func TestConnectionsShape(t *testing.T) {
	t.Parallel()
	dir := testenv.SpecsDir(t)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join(dir, "xero", "xero-identity.yaml"))
	if err != nil {
		t.Fatalf("load identity spec: %v", err)
	}
	b := setup(t, xeroemu.Options{})
	got := call(t, "GET", b.emu.URL()+"/connections", nil, map[string]string{"Authorization": "Bearer " + b.token}).must(t, 200)
	want := example(t, doc, "/Connections", "get")
	for _, problem := range compareShape("", want, any(got.list)) {
		t.Error(problem)
	}
	// Dates have the documented form: no zone, seven fractional digits.
	c := got.list[0].(map[string]any)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$`).MatchString(c["createdDateUtc"].(string)) {
		t.Errorf("createdDateUtc = %v", c["createdDateUtc"])
	}
}

package xero

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitNote(t *testing.T) {
	t.Parallel()
	word := strings.Repeat("x", 300)
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"empty", "   ", 10, nil},
		{"short", " hello world ", 20, []string{"hello world"}},
		{"exact", "abcde", 5, []string{"abcde"}},
		{"word boundary", "aaa bbb ccc", 8, []string{"aaa bbb ", "ccc"}},
		{"newline boundary", "aaa\nbbb ccc", 5, []string{"aaa\n", "bbb ", "ccc"}},
		{"long word cut", word, 250, []string{word[:250], word[250:]}},
		{"runes", "ééé ééé", 4, []string{"ééé ", "ééé"}},
	}
	for _, tt := range tests {
		got := SplitNote(tt.in, tt.limit)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
			t.Errorf("%s: SplitNote = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func FuzzSplitNote(f *testing.F) {
	f.Add("Shipped 2026-07-14 via UPS Ground. Tracking 1Z999AA10123456784", 20)
	f.Add(strings.Repeat("word ", 200), 250)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit <= 0 || limit > 1000 || !utf8.ValidString(s) {
			return
		}
		parts := SplitNote(s, limit)
		if strings.Join(parts, "") != strings.TrimSpace(s) {
			t.Fatalf("parts %q do not rebuild %q", parts, s)
		}
		for _, p := range parts {
			if n := utf8.RuneCountInString(p); n > limit || n == 0 {
				t.Fatalf("part %q has %d runes, limit %d", p, n, limit)
			}
		}
	})
}

func TestAddNoteSplits(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		// Echo the records back, as Xero does.
		w.Header().Set("Content-Type", "application/json")
		var env historyEnvelope
		_ = json.NewDecoder(r.Body).Decode(&env)
		_ = json.NewEncoder(w).Encode(env)
	})
	// 600 characters of words: three records.
	var b strings.Builder
	for i := 0; b.Len() < 600; i++ {
		fmt.Fprintf(&b, "word%03d ", i)
	}
	note := strings.TrimSpace(b.String()[:600])
	recs, err := testClient(t, f.URL).AddNote(context.Background(), testTenant, "11111111-1111-4111-8111-111111111111", note, "ship-42")
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("calls = %d, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "PUT" || r.Path != "/api.xro/2.0/Invoices/11111111-1111-4111-8111-111111111111/History" || r.Header.Get("Idempotency-Key") != "ship-42-0" {
		t.Errorf("request = %s %s key %q", r.Method, r.Path, r.Header.Get("Idempotency-Key"))
	}
	var sent historyEnvelope
	if err := json.Unmarshal(r.Body, &sent); err != nil {
		t.Fatal(err)
	}
	if len(sent.HistoryRecords) != 3 || len(recs) != 3 {
		t.Fatalf("records sent = %d, returned %d, want 3", len(sent.HistoryRecords), len(recs))
	}
	var joined string
	for _, rec := range sent.HistoryRecords {
		if n := utf8.RuneCountInString(rec.Details); n > MaxNoteLength {
			t.Errorf("record of %d characters", n)
		}
		if strings.HasPrefix(rec.Details, " ") || strings.Contains(rec.Details, "word0") && !strings.HasPrefix(rec.Details, "word") {
			t.Errorf("record %q does not start on a word", rec.Details)
		}
		joined += rec.Details
	}
	if joined != note {
		t.Errorf("records rebuild %q, want %q", joined, note)
	}
	if _, err := testClient(t, f.URL).AddNote(context.Background(), testTenant, "11111111-1111-4111-8111-111111111111", "  ", ""); err == nil {
		t.Error("AddNote accepted a blank note")
	}
}

func TestContactsByIDsBatches(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		ids := strings.Split(r.URL.Query().Get("IDs"), ",")
		var env contactsEnvelope
		// Answer in reverse order: callers must not rely on order.
		for i := len(ids) - 1; i >= 0; i-- {
			env.Contacts = append(env.Contacts, Contact{ContactID: ids[i], Name: "n" + ids[i]})
		}
		env.Pagination = &Pagination{Page: 1, PageSize: 100, PageCount: 1, ItemCount: len(ids)}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(env)
	})
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	ids = append(ids, ids[5], "") // a duplicate and a blank are not asked for
	got, err := testClient(t, f.URL).ContactsByIDs(context.Background(), testTenant, ids)
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("calls = %d, want 3", len(reqs))
	}
	for i, want := range []int{50, 50, 20} {
		if n := len(strings.Split(reqs[i].Query["IDs"], ",")); n != want || reqs[i].Query["page"] != "1" {
			t.Errorf("call %d: %d IDs page %q, want %d page 1", i, n, reqs[i].Query["page"], want)
		}
	}
	seen := map[string]bool{}
	for _, c := range got {
		seen[c.ContactID] = true
	}
	if len(got) != 120 || len(seen) != 120 {
		t.Errorf("contacts = %d (%d distinct), want 120", len(got), len(seen))
	}
}

func TestInvoicePagesStops(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		total     int
		pageSize  int
		sendCount bool // send pageCount in pagination
		wantCalls int
	}{
		{"short last page", 250, 100, false, 3},
		{"exact multiple stops at pageCount", 300, 100, true, 3},
		{"exact multiple without pageCount needs an empty page", 300, 100, false, 4},
		{"default page size", 150, 0, false, 2},
		{"empty", 0, 100, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
				if size == 0 {
					size = 100
				}
				var env invoicesEnvelope
				env.Invoices = []Invoice{}
				for i := (page - 1) * size; i < min(page*size, tt.total); i++ {
					env.Invoices = append(env.Invoices, Invoice{InvoiceID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i)})
				}
				if tt.sendCount {
					env.Pagination = &Pagination{Page: page, PageSize: size, PageCount: (tt.total + size - 1) / size, ItemCount: tt.total}
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(env)
			})
			n := 0
			for p, err := range testClient(t, f.URL).InvoicePages(context.Background(), testTenant, InvoiceQuery{PageSize: tt.pageSize}) {
				if err != nil {
					t.Fatal(err)
				}
				n += len(p.Invoices)
			}
			if n != tt.total || len(f.requests()) != tt.wantCalls {
				t.Errorf("invoices = %d in %d calls, want %d in %d", n, len(f.requests()), tt.total, tt.wantCalls)
			}
		})
	}
}

func TestInvoicePagesError(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	var errs int
	for p, err := range testClient(t, f.URL).InvoicePages(context.Background(), testTenant, InvoiceQuery{}) {
		if p != nil || !errors.Is(err, ErrServer) {
			t.Errorf("yield = %v, %v", p, err)
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("yields = %d, want 1", errs)
	}
}

// editableInvoice is invoice_single.json made editable (authorised, nothing
// paid) with a second, fully populated line.
func editableInvoice(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/invoice_single.json")
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	inv := env["Invoices"].([]any)[0].(map[string]any)
	inv["Status"] = "AUTHORISED"
	inv["Payments"] = []any{}
	inv["AmountPaid"] = 0
	delete(inv, "FullyPaidOnDate")
	inv["LineItems"] = append(inv["LineItems"].([]any), map[string]any{
		"LineItemID": "c2a6d1b2-0000-4000-8000-0000000000aa", "ItemCode": "SKU-2", "Description": "Strings",
		"Item":     map[string]any{"ItemID": "9a1b2c3d-0000-4000-8000-000000000001", "Code": "SKU-2", "Name": "Strings"},
		"Quantity": 3.0, "UnitAmount": 4.5, "DiscountRate": 10.0, "LineAmount": 12.15, "AccountCode": "200",
		"AccountID": "ebd06280-af70-4bed-97c6-7451a454ad85", "TaxType": "OUTPUT2", "TaxAmount": 1.82,
		"Tracking": []any{map[string]any{"TrackingCategoryID": "e2f2f732-e92a-4f3a-9c4d-ee4da0182a13",
			"TrackingOptionID": "cd0a4b7e-3c6b-4b3c-8e2a-1f2d3c4b5a69", "Name": "Region", "Option": "North"}},
	})
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUpdateLinesResendsEveryLine(t *testing.T) {
	t.Parallel()
	served := editableInvoice(t)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "GET" {
			_, _ = w.Write(served)
			return
		}
		_, _ = w.Write(served) // the answer's content does not matter here
	})
	c := testClient(t, f.URL)
	ship := LineItem{Description: "Shipping - UPS Ground", Quantity: 1, UnitAmount: 12.5, AccountCode: "260", TaxType: "OUTPUT2", ItemCode: "SHIPPING"}
	if _, err := c.AddLine(context.Background(), testTenant, "a03ffcd2-5d91-4c7e-b483-318584e9e439", ship, "line-key"); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Method != "GET" || reqs[1].Method != "POST" ||
		reqs[1].Path != "/api.xro/2.0/Invoices/a03ffcd2-5d91-4c7e-b483-318584e9e439" || reqs[1].Header.Get("Idempotency-Key") != "line-key" {
		t.Fatalf("requests = %+v", reqs)
	}
	// Every non-empty field of every served line is sent back unchanged.
	var in, out struct {
		Invoices []map[string]json.RawMessage
	}
	if err := json.Unmarshal(served, &in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(reqs[1].Body, &out); err != nil {
		t.Fatal(err)
	}
	var inLines, outLines []map[string]any
	_ = json.Unmarshal(in.Invoices[0]["LineItems"], &inLines)
	_ = json.Unmarshal(out.Invoices[0]["LineItems"], &outLines)
	if len(out.Invoices[0]) != 2 {
		t.Errorf("update sends %d invoice fields, want InvoiceID and LineItems only: %s", len(out.Invoices[0]), reqs[1].Body)
	}
	if len(outLines) != len(inLines)+1 {
		t.Fatalf("sent %d lines, want %d", len(outLines), len(inLines)+1)
	}
	for i, line := range inLines {
		for k, v := range line {
			if k == "ValidationErrors" || isEmptyJSON(v) {
				continue // output only, or nothing to keep
			}
			if fmt.Sprint(outLines[i][k]) != fmt.Sprint(v) {
				t.Errorf("line %d field %s: sent %v, read %v", i, k, outLines[i][k], v)
			}
		}
	}
	if last := outLines[len(outLines)-1]; last["ItemCode"] != "SHIPPING" || last["UnitAmount"] != 12.5 || last["LineItemID"] != nil {
		t.Errorf("new line = %v", last)
	}

	// Removing a line keeps the others whole.
	if _, err := c.RemoveLines(context.Background(), testTenant, "a03ffcd2-5d91-4c7e-b483-318584e9e439",
		func(l LineItem) bool { return l.ItemCode == "123" }, ""); err != nil {
		t.Fatal(err)
	}
	reqs = f.requests()
	_ = json.Unmarshal(reqs[len(reqs)-1].Body, &out)
	_ = json.Unmarshal(out.Invoices[0]["LineItems"], &outLines)
	if len(outLines) != 1 || outLines[0]["ItemCode"] != "SKU-2" || outLines[0]["AccountID"] != "ebd06280-af70-4bed-97c6-7451a454ad85" ||
		fmt.Sprint(outLines[0]["Item"]) != fmt.Sprint(inLines[1]["Item"]) || fmt.Sprint(outLines[0]["Tracking"]) != fmt.Sprint(inLines[1]["Tracking"]) {
		t.Errorf("after remove = %v", outLines)
	}
}

func isEmptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case float64:
		return x == 0
	case bool:
		return !x
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func TestUpdateLinesRefusesLockedInvoice(t *testing.T) {
	t.Parallel()
	f := newFake(t, serveFile(t, "invoice_single.json")) // PAID, with a payment
	_, err := testClient(t, f.URL).AddLine(context.Background(), testTenant, "a03ffcd2-5d91-4c7e-b483-318584e9e439", LineItem{Description: "x"}, "")
	if !errors.Is(err, ErrEditLocked) || !errors.Is(err, ErrValidation) {
		t.Fatalf("err = %v, want ErrEditLocked", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("calls = %d, want only the GET", n)
	}
}

func TestWriteValidationInBody(t *testing.T) {
	t.Parallel()
	// summarizeErrors=false style: 200 with the element's errors.
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"Invoices":[{"InvoiceID":"22222222-2222-4222-8222-222222222222","HasErrors":true,"StatusAttributeString":"ERROR",
			"ValidationErrors":[{"Message":"This document cannot be edited as it has a payment or credit note allocated to it."}]}]}`)
	})
	_, err := testClient(t, f.URL).UpdateInvoice(context.Background(), testTenant, Invoice{InvoiceID: "22222222-2222-4222-8222-222222222222", Reference: "x"}, "")
	if !errors.Is(err, ErrEditLocked) {
		t.Fatalf("err = %v, want ErrEditLocked", err)
	}
}

func TestEditable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		inv  Invoice
		want bool
	}{
		{"authorised", Invoice{Status: StatusAuthorised}, true},
		{"draft", Invoice{Status: StatusDraft}, true},
		{"submitted", Invoice{Status: StatusSubmitted}, true},
		{"paid", Invoice{Status: StatusPaid}, false},
		{"voided", Invoice{Status: StatusVoided}, false},
		{"deleted", Invoice{Status: StatusDeleted}, false},
		{"part paid", Invoice{Status: StatusAuthorised, AmountPaid: 0.01}, false},
		{"credited", Invoice{Status: StatusAuthorised, AmountCredited: 5}, false},
		{"payment listed", Invoice{Status: StatusAuthorised, Payments: []Payment{{}}}, false},
		{"credit note", Invoice{Status: StatusAuthorised, CreditNotes: []CreditNote{{}}}, false},
		{"prepayment", Invoice{Status: StatusAuthorised, Prepayments: []Prepayment{{}}}, false},
		{"overpayment", Invoice{Status: StatusAuthorised, Overpayments: []Overpayment{{}}}, false},
	}
	for _, tt := range tests {
		if got := tt.inv.Editable(); got != tt.want {
			t.Errorf("%s: Editable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCents(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   float64
		want int64
	}{{0.1 + 0.2, 30}, {148062.76, 14806276}, {-12.34, -1234}, {9999999999.99, 999999999999}, {19.999, 2000}} {
		if got := Cents(tt.in); got != tt.want {
			t.Errorf("Cents(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
	if b, _ := json.Marshal(FromCents(1999)); string(b) != "19.99" {
		t.Errorf("FromCents(1999) marshals to %s", b)
	}
	// Decoding and re-encoding keeps Xero's decimal text.
	for _, s := range []string{"148062.76", "0.1", "9999999999.99", "2.0001"} {
		var f float64
		_ = json.Unmarshal([]byte(s), &f)
		if b, _ := json.Marshal(f); string(b) != s {
			t.Errorf("%s round-trips as %s", s, b)
		}
	}
}

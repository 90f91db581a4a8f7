package apispec

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

func TestCoverage(t *testing.T) {
	t.Parallel()
	specs := Shared(t).Fork()
	ok := fakeServer(t, fakeReply{body: goodInvoices}, nil)
	bad := fakeServer(t, fakeReply{body: replace(t, goodInvoices, `"AUTHORISED"`, `"APPROVED"`)}, nil)
	rec := &testkit.Recorder{TB: t}
	client := &http.Client{Transport: NewTransport(rec, specs, nil)}
	send := func(base string, c call) {
		resp, err := client.Do(c.request(t, base))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	send(ok.URL, call{method: "GET", path: "/api.xro/2.0/Invoices?page=1"})
	send(ok.URL, call{method: "GET", path: "/api.xro/2.0/Invoices?page=2"})
	send(ok.URL, call{method: "GET", path: "/api.xro/2.0/Invoices/d4956132-ed94-4dd7-9eaa-aa22dfdf06f2"})
	send(bad.URL, call{method: "GET", path: "/api.xro/2.0/Invoices/d4956132-ed94-4dd7-9eaa-aa22dfdf06f2"})
	send(ok.URL, call{method: "GET", path: "/api.xro/2.0/Items"})
	send(ok.URL, call{method: "GET", path: "/nowhere"})

	cov := specs.Coverage()
	get := func(op Op) OpCoverage {
		t.Helper()
		for _, oc := range cov.Ops {
			if oc.Op == op {
				return oc
			}
		}
		t.Fatalf("%s not in the report", op)
		return OpCoverage{}
	}
	for _, tc := range []struct {
		op            Op
		calls, failed int
		clean, used   bool
	}{
		{Op{Xero, "getInvoices"}, 2, 0, true, true},
		{Op{Xero, "getInvoice"}, 2, 1, false, true},
		{Op{Xero, "getContacts"}, 0, 0, false, true},
		{Op{ShipStation, "GET /orders"}, 0, 0, false, true},
		// Responses may carry undocumented keys, so an Invoices envelope
		// passes as an (empty) Items list.
		{Op{Xero, "getItems"}, 1, 0, true, false},
	} {
		oc := get(tc.op)
		if oc.Calls != tc.calls || oc.Failed != tc.failed || oc.Clean() != tc.clean || oc.Used != tc.used {
			t.Errorf("%s: got calls=%d failed=%d clean=%v used=%v, want %d %d %v %v",
				tc.op, oc.Calls, oc.Failed, oc.Clean(), oc.Used, tc.calls, tc.failed, tc.clean, tc.used)
		}
	}
	if got := get(Op{Xero, "getInvoices"}).Endpoint; got != "GET /api.xro/2.0/Invoices" {
		t.Errorf("endpoint %q", got)
	}
	if cov.Undocumented["GET /nowhere"] != 1 {
		t.Errorf("undocumented: %v", cov.Undocumented)
	}
	missing := cov.NotExercised()
	if slices.Contains(missing, Op{Xero, "getInvoices"}) || !slices.Contains(missing, Op{Xero, "getContacts"}) ||
		len(missing) != len(UsedOperations())-2 {
		t.Errorf("not exercised: %v", missing)
	}
	report := cov.String()
	for _, want := range []string{
		fmt.Sprintf("1 of %d used operations exercised without violations", len(UsedOperations())),
		"ok",
		"xero:getInvoices",
		"FAILED 1 of",
		"not exercised",
		"shipstation:POST /orders/createorder",
		"other",
		"xero:getItems",
		"undocumented     1 calls  GET /nowhere",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	// The forked record is separate from the shared one.
	if n := Shared(t).Coverage().Undocumented["GET /nowhere"]; n != 0 {
		t.Errorf("fork leaked into the shared record")
	}
}

func TestUsedOperationsAreDocumented(t *testing.T) {
	t.Parallel()
	specs := Shared(t)
	for _, op := range UsedOperations() {
		if specs.Describe(op) == "" {
			t.Errorf("used operation %s is not in the descriptions", op)
		}
	}
}

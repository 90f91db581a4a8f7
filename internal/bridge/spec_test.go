package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/orderbridge/orderbridge/internal/apispec"
)

// TestOrdersMatchShipStationSpec checks the orders of the golden invoices
// against ShipStation's own description of POST /orders/createorder (read
// from ../shared/specs, never copied into the repository), so a field the
// mapping fills in a shape ShipStation does not document fails here rather
// than in production.
func TestOrdersMatchShipStationSpec(t *testing.T) {
	t.Parallel()
	specs := apispec.Shared(t)
	check := func(body []byte) (string, []apispec.Violation) {
		t.Helper()
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "https://ssapi.shipstation.com/orders/createorder", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth("key", "secret")
		op, vs := specs.Check(context.Background(), apispec.Exchange{Request: req, RequestBody: body})
		return op.ID, vs
	}
	cases := map[string]Decision{
		"nz":        Decide(nzInvoice(), nzContact(), testSettings(), nil),
		"au":        Decide(auInvoice(), auContact(), testSettings(func(s *Settings) { s.DefaultCountry = "AU" }), nil),
		"us":        Decide(usInvoice(), usContact(), testSettings(func(s *Settings) { s.TrackingRule = false; s.ShippingItemCode = "FREIGHT" }), nil),
		"non-latin": Decide(nonLatinInvoice(), nonLatinContact(), testSettings(), nil),
	}
	for name, d := range cases {
		if d.Order == nil {
			t.Fatalf("%s: no order: %s", name, d.Reason)
		}
		body, err := json.Marshal(d.Order)
		if err != nil {
			t.Fatal(err)
		}
		op, vs := check(body)
		if op == "" {
			t.Fatalf("%s: createorder not found in the description: %v", name, vs)
		}
		for _, v := range vs {
			t.Errorf("%s: %s", name, v)
		}
	}

	// The check is live: a quantity in the wrong type is caught.
	var broken map[string]any
	body, _ := json.Marshal(cases["nz"].Order)
	if err := json.Unmarshal(body, &broken); err != nil {
		t.Fatal(err)
	}
	broken["items"].([]any)[0].(map[string]any)["quantity"] = "four"
	body, _ = json.Marshal(broken)
	if _, vs := check(body); len(vs) == 0 {
		t.Error("a string quantity passed the description's check: the check is not validating bodies")
	}
}

package shipstation_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/apispec"
	"github.com/orderbridge/orderbridge/internal/shipstation"
)

// ssReplay says how to decode one operation's documented responses with
// the client: call runs the client method against a server answering the
// example and returns what the client made of it, shaped as the example
// (nil when the method returns nothing but an error).
type ssReplay struct {
	op   string
	call func(ctx context.Context, c *shipstation.Client) (any, error)
	// ignore are the example's keys the client drops on purpose (JSON
	// pointers, "*" for one segment), with the reason next to them.
	ignore []string
}

// page puts a decoded page back into ShipStation's list envelope.
func page[T any](key string, p shipstation.Page[T]) map[string]any {
	return map[string]any{key: p.Items, "total": p.Total, "page": p.Page, "pages": p.Pages}
}

func firstPage[T any](seq func(func(shipstation.Page[T], error) bool)) (shipstation.Page[T], error) {
	for p, err := range seq {
		return p, err
	}
	return shipstation.Page[T]{}, nil
}

func ssReplays() []ssReplay {
	pacific, _ := time.LoadLocation("America/Los_Angeles")
	return []ssReplay{
		{op: "POST /orders/createorder", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			return c.CreateOrder(ctx, testOrder(c, "k-1", "INV-1", 1, time.Date(2026, 7, 1, 9, 0, 0, 0, pacific)))
		}},
		{op: "POST /orders/createorders", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			res, err := c.CreateOrders(ctx, []shipstation.Order{testOrder(c, "k-1", "INV-1", 1, time.Date(2026, 7, 1, 9, 0, 0, 0, pacific))})
			if err != nil {
				return nil, err
			}
			// The client's per-order results, in the example's shape.
			var out []map[string]any
			hasErrors := false
			for _, r := range res {
				out = append(out, map[string]any{"orderId": r.OrderID, "orderNumber": r.OrderNumber, "orderKey": r.OrderKey,
					"success": r.Err == nil, "errorMessage": errorText(r.Err)})
				hasErrors = hasErrors || r.Err != nil
			}
			return map[string]any{"hasErrors": hasErrors, "results": out}, nil
		}},
		{op: "GET /orders", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			p, err := firstPage(c.OrderPages(ctx, shipstation.OrderFilter{}))
			return page("orders", p), err
		}},
		{op: "GET /orders/{orderId}", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			return c.GetOrder(ctx, 1)
		}},
		{op: "POST /orders/markasshipped", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			return nil, c.MarkAsShipped(ctx, shipstation.MarkShipped{OrderID: 1, CarrierCode: "fedex", TrackingNumber: "1"})
		}},
		{op: "POST /orders/holduntil", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			return nil, c.HoldUntil(ctx, 1, shipstation.Date{Year: 2030, Month: time.January, Day: 1})
		}},
		{op: "POST /orders/restorefromhold", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			return nil, c.RestoreFromHold(ctx, 1)
		}},
		{op: "POST /orders/createlabelfororder", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			return c.CreateLabelForOrder(ctx, shipstation.LabelRequest{OrderID: 1, CarrierCode: "fedex", ServiceCode: "fedex_2day",
				Confirmation: "none", ShipDate: shipstation.Date{Year: 2026, Month: time.July, Day: 14}, TestLabel: true})
		}},
		{op: "POST /shipments/voidlabel", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			return nil, c.VoidLabel(ctx, 1)
		}},
		{op: "GET /shipments", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			p, err := firstPage(c.ShipmentPages(ctx, shipstation.ShipmentFilter{}))
			return page("shipments", p), err
		}},
		{op: "GET /fulfillments", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			p, err := firstPage(c.FulfillmentPages(ctx, shipstation.FulfillmentFilter{}))
			return page("fulfillments", p), err
		}},
		{op: "GET /stores", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			return c.Stores(ctx, false)
		}},
		{op: "GET /carriers", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			return c.Carriers(ctx)
		}},
		{op: "POST /webhooks/subscribe", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			id, err := c.SubscribeWebhook(ctx, shipstation.Subscription{TargetURL: "https://example.com/hook", Event: shipstation.EventShipNotify})
			return map[string]any{"id": id}, err
		}},
		{op: "GET /webhooks", call: func(ctx context.Context, c *shipstation.Client) (any, error) {
			hooks, err := c.Webhooks(ctx)
			return map[string]any{"webhooks": hooks}, err
		}},
	}
}

func errorText(err error) any {
	if err == nil {
		return nil
	}
	return err.Error()
}

// TestDocumentedExamplesDecode serves every documented response example
// of the operations orderbridge uses and decodes it with the client's own
// method, through apispec's transport (so the client's request is checked
// against the description too). Nothing important may be lost: every key
// of the example that carries a value is in what the client returned
// (encoded again), or on the case's ignore list with its reason.
// ShipStation's Swagger file documents no request examples (only body
// schemas derived from them), so there is nothing to post the other way.
func TestDocumentedExamplesDecode(t *testing.T) {
	t.Parallel()
	specs := apispec.Shared(t)
	covered := map[string]bool{}
	for _, tc := range ssReplays() {
		covered[tc.op] = true
		exs, err := apispec.Examples(specs, apispec.ShipStation, tc.op)
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
					srv := newFixtureServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
						w.WriteHeader(status)
						_, _ = w.Write(ex.Body)
					})
					c, _ := newClient(t, srv.URL)
					got, err := tc.call(t.Context(), c)
					if err != nil {
						t.Fatalf("documented %d example: %v", status, err)
					}
					if got == nil {
						return // the method returns only an error
					}
					enc, err := json.Marshal(got)
					if err != nil {
						t.Fatal(err)
					}
					lost, err := apispec.LostKeys(ex.Body, enc, slices.Clone(tc.ignore)...)
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
	for _, op := range apispec.UsedOperations() {
		if op.Vendor != apispec.ShipStation || covered[op.ID] {
			continue
		}
		if exs, err := apispec.Examples(specs, op.Vendor, op.ID); err == nil && len(exs.Responses) > 0 {
			t.Errorf("%s has documented response examples but no replay case", op)
		}
	}
}

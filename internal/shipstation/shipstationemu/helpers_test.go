package shipstationemu_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// client is a bare net/http caller: the tests must not share code with
// orderbridge's ShipStation client.
type client struct {
	t           *testing.T
	base        string
	key, secret string
}

type bundle struct {
	emu   *shipstationemu.Emulator
	c     *client
	clock *testkit.Clock
}

// setup starts an emulator with no rate limit and a controllable clock at
// 2026-06-15 10:00 Pacific unless opts says otherwise.
func setup(t *testing.T, opts shipstationemu.Options) *bundle {
	t.Helper()
	pacific, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	clk := testkit.NewClock(time.Date(2026, 6, 15, 10, 0, 0, 0, pacific))
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	if opts.RateLimit == (emukit.RateLimit{}) {
		opts.RateLimit = emukit.NoRateLimit
	}
	emu := shipstationemutest.NewServer(t, opts)
	return &bundle{emu: emu, clock: clk, c: &client{t: t, base: emu.URL(), key: emu.APIKey(), secret: emu.APISecret()}}
}

// do sends a request; body may be nil, a string (sent raw) or a value
// (sent as JSON).
func (c *client) do(method, path string, body any) (int, http.Header, []byte) {
	c.t.Helper()
	return c.doWith(method, path, body, nil)
}

// doWith is do with extra request headers.
func (c *client) doWith(method, path string, body any, hdr map[string]string) (int, http.Header, []byte) {
	c.t.Helper()
	hc := testkit.HTTPClient(c.t)
	defer hc.CloseIdleConnections()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = c.base + path
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.key != "" || c.secret != "" {
		req.SetBasicAuth(c.key, c.secret)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

// call sends a request, checks the status and decodes the JSON answer.
func (c *client) call(method, path string, body any, want int) map[string]any {
	c.t.Helper()
	status, _, data := c.do(method, path, body)
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, data)
	}
	var out map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return out
}

// list is call for endpoints answering a JSON array.
func (c *client) list(path string) []any {
	c.t.Helper()
	status, _, data := c.do(http.MethodGet, path, nil)
	if status != http.StatusOK {
		c.t.Fatalf("GET %s: status %d; body %s", path, status, data)
	}
	var out []any
	if err := json.Unmarshal(data, &out); err != nil {
		c.t.Fatalf("GET %s: decode: %v", path, err)
	}
	return out
}

// order is a valid createorder body.
func order(key, number string) map[string]any {
	o := map[string]any{
		"orderNumber":      number,
		"orderDate":        "2026-06-14 09:30:00",
		"orderStatus":      "awaiting_shipment",
		"customerUsername": "jane@example.com",
		"customerEmail":    "jane@example.com",
		"billTo":           map[string]any{"name": "Jane Receiver"},
		"shipTo": map[string]any{
			"name": "Jane Receiver", "company": "Customer Ltd", "street1": "1 Queen St", "city": "Auckland",
			"state": "AUK", "postalCode": "1010", "country": "NZ", "phone": "+64 9 555 0000", "residential": false,
		},
		"items": []any{
			map[string]any{"lineItemKey": "L1", "sku": "WIDGET-1", "name": "Widget", "quantity": 2, "unitPrice": 25.0,
				"weight": map[string]any{"value": 500, "units": "grams"}},
			map[string]any{"lineItemKey": "L2", "sku": "DISCOUNT", "name": "10% off", "quantity": 1, "unitPrice": -5.0, "adjustment": true},
		},
		"amountPaid": 0, "taxAmount": 7.5, "shippingAmount": 10.0,
		"customerNotes": "leave at the door",
		"weight":        map[string]any{"value": 1000, "units": "grams"},
	}
	if key != "" {
		o["orderKey"] = key
	}
	return o
}

// createOrder posts one order and returns the response.
func (b *bundle) createOrder(o map[string]any) map[string]any {
	b.c.t.Helper()
	return b.c.call(http.MethodPost, "/orders/createorder", o, http.StatusOK)
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func ids(list any, key string) []int64 {
	var out []int64
	for _, x := range list.([]any) {
		out = append(out, num(x.(map[string]any)[key]))
	}
	return out
}

func q(format string, args ...any) string { return fmt.Sprintf(format, args...) }

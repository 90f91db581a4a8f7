package xeroemu_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// testBundle is an emulator with a client-credentials token for its first
// organisation.
type testBundle struct {
	emu    *xeroemu.Emulator
	token  string
	tenant string
}

func setup(t testing.TB, opts xeroemu.Options) *testBundle {
	t.Helper()
	if opts.RateLimit == (emukit.RateLimit{}) {
		opts.RateLimit = emukit.NoRateLimit
	}
	if opts.AccessTokenTTL == 0 {
		// Tests with a fake clock move it by hours.
		opts.AccessTokenTTL = 48 * time.Hour
	}
	emu := xeroemutest.NewServer(t, opts)
	tok := clientCredentials(t, emu)
	return &testBundle{emu: emu, token: tok["access_token"].(string), tenant: emu.DefaultTenantID()}
}

func clientCredentials(t testing.TB, emu *xeroemu.Emulator) map[string]any {
	t.Helper()
	status, body := tokenCall(t, emu, url.Values{"grant_type": {"client_credentials"}}, true)
	if status != http.StatusOK {
		t.Fatalf("client credentials: %d %v", status, body)
	}
	return body
}

// tokenCall posts to the token endpoint, authenticating with HTTP Basic
// when basic is true.
func tokenCall(t testing.TB, emu *xeroemu.Emulator, form url.Values, basic bool) (int, map[string]any) {
	t.Helper()
	hc := testkit.HTTPClient(t)
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodPost, emu.URL()+"/connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(emu.ClientID(), emu.ClientSecret())
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("token response: %v", err)
	}
	return resp.StatusCode, out
}

type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
	list   []any
}

// do calls the API with the bundle's token and tenant; body may be nil, a
// string or any value to encode as JSON. hdr adds or (with "") removes
// headers.
func (b *testBundle) do(t testing.TB, method, path string, body any, hdr ...string) response {
	t.Helper()
	h := map[string]string{"Authorization": "Bearer " + b.token, "Xero-Tenant-Id": b.tenant, "Accept": "application/json"}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	return call(t, method, b.emu.URL()+path, body, h)
}

func call(t testing.TB, method, u string, body any, hdr map[string]string) response {
	t.Helper()
	hc := testkit.HTTPClient(t)
	defer hc.CloseIdleConnections()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		buf, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s: bad JSON %q: %v", method, u, raw, err)
		}
		switch x := v.(type) {
		case map[string]any:
			r.body = x
		case []any:
			r.list = x
		}
	}
	return r
}

// must fails the test unless the response has the wanted status.
func (r response) must(t testing.TB, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// items returns the response's collection under key.
func (r response) items(t testing.TB, key string) []map[string]any {
	t.Helper()
	raw, ok := r.body[key].([]any)
	if !ok {
		t.Fatalf("no %s array in %s", key, r.raw)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
	}
	return out
}

func (r response) one(t testing.TB, key string) map[string]any {
	t.Helper()
	items := r.items(t, key)
	if len(items) != 1 {
		t.Fatalf("%d %s, want 1: %s", len(items), key, r.raw)
	}
	return items[0]
}

// validationMessages returns every ValidationErrors message of a 400.
func (r response) validationMessages(t testing.TB) []string {
	t.Helper()
	if r.status != http.StatusBadRequest || r.body["Type"] != "ValidationException" {
		t.Fatalf("want a 400 ValidationException, got %d %s", r.status, r.raw)
	}
	var msgs []string
	for _, el := range r.body["Elements"].([]any) {
		for _, ve := range el.(map[string]any)["ValidationErrors"].([]any) {
			msgs = append(msgs, ve.(map[string]any)["Message"].(string))
		}
	}
	return msgs
}

func containsMsg(msgs []string, sub string) bool {
	for _, m := range msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}

func invoiceBody(inv map[string]any) map[string]any {
	return map[string]any{"Invoices": []any{inv}}
}

// seedCustomer stores a contact and returns its id.
func seedCustomer(t testing.TB, b *testBundle, name string) string {
	t.Helper()
	c, err := b.emu.SeedContact(b.tenant, xeroemu.Contact{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return c.ContactID
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

package shipstationemu_test

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
)

// TestRateLimit runs into the 40 calls/minute limit at a time scale of 30
// (a two-second window), checks the headers and the 429 body, that a
// second key pair has its own budget, and that the budget comes back after
// X-Rate-Limit-Reset seconds.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{RateLimit: emukit.RateLimit{Scale: 30}})
	key2, secret2 := b.emu.AddKeyPair()
	var last http.Header
	for i := range 40 {
		status, h, body := b.c.do(http.MethodGet, "/stores", nil)
		if status != http.StatusOK {
			t.Fatalf("call %d: status %d %s", i+1, status, body)
		}
		if h.Get("X-Rate-Limit-Limit") != "40" || h.Get("X-Rate-Limit-Remaining") != strconv.Itoa(39-i) {
			t.Fatalf("call %d: limit %q remaining %q", i+1, h.Get("X-Rate-Limit-Limit"), h.Get("X-Rate-Limit-Remaining"))
		}
		last = h
	}
	if reset, err := strconv.Atoi(last.Get("X-Rate-Limit-Reset")); err != nil || reset < 0 || reset > 2 {
		t.Errorf("X-Rate-Limit-Reset %q: want whole seconds of the scaled 2s window", last.Get("X-Rate-Limit-Reset"))
	}
	status, h, body := b.c.do(http.MethodGet, "/stores", nil)
	if status != http.StatusTooManyRequests || string(body) != "{\"message\":\"Too Many Requests\"}\n" {
		t.Fatalf("41st call: %d %s", status, body)
	}
	if h.Get("X-Rate-Limit-Remaining") != "0" || h.Get("X-Rate-Limit-Reset") == "" {
		t.Errorf("429 headers: %v", h)
	}
	other := &client{t: t, base: b.emu.URL(), key: key2, secret: secret2}
	if status, _, _ := other.do(http.MethodGet, "/stores", nil); status != http.StatusOK {
		t.Errorf("second key pair refused with %d", status)
	}
	// Wait as a client would, then the budget is back.
	for range 10 {
		reset, _ := strconv.Atoi(h.Get("X-Rate-Limit-Reset"))
		time.Sleep(time.Duration(reset)*time.Second + 50*time.Millisecond)
		status, h, _ = b.c.do(http.MethodGet, "/stores", nil)
		if status == http.StatusOK {
			break
		}
	}
	if status != http.StatusOK {
		t.Errorf("still limited after waiting X-Rate-Limit-Reset")
	}

	b.emu.SetRateLimit(emukit.NoRateLimit)
	for i := range 60 {
		status, h, _ := b.c.do(http.MethodGet, "/stores", nil)
		if status != http.StatusOK || h.Get("X-Rate-Limit-Limit") != "" {
			t.Fatalf("rate limit off, call %d: %d, headers %v", i+1, status, h)
		}
	}
}

// TestFaultsAndCounters injects seeded 500s and checks their body, that a
// failed call changes nothing, and that every call is counted per route.
func TestFaultsAndCounters(t *testing.T) {
	t.Parallel()
	b := setup(t, shipstationemu.Options{Faults: emukit.FaultConfig{ErrorRate: 0.5, ErrorStatuses: []int{500}, Seed: 7}})
	var ok, failed int
	for i := range 40 {
		status, _, body := b.c.do(http.MethodPost, "/orders/createorder", order(q("f%d", i), q("F%d", i)))
		switch status {
		case http.StatusOK:
			ok++
		case http.StatusInternalServerError:
			failed++
			if want := `"Message":"An error has occurred."`; !bytes.Contains(body, []byte(want)) || !bytes.Contains(body, []byte(`"ExceptionMessage"`)) {
				t.Errorf("fault body %s", body)
			}
		default:
			t.Fatalf("status %d %s", status, body)
		}
	}
	if ok == 0 || failed == 0 {
		t.Fatalf("seeded 50%% faults gave %d ok and %d failed", ok, failed)
	}
	if n := len(b.emu.Orders()); n != ok {
		t.Errorf("%d orders stored after %d successful calls", n, ok)
	}
	b.emu.SetFaults(emukit.FaultConfig{})
	b.c.call(http.MethodGet, "/orders", nil, http.StatusOK)
	b.c.call(http.MethodGet, "/orders/1", nil, http.StatusNotFound)
	b.c.call(http.MethodGet, "/orders/2", nil, http.StatusNotFound)
	unauth := &client{t: t, base: b.emu.URL()}
	unauth.do(http.MethodGet, "/shipments", nil)
	want := map[string]int64{
		"POST /orders/createorder": 40, "GET /orders": 1, "GET /orders/{id}": 2, "GET /shipments": 1,
	}
	if got := b.emu.Counters().Snapshot(); len(got) != len(want) {
		t.Errorf("counters %v, want %v", got, want)
	}
	for k, v := range want {
		if got := b.emu.Counters().Get(k); got != v {
			t.Errorf("counter %q = %d, want %d", k, got, v)
		}
	}

	b.emu.SetFaults(emukit.FaultConfig{Offline: true})
	if status, _, _ := b.c.do(http.MethodGet, "/orders", nil); status != http.StatusServiceUnavailable {
		t.Errorf("offline: %d", status)
	}
}

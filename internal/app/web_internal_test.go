package app

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/web"
)

// TestInstrumentCountsCallsByService checks that the API clients' shared
// transport counts calls by service and status and keeps the rate-limit
// headers' remaining calls, and leaves other hosts (the OAuth redirect to
// the web app itself, say) uncounted.
func TestInstrumentCountsCallsByService(t *testing.T) {
	t.Parallel()
	xeroSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-MinLimit-Remaining", "57")
		w.Header().Set("X-DayLimit-Remaining", "4321")
		w.Header().Set("X-AppMinLimit-Remaining", "9876")
		if r.URL.Path == "/limited" {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer xeroSrv.Close()
	ssSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Rate-Limit-Remaining", "39")
	}))
	defer ssSrv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer other.Close()

	m := web.NewMetrics()
	cfg := config.Default()
	cfg.XeroBaseURL, cfg.ShipStationBaseURL = xeroSrv.URL, ssSrv.URL
	hc := instrument(nil, m, cfg)
	for _, u := range []string{xeroSrv.URL + "/ok", xeroSrv.URL + "/limited", ssSrv.URL, other.URL, "http://127.0.0.1:1/refused"} {
		resp, err := hc.Get(u)
		if err == nil {
			resp.Body.Close()
		}
	}
	counter := func(labels ...string) float64 {
		var d dto.Metric
		if err := m.APICalls.WithLabelValues(labels...).Write(&d); err != nil {
			t.Fatal(err)
		}
		return d.GetCounter().GetValue()
	}
	var appMinute dto.Metric
	if err := m.XeroAppMinuteRemaining.Write(&appMinute); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"xero 200", counter("xero", "200"), 1},
		{"xero 429", counter("xero", "429"), 1},
		{"shipstation 200", counter("shipstation", "200"), 1},
		{"xero app minute left", appMinute.GetGauge().GetValue(), 9876},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "orderbridge_api_calls_total" {
			continue
		}
		if n := len(f.GetMetric()); n != 3 {
			t.Errorf("%d api call series, want 3 (other hosts are not counted)", n)
		}
	}
}

// TestInstrumentRealHosts checks that without base URLs the vendors' real
// hosts are the ones counted, and that a failed call is "error".
func TestInstrumentRealHosts(t *testing.T) {
	t.Parallel()
	m := web.NewMetrics()
	failing := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("offline") })
	hc := instrument(&http.Client{Transport: failing}, m, config.Default())
	for _, u := range []string{"https://api.xero.com/api.xro/2.0/Invoices", "https://identity.xero.com/connect/token", "https://ssapi.shipstation.com/stores"} {
		if resp, err := hc.Get(u); err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s did not fail", u)
		}
	}
	for _, tt := range []struct {
		service string
		want    float64
	}{{"xero", 2}, {"shipstation", 1}} {
		var d dto.Metric
		if err := m.APICalls.WithLabelValues(tt.service, "error").Write(&d); err != nil {
			t.Fatal(err)
		}
		if got := d.GetCounter().GetValue(); got != tt.want {
			t.Errorf("%s errors = %v, want %v", tt.service, got, tt.want)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestInstrumentCountsXeroBytesByEndpoint checks that the bytes of Xero's
// response bodies are counted by endpoint family, not by account or URL,
// and that ShipStation's are not (Xero alone bills egress).
func TestInstrumentCountsXeroBytesByEndpoint(t *testing.T) {
	t.Parallel()
	xeroSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", len(r.URL.Path)*10))
	}))
	defer xeroSrv.Close()
	ssSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "shipstation")
	}))
	defer ssSrv.Close()
	m := web.NewMetrics()
	cfg := config.Default()
	cfg.XeroBaseURL, cfg.ShipStationBaseURL = xeroSrv.URL, ssSrv.URL
	hc := instrument(nil, m, cfg)
	paths := []string{"/api.xro/2.0/Invoices", "/api.xro/2.0/Invoices/abc", "/api.xro/2.0/Contacts", "/api.xro/2.0/Invoices/abc/History"}
	for _, u := range append(slices.Clone(paths), ssSrv.URL) {
		if !strings.HasPrefix(u, "http") {
			u = xeroSrv.URL + u
		}
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for endpoint, want := range map[string]float64{
		"invoices": float64(len(paths[0])*10 + len(paths[1])*10), "contacts": float64(len(paths[2]) * 10), "history": float64(len(paths[3]) * 10),
	} {
		var d dto.Metric
		if err := m.XeroBytes.WithLabelValues(endpoint).Write(&d); err != nil {
			t.Fatal(err)
		}
		if got := d.GetCounter().GetValue(); got != want {
			t.Errorf("%s bytes = %v, want %v", endpoint, got, want)
		}
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "orderbridge_xero_response_bytes_total" && len(f.GetMetric()) != 3 {
			t.Errorf("%d byte series, want 3", len(f.GetMetric()))
		}
	}
}

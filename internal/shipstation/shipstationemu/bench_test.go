package shipstationemu_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// BenchmarkBulkUpsert sends createorders calls of 100 orders over HTTP,
// alternating between new orders and updates of existing ones, and reports
// orders per second.
func BenchmarkBulkUpsert(b *testing.B) {
	hc := testkit.HTTPClient(b)
	// Served without apispec.Middleware: the figure is the emulator's
	// throughput, not the validator's; the same exchanges are validated
	// by the package's tests.
	emu := shipstationemu.New(shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	srv := httptest.NewServer(emu)
	b.Cleanup(func() { emu.Close(); srv.Close() })
	emu.SetURL(srv.URL)
	bodies := make([][]byte, 100)
	for call := range bodies {
		batch := make([]any, 100)
		for i := range batch {
			batch[i] = order(q("bench-%05d", call*100+i), q("B%05d", call*100+i))
		}
		data, err := json.Marshal(batch)
		if err != nil {
			b.Fatal(err)
		}
		bodies[call] = data
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, emu.URL()+"/orders/createorders", bytes.NewReader(bodies[n%len(bodies)]))
		req.SetBasicAuth(emu.APIKey(), emu.APISecret())
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		n++
	}
	b.ReportMetric(float64(n*100)/b.Elapsed().Seconds(), "orders/s")
	b.ReportMetric(float64(len(emu.Orders())), "orders_stored")
}

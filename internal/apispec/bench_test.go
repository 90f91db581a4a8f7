package apispec

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCheck measures validating one GET /Invoices exchange, the
// per-request cost the transport and middleware add to a test.
func BenchmarkCheck(b *testing.B) {
	specs := Shared(b).Fork()
	req := httptest.NewRequest("GET", "/api.xro/2.0/Invoices?page=1", nil)
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("xero-tenant-id", "t")
	req.Header.Set("Accept", "application/json")
	ex := Exchange{Request: req, Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(goodInvoices)}
	b.ReportAllocs()
	for b.Loop() {
		if _, vs := specs.Check(b.Context(), ex); len(vs) > 0 {
			b.Fatal(vs)
		}
	}
	b.ReportMetric(float64(len(goodInvoices)), "body-bytes")
}

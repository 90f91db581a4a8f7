package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMetricsAreNotOnThePublicListener shows that the web app's handler,
// which faces the internet for the webhooks, does not serve /metrics (it
// names the accounts' traffic and the process's internals); the ops
// handler of the metrics listener does.
func TestMetricsAreNotOnThePublicListener(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.web.Metrics().APICalls.WithLabelValues("xero", "200").Inc()
	for _, path := range []string{"/metrics", "/metrics/", "/Metrics", "/static/../metrics"} {
		b := e.browser()
		b.get(path)
		b.follow()
		if b.resp.StatusCode == http.StatusOK || strings.Contains(b.body, "orderbridge_api_calls_total") {
			t.Errorf("public GET %s: %d with %.80q, want no metrics", path, b.resp.StatusCode, b.body)
		}
	}
	ops := httptest.NewServer(e.web.OpsHandler())
	t.Cleanup(ops.Close)
	resp, err := ops.Client().Get(ops.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `orderbridge_api_calls_total{service="xero",status="200"} 1`) {
		t.Errorf("metrics listener GET /metrics: %d %.200q", resp.StatusCode, body)
	}
}

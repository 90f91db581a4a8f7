package web_test

import (
	"net/http"
	"testing"
)

// TestNoStoreOnAppResponses shows that no response of a signed-in page,
// the log's CSV or a run's JSON may be kept by a browser or a proxy
// cache (a shared computer, a corporate proxy), while static files are.
func TestNoStoreOnAppResponses(t *testing.T) {
	t.Parallel()
	_, b, _ := annSignedUp(t)
	for _, path := range []string{"/log.csv", "/log", "/dashboard", "/configure", "/connections", "/invoices/nope", "/runs/1/status", "/signin"} {
		b.get(path)
		if got := b.resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s (%d): Cache-Control %q, want no-store", path, b.resp.StatusCode, got)
		}
	}
	b.get("/static/app.css")
	b.wantStatus(http.StatusOK)
	if got := b.resp.Header.Get("Cache-Control"); got != "public, max-age=3600" {
		t.Errorf("static file: Cache-Control %q", got)
	}
}

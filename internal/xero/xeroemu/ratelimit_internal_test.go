package xeroemu

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
)

// TestAppMinuteLimit shrinks the app-wide window to three calls, since the
// real 10,000 a minute is too many to make over HTTP in a unit test.
func TestAppMinuteLimit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	e := New(Options{RateLimit: emukit.RateLimit{Scale: 60}, Now: func() time.Time { return now }})
	defer e.Close()
	e.limits.app = emukit.NewWindow(3, e.rateLimit().Window(time.Minute), e.now)
	for i, org := range []string{"a", "b", ""} {
		w := httptest.NewRecorder()
		release, ok := e.takeRate(w, org)
		if !ok {
			t.Fatalf("call %d refused", i+1)
		}
		release()
		h := w.Header()
		if h.Get("X-AppMinLimit-Remaining") != []string{"2", "1", "0"}[i] {
			t.Errorf("call %d: X-AppMinLimit-Remaining %q", i+1, h.Get("X-AppMinLimit-Remaining"))
		}
		if tenantless := org == ""; tenantless != (h.Get("X-MinLimit-Remaining") == "") {
			t.Errorf("call %d (org %q): X-MinLimit-Remaining %q", i+1, org, h.Get("X-MinLimit-Remaining"))
		}
	}
	w := httptest.NewRecorder()
	if _, ok := e.takeRate(w, "c"); ok {
		t.Fatal("fourth call allowed")
	}
	if w.Code != 429 || w.Header().Get("X-Rate-Limit-Problem") != "appminute" || w.Header().Get("Retry-After") != "1" {
		t.Errorf("refusal: %d %v", w.Code, w.Header())
	}
}

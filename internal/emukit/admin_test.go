package emukit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestRequestLogIsBounded checks that the log keeps only the newest
// records, numbers them from 1, and that Since pages through them.
func TestRequestLogIsBounded(t *testing.T) {
	t.Parallel()
	l := NewRequestLog(3)
	for i := range 5 {
		l.Add(RequestRecord{Method: "GET", Path: "/x", Status: 200 + i})
	}
	got := l.Since(0, 0)
	if len(got) != 3 || got[0].Seq != 3 || got[2].Seq != 5 || got[2].Status != 204 {
		t.Fatalf("Since(0) = %+v, want seq 3..5", got)
	}
	if got := l.Since(4, 0); len(got) != 1 || got[0].Seq != 5 {
		t.Errorf("Since(4) = %+v, want seq 5 only", got)
	}
	if got := l.Since(0, 2); len(got) != 2 || got[1].Seq != 4 {
		t.Errorf("Since(0, limit 2) = %+v, want seq 3, 4", got)
	}
	if l.Last() != 5 {
		t.Errorf("Last = %d, want 5", l.Last())
	}
}

// TestAdminNeedsToken checks that the admin API answers only with its
// token, and that the request log is served with since= as a sequence
// number or a time.
func TestAdminNeedsToken(t *testing.T) {
	t.Parallel()
	l := NewRequestLog(10)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.Add(RequestRecord{Time: t0, Method: "GET", Path: "/a", Status: 200})
	l.Add(RequestRecord{Time: t0.Add(time.Minute), Method: "POST", Path: "/b", Principal: "k1", Status: 429})
	a := NewAdmin("tok")
	a.HandleRequestLog(l)
	a.HandleFunc("GET /ping", func(w http.ResponseWriter, _ *http.Request) {
		WriteAdminJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})

	serve := func(target, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if token != "" {
			r.Header.Set(AdminTokenHeader, token)
		}
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		return w
	}
	if w := serve(AdminPrefix+"/ping", ""); w.Code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", w.Code)
	}
	if w := serve(AdminPrefix+"/ping", "nope"); w.Code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", w.Code)
	}
	if w := serve(AdminPrefix+"/ping?token=tok", ""); w.Code != http.StatusOK {
		t.Errorf("token in the query: %d, want 200", w.Code)
	}
	if w := serve(AdminPrefix+"/nothing", "tok"); w.Code != http.StatusNotFound {
		t.Errorf("unknown admin path: %d, want 404", w.Code)
	}
	for _, tc := range []struct {
		since string
		want  int
	}{{"", 2}, {"1", 1}, {"2", 0}, {t0.Add(30 * time.Second).Format(time.RFC3339), 1}} {
		w := serve(AdminPrefix+"/requests?since="+tc.since, "tok")
		var out struct {
			Requests []RequestRecord `json:"requests"`
			Last     int64           `json:"last"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Code != http.StatusOK {
			t.Fatalf("since=%s: %d %v %s", tc.since, w.Code, err, w.Body)
		}
		if len(out.Requests) != tc.want || out.Last != 2 {
			t.Errorf("since=%s: %d records, last %d; want %d, last 2", tc.since, len(out.Requests), out.Last, tc.want)
		}
	}
	if w := serve(AdminPrefix+"/requests?since=yesterday", "tok"); w.Code != http.StatusBadRequest {
		t.Errorf("since=yesterday: %d, want 400", w.Code)
	}
}

// TestTally checks the per-principal counts.
func TestTally(t *testing.T) {
	t.Parallel()
	tl := NewTally()
	tl.Inc("t1", "GET /a")
	tl.Inc("t1", "GET /a")
	tl.Inc("t2", "GET /b")
	s := tl.Snapshot()
	if s["t1"]["GET /a"] != 2 || s["t2"]["GET /b"] != 1 || len(s) != 2 {
		t.Errorf("snapshot %v", s)
	}
	tl.Reset()
	if len(tl.Snapshot()) != 0 {
		t.Error("reset kept counts")
	}
}

package web_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/logging"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/web"
)

// TestRequestIDOnEveryLine: every line a request logs (the handler's own
// and the request line) carries its id, which the response echoes; a
// proxy's safe X-Request-Id is kept, anything else replaced.
func TestRequestIDOnEveryLine(t *testing.T) {
	t.Parallel()
	var buf testkit.Buffer
	e := newEnv(t, func(c *web.Config) {
		withHookWork(&fakeHookWork{}, "hook-key")(c)
		c.Logger = logging.New(&buf, logging.FormatLogfmt, slog.LevelDebug)
	})
	client := testkit.HTTPClient(t)
	post := func(id string) string {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/webhooks/xero", strings.NewReader(`{"events":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("x-xero-signature", "wrong")
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
		return resp.Header.Get("X-Request-Id")
	}
	linesWith := func(id string) []string {
		var out []string
		for l := range strings.Lines(buf.String()) {
			if strings.Contains(l, "request_id="+id+" ") || strings.HasSuffix(strings.TrimSpace(l), "request_id="+id) {
				out = append(out, l)
			}
		}
		return out
	}

	if got := post("proxy-7f3a.1_B"); got != "proxy-7f3a.1_B" {
		t.Errorf("echoed X-Request-Id %q, want the proxy's", got)
	}
	lines := linesWith("proxy-7f3a.1_B")
	if len(lines) != 2 || !strings.Contains(strings.Join(lines, ""), "signature refused") || !strings.Contains(strings.Join(lines, ""), "web: request") {
		t.Errorf("lines with the proxy's id: %q, want the handler's warning and the request line\nlog:\n%s", lines, buf.String())
	}

	for _, unsafe := range []string{"", "has space", strings.Repeat("a", 200), `<script>"x`} {
		got := post(unsafe)
		if got == "" || got == unsafe {
			t.Errorf("sent %q, echoed %q: want a fresh id", unsafe, got)
			continue
		}
		if n := len(linesWith(got)); n != 2 {
			t.Errorf("generated id %q on %d lines, want 2\nlog:\n%s", got, n, buf.String())
		}
	}
	if a, b := post(""), post(""); a == b {
		t.Errorf("two requests got the same id %q", a)
	}
}

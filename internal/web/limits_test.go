package web_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/web"
)

// testLimits are short enough that a stalled client is cut at once.
var testLimits = web.ServerLimits{
	ReadHeaderTimeout: 300 * time.Millisecond,
	ReadTimeout:       300 * time.Millisecond,
	WriteTimeout:      5 * time.Second,
	IdleTimeout:       time.Second,
	MaxHeaderBytes:    8 << 10,
}

// serveLimited serves h with web.NewHTTPServer, as the app does, on a
// local port, and returns its address.
func serveLimited(t *testing.T, h http.Handler, limits web.ServerLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := web.NewHTTPServer(h, limits)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// stall sends a request's headers and part of its body, then nothing, and
// reads what the server sends until it closes the connection. It fails if
// the connection is still open after safety (far longer than the server's
// limits: the bound a server without them never meets).
func stall(t *testing.T, addr, method, path string, header string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: 1000\r\n%s\r\n{\"events\":[", method, path, addr, header)
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	const safety = 10 * time.Second
	if err := conn.SetReadDeadline(time.Now().Add(safety)); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s %s with a stalled body: the connection is still open after %s (read %q)", method, path, safety, got)
	}
	return string(got)
}

// TestStalledBodyIsCut shows that a client which sends its headers and then
// stalls its body has its connection closed by the server, on the webhook
// receivers as on the sign-in form: 300 of them cannot hold the process.
func TestStalledBodyIsCut(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	acct := connectXero(t, h.st, "Stall Co", "tenant-stall")
	saveHook(t, h.st, acct, "stall-secret-0123456789abcdef")
	addr := serveLimited(t, h.web.Handler(), testLimits)
	for _, tt := range []struct{ method, path, header string }{
		{"POST", "/webhooks/xero", "X-Xero-Signature: c2lnbmF0dXJl\r\n"},
		{"POST", "/webhooks/shipstation/stall-secret-0123456789abcdef", ""},
		{"POST", "/signin", ""},
		{"GET", "/signin", ""},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			stall(t, addr, tt.method, tt.path, tt.header)
		})
	}
}

// TestOversizedHeadersAreRefused shows that headers past the limit get 431
// instead of being read into memory.
func TestOversizedHeadersAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	addr := serveLimited(t, e.web.Handler(), testLimits)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	big := strings.Repeat("a", 64<<10)
	if _, err := fmt.Fprintf(conn, "GET /signin HTTP/1.1\r\nHost: %s\r\nX-Big: %s\r\n\r\n", addr, big); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB of headers: %d, want 431", resp.StatusCode)
	}
}

// TestOversizedBodyIsRefused shows that a body past its route's limit gets
// 413, whether it announces its length or streams it chunked, on the
// forms as on the webhook receivers.
func TestOversizedBodyIsRefused(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	big := strings.Repeat("a", 2<<20)
	for _, tt := range []struct {
		path    string
		chunked bool
	}{
		{"/signin", false},
		{"/signin", true},
		{"/signup", true},
		{"/webhooks/xero", false},
		{"/webhooks/xero", true},
		{"/configure", true},
	} {
		t.Run(fmt.Sprintf("%s chunked=%v", tt.path, tt.chunked), func(t *testing.T) {
			t.Parallel()
			var body io.Reader = strings.NewReader("csrf_token=x&email=" + big)
			if tt.chunked {
				body = io.MultiReader(body) // no length known: sent chunked
			}
			req, err := http.NewRequest(http.MethodPost, h.srv.URL+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("2 MiB to %s: %d, want 413", tt.path, resp.StatusCode)
			}
		})
	}
}

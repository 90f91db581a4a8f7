package app_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/web"
)

// TestEveryListenerCutsAStalledBody shows that both listeners the app
// opens (the web app with the webhooks, and the metrics listener) are
// built with the server limits: a client that sends its headers and
// stalls its body has its connection closed.
func TestEveryListenerCutsAStalledBody(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.HTTPAddr, cfg.MetricsAddr = "127.0.0.1:0", "127.0.0.1:0"
	limits := web.ServerLimits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond}
	a := newApp(t, cfg, app.Options{ServeWeb: true, NoSweep: true, ServerLimits: limits})
	runApp(t, a)
	for _, target := range []string{a.WebURL() + "/webhooks/xero", a.WebURL() + "/signin", a.MetricsURL() + "/readyz"} {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		// The listeners are open from app.New, so the dial succeeds; Run
		// serves them.
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000\r\n\r\n{", u.Path, u.Host)
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.ReadAll(conn)
		conn.Close()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%s: a stalled body still holds the connection after 10 s", target)
		}
	}
}

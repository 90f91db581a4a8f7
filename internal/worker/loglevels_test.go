package worker_test

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orderbridge/orderbridge/internal/logging"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
)

// linesAt returns the log lines of level that contain msg.
func linesAt(buf *testkit.Buffer, level, msg string) []string {
	var out []string
	for l := range strings.Lines(buf.String()) {
		if strings.Contains(l, "level="+level+" ") && strings.Contains(l, msg) {
			out = append(out, l)
		}
	}
	return out
}

// TestRefusedKeyLogsError: a ShipStation key that stops working needs a
// person, so the run says so at ERROR, naming the account.
func TestRefusedKeyLogsError(t *testing.T) {
	t.Parallel()
	var buf testkit.Buffer
	b := setupEngine(t, engineOptions{logger: logging.New(&buf, logging.FormatLogfmt, slog.LevelInfo)})
	b.invoice(b.contact("Acme Outdoor Ltd"), "AUTHORISED", true)
	creds := store.ShipStationCredentials{APIKey: b.semu.APIKey(), APISecret: "revoked"}
	if err := b.st.SaveShipStationConnection(b.ctx, b.acct, store.ConnectionMetadata{StoreID: b.semu.DefaultStoreID()}, creds); err != nil {
		t.Fatal(err)
	}
	if _, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{}); err == nil {
		t.Fatal("export with a refused key succeeded")
	}
	if got := linesAt(&buf, "ERROR", `msg="export run"`); len(got) != 1 {
		t.Errorf("export run lines at ERROR: %q\nlog:\n%s", got, buf.String())
	}
	if got := linesAt(&buf, "ERROR", "connection needs reconnecting"); len(got) != 1 || !strings.Contains(got[0], "kind=shipstation") {
		t.Errorf("reconnect lines at ERROR: %q\nlog:\n%s", got, buf.String())
	}
}

// outage answers 503 to every call once on is set.
type outage struct {
	on   atomic.Bool
	next http.RoundTripper
}

func (o *outage) RoundTrip(r *http.Request) (*http.Response, error) {
	if !o.on.Load() {
		return o.next.RoundTrip(r)
	}
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Content-Type": {"text/plain"}},
		Body: http.NoBody, Request: r}, nil
}

// TestXeroOutageLogsWarn: Xero answering 503 is retried: WARN, never ERROR.
func TestXeroOutageLogsWarn(t *testing.T) {
	t.Parallel()
	var buf testkit.Buffer
	down := &outage{next: testHTTP.Transport}
	b := setupEngine(t, engineOptions{logger: logging.New(&buf, logging.FormatLogfmt, slog.LevelInfo), xeroTransport: down})
	down.on.Store(true)
	if _, err := b.eng.Exporter.Export(b.ctx, b.acct, worker.RunOptions{}); err == nil {
		t.Fatal("export against a Xero answering 503 succeeded")
	}
	if got := linesAt(&buf, "WARN", `msg="export run"`); len(got) != 1 {
		t.Errorf("export run lines at WARN: %q\nlog:\n%s", got, buf.String())
	}
	if got := linesAt(&buf, "ERROR", ""); len(got) != 0 {
		t.Errorf("a retried outage logged at ERROR: %q", got)
	}
}

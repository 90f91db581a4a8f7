package app

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store"
)

// TestAccountHealthMetrics: /metrics counts the accounts by state, with
// no label per account, and says when the database stops answering.
func TestAccountHealthMetrics(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.XeroClientID, cfg.XeroClientSecret = "id", "secret"
	cfg.XeroBaseURL, cfg.ShipStationBaseURL = "http://127.0.0.1:1", "http://127.0.0.1:1"
	a, err := New(t.Context(), cfg, Options{Logger: slog.New(slog.DiscardHandler), NoSweep: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := t.Context()
	var ids []int64
	for _, name := range []string{"Fine Ltd", "Lapsed Ltd", "Busy Ltd"} {
		acct, err := a.Store.CreateAccount(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, acct.ID)
	}
	creds := store.ShipStationCredentials{APIKey: "k", APISecret: "s"}
	if err := a.Store.SaveShipStationConnection(ctx, ids[1], store.ConnectionMetadata{StoreID: 1}, creds); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.SetConnectionStatus(ctx, ids[1], store.KindShipStation, store.StatusReconnectNeeded, "key refused"); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.NoteXeroDayRemaining(ctx, ids[2], 50, a.now()); err != nil { // of 1,000 on Starter
		t.Fatal(err)
	}
	scrape := func() string {
		rec := httptest.NewRecorder()
		a.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		b, _ := io.ReadAll(rec.Body)
		return string(b)
	}
	a.readHealth(ctx)
	got := scrape()
	for _, want := range []string{
		`orderbridge_accounts{state="ok"} 1`,
		`orderbridge_accounts{state="reconnect_needed"} 1`,
		`orderbridge_accounts{state="quota_low"} 1`,
		`orderbridge_accounts{state="webhooks_off"} 0`,
		`orderbridge_accounts{state="stuck"} 0`,
		`orderbridge_xero_day_quota_remaining_ratio_bucket{le="0.05"} 1`,
		`orderbridge_xero_day_quota_remaining_ratio_count 1`,
		`orderbridge_database_up 1`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for l := range strings.Lines(got) {
		if strings.Contains(l, "account=") || strings.Contains(l, "tenant=") {
			t.Errorf("a series labelled per merchant: %s", l)
		}
	}
	if err := a.Store.Close(); err != nil {
		t.Fatal(err)
	}
	a.readHealth(ctx)
	if got := scrape(); !strings.Contains(got, "orderbridge_database_up 0\n") {
		t.Errorf("with the database closed, /metrics says %q", grep(got, "database_up"))
	}
}

func grep(s, sub string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

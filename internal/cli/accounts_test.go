package cli

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store"
)

// getJSON calls an emulator over HTTP as the real service is called.
func getJSON(t *testing.T, req *http.Request, into any) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// TestAccountsListAndDelete lists an account connected to both emulators,
// then deletes it: its ShipStation webhook and its Xero connection are
// gone at the emulators (asked over HTTP as the services are), and no row
// of it remains in any table.
func TestAccountsListAndDelete(t *testing.T) {
	t.Parallel()
	eachDialect(t, testAccountsListAndDelete)
}

func testAccountsListAndDelete(t *testing.T, base map[string]string) {
	environ, semu := syncFixtureOn(t, base)
	environ[config.EnvBaseURL] = "http://127.0.0.1:1" // where the webhook points
	ctx := t.Context()

	// Subscribe the webhook, queue a job for the account, and keep the
	// account's Xero access token to ask Xero afterwards.
	cfg, err := config.FromEnv(lookupIn(environ))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: slog.New(slog.DiscardHandler), NoSweep: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Engine.Subscriber.Subscribe(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := a.SubscribeShipStation(ctx, 1); err != nil { // a queued job
		t.Fatal(err)
	}
	tok, err := a.Store.XeroGrant(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	// One invoice that failed to sync: the list must say so as the
	// merchant's dashboard does.
	if err := a.Store.UpsertInvoiceLink(ctx, store.InvoiceLink{AccountID: 1, InvoiceID: "failed-1", InvoiceNumber: "INV-FAILED",
		OrderKey: "k-failed-1", Decision: store.DecisionFailed, Reason: "ShipStation refused the order"}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	listHooks := func() []any {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, semu.URL()+"/webhooks", nil)
		req.SetBasicAuth(semu.APIKey(), semu.APISecret())
		var out struct {
			Webhooks []any `json:"webhooks"`
		}
		if code := getJSON(t, req, &out); code != http.StatusOK {
			t.Fatalf("GET /webhooks: %d", code)
		}
		return out.Webhooks
	}
	if n := len(listHooks()); n != 1 {
		t.Fatalf("%d webhooks at ShipStation before the delete, want 1", n)
	}
	if code, out, errOut := runCLIEnv(t, environ, "sync", "--since", "2020-01-01"); code != 0 {
		t.Fatalf("sync: exit %d: %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLIStdin(t, environ, "correct horse battery\n", "users", "create", "--email", "ann@example.com",
		"--account-id", "1", "--password-stdin"); code != 0 {
		t.Fatalf("users create: %s", errOut)
	}

	code, out, errOut := runCLIEnv(t, environ, "accounts", "list")
	if code != 0 {
		t.Fatalf("accounts list: exit %d: %s", code, errOut)
	}
	t.Logf("accounts list:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "1 ") || !strings.Contains(lines[1], "Acme") ||
		!strings.Contains(lines[1], "connected (") || strings.Count(lines[1], "connected") != 2 {
		t.Errorf("accounts list:\n%s", out)
	}
	if !strings.Contains(out, "1 invoice failed to sync; each says what to fix.") {
		t.Errorf("accounts list does not say what the dashboard says about the failed invoice:\n%s", out)
	}
	fields := strings.Fields(lines[1])
	if len(fields) < 3 || fields[2] != "1" {
		t.Errorf("accounts list: users column %q, want 1:\n%s", fields, out)
	}

	// Without --yes and no terminal: refused, nothing deleted.
	if code, _, errOut := runCLIEnv(t, environ, "accounts", "delete", "--id", "1"); code != 1 || !strings.Contains(errOut, "--yes") {
		t.Errorf("accounts delete without --yes: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut = runCLIEnv(t, environ, "accounts", "delete", "--id", "1", "--yes")
	if code != 0 {
		t.Fatalf("accounts delete: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	t.Logf("accounts delete:\n%s", out)
	for _, want := range []string{"ShipStation webhook subscription deleted", "Xero organisation disconnected from the app",
		"deleted account 1 (Acme)"} {
		if !strings.Contains(out, want) {
			t.Errorf("accounts delete output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "still to do") {
		t.Errorf("accounts delete left something:\n%s", out)
	}
	if n := len(listHooks()); n != 0 {
		t.Errorf("%d webhooks remain at ShipStation", n)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cfg.XeroBaseURL+"/connections", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	var conns []struct {
		TenantID string `json:"tenantId"`
	}
	if code := getJSON(t, req, &conns); code == http.StatusOK && len(conns) != 0 {
		t.Errorf("Xero still lists the organisation: %+v", conns)
	}

	st := openDir(t, environ)
	rows, err := st.AccountRows(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 0 {
		t.Errorf("rows of the deleted account remain: %v", rows)
	}
	if _, err := st.FindUser(ctx, "ann@example.com"); err == nil {
		t.Error("the deleted account's user remains")
	}
	if code, _, errOut := runCLIEnv(t, environ, "accounts", "delete", "--id", "1", "--yes"); code != 1 || !strings.Contains(errOut, "there is no account 1") {
		t.Errorf("deleting it again: exit %d, stderr %q", code, errOut)
	}
}

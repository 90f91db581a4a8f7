package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// otherAppToken is an access token of another app connected to the first
// organisation (a custom connection allowed to edit contacts), for tests
// that change data in Xero behind orderbridge's back. orderbridge's own
// grant cannot: it only reads contacts (accounting.contacts.read), and the
// emulator checks scopes as Xero does.
func otherAppToken(ctx context.Context, t testing.TB, xemu *xeroemu.Emulator) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"accounting.contacts accounting.invoices"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, xemu.URL()+"/connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(xemu.ClientID(), xemu.ClientSecret())
	resp, err := testkit.HTTPClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("client credentials: status %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

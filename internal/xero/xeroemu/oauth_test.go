package xeroemu_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

const redirectURI = "http://localhost:8080/xero/callback"

// authorize runs the consent step and returns the code from the redirect.
func authorize(t *testing.T, emu *xeroemu.Emulator, params url.Values) (code string, redirect *url.URL) {
	t.Helper()
	hc := testkit.HTTPClient(t)
	defer hc.CloseIdleConnections()
	q := url.Values{"response_type": {"code"}, "client_id": {emu.ClientID()}, "redirect_uri": {redirectURI},
		"scope": {"openid profile email offline_access accounting.invoices accounting.contacts accounting.settings.read"},
		"state": {"xyz"}}
	for k, v := range params {
		q[k] = v
	}
	noFollow := &http.Client{Transport: hc.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(emu.URL() + "/identity/connect/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query().Get("code"), loc
}

func pkcePair() (verifier, challenge string) {
	verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-abcdefghijkl"
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	t.Parallel()
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	verifier, challenge := pkcePair()
	code, loc := authorize(t, emu, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}})
	if code == "" || loc.Query().Get("state") != "xyz" || loc.Host != "localhost:8080" {
		t.Fatalf("redirect %s lacks code or state", loc)
	}

	// A wrong verifier is refused, and the code is spent by the attempt.
	status, body := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirectURI}, "code_verifier": {"wrong-verifier-wrong-verifier-wrong-verifier"}}, true)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %v", status, body)
	}

	code, _ = authorize(t, emu, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}})
	// PKCE lets a public client exchange without its secret.
	status, tok := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {emu.ClientID()},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier}}, false)
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, tok)
	}
	for _, k := range []string{"access_token", "refresh_token", "id_token", "scope"} {
		if s, _ := tok[k].(string); s == "" {
			t.Errorf("token response lacks %s: %v", k, tok)
		}
	}
	if tok["token_type"] != "Bearer" || tok["expires_in"] != float64(1800) {
		t.Errorf("token_type/expires_in = %v/%v, want Bearer/1800", tok["token_type"], tok["expires_in"])
	}
	if strings.Count(tok["access_token"].(string), ".") != 2 {
		t.Errorf("access token is not JWT-shaped")
	}

	// Codes are single-use.
	status, body = tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier}}, true)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("reused code: %d %v", status, body)
	}

	// A public (PKCE) client refreshes without its secret too.
	status, body = tokenCall(t, emu, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)},
		"client_id": {emu.ClientID()}}, false)
	if status != http.StatusOK {
		t.Fatalf("public refresh: %d %v", status, body)
	}
	// A confidential client may not.
	code, _ = authorize(t, emu, nil)
	_, conf := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}, true)
	status, body = tokenCall(t, emu, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {conf["refresh_token"].(string)},
		"client_id": {emu.ClientID()}}, false)
	if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Fatalf("confidential refresh without secret: %d %v", status, body)
	}
	// A redirect_uri that differs from the authorize request is refused.
	code, _ = authorize(t, emu, nil)
	status, body = tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://localhost:9/other"}}, true)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("other redirect_uri: %d %v", status, body)
	}

	// The token reaches every organisation through /connections.
	conns := call(t, "GET", emu.URL()+"/connections", nil, map[string]string{"Authorization": "Bearer " + tok["access_token"].(string)}).must(t, 200)
	if len(conns.list) != 1 || conns.list[0].(map[string]any)["tenantId"] != emu.DefaultTenantID() {
		t.Fatalf("connections = %s", conns.raw)
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	_, loc := authorize(t, emu, url.Values{"response_type": {"token"}})
	if loc.Query().Get("error") != "unsupported_response_type" || loc.Query().Get("state") != "xyz" {
		t.Errorf("response_type=token redirect = %s", loc)
	}
	_, loc = authorize(t, emu, url.Values{"code_challenge": {"abc"}, "code_challenge_method": {"plain"}})
	if loc.Query().Get("error") != "invalid_request" {
		t.Errorf("plain PKCE redirect = %s", loc)
	}
	resp, err := hc.Get(emu.URL() + "/identity/connect/authorize?response_type=code&client_id=nope&redirect_uri=" + url.QueryEscape(redirectURI))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown client_id: %d, want 400", resp.StatusCode)
	}
	// Without a challenge the secret is required.
	code, _ := authorize(t, emu, nil)
	status, body := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {emu.ClientID()}}, false)
	if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("no secret: %d %v", status, body)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	tests := []struct {
		name   string
		form   url.Values
		basic  bool
		status int
		err    string
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {emu.ClientID()}, "client_secret": {"nope"}}, false, 401, "invalid_client"},
		{"unknown grant", url.Values{"grant_type": {"password"}}, true, 400, "unsupported_grant_type"},
		{"unknown refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}, true, 400, "invalid_grant"},
		{"unknown code", url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}}, true, 400, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := tokenCall(t, emu, tt.form, tt.basic)
			if status != tt.status || body["error"] != tt.err {
				t.Errorf("got %d %v, want %d %s", status, body, tt.status, tt.err)
			}
		})
	}
	// Form-field client authentication works too; client credentials give
	// no refresh token.
	status, body := tokenCall(t, emu, url.Values{"grant_type": {"client_credentials"}, "client_id": {emu.ClientID()}, "client_secret": {emu.ClientSecret()}}, false)
	if status != 200 || body["refresh_token"] != nil {
		t.Errorf("client credentials by form: %d %v", status, body)
	}
	// Without offline_access there is no refresh token either.
	code, _ := authorize(t, emu, url.Values{"scope": {"accounting.invoices"}})
	status, body = tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}, true)
	if status != 200 || body["refresh_token"] != nil {
		t.Errorf("without offline_access: %d %v", status, body)
	}
}

func TestRefreshRotationAndGrace(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit, Now: clk.Now, RefreshGrace: 30 * time.Minute})
	code, _ := authorize(t, emu, nil)
	_, first := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}, true)
	rt1 := first["refresh_token"].(string)
	refresh := func(rt string) (int, map[string]any) {
		return tokenCall(t, emu, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, true)
	}

	status, second := refresh(rt1)
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, second)
	}
	rt2 := second["refresh_token"].(string)
	if rt2 == rt1 || second["access_token"] == first["access_token"] {
		t.Fatal("refresh did not rotate the tokens")
	}

	// Inside the grace period the superseded token still yields a valid pair.
	clk.Advance(20 * time.Minute)
	status, again := refresh(rt1)
	if status != 200 {
		t.Fatalf("superseded token inside grace: %d %v", status, again)
	}
	b := &testBundle{emu: emu, token: again["access_token"].(string), tenant: emu.DefaultTenantID()}
	b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200)

	// After it, invalid_grant.
	clk.Advance(11 * time.Minute)
	if status, body := refresh(rt1); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("superseded token after grace: %d %v", status, body)
	}
	// The newest tokens keep working.
	if status, body := refresh(again["refresh_token"].(string)); status != 200 {
		t.Fatalf("current token: %d %v", status, body)
	}
	status, latest := refresh(rt2)
	if status != 200 {
		t.Fatalf("unused rotated token: %d %v", status, latest)
	}
	// An unused refresh token dies after 60 days.
	clk.Advance(61 * 24 * time.Hour)
	if status, body := refresh(latest["refresh_token"].(string)); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("refresh token idle for 61 days: %d %v", status, body)
	}
}

func TestAccessTokenExpiry(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	b := setup(t, xeroemu.Options{Now: clk.Now, AccessTokenTTL: time.Minute})
	b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200)
	clk.Advance(61 * time.Second)
	r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 401)
	if d, _ := r.body["Detail"].(string); !strings.HasPrefix(d, "TokenExpired: ") || r.body["Title"] != "Unauthorized" || r.body["Status"] != float64(401) {
		t.Errorf("expired token body = %s", r.raw)
	}
	if _, ok := r.body["Type"]; !ok {
		t.Errorf("401 body lacks Type: %s", r.raw)
	}

	fresh := clientCredentials(t, b.emu)["access_token"].(string)
	b.token = fresh
	b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200)
	b.emu.ExpireAccessTokens()
	b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 401)
}

func TestBearerAndTenantChecks(t *testing.T) {
	t.Parallel()
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit, OrgNames: []string{"One", "Two"}})
	code, _ := authorize(t, emu, nil)
	_, tok := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}, true)
	at := tok["access_token"].(string)
	later := emu.AddOrg("Added after consent")
	ids := emu.TenantIDs()
	cc := clientCredentials(t, emu)["access_token"].(string)

	tests := []struct {
		name   string
		token  string
		tenant string
		accept string
		status int
		detail string
	}{
		{"no token", "", ids[0], "application/json", 401, "AuthenticationUnsuccessful"},
		{"unknown token", "abc", ids[0], "application/json", 401, "AuthenticationUnsuccessful"},
		{"no tenant header", at, "", "application/json", 403, "AuthenticationUnsuccessful"},
		{"unknown tenant", at, "00000000-0000-0000-0000-000000000000", "application/json", 403, "AuthenticationUnsuccessful"},
		{"org added after consent", at, later, "application/json", 403, "AuthenticationUnsuccessful"},
		{"first org", at, ids[0], "application/json", 200, ""},
		{"second org", at, ids[1], "application/json", 200, ""},
		{"no Accept", at, ids[0], "", 406, ""},
		{"client credentials without header", cc, "", "application/json", 200, ""},
		{"client credentials, other org", cc, ids[1], "application/json", 403, "AuthenticationUnsuccessful"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := map[string]string{"Xero-Tenant-Id": tt.tenant, "Accept": tt.accept}
			if tt.token != "" {
				h["Authorization"] = "Bearer " + tt.token
			}
			r := call(t, "GET", emu.URL()+"/api.xro/2.0/Organisation", nil, h).must(t, tt.status)
			if tt.detail != "" && r.body["Detail"] != tt.detail {
				t.Errorf("Detail = %v, want %s", r.body["Detail"], tt.detail)
			}
			if tt.status == 200 {
				org := r.one(t, "Organisations")
				want := tt.tenant
				if want == "" {
					want = ids[0]
				}
				if org["OrganisationID"] != want {
					t.Errorf("answered for %v, want %s", org["OrganisationID"], want)
				}
			}
		})
	}
}

func TestConnections(t *testing.T) {
	t.Parallel()
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.RateLimit{Scale: 1}, OrgNames: []string{"One", "Two"}})
	code, _ := authorize(t, emu, nil)
	_, tok := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}, true)
	auth := map[string]string{"Authorization": "Bearer " + tok["access_token"].(string)}
	r := call(t, "GET", emu.URL()+"/connections", nil, auth).must(t, 200)
	if len(r.list) != 2 {
		t.Fatalf("connections = %s", r.raw)
	}
	c0 := r.list[0].(map[string]any)
	for _, k := range []string{"id", "authEventId", "tenantId", "tenantName", "createdDateUtc", "updatedDateUtc"} {
		if s, _ := c0[k].(string); s == "" {
			t.Errorf("connection lacks %s: %v", k, c0)
		}
	}
	if c0["tenantType"] != "ORGANISATION" || c0["tenantName"] != "One" {
		t.Errorf("connection = %v", c0)
	}
	// Tenantless calls carry only the app limit header.
	if r.header.Get("X-AppMinLimit-Remaining") == "" || r.header.Get("X-MinLimit-Remaining") != "" || r.header.Get("X-DayLimit-Remaining") != "" {
		t.Errorf("connections headers = %v", r.header)
	}
	// authEventId filters.
	if r := call(t, "GET", emu.URL()+"/connections?authEventId=00000000-0000-4000-8000-000000000000", nil, auth).must(t, 200); len(r.list) != 0 {
		t.Errorf("filtered connections = %s", r.raw)
	}

	call(t, "DELETE", emu.URL()+"/connections/"+c0["id"].(string), nil, auth).must(t, 204)
	call(t, "DELETE", emu.URL()+"/connections/"+c0["id"].(string), nil, auth).must(t, 404)
	auth["Xero-Tenant-Id"] = c0["tenantId"].(string)
	auth["Accept"] = "application/json"
	call(t, "GET", emu.URL()+"/api.xro/2.0/Organisation", nil, auth).must(t, 403)
	if r := call(t, "GET", emu.URL()+"/connections", nil, auth).must(t, 200); len(r.list) != 1 {
		t.Errorf("after delete: %s", r.raw)
	}
	if got := emu.Counters().Get("GET /connections"); got != 3 {
		t.Errorf("GET /connections counter = %d, want 3", got)
	}
}

func TestAuthorizationCodeExpires(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit, Now: clk.Now})
	code, _ := authorize(t, emu, nil)
	clk.Advance(5*time.Minute + time.Second)
	status, body := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}, true)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("expired code: %d %v", status, body)
	}
	code, _ = authorize(t, emu, nil)
	clk.Advance(4 * time.Minute)
	if status, body := tokenCall(t, emu, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}, true); status != http.StatusOK {
		t.Errorf("fresh code: %d %v", status, body)
	}
}

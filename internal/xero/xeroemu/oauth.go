package xeroemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// authState is the identity side: grants (one per consent), their
// connections to organisations, codes, access and refresh tokens. It is
// guarded by Emulator.mu.
type authState struct {
	signKey []byte
	grants  map[string]*grant
	codes   map[string]*authCode
	access  map[string]*accessToken
	refresh map[string]*refreshToken
}

func (a *authState) init() {
	a.signKey = []byte(randomHex(32))
	a.grants = make(map[string]*grant)
	a.codes = make(map[string]*authCode)
	a.access = make(map[string]*accessToken)
	a.refresh = make(map[string]*refreshToken)
}

// grant is one consent: its connections are the organisations the user
// chose (with automatic consent, every organisation at that moment).
type grant struct {
	id          string
	authEventID string
	userID      string
	scope       string
	scopes      []string // scope split, checked on every API call
	public      bool     // PKCE app without a secret
	connections []*connection
	// boundOrg is set for client-credentials grants: one org, no header.
	boundOrg string
}

type connection struct {
	id       string
	tenantID string
	created  time.Time
	updated  time.Time
}

type authCode struct {
	grant       *grant
	redirectURI string
	challenge   string
	expires     time.Time
}

type accessToken struct {
	grant   *grant
	expires time.Time
}

type refreshToken struct {
	grant      *grant
	lastUsed   time.Time
	superseded time.Time // zero while current
}

// codeTTL is how long an authorization code lives (5 minutes per the 2026
// notes); refreshIdle is how long an unused refresh token lives.
const (
	codeTTL     = 5 * time.Minute
	refreshIdle = 60 * 24 * time.Hour
)

// ExpireAccessTokens expires every access token issued so far.
func (e *Emulator) ExpireAccessTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	past := e.now().Add(-time.Second)
	for _, t := range e.auth.access {
		if t.expires.After(past) {
			t.expires = past
		}
	}
}

func (e *Emulator) routes() {
	e.mux = http.NewServeMux()
	e.handle("GET /identity/connect/authorize", routeOAuth, e.authorize)
	e.handle("POST /connect/token", routeOAuth, e.token)
	e.handle("POST /connect/revocation", routeOAuth, e.revoke)
	e.handle("GET /connections", routeTenantless, e.listConnections)
	e.handle("DELETE /connections/{id}", routeTenantless, e.deleteConnection)
	// The identity description writes /Connections, so a client built
	// from it sends that; the reference and Xero's SDK use /connections.
	// Serving both keeps a documented path from being a 404 (the validator
	// accepts either, exceptions.go). Counted as the lower-case route.
	e.handleAs("GET /Connections", "GET /connections", routeTenantless, e.listConnections)
	e.handleAs("DELETE /Connections/{id}", "DELETE /connections/{id}", routeTenantless, e.deleteConnection)

	const api = "/api.xro/2.0"
	e.handle("GET "+api+"/Organisation", routeAPI, e.getOrganisation)
	e.handle("GET "+api+"/Contacts", routeAPI, e.listContacts)
	e.handle("GET "+api+"/Contacts/{id}", routeAPI, e.getContact)
	e.handle("PUT "+api+"/Contacts", routeAPI, e.writeContacts(false))
	e.handle("POST "+api+"/Contacts", routeAPI, e.writeContacts(true))
	e.handle("POST "+api+"/Contacts/{id}", routeAPI, e.writeContacts(true))
	e.handle("GET "+api+"/Invoices", routeAPI, e.listInvoices)
	e.handle("GET "+api+"/Invoices/{id}", routeAPI, e.getInvoice)
	e.handle("PUT "+api+"/Invoices", routeAPI, e.writeInvoices(false))
	e.handle("POST "+api+"/Invoices", routeAPI, e.writeInvoices(true))
	e.handle("POST "+api+"/Invoices/{id}", routeAPI, e.writeInvoices(true))
	e.handle("GET "+api+"/Invoices/{id}/History", routeAPI, e.getHistory)
	e.handle("PUT "+api+"/Invoices/{id}/History", routeAPI, e.addHistory)
	e.handle("POST "+api+"/Invoices/{id}/History", routeAPI, e.addHistory)
	e.handle("GET "+api+"/Payments", routeAPI, e.listPayments)
	e.handle("PUT "+api+"/Payments", routeAPI, e.putPayments)
	e.handle("POST "+api+"/Payments", routeAPI, e.putPayments)
	e.handle("GET "+api+"/TrackingCategories", routeAPI, e.listTracking)
	e.handle("GET "+api+"/TrackingCategories/{id}", routeAPI, e.getTracking)
	e.handle("PUT "+api+"/TrackingCategories", routeAPI, e.putTracking)
	e.handle("POST "+api+"/TrackingCategories/{id}", routeAPI, e.postTracking)
	e.handle("PUT "+api+"/TrackingCategories/{id}/Options", routeAPI, e.putOptions)
	e.handle("GET "+api+"/Accounts", routeAPI, e.listAccounts)
}

// authorize grants consent automatically: it connects every organisation
// and redirects straight back with a code.
func (e *Emulator) authorize(w http.ResponseWriter, r *http.Request, _ *callInfo) {
	q := r.URL.Query()
	if q.Get("client_id") != e.clientID {
		http.Error(w, "invalid_client: unknown client_id", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() || (redirect.Scheme != "http" && redirect.Scheme != "https") {
		http.Error(w, "invalid_request: redirect_uri must be an absolute http(s) URL", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		if s := q.Get("state"); s != "" {
			params.Set("state", s)
		}
		u := *redirect
		vals := u.Query()
		for k, v := range params {
			vals[k] = v
		}
		u.RawQuery = vals.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	}
	challenge := q.Get("code_challenge")
	if challenge != "" && q.Get("code_challenge_method") != "S256" {
		back(url.Values{"error": {"invalid_request"}, "error_description": {"code_challenge_method must be S256"}})
		return
	}
	scope := q.Get("scope")
	if bad := e.refusedScope(strings.Fields(scope)); bad != "" {
		// Xero does not redirect this one back: its login page shows
		// "Error: unauthorized_client : Invalid scope for client", for an
		// unknown or restricted scope and, since 2 March 2026, for a broad
		// scope requested by a new app.
		e.log.Warn("authorize: scope refused", "scope", bad, "granular_only", granularOnly(e.appCreated))
		http.Error(w, "Error: unauthorized_client : Invalid scope for client", http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	now := e.now()
	g := &grant{id: newID(), authEventID: newID(), userID: newID(), scope: scope, scopes: strings.Fields(scope)}
	for _, o := range e.orgOrder {
		g.connections = append(g.connections, &connection{id: newID(), tenantID: o.id, created: now, updated: now})
	}
	if e.overConnectionCapLocked(g) {
		e.mu.Unlock()
		// Xero documents the caps but not how a consent past one fails; we
		// send the user back with OAuth's access_denied, the error a
		// client already handles for a refused consent.
		e.log.Warn("authorize: connection cap reached", "tier", e.tier.String(), "max_connections", e.tier.MaxConnections())
		back(url.Values{"error": {"access_denied"}, "error_description": {fmt.Sprintf(
			"connection limit reached: the %s tier allows %d connected organisations", e.tier, e.tier.MaxConnections())}})
		return
	}
	e.auth.grants[g.id] = g
	code := randomHex(24)
	e.auth.codes[code] = &authCode{grant: g, redirectURI: redirect.String(), challenge: challenge, expires: now.Add(codeTTL)}
	e.mu.Unlock()
	back(url.Values{"code": {code}})
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="xero-emulator"`)
	}
	writeJSONBody(w, status, map[string]string{"error": code, "error_description": desc})
}

// clientAuth reads client credentials from HTTP Basic or the form.
func clientAuth(r *http.Request) (id, secret string, hasSecret bool) {
	if u, p, ok := r.BasicAuth(); ok {
		return u, p, true
	}
	id = r.PostForm.Get("client_id")
	secret = r.PostForm.Get("client_secret")
	return id, secret, secret != ""
}

func (e *Emulator) token(w http.ResponseWriter, r *http.Request, _ *callInfo) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be form-encoded")
		return
	}
	id, secret, hasSecret := clientAuth(r)
	if id != e.clientID || (hasSecret && subtle.ConstantTimeCompare([]byte(secret), []byte(e.clientSecret)) != 1) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	f := r.PostForm
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	switch f.Get("grant_type") {
	case "authorization_code":
		c := e.auth.codes[f.Get("code")]
		if c == nil || now.After(c.expires) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code is unknown, used or expired")
			return
		}
		delete(e.auth.codes, f.Get("code")) // single use
		if ru := f.Get("redirect_uri"); ru != "" && ru != c.redirectURI {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorize request")
			return
		}
		if c.challenge != "" {
			sum := sha256.Sum256([]byte(f.Get("code_verifier")))
			if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
				oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match code_challenge")
				return
			}
			c.grant.public = !hasSecret
		} else if !hasSecret {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication required")
			return
		}
		e.issue(w, c.grant, now, true)
	case "refresh_token":
		rt := e.auth.refresh[f.Get("refresh_token")]
		switch {
		case rt == nil:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
			return
		case !hasSecret && !rt.grant.public:
			// Only PKCE (public) clients may refresh without their secret.
			oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication required")
			return
		}
		if now.Sub(rt.lastUsed) > refreshIdle {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "refresh token expired")
			return
		}
		if !rt.superseded.IsZero() && now.Sub(rt.superseded) > e.grace {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "refresh token was already used")
			return
		}
		if rt.superseded.IsZero() {
			rt.superseded = now
		}
		rt.lastUsed = now
		e.issue(w, rt.grant, now, true)
	case "client_credentials":
		if !hasSecret {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication required")
			return
		}
		if len(e.orgOrder) == 0 {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "no organisation")
			return
		}
		scope := f.Get("scope")
		if scope == "" {
			scope = e.defaultCustomScope()
		}
		if bad := e.refusedScope(strings.Fields(scope)); bad != "" {
			oauthError(w, http.StatusBadRequest, "unauthorized_client", "Invalid scope for client")
			return
		}
		o := e.orgOrder[0]
		g := &grant{id: newID(), authEventID: newID(), userID: newID(), scope: scope, scopes: strings.Fields(scope), boundOrg: o.id,
			connections: []*connection{{id: newID(), tenantID: o.id, created: now, updated: now}}}
		e.auth.grants[g.id] = g
		e.issue(w, g, now, false)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code, refresh_token or client_credentials")
	}
}

// issue writes a token response. A refresh token comes only with
// offline_access (as Xero), never for client credentials.
func (e *Emulator) issue(w http.ResponseWriter, g *grant, now time.Time, allowRefresh bool) {
	exp := now.Add(e.accessTTL)
	at := e.jwt(map[string]any{
		"nbf": now.Unix(), "exp": exp.Unix(), "iss": e.URL(), "aud": e.URL() + "/resources",
		"client_id": e.clientID, "sub": g.userID, "xero_userid": g.userID, "jti": randomHex(16),
		"authentication_event_id": g.authEventID, "scope": strings.Fields(g.scope),
	})
	e.auth.access[at] = &accessToken{grant: g, expires: exp}
	resp := map[string]any{
		"access_token": at, "expires_in": int(e.accessTTL.Seconds()), "token_type": "Bearer", "scope": g.scope,
	}
	scopes := strings.Fields(g.scope)
	if allowRefresh && slices.Contains(scopes, "offline_access") {
		rt := randomHex(32)
		e.auth.refresh[rt] = &refreshToken{grant: g, lastUsed: now}
		resp["refresh_token"] = rt
	}
	if slices.Contains(scopes, "openid") {
		resp["id_token"] = e.jwt(map[string]any{
			"nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "iss": e.URL(), "aud": e.clientID,
			"sub": g.userID, "xero_userid": g.userID, "email": "demo@example.com",
			"given_name": "Demo", "family_name": "User",
		})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSONBody(w, http.StatusOK, resp)
}

// jwt makes a JWT-shaped token, signed with a key only the emulator knows,
// so clients that peek at claims (authentication_event_id) can.
func (e *Emulator) jwt(claims map[string]any) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, _ := json.Marshal(claims)
	msg := head + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, e.auth.signKey)
	mac.Write([]byte(msg))
	return msg + "." + enc.EncodeToString(mac.Sum(nil))
}

func (e *Emulator) revoke(w http.ResponseWriter, r *http.Request, _ *callInfo) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be form-encoded")
		return
	}
	id, secret, _ := clientAuth(r)
	if id != e.clientID || subtle.ConstantTimeCompare([]byte(secret), []byte(e.clientSecret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	e.mu.Lock()
	delete(e.auth.refresh, r.PostForm.Get("token"))
	e.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// checkBearer returns the call's token, or the Detail of a 401.
func (e *Emulator) checkBearer(r *http.Request) (*accessToken, string) {
	h := r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || raw == "" {
		return nil, "AuthenticationUnsuccessful"
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	t := e.auth.access[strings.TrimSpace(raw)]
	if t == nil {
		return nil, "AuthenticationUnsuccessful"
	}
	if !e.now().Before(t.expires) {
		return nil, "TokenExpired: token expired at " + t.expires.UTC().Format("01/02/2006 15:04:05")
	}
	return t, ""
}

// checkTenant resolves the xero-tenant-id header against the token's
// connections. Client-credentials tokens need no header.
func (e *Emulator) checkTenant(t *accessToken, tenantID string) (*org, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	g := t.grant
	if g.boundOrg != "" && (tenantID == "" || tenantID == g.boundOrg) {
		tenantID = g.boundOrg
	}
	for _, c := range g.connections {
		if c.tenantID == tenantID {
			return e.orgs[tenantID], e.orgs[tenantID] != nil
		}
	}
	return nil, false
}

type wireConnection struct {
	ID             string `json:"id"`
	AuthEventID    string `json:"authEventId"`
	TenantID       string `json:"tenantId"`
	TenantType     string `json:"tenantType"`
	TenantName     string `json:"tenantName"`
	CreatedDateUTC string `json:"createdDateUtc"`
	UpdatedDateUTC string `json:"updatedDateUtc"`
}

func (e *Emulator) listConnections(w http.ResponseWriter, r *http.Request, c *callInfo) {
	filter := r.URL.Query().Get("authEventId")
	e.mu.RLock()
	out := []wireConnection{}
	g := c.tok.grant
	if filter == "" || filter == g.authEventID {
		for _, conn := range g.connections {
			name := ""
			if o := e.orgs[conn.tenantID]; o != nil {
				name = o.name
			}
			out = append(out, wireConnection{
				ID: conn.id, AuthEventID: g.authEventID, TenantID: conn.tenantID, TenantType: "ORGANISATION",
				TenantName: name, CreatedDateUTC: conn.created.UTC().Format("2006-01-02T15:04:05.0000000"),
				UpdatedDateUTC: conn.updated.UTC().Format("2006-01-02T15:04:05.0000000"),
			})
		}
	}
	e.mu.RUnlock()
	writeJSONBody(w, http.StatusOK, out)
}

func (e *Emulator) deleteConnection(w http.ResponseWriter, r *http.Request, c *callInfo) {
	id := r.PathValue("id")
	e.mu.Lock()
	g := c.tok.grant
	i := slices.IndexFunc(g.connections, func(conn *connection) bool { return conn.id == id })
	if i >= 0 {
		g.connections = slices.Delete(g.connections, i, i+1)
	}
	e.mu.Unlock()
	if i < 0 {
		writeProblem(w, http.StatusNotFound, "Not Found", "connection not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

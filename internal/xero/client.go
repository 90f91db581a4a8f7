package xero

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Xero's real hosts.
const (
	DefaultLoginURL    = "https://login.xero.com"
	DefaultIdentityURL = "https://identity.xero.com"
	DefaultAPIURL      = "https://api.xero.com"
)

// Config describes one Xero app registration and how to reach Xero.
type Config struct {
	ClientID     string
	ClientSecret string
	RedirectURL  string
	Scopes       []string

	// BaseURL, when set, replaces all three hosts below: the emulator
	// serves the login, identity and API paths on one host.
	BaseURL string
	// LoginURL hosts /identity/connect/authorize (DefaultLoginURL).
	LoginURL string
	// IdentityURL hosts /connect/token (DefaultIdentityURL).
	IdentityURL string
	// APIURL hosts /connections and /api.xro/2.0 (DefaultAPIURL).
	APIURL string

	// HTTPClient sends every request, token requests included; nil means a
	// client with a 60-second timeout.
	HTTPClient *http.Client
	// Logger receives debug lines per call and warnings; nil discards.
	Logger *slog.Logger
	// UserAgent is sent on every call; "orderbridge" when empty.
	UserAgent string
	// Pacing tunes rate-limit pacing; the zero value is Xero's real limits.
	Pacing Pacing
	// Limiter, when set, is a rate budget shared with the other processes
	// calling Xero for this app (store.RateLimiter on PostgreSQL): every
	// call first takes from it, and a 429 is recorded in it. Nil paces by
	// this process alone (SQLite: one process).
	Limiter SharedLimiter
	// RefreshEarly is how long before expiry a token is refreshed; five
	// minutes when zero, so a long page walk does not outlive its token.
	RefreshEarly time.Duration
	// ConcurrentRetryDelay is the backoff before the single internal retry
	// of a 429 for the concurrent limit; 250ms when zero, negative disables
	// the retry.
	ConcurrentRetryDelay time.Duration
	// Now is the clock for token expiry and pacing; time.Now when nil.
	Now func() time.Time
}

// App is a Xero app registration: it runs the OAuth2 flows and makes
// Clients. Clients made by one App share its pacing state, so every
// worker of a process that uses one App paces the same tenant together.
type App struct {
	cfg     Config
	http    *http.Client
	log     *slog.Logger
	oauth   *oauth2.Config
	apiURL  string
	pacer   *pacer
	now     func() time.Time
	early   time.Duration
	ccRetry time.Duration
	agent   string
}

// New returns an App for cfg.
func New(cfg Config) (*App, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("xero: new app: client id is required")
	}
	login, identity, api := cfg.LoginURL, cfg.IdentityURL, cfg.APIURL
	if cfg.BaseURL != "" {
		login, identity, api = cfg.BaseURL, cfg.BaseURL, cfg.BaseURL
	}
	login = strings.TrimRight(cmp(login, DefaultLoginURL), "/")
	identity = strings.TrimRight(cmp(identity, DefaultIdentityURL), "/")
	api = strings.TrimRight(cmp(api, DefaultAPIURL), "/")
	for _, u := range []string{login, identity, api} {
		if p, err := url.Parse(u); err != nil || p.Scheme == "" || p.Host == "" {
			return nil, fmt.Errorf("xero: new app: base url %q is not an absolute URL", u)
		}
	}
	a := &App{
		cfg:    cfg,
		http:   cfg.HTTPClient,
		log:    cfg.Logger,
		apiURL: api,
		now:    cfg.Now,
		early:  cfg.RefreshEarly,
		agent:  cmp(cfg.UserAgent, "orderbridge"),
	}
	if a.http == nil {
		// A pool of its own: connections to this API are not shared with,
		// nor closed by, anything else in the process.
		a.http = &http.Client{Timeout: 60 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.early == 0 {
		a.early = 5 * time.Minute
	}
	a.ccRetry = cfg.ConcurrentRetryDelay
	if a.ccRetry == 0 {
		a.ccRetry = 250 * time.Millisecond
	}
	a.oauth = &oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		RedirectURL:  cfg.RedirectURL,
		Scopes:       cfg.Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:  login + "/identity/connect/authorize",
			TokenURL: identity + "/connect/token",
			// Xero wants HTTP Basic; naming it avoids the auto-detect probe,
			// which would send a second token request after a failure.
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
	a.pacer = newPacer(cfg.Pacing, a.now)
	a.pacer.shared, a.pacer.appKey, a.pacer.log = cfg.Limiter, cfg.ClientID, a.log
	return a, nil
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Budget reports what the App last learned of a tenant's rate limits.
func (a *App) Budget(tenantID string) Budget { return a.pacer.budget(tenantID) }

// Tokens supplies access tokens to a Client. TokenSource and
// ClientCredentials implement it.
type Tokens interface {
	// Token returns a valid access token.
	Token(ctx context.Context) (*oauth2.Token, error)
	// Invalidate says Xero rejected tok as expired, so the next Token call
	// must get a new one (unless another caller already did).
	Invalidate(tok *oauth2.Token)
}

// Client calls the Accounting API with one token set (one grant, which may
// reach several tenants; each call names its tenant).
type Client struct {
	app    *App
	tokens Tokens
	meter  Meter // nil: bytes are not reported (see Metered)
}

// Client returns a Client that authenticates with tokens.
func (a *App) Client(tokens Tokens) *Client {
	return &Client{app: a, tokens: tokens}
}

// request is one API call.
type request struct {
	op       string // for errors: "list invoices"
	method   string
	path     string // below the API host: "/api.xro/2.0/Invoices"
	query    url.Values
	tenantID string
	tenanted bool // counts against the tenant's limits (false for /connections)
	body     any
	header   http.Header
	// ok lists the success statuses; default 200.
	ok []int
}

// do sends req, retrying once after a refresh when the token expired and
// once after a short backoff for the concurrent limit, and decodes a
// successful JSON body into out (when non-nil).
func (c *Client) do(ctx context.Context, req *request, out any) error {
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return fmt.Errorf("xero: %s: encode body: %w", req.op, err)
		}
	}
	refreshed, backedOff := false, false
	for {
		err := c.once(ctx, req, body, out)
		var ae *AuthError
		if !refreshed && errors.As(err, &ae) && ae.TokenExpired() {
			refreshed = true
			continue
		}
		var rl *RateLimitError
		if !backedOff && c.app.ccRetry > 0 && errors.As(err, &rl) && !rl.Local && rl.Problem == "concurrent" {
			backedOff = true
			// Xero documents no Retry-After for the concurrent limit (the
			// emulator sends a token 1s); a slot frees within one call's time.
			t := time.NewTimer(c.app.ccRetry)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("xero: %s: %w", req.op, ctx.Err())
			}
			continue
		}
		return err
	}
}

// once makes one attempt: wait for pacing, get a token, send, decode.
func (c *Client) once(ctx context.Context, req *request, body []byte, out any) error {
	tk, err := c.app.pacer.acquire(ctx, req.op, req.tenantID, req.tenanted)
	if err != nil {
		var rl *RateLimitError
		if errors.As(err, &rl) {
			return err
		}
		return fmt.Errorf("xero: %s: %w", req.op, err)
	}
	// The token is fetched after pacing, which may have waited for the next
	// minute window, so it is fresh when sent.
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		tk.done(nil, req.op)
		return fmt.Errorf("xero: %s: %w", req.op, err)
	}
	u := c.app.apiURL + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u, rd)
	if err != nil {
		tk.done(nil, req.op)
		return fmt.Errorf("xero: %s: %w", req.op, err)
	}
	for k, v := range req.header {
		hr.Header[k] = v
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", c.app.agent)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	tok.SetAuthHeader(hr)
	// Custom connections reach one organisation and need no tenant header.
	if req.tenantID != "" {
		hr.Header.Set("Xero-Tenant-Id", req.tenantID)
	}
	start := c.app.now()
	resp, err := c.app.http.Do(hr)
	if err != nil {
		tk.done(nil, req.op)
		// url.Error carries the URL, which holds no secret (tokens travel in
		// headers).
		return fmt.Errorf("xero: %s: %w", req.op, err)
	}
	defer resp.Body.Close()
	counted := &countingBody{ReadCloser: resp.Body}
	resp.Body = counted
	err = c.app.decode(req, resp, out)
	// Read to the end before freeing the in-flight slot: the decoder stops
	// at the end of the JSON value, and Xero may still count the call as in
	// flight until the response is complete.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	wait := tk.done(resp, req.op)
	if rl := (*RateLimitError)(nil); errors.As(err, &rl) {
		if resp.Header.Get("Retry-After") == "" {
			// No Retry-After: hand the caller the pacer's bounded wait, so a
			// worker snoozes rather than retrying at once.
			rl.RetryAfter = wait
		}
		// Every other process must wait too, not only this one.
		c.app.pacer.penalise(ctx, req.tenantID, req.tenanted, rl.Problem, wait)
	}
	if c.meter != nil {
		c.meter(ctx, req.tenantID, Endpoint(req.path), counted.n)
	}
	c.app.log.LogAttrs(ctx, slog.LevelDebug, "xero call",
		slog.String("op", req.op), slog.String("method", req.method), slog.String("path", req.path),
		slog.String("tenant_id", req.tenantID), slog.Int("status", resp.StatusCode),
		slog.Duration("took", c.app.now().Sub(start)),
		slog.String("min_remaining", resp.Header.Get("X-MinLimit-Remaining")))
	var ae *AuthError
	if errors.As(err, &ae) && ae.TokenExpired() {
		c.tokens.Invalidate(tok)
	}
	return err
}

// maxErrorBody bounds what is read of an error body.
const maxErrorBody = 64 << 10

// decode turns a response into out or a typed error.
func (a *App) decode(req *request, resp *http.Response, out any) error {
	ok := req.ok
	if len(ok) == 0 {
		ok = []int{http.StatusOK}
	}
	for _, s := range ok {
		if resp.StatusCode != s {
			continue
		}
		if out == nil || resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
			return nil
		}
		// Without Accept: application/json Xero answers XML; an HTML page is
		// a proxy or maintenance page. Either would fail to decode anyway,
		// but this says why.
		if ct := strings.ToLower(resp.Header.Get("Content-Type")); strings.Contains(ct, "xml") || strings.Contains(ct, "html") {
			return &ResponseError{Op: req.op, Status: resp.StatusCode, Err: fmt.Errorf("content type %q, want JSON", ct)}
		}
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return &ResponseError{Op: req.op, Status: resp.StatusCode, Err: err}
		}
		return nil
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	err := errorFor(req.op, resp, raw, a.now())
	if ae, ok := err.(*AuthError); ok && ae.scopeMissing() {
		// Xero does not say which scope; the endpoint does.
		if f, ok := familyOf(req.path); ok {
			write := req.method != http.MethodGet
			ae.MissingScope = f.scope(a.cfg.Scopes, write)
			ae.Needs = "read " + f.what()
			if write {
				ae.Needs = "write " + f.what()
			}
		}
	}
	return err
}

// errorBody is every error shape Xero uses: the ValidationException
// (ErrorNumber, Type, Message, Elements) and the RFC-7807-like auth one
// (Title, Status, Detail).
type errorBody struct {
	ErrorNumber int    `json:"ErrorNumber"`
	Type        string `json:"Type"`
	Message     string `json:"Message"`
	Title       string `json:"Title"`
	Detail      string `json:"Detail"`
	Elements    []struct {
		ValidationErrors []Message `json:"ValidationErrors"`
	} `json:"Elements"`
}

func errorFor(op string, resp *http.Response, raw []byte, now time.Time) error {
	var eb errorBody
	_ = json.Unmarshal(raw, &eb) // plain text bodies stay in text
	text := strings.TrimSpace(string(raw))
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	msg := firstNonEmpty(eb.Message, eb.Detail, eb.Title)
	if msg == "" && !json.Valid(raw) {
		msg = text
	}
	st := resp.StatusCode
	switch {
	case st == http.StatusBadRequest:
		ve := &ValidationError{Op: op, Status: st, Type: eb.Type, Message: msg}
		for _, el := range eb.Elements {
			for _, m := range el.ValidationErrors {
				ve.Messages = append(ve.Messages, m.Message)
			}
		}
		for _, m := range append([]string{msg}, ve.Messages...) {
			if isEditLock(m) {
				ve.EditLocked = true
			}
		}
		return ve
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		return &AuthError{Op: op, Status: st, Title: firstNonEmpty(eb.Title, http.StatusText(st)), Detail: firstNonEmpty(eb.Detail, msg)}
	case st == http.StatusNotFound:
		return &NotFoundError{Op: op, Message: msg}
	case st == http.StatusTooManyRequests:
		return &RateLimitError{Op: op, RetryAfter: retryAfter(resp.Header, now), Problem: rateProblem(resp.Header)}
	case st >= 500:
		se := &ServerError{Op: op, Status: st, Message: firstNonEmpty(msg, http.StatusText(st)), RetryAfter: retryAfter(resp.Header, now)}
		lower := strings.ToLower(text)
		se.OrgOffline = st == http.StatusServiceUnavailable && strings.Contains(lower, "organisation") && strings.Contains(lower, "offline")
		return se
	default:
		return &StatusError{Op: op, Status: st, Message: firstNonEmpty(msg, http.StatusText(st))}
	}
}

// rateProblem returns X-Rate-Limit-Problem in lower case ("Minute" and
// "minute" are both seen).
func rateProblem(h http.Header) string {
	return strings.ToLower(strings.TrimSpace(h.Get("X-Rate-Limit-Problem")))
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// idempotencyKey returns key, or a hash of it when it is longer than the
// 128 characters Xero allows.
func idempotencyKey(key string) string {
	if len(key) <= 128 {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func withIdempotency(key string) http.Header {
	if key == "" {
		return nil
	}
	return http.Header{"Idempotency-Key": {idempotencyKey(key)}}
}

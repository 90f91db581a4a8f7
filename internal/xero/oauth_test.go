package xero

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/apispec"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// tokenServer fakes Xero's token endpoint: refresh tokens rotate on use,
// and an unknown one gets invalid_grant.
type tokenServer struct {
	*httptest.Server
	mu       sync.Mutex
	valid    map[string]bool
	n        int
	calls    []url.Values
	status   int           // when non-zero, answer with this status
	delay    time.Duration // per call, to widen races
	apiCalls []string      // access tokens the API saw
	events   *[]string
}

func newTokenServer(t *testing.T, refresh ...string) *tokenServer {
	t.Helper()
	ts := &tokenServer{valid: map[string]bool{}, events: new([]string)}
	for _, r := range refresh {
		ts.valid[r] = true
	}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/connect/token" {
			ts.mu.Lock()
			auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			ts.apiCalls = append(ts.apiCalls, auth)
			*ts.events = append(*ts.events, "api "+auth)
			ts.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"Organisations":[{"Name":"Demo"}]}`)
			return
		}
		if id, secret, ok := r.BasicAuth(); !ok || id != "cid" || secret != "csecret" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		_ = r.ParseForm()
		time.Sleep(ts.delay)
		ts.mu.Lock()
		defer ts.mu.Unlock()
		ts.calls = append(ts.calls, r.PostForm)
		w.Header().Set("Content-Type", "application/json")
		if ts.status != 0 {
			w.WriteHeader(ts.status)
			fmt.Fprint(w, `{"error":"server_error"}`)
			return
		}
		ts.n++
		access := fmt.Sprintf("access-%d", ts.n)
		resp := map[string]any{"access_token": access, "expires_in": 1800, "token_type": "Bearer"}
		switch r.PostForm.Get("grant_type") {
		case "refresh_token":
			rt := r.PostForm.Get("refresh_token")
			if !ts.valid[rt] {
				w.WriteHeader(400)
				fmt.Fprint(w, `{"error":"invalid_grant","error_description":"refresh token is not valid"}`)
				return
			}
			delete(ts.valid, rt)
			next := fmt.Sprintf("refresh-%d", ts.n)
			ts.valid[next] = true
			resp["refresh_token"] = next
		case "authorization_code":
			if r.PostForm.Get("code") != "the-code" || r.PostForm.Get("code_verifier") == "" {
				w.WriteHeader(400)
				fmt.Fprint(w, `{"error":"invalid_grant"}`)
				return
			}
			resp["refresh_token"] = "refresh-first"
		case "client_credentials":
		default:
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"unsupported_grant_type"}`)
			return
		}
		*ts.events = append(*ts.events, "issued "+access)
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) call(i int) url.Values {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.calls[i]
}

func (ts *tokenServer) eventList() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), *ts.events...)
}

func (ts *tokenServer) apiCallCount() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.apiCalls)
}

func (ts *tokenServer) tokenCalls() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.calls)
}

func oauthApp(t *testing.T, url string, clock *testkit.Clock, logBuf *bytes.Buffer, mod ...func(*Config)) *App {
	t.Helper()
	// Token and API exchanges with the fixture are validated (the token
	// endpoint by the exception table's description of it).
	cfg := Config{ClientID: "cid", ClientSecret: "csecret", BaseURL: url, RedirectURL: "http://localhost/cb",
		Scopes:     []string{"offline_access", "accounting.invoices"},
		HTTPClient: &http.Client{Transport: apispec.NewTransport(t, apispec.Shared(t), nil)}}
	if clock != nil {
		cfg.Now = clock.Now
	}
	if logBuf != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	for _, m := range mod {
		m(&cfg)
	}
	app, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func expiredToken(refresh string) *oauth2.Token {
	return &oauth2.Token{AccessToken: "access-old", RefreshToken: refresh, Expiry: time.Now().Add(-time.Minute)}
}

func TestTokenSourcePersistsBeforeUse(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, "refresh-0")
	var logs bytes.Buffer
	app := oauthApp(t, ts.URL, nil, &logs)
	var saved []*oauth2.Token
	src := app.TokenSource(expiredToken("refresh-0"), func(ctx context.Context, tok *oauth2.Token) error {
		ts.mu.Lock()
		*ts.events = append(*ts.events, "saved "+tok.AccessToken)
		ts.mu.Unlock()
		saved = append(saved, tok)
		return nil
	})
	if _, err := app.Client(src).Organisation(context.Background(), testTenant); err != nil {
		t.Fatal(err)
	}
	want := []string{"issued access-1", "saved access-1", "api access-1"}
	if got := ts.eventList(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	if len(saved) != 1 || saved[0].RefreshToken != "refresh-1" || src.Current().RefreshToken != "refresh-1" {
		t.Errorf("saved = %+v", saved)
	}
	if got := ts.call(0).Get("refresh_token"); got != "refresh-0" {
		t.Errorf("refreshed with %q", got)
	}
	// The token lasts 30 minutes: no second refresh.
	if _, err := app.Client(src).Organisation(context.Background(), testTenant); err != nil || ts.tokenCalls() != 1 {
		t.Errorf("second call: %v, token calls %d", err, ts.tokenCalls())
	}
	for _, secret := range []string{"access-1", "refresh-1", "refresh-0", "csecret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log leaks %q:\n%s", secret, logs.String())
		}
	}
}

func TestTokenSourceSaveFails(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, "refresh-0")
	app := oauthApp(t, ts.URL, nil, nil)
	fail := true
	src := app.TokenSource(expiredToken("refresh-0"), func(ctx context.Context, tok *oauth2.Token) error {
		if fail {
			return errors.New("database is locked")
		}
		return nil
	})
	_, err := app.Client(src).Organisation(context.Background(), testTenant)
	if err == nil || !strings.Contains(err.Error(), "database is locked") || errors.Is(err, ErrReconnectNeeded) {
		t.Fatalf("err = %v, want the save error", err)
	}
	if n := ts.apiCallCount(); n != 0 {
		t.Errorf("the unsaved token was used in %d calls", n)
	}
	if cur := src.Current(); cur.AccessToken != "access-old" || cur.RefreshToken != "refresh-0" {
		t.Errorf("current = %+v, want the old pair kept", cur)
	}
	if strings.Contains(err.Error(), "access-1") || strings.Contains(err.Error(), "refresh-1") {
		t.Errorf("error leaks a token: %v", err)
	}
	// The next attempt refreshes again from the stored (old) refresh token;
	// the fake has rotated it, as Xero does after its grace period.
	fail = false
	_, err = app.Client(src).Organisation(context.Background(), testTenant)
	if !errors.Is(err, ErrReconnectNeeded) || ts.call(1).Get("refresh_token") != "refresh-0" {
		t.Errorf("retry: %v (refreshed with %q)", err, ts.call(1).Get("refresh_token"))
	}
}

func TestTokenSourceSingleFlight(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, "refresh-0")
	ts.delay = 20 * time.Millisecond
	app := oauthApp(t, ts.URL, nil, nil)
	var mu sync.Mutex
	saves := 0
	src := app.TokenSource(expiredToken("refresh-0"), func(context.Context, *oauth2.Token) error {
		mu.Lock()
		saves++
		mu.Unlock()
		return nil
	})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			tok, err := src.Token(context.Background())
			if err == nil && tok.AccessToken != "access-1" {
				err = fmt.Errorf("got %s", tok.AccessToken)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := ts.tokenCalls(); n != 1 || saves != 1 {
		t.Errorf("token calls = %d, saves = %d, want 1 and 1", n, saves)
	}
}

func TestTokenSourceErrors(t *testing.T) {
	t.Parallel()
	t.Run("invalid_grant", func(t *testing.T) {
		t.Parallel()
		ts := newTokenServer(t) // knows no refresh token
		app := oauthApp(t, ts.URL, nil, nil)
		src := app.TokenSource(expiredToken("refresh-revoked"), func(context.Context, *oauth2.Token) error { return nil })
		_, err := src.Token(context.Background())
		var re *ReconnectError
		if !errors.Is(err, ErrReconnectNeeded) || !errors.As(err, &re) || re.Code != "invalid_grant" || Retryable(err) {
			t.Errorf("err = %v, want a non-retryable ReconnectError", err)
		}
		if strings.Contains(err.Error(), "refresh-revoked") {
			t.Errorf("error leaks the refresh token: %v", err)
		}
	})
	t.Run("server error", func(t *testing.T) {
		t.Parallel()
		ts := newTokenServer(t, "refresh-0")
		ts.status = 503
		// A 503 with an OAuth-style body the token endpoint does not
		// document, on purpose: unvalidated.
		app := oauthApp(t, ts.URL, nil, nil, unvalidated)
		src := app.TokenSource(expiredToken("refresh-0"), func(context.Context, *oauth2.Token) error { return nil })
		_, err := app.Client(src).Organisation(context.Background(), testTenant)
		var te *TokenError
		if !errors.As(err, &te) || !te.Temporary || te.Status != 503 || !Retryable(err) || errors.Is(err, ErrReconnectNeeded) {
			t.Errorf("err = %v, want a temporary TokenError", err)
		}
	})
	t.Run("network error", func(t *testing.T) {
		t.Parallel()
		ts := newTokenServer(t, "refresh-0")
		app := oauthApp(t, ts.URL, nil, nil)
		ts.Close()
		src := app.TokenSource(expiredToken("refresh-0"), func(context.Context, *oauth2.Token) error { return nil })
		_, err := src.Token(context.Background())
		if !Retryable(err) || errors.Is(err, ErrReconnectNeeded) {
			t.Errorf("err = %v, want retryable", err)
		}
	})
	t.Run("no refresh token", func(t *testing.T) {
		t.Parallel()
		app := oauthApp(t, "http://127.0.0.1:1", nil, nil)
		src := app.TokenSource(&oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(-time.Hour)}, nil)
		if _, err := src.Token(context.Background()); !errors.Is(err, ErrReconnectNeeded) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		t.Parallel()
		app := oauthApp(t, "http://127.0.0.1:1", nil, nil)
		src := app.TokenSource(expiredToken("r"), nil)
		src.lock <- struct{}{} // someone else is refreshing
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := src.Token(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestTokenSourceRefreshesEarly(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, "refresh-0")
	clock := testkit.NewClock(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC))
	app := oauthApp(t, ts.URL, clock, nil)
	src := app.TokenSource(&oauth2.Token{AccessToken: "access-old", RefreshToken: "refresh-0", Expiry: clock.Now().Add(10 * time.Minute)},
		func(context.Context, *oauth2.Token) error { return nil })
	ctx := context.Background()
	if tok, _ := src.Token(ctx); tok.AccessToken != "access-old" {
		t.Fatalf("token = %s with 10 minutes left, want the current one", tok.AccessToken)
	}
	clock.Advance(6 * time.Minute) // 4 minutes left: inside the 5-minute margin
	tok, err := src.Token(ctx)
	if err != nil || tok.AccessToken != "access-1" {
		t.Fatalf("token = %v, %v, want a refreshed one", tok, err)
	}
	// Expiry follows the App's clock: 30 minutes from now.
	if want := clock.Now().Add(30 * time.Minute); !tok.Expiry.Equal(want) {
		t.Errorf("expiry = %v, want %v", tok.Expiry, want)
	}
	// Invalidate forces a refresh even before expiry; a stale token does not.
	src.Invalidate(&oauth2.Token{AccessToken: "access-old"})
	if tok, _ := src.Token(ctx); tok.AccessToken != "access-1" {
		t.Errorf("invalidating an old token refreshed: %s", tok.AccessToken)
	}
	src.Invalidate(tok)
	if tok, _ := src.Token(ctx); tok.AccessToken != "access-2" {
		t.Errorf("after Invalidate token = %s, want access-2", tok.AccessToken)
	}
}

func TestAuthCodeFlow(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	app := oauthApp(t, ts.URL, nil, nil)
	verifier := oauth2.GenerateVerifier()
	u, err := url.Parse(app.AuthCodeURL("state-123", verifier))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/identity/connect/authorize" || q.Get("response_type") != "code" || q.Get("client_id") != "cid" ||
		q.Get("state") != "state-123" || q.Get("redirect_uri") != "http://localhost/cb" ||
		q.Get("scope") != "offline_access accounting.invoices" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(verifier) {
		t.Errorf("authorize URL = %s", u)
	}
	tok, err := app.Exchange(context.Background(), "the-code", verifier)
	if err != nil || tok.RefreshToken != "refresh-first" {
		t.Fatalf("exchange = %+v, %v", tok, err)
	}
	if got := ts.call(0).Get("code_verifier"); got != verifier {
		t.Errorf("code_verifier = %q", got)
	}
	if _, err := app.Exchange(context.Background(), "wrong-code", verifier); !errors.Is(err, ErrReconnectNeeded) {
		t.Errorf("bad code: %v", err)
	}
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	app := oauthApp(t, ts.URL, nil, nil)
	cc := app.ClientCredentials("accounting.invoices")
	c := app.Client(cc)
	for range 2 {
		if _, err := c.Organisation(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
	}
	if n := ts.tokenCalls(); n != 1 || ts.call(0).Get("grant_type") != "client_credentials" || ts.call(0).Get("scope") != "accounting.invoices" {
		t.Errorf("token calls = %d: %v", n, ts.call(0))
	}
	cc.Invalidate(&oauth2.Token{AccessToken: "access-1"})
	if tok, _ := cc.Token(context.Background()); tok.AccessToken != "access-2" || ts.tokenCalls() != 2 {
		t.Errorf("after invalidate: %v", tok)
	}
}

package xero_test

// Integration tests: the client against the Xero emulator over real HTTP.
// The emulator is written from Xero's documented JSON, never from this
// package's structs, so a wrong JSON tag here fails these tests.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

const tokenEndpoint = "POST /connect/token"

// tokenStore is the caller's durable store: the save func and what it holds.
type tokenStore struct {
	mu    sync.Mutex
	tok   *oauth2.Token
	saves int
	fail  error
}

func (s *tokenStore) save(_ context.Context, tok *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.tok = tok
	s.saves++
	return nil
}

func (s *tokenStore) get() (*oauth2.Token, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok, s.saves
}

// statusCounter is a transport that counts responses by status, so a test
// can say "not a single 429".
type statusCounter struct {
	mu     sync.Mutex
	counts map[int]int
}

func (s *statusCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		s.mu.Lock()
		if s.counts == nil {
			s.counts = map[int]int{}
		}
		s.counts[resp.StatusCode]++
		s.mu.Unlock()
	}
	return resp, err
}

func (s *statusCounter) get(status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[status]
}

type bundle struct {
	emu    *xeroemu.Emulator
	app    *xero.App
	src    *xero.TokenSource
	client *xero.Client
	store  *tokenStore
	clock  *testkit.Clock
	tenant string
	status *statusCounter
	first  *oauth2.Token
}

type setupOpts struct {
	emu    xeroemu.Options
	pacing xero.Pacing
	clock  bool // share a settable clock between emulator and client
	// scopes replaces the scopes requested (default: orderbridge's
	// granular set plus accounting.payments, which tests use to lock an
	// invoice with a payment).
	scopes []string
}

// setup starts an emulator, connects through the authorization-code flow
// with PKCE, and returns a client on the saved token.
func setup(t *testing.T, o setupOpts) *bundle {
	t.Helper()
	b := &bundle{store: &tokenStore{}, status: &statusCounter{}}
	if o.clock {
		b.clock = testkit.NewClock(time.Now().UTC().Truncate(time.Millisecond))
		o.emu.Now = b.clock.Now
	}
	if o.emu.RateLimit == (emukit.RateLimit{}) {
		o.emu.RateLimit = emukit.NoRateLimit
	}
	b.emu = xeroemutest.NewServer(t, o.emu)
	b.tenant = b.emu.DefaultTenantID()
	scopes := o.scopes
	if scopes == nil {
		scopes = append(xero.GranularScopes(), xero.ScopePayments)
	}
	cfg := xero.Config{
		ClientID: b.emu.ClientID(), ClientSecret: b.emu.ClientSecret(), BaseURL: b.emu.URL(),
		RedirectURL:          "http://localhost:8080/xero/callback",
		Scopes:               scopes,
		HTTPClient:           &http.Client{Transport: b.status, Timeout: 30 * time.Second},
		Pacing:               o.pacing,
		ConcurrentRetryDelay: 5 * time.Millisecond,
	}
	if b.clock != nil {
		cfg.Now = b.clock.Now
	}
	app, err := xero.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.app = app
	b.first = authorize(t, b.emu, app)
	if err := b.store.save(context.Background(), b.first); err != nil {
		t.Fatal(err)
	}
	b.src = app.TokenSource(b.first, b.store.save)
	b.client = app.Client(b.src)
	return b
}

// authorize runs the consent flow against the emulator and exchanges the
// code.
func authorize(t *testing.T, e *xeroemu.Emulator, app *xero.App) *oauth2.Token {
	t.Helper()
	hc := testkit.HTTPClient(t)
	defer hc.CloseIdleConnections()
	verifier := oauth2.GenerateVerifier()
	noFollow := &http.Client{Transport: hc.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(app.AuthCodeURL("state-xyz", verifier))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Query().Get("state") != "state-xyz" || loc.Query().Get("code") == "" {
		t.Fatalf("callback = %s", loc)
	}
	tok, err := app.Exchange(context.Background(), loc.Query().Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("exchange gave %+v", tok)
	}
	return tok
}

func TestEmuConnectionsAndOrganisation(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{emu: xeroemu.Options{OrgNames: []string{"Acme Ltd", "Beta Inc"}}})
	ctx := context.Background()
	conns, err := b.client.Connections(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 2 {
		t.Fatalf("connections = %+v", conns)
	}
	names := map[string]string{}
	for _, c := range conns {
		names[c.TenantID] = c.TenantName
		if c.ID == "" || c.TenantType != "ORGANISATION" || c.CreatedDateUTC.IsZero() {
			t.Errorf("connection = %+v", c)
		}
	}
	for _, id := range b.emu.TenantIDs() {
		if names[id] != b.emu.OrgName(id) {
			t.Errorf("tenant %s named %q, want %q", id, names[id], b.emu.OrgName(id))
		}
	}
	org, err := b.client.Organisation(ctx, b.tenant)
	if err != nil {
		t.Fatal(err)
	}
	if org.Name != "Acme Ltd" || org.OrganisationID != b.tenant || org.ShortCode == "" || org.CreatedDateUTC.IsZero() {
		t.Errorf("organisation = %+v", org)
	}
	// Disconnecting a tenant makes it refuse calls, as Xero's 403 does.
	var beta xero.Connection
	for _, c := range conns {
		if c.TenantName == "Beta Inc" {
			beta = c
		}
	}
	if err := b.client.DeleteConnection(ctx, beta.ID); err != nil {
		t.Fatal(err)
	}
	_, err = b.client.Organisation(ctx, beta.TenantID)
	var ae *xero.AuthError
	if !errors.As(err, &ae) || ae.Status != 403 || !errors.Is(err, xero.ErrReconnectNeeded) {
		t.Errorf("after disconnect: %v", err)
	}
}

func TestEmuTokenRotation(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{clock: true})
	ctx := context.Background()
	if _, err := b.client.Organisation(ctx, b.tenant); err != nil {
		t.Fatal(err)
	}
	if n := b.emu.Counters().Get(tokenEndpoint); n != 1 {
		t.Fatalf("token calls = %d after the exchange, want 1", n)
	}
	// 26 minutes on, the 30-minute token is inside the 5-minute margin.
	b.clock.Advance(26 * time.Minute)
	if _, err := b.client.Organisation(ctx, b.tenant); err != nil {
		t.Fatal(err)
	}
	saved, saves := b.store.get()
	if n := b.emu.Counters().Get(tokenEndpoint); n != 2 || saves != 2 {
		t.Fatalf("token calls = %d, saves = %d, want 2 and 2", n, saves)
	}
	if saved.RefreshToken == b.first.RefreshToken || saved.AccessToken == b.first.AccessToken {
		t.Error("refresh did not rotate the pair")
	}
	if !saved.Expiry.Equal(b.clock.Now().Add(30 * time.Minute)) {
		t.Errorf("expiry = %v, want 30 minutes from the emulator's now", saved.Expiry)
	}
	if b.src.Current().AccessToken != saved.AccessToken {
		t.Error("the source does not use the saved token")
	}
}

func TestEmuExpiredAccessTokenRefreshesAndRetries(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	if _, err := b.client.Organisation(ctx, b.tenant); err != nil {
		t.Fatal(err)
	}
	// Xero expires the token early (the client still thinks it is valid).
	b.emu.ExpireAccessTokens()
	org, err := b.client.Organisation(ctx, b.tenant)
	if err != nil || org.OrganisationID != b.tenant {
		t.Fatalf("after expiry: %v", err)
	}
	if n := b.emu.Counters().Get("GET /api.xro/2.0/Organisation"); n != 3 {
		t.Errorf("organisation calls = %d, want 3 (ok, 401, retry)", n)
	}
	if n := b.emu.Counters().Get(tokenEndpoint); n != 2 {
		t.Errorf("token calls = %d, want 2", n)
	}
	if b.status.get(401) != 1 {
		t.Errorf("401s = %d, want 1", b.status.get(401))
	}
}

func TestEmuRefreshTokenGracePeriod(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{clock: true})
	ctx := context.Background()
	old := *b.first
	// Rotate once: the first refresh token is now superseded.
	b.clock.Advance(26 * time.Minute)
	if _, err := b.src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	// Inside the 30-minute grace period the old refresh token still works
	// (the case of a refresh whose answer was lost).
	b.clock.Advance(10 * time.Minute)
	again := b.app.TokenSource(&old, (&tokenStore{}).save)
	if _, err := again.Token(ctx); err != nil {
		t.Fatalf("reuse within grace: %v", err)
	}
	// After it, the old one is dead: reconnect needed, not retryable.
	b.clock.Advance(45 * time.Minute)
	late := b.app.TokenSource(&old, (&tokenStore{}).save)
	_, err := late.Token(ctx)
	var re *xero.ReconnectError
	if !errors.Is(err, xero.ErrReconnectNeeded) || !errors.As(err, &re) || re.Code != "invalid_grant" || xero.Retryable(err) {
		t.Fatalf("reuse after grace: %v", err)
	}
	// A call through the client surfaces the same typed error.
	_, err = b.app.Client(late).Organisation(ctx, b.tenant)
	if !errors.Is(err, xero.ErrReconnectNeeded) {
		t.Errorf("client call: %v", err)
	}
	if strings.Contains(err.Error(), old.RefreshToken) || strings.Contains(err.Error(), b.emu.ClientSecret()) {
		t.Errorf("error leaks a secret: %v", err)
	}
}

func TestEmuPersistBeforeUse(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{clock: true})
	ctx := context.Background()
	b.clock.Advance(26 * time.Minute)
	b.store.mu.Lock()
	b.store.fail = errors.New("disk full")
	b.store.mu.Unlock()
	_, err := b.client.Organisation(ctx, b.tenant)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the save failure", err)
	}
	if n := b.emu.Counters().Get("GET /api.xro/2.0/Organisation"); n != 0 {
		t.Errorf("the unsaved token was used for %d calls", n)
	}
	if saved, _ := b.store.get(); saved.RefreshToken != b.first.RefreshToken {
		t.Error("the store changed although saving failed")
	}
	// Saving works again: the stored (superseded) refresh token is still
	// inside Xero's grace period, so the connection survives.
	b.store.mu.Lock()
	b.store.fail = nil
	b.store.mu.Unlock()
	if _, err := b.client.Organisation(ctx, b.tenant); err != nil {
		t.Fatalf("after save recovers: %v", err)
	}
	if saved, _ := b.store.get(); saved.RefreshToken == b.first.RefreshToken || saved.AccessToken != b.src.Current().AccessToken {
		t.Error("the new pair was not saved and used")
	}
}

func TestEmuConcurrentRefresh(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{clock: true})
	b.clock.Advance(29 * time.Minute) // every caller sees a token about to expire
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 20 {
		wg.Go(func() {
			if _, err := b.client.Organisation(context.Background(), b.tenant); err != nil {
				t.Error(err)
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	_, saves := b.store.get()
	// One exchange plus exactly one refresh.
	if n := b.emu.Counters().Get(tokenEndpoint); n != 2 || saves != 2 {
		t.Errorf("token calls = %d, saves = %d, want 2 and 2", n, saves)
	}
	if n := b.emu.Counters().Get("GET /api.xro/2.0/Organisation"); n != 20 {
		t.Errorf("organisation calls = %d, want 20", n)
	}
}

func TestEmuInvalidGrant(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	src := b.app.TokenSource(&oauth2.Token{RefreshToken: "not-a-real-token"}, b.store.save)
	_, err := b.app.Client(src).Organisation(context.Background(), b.tenant)
	if !errors.Is(err, xero.ErrReconnectNeeded) || xero.Retryable(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestEmuCustomConnection(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.app.Client(b.app.ClientCredentials("accounting.invoices", "accounting.settings.read"))
	org, err := c.Organisation(context.Background(), "") // no tenant header
	if err != nil {
		t.Fatal(err)
	}
	if org.OrganisationID != b.emu.DefaultTenantID() {
		t.Errorf("organisation = %s, want %s", org.OrganisationID, b.emu.DefaultTenantID())
	}
}

package xero

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// AuthCodeURL returns the consent URL for the authorization-code flow. state
// guards against CSRF (check it on the callback); verifier is a PKCE
// verifier from oauth2.GenerateVerifier, kept until Exchange.
func (a *App) AuthCodeURL(state, verifier string) string {
	return a.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Exchange trades the callback's code for the first token pair. Save it
// before anything else: it is the only copy of the refresh token.
func (a *App) Exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	tok, err := a.oauth.Exchange(a.oauthContext(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("xero: exchange code: %w", a.tokenError(err))
	}
	a.fixExpiry(tok)
	return tok, nil
}

// oauthContext makes golang.org/x/oauth2 use the App's HTTP client.
func (a *App) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, a.http)
}

// fixExpiry recomputes Expiry on the App's clock: oauth2 uses the wall
// clock, tests use a clock they control.
func (a *App) fixExpiry(tok *oauth2.Token) {
	if tok.ExpiresIn > 0 {
		tok.Expiry = a.now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
}

// tokenError classifies a token endpoint failure. Its messages never
// include the response body (which could echo a token).
func (a *App) tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if re.ErrorCode == "invalid_grant" {
			return &ReconnectError{Code: re.ErrorCode, Description: re.ErrorDescription}
		}
		return &TokenError{Status: status, Code: re.ErrorCode, Temporary: status >= 500 || status == http.StatusTooManyRequests,
			Err: errors.New("token endpoint refused the request")}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	// Network failures and unreadable answers: try again later.
	return &TokenError{Temporary: true, Err: err}
}

// SaveTokenFunc stores a new token pair durably (sealed in the database).
// It is called before the token is used; if it fails the token is thrown
// away, because Xero has already rotated the refresh token and a pair that
// is used but not stored would leave the stored, now stale, refresh token
// as the only copy: it works for 30 more minutes, then the grant is lost.
type SaveTokenFunc func(ctx context.Context, tok *oauth2.Token) error

// TokenSource hands out access tokens for one grant, refreshing them a
// little before expiry. It refreshes at most once at a time: concurrent
// callers wait for the one refresh (Xero rotates the refresh token, so two
// refreshes racing would leave one of them with a dead token). It is safe
// for concurrent use; use one TokenSource per grant per process.
type TokenSource struct {
	app  *App
	save SaveTokenFunc
	lock chan struct{} // a mutex that honours ctx while waiting

	tok     *oauth2.Token
	invalid string // access token Xero rejected as expired
}

// TokenSource returns a TokenSource starting from the stored tok, saving
// every new pair through save.
func (a *App) TokenSource(tok *oauth2.Token, save SaveTokenFunc) *TokenSource {
	return &TokenSource{app: a, save: save, lock: make(chan struct{}, 1), tok: tok}
}

// Token returns a valid access token, refreshing (and saving) first when
// the current one is within RefreshEarly of expiry or was rejected. On
// invalid_grant it returns a *ReconnectError (errors.Is ErrReconnectNeeded).
func (s *TokenSource) Token(ctx context.Context) (*oauth2.Token, error) {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.lock }()
	if s.tok != nil && s.tok.AccessToken != "" && s.tok.AccessToken != s.invalid &&
		(s.tok.Expiry.IsZero() || s.app.now().Add(s.app.early).Before(s.tok.Expiry)) {
		return s.tok, nil
	}
	if s.tok == nil || s.tok.RefreshToken == "" {
		return nil, &ReconnectError{Code: "no_refresh_token", Description: "no refresh token stored"}
	}
	if s.save == nil {
		return nil, errors.New("xero: token source has no save func; a refreshed token would be lost")
	}
	fresh, err := s.refresh(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.save(ctx, fresh); err != nil {
		s.app.log.LogAttrs(ctx, slog.LevelWarn, "xero token refreshed but not saved; not using it",
			slog.String("error", err.Error()))
		return nil, fmt.Errorf("xero: save refreshed token: %w", err)
	}
	s.tok, s.invalid = fresh, ""
	return fresh, nil
}

func (s *TokenSource) refresh(ctx context.Context) (*oauth2.Token, error) {
	// An access token that is empty makes oauth2 refresh at once.
	src := s.app.oauth.TokenSource(s.app.oauthContext(ctx), &oauth2.Token{RefreshToken: s.tok.RefreshToken})
	fresh, err := src.Token()
	if err != nil {
		return nil, fmt.Errorf("xero: refresh token: %w", s.app.tokenError(err))
	}
	s.app.fixExpiry(fresh)
	s.app.log.LogAttrs(ctx, slog.LevelDebug, "xero token refreshed", slog.Time("expiry", fresh.Expiry))
	return fresh, nil
}

// Invalidate marks tok as rejected by Xero, so the next Token refreshes.
// A token already replaced by another caller's refresh is left alone.
func (s *TokenSource) Invalidate(tok *oauth2.Token) {
	if tok == nil {
		return
	}
	s.lock <- struct{}{}
	defer func() { <-s.lock }()
	if s.tok != nil && s.tok.AccessToken == tok.AccessToken {
		s.invalid = tok.AccessToken
	}
}

// Current returns the token pair held now (for inspection; do not use its
// access token without Token).
func (s *TokenSource) Current() *oauth2.Token {
	s.lock <- struct{}{}
	defer func() { <-s.lock }()
	return s.tok
}

// ClientCredentials is a token supplier for a custom connection: client
// credentials, no refresh token, one organisation (so calls need no tenant
// ID: pass ""). It fetches a new token when the current one nears expiry.
type ClientCredentials struct {
	app  *App
	conf *clientcredentials.Config
	lock chan struct{}

	tok     *oauth2.Token
	invalid string
}

// ClientCredentials returns the token supplier of a custom connection.
// scopes default to the App's.
func (a *App) ClientCredentials(scopes ...string) *ClientCredentials {
	if len(scopes) == 0 {
		scopes = a.cfg.Scopes
	}
	return &ClientCredentials{app: a, lock: make(chan struct{}, 1), conf: &clientcredentials.Config{
		ClientID:     a.oauth.ClientID,
		ClientSecret: a.oauth.ClientSecret,
		TokenURL:     a.oauth.Endpoint.TokenURL,
		Scopes:       scopes,
		AuthStyle:    oauth2.AuthStyleInHeader,
	}}
}

// Token returns a valid access token, fetching one when needed.
func (c *ClientCredentials) Token(ctx context.Context) (*oauth2.Token, error) {
	select {
	case c.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.lock }()
	if c.tok != nil && c.tok.AccessToken != c.invalid &&
		(c.tok.Expiry.IsZero() || c.app.now().Add(c.app.early).Before(c.tok.Expiry)) {
		return c.tok, nil
	}
	tok, err := c.conf.Token(c.app.oauthContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("xero: client credentials: %w", c.app.tokenError(err))
	}
	c.app.fixExpiry(tok)
	c.tok, c.invalid = tok, ""
	return tok, nil
}

// Invalidate marks tok as rejected by Xero.
func (c *ClientCredentials) Invalidate(tok *oauth2.Token) {
	if tok == nil {
		return
	}
	c.lock <- struct{}{}
	defer func() { <-c.lock }()
	if c.tok != nil && c.tok.AccessToken == tok.AccessToken {
		c.invalid = tok.AccessToken
	}
}

// StaticTokens is a Tokens that always returns one token; for tools and
// tests that hold a short-lived access token.
type StaticTokens struct{ Tok *oauth2.Token }

// Token returns the token.
func (s StaticTokens) Token(context.Context) (*oauth2.Token, error) { return s.Tok, nil }

// Invalidate does nothing: a static token cannot be renewed.
func (StaticTokens) Invalidate(*oauth2.Token) {}

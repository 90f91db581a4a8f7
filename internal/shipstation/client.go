package shipstation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is ShipStation V1's API root.
const DefaultBaseURL = "https://ssapi.shipstation.com"

// DefaultUserAgent identifies the client to ShipStation.
const DefaultUserAgent = "orderbridge-shipstation/1"

// maxResponseBytes caps a response body read into memory. A page of 500
// orders is a few megabytes; anything far larger is not ShipStation.
const maxResponseBytes = 64 << 20

// Config configures a Client. APIKey and APISecret are required.
type Config struct {
	// BaseURL is the API root; empty means DefaultBaseURL. Webhook
	// resource URLs are only fetched when they share its scheme and host.
	BaseURL string
	// APIKey and APISecret are the V1 key pair (HTTP Basic user and
	// password). They are never logged or put in errors.
	APIKey, APISecret string
	// HTTPClient makes the requests; nil means a client with a 60s timeout.
	// Unless it sets CheckRedirect, the client uses a copy that refuses
	// redirects to another scheme or host.
	HTTPClient *http.Client
	// Logger receives one debug line per call; nil discards.
	Logger *slog.Logger
	// UserAgent is sent on every request; empty means DefaultUserAgent.
	UserAgent string
	// Budget paces calls. Clients sharing a key pair must share one. Nil
	// means a new NewMemoryBudget(DefaultRateLimit) for this client alone.
	Budget Budget
	// RetryRateLimited makes a call that got a 429 wait for the reset and
	// try once more, when ctx has no deadline or its deadline is later than
	// the reset. Off by default: a queue worker should snooze the job
	// (free its slot) rather than sleep, and the Budget already delays the
	// next call until the reset.
	RetryRateLimited bool
}

// LogValue keeps the secret out of logs if a Config is ever logged.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.Bool("api_key_set", c.APIKey != ""),
		slog.Bool("api_secret_set", c.APISecret != ""),
		slog.String("user_agent", c.UserAgent),
	)
}

// String keeps the secret out of fmt output too.
func (c Config) String() string {
	return fmt.Sprintf("shipstation.Config{BaseURL:%q APIKey:%s APISecret:%s}", c.BaseURL, redacted(c.APIKey), redacted(c.APISecret))
}

func redacted(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "(redacted)"
}

// Client calls ShipStation's V1 API. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	key       string
	secret    string
	http      *http.Client
	log       *slog.Logger
	userAgent string
	budget    Budget
	retry429  bool
	pacific   *time.Location
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.APIKey == "" || cfg.APISecret == "" {
		return nil, errors.New("shipstation: new client: API key and secret are required")
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("shipstation: new client: base URL %q: want http(s)://host[/path]", raw)
	}
	if base.User != nil || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("shipstation: new client: base URL %q: no user info, query or fragment allowed", base.Redacted())
	}
	pacific, err := LoadPacific()
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:      base,
		key:       cfg.APIKey,
		secret:    cfg.APISecret,
		http:      cfg.HTTPClient,
		log:       cfg.Logger,
		userAgent: cfg.UserAgent,
		budget:    cfg.Budget,
		retry429:  cfg.RetryRateLimited,
		pacific:   pacific,
	}
	if c.http == nil {
		// A pool of its own: connections to this API are not shared with,
		// nor closed by, anything else in the process.
		c.http = &http.Client{Timeout: 60 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if c.http.CheckRedirect == nil {
		// Go forwards Authorization on redirects to subdomains; refuse any
		// redirect that leaves the API's scheme and host instead. The
		// caller's client is copied, not changed.
		hc := *c.http
		hc.CheckRedirect = sameOriginRedirect
		c.http = &hc
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.budget == nil {
		c.budget = NewMemoryBudget(DefaultRateLimit)
	}
	return c, nil
}

// Pacific returns the America/Los_Angeles zone the client reads and writes
// datetimes in.
func (c *Client) Pacific() *time.Location { return c.pacific }

// Time returns the instant a ShipStation datetime names (see
// DateTime.Instant for the DST choices).
func (c *Client) Time(d DateTime) time.Time { return d.Instant(c.pacific) }

// DateTime returns the request form of instant t (Pacific wall clock).
func (c *Client) DateTime(t time.Time) DateTime { return PacificDateTime(t, c.pacific) }

// request is one API call.
type request struct {
	method string
	path   string // below the base URL, e.g. "/orders"
	query  url.Values
	body   any // JSON-encoded when non-nil
	// abs, when set, is a full URL already checked to be on the API host.
	abs *url.URL
}

// do makes one call and decodes a 2xx JSON body into out (when out is not
// nil). It waits on the Budget first and reports the response's rate-limit
// headers to it.
func (c *Client) do(ctx context.Context, r request, out any) error {
	var body []byte
	if r.body != nil {
		var err error
		body, err = json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("shipstation: %s %s: encode request: %w", r.method, r.path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, r, body, out)
		var ae *APIError
		if attempt == 0 && c.retry429 && errors.As(err, &ae) && ae.StatusCode == http.StatusTooManyRequests && c.canWait(ctx, ae.RetryAfter) {
			c.log.LogAttrs(ctx, slog.LevelInfo, "shipstation rate limited; waiting for reset",
				slog.String("path", r.path), slog.Duration("retry_after", ae.RetryAfter))
			t := time.NewTimer(ae.RetryAfter)
			select {
			case <-ctx.Done():
				t.Stop()
				return err
			case <-t.C:
			}
			continue
		}
		return err
	}
}

// sameOriginRedirect stops a redirect that would carry the credentials to
// another origin.
func sameOriginRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	first := via[0].URL
	if !strings.EqualFold(req.URL.Scheme, first.Scheme) || !strings.EqualFold(req.URL.Host, first.Host) {
		return errors.New("redirect to another host refused")
	}
	return nil
}

// canWait reports whether ctx allows sleeping for d.
func (c *Client) canWait(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

func (c *Client) once(ctx context.Context, r request, body []byte, out any) error {
	if err := c.budget.Wait(ctx); err != nil {
		return fmt.Errorf("shipstation: %s %s: wait for rate budget: %w", r.method, r.path, err)
	}
	u := r.abs
	if u == nil {
		u = c.base.JoinPath(r.path)
		if len(r.query) > 0 {
			u.RawQuery = r.query.Encode()
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("shipstation: %s %s: %w", r.method, r.path, err)
	}
	req.SetBasicAuth(c.key, c.secret)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		// *url.Error carries the URL, which holds no credentials (they go
		// in the Authorization header), but strip it anyway for short,
		// stable messages.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("shipstation: %s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	remaining, reset, haveRate := rateHeaders(resp.Header)
	switch {
	case haveRate:
		c.budget.Update(remaining, reset, time.Now())
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		c.budget.Update(-1, 0, time.Now())
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "shipstation call",
		slog.String("method", r.method), slog.String("path", r.path),
		slog.Int("status", resp.StatusCode), slog.Duration("elapsed", time.Since(start)),
		slog.Int("rate_remaining", remaining))
	if readErr != nil {
		return fmt.Errorf("shipstation: %s %s: read response: %w", r.method, r.path, readErr)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if resp.StatusCode == http.StatusTooManyRequests && haveRate {
			// Tell the budget the window is spent, whatever the header said.
			c.budget.Update(0, reset, time.Now())
		}
		return newAPIError(r.method, r.path, resp.StatusCode, data, reset)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("shipstation: %s %s: %w: %w", r.method, r.path, ErrMalformedResponse, err)
	}
	return nil
}

// rateHeaders reads X-Rate-Limit-Remaining and X-Rate-Limit-Reset (seconds
// until the window resets; fractions tolerated).
func rateHeaders(h http.Header) (remaining int, reset time.Duration, ok bool) {
	rs, ts := h.Get("X-Rate-Limit-Remaining"), h.Get("X-Rate-Limit-Reset")
	if rs == "" || ts == "" {
		return -1, 0, false
	}
	r, err1 := strconv.Atoi(strings.TrimSpace(rs))
	t, err2 := strconv.ParseFloat(strings.TrimSpace(ts), 64)
	// !(t >= 0 && t <= 3600) refuses a NaN too, which would convert to a
	// negative Duration; a negative count is no count.
	if err1 != nil || err2 != nil || r < 0 || !(t >= 0 && t <= 3600) {
		return -1, 0, false
	}
	return r, time.Duration(t * float64(time.Second)), true
}

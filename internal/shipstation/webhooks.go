package shipstation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Subscription is the body of POST /webhooks/subscribe.
type Subscription struct {
	TargetURL string `json:"target_url"`
	Event     string `json:"event"`
	// StoreID limits the hook to one store; zero means every store.
	StoreID      int64  `json:"store_id,omitempty"`
	FriendlyName string `json:"friendly_name"`
}

// SubscribeWebhook registers a webhook and returns its id.
func (c *Client) SubscribeWebhook(ctx context.Context, s Subscription) (int64, error) {
	var out struct {
		ID int64 `json:"id"`
	}
	if err := c.do(ctx, request{method: "POST", path: "/webhooks/subscribe", body: s}, &out); err != nil {
		return 0, err
	}
	return out.ID, nil
}

// Webhooks lists the account's webhooks.
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out struct {
		Webhooks []Webhook `json:"webhooks"`
	}
	if err := c.do(ctx, request{method: "GET", path: "/webhooks"}, &out); err != nil {
		return nil, err
	}
	return out.Webhooks, nil
}

// DeleteWebhook unsubscribes a webhook.
func (c *Client) DeleteWebhook(ctx context.Context, webhookID int64) error {
	return c.do(ctx, request{method: "DELETE", path: "/webhooks/" + strconv.FormatInt(webhookID, 10)}, nil)
}

// ParseWebhookPayload reads the body ShipStation POSTs to a subscriber.
func ParseWebhookPayload(body []byte) (WebhookPayload, error) {
	var p WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return WebhookPayload{}, fmt.Errorf("shipstation: webhook payload: %w", err)
	}
	if p.ResourceURL == "" || p.ResourceType == "" {
		return WebhookPayload{}, errors.New("shipstation: webhook payload: resource_url and resource_type are required")
	}
	return p, nil
}

// WebhookBatch is what a webhook's resource_url names: the orders of an
// ORDER_NOTIFY, the shipments of a SHIP_NOTIFY, and so on.
type WebhookBatch struct {
	// ResourceType is the payload's resource_type.
	ResourceType string
	Orders       []Order
	Shipments    []Shipment
	Fulfillments []Fulfillment
	// Total, Page and Pages are the envelope's counts as sent; Pages is 0
	// in ShipStation's documented envelopes even when more pages follow.
	Total, Page, Pages int
	// PageSize is the resource_url's pageSize, or ShipStation's default of
	// 100 when it names none (webhook resource_urls do not).
	PageSize int
}

// DefaultPageSize is the page size ShipStation uses when a list request
// names none.
const DefaultPageSize = 100

// LastPage reports whether no page of the batch follows this one. Pages
// is not trusted alone (the documented envelopes say "pages": 0 beside a
// total): it decides by Pages when set, else by Total, else by whether the
// page came back full. An empty page is always the last.
func (b WebhookBatch) LastPage() bool {
	n := len(b.Orders) + len(b.Shipments) + len(b.Fulfillments)
	page := max(b.Page, 1)
	switch {
	case n == 0, b.PageSize > 0 && n < b.PageSize:
		return true // an empty or short page is the last
	case b.Pages > 0:
		return page >= b.Pages
	case b.Total > 0:
		return (page-1)*b.PageSize+n >= b.Total
	default:
		return n < b.PageSize
	}
}

// ForeignURLError reports a resource_url that was refused. Its text names
// the host, never the full URL's query.
type ForeignURLError struct {
	Host string
}

// Error names the refused host.
func (e *ForeignURLError) Error() string {
	return fmt.Sprintf("%v (got host %q)", ErrForeignResourceURL, e.Host)
}

// Unwrap lets errors.Is match ErrForeignResourceURL.
func (e *ForeignURLError) Unwrap() error { return ErrForeignResourceURL }

// numberedAPIHost reports whether host is one of the numbered hosts real
// resource_urls sometimes name (ssapi4.shipstation.com, ssapi11...): the
// same API as ssapi.shipstation.com.
func numberedAPIHost(host string) bool {
	n, ok := strings.CutPrefix(strings.ToLower(host), "ssapi")
	if !ok {
		return false
	}
	n, ok = strings.CutSuffix(n, ".shipstation.com")
	if !ok || n == "" {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ResourceURLOnHost checks a webhook's resource_url against the API root
// base (empty: DefaultBaseURL) and returns the URL to fetch. It must have
// base's scheme and host (port included) and no user info; with the real
// API as base, a numbered host (https://ssapi4.shipstation.com/...) is
// accepted too and moved onto base's host, so a request only ever goes to
// the configured host. Anything else is a *ForeignURLError.
func ResourceURLOnHost(base, resourceURL string) (*url.URL, error) {
	if base == "" {
		base = DefaultBaseURL
	}
	b, err := url.Parse(base)
	if err != nil || !b.IsAbs() {
		return nil, fmt.Errorf("shipstation: webhook resource_url: base URL is not absolute")
	}
	u, err := url.Parse(resourceURL)
	if err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("shipstation: webhook resource_url: not an absolute URL")
	}
	if u.User != nil || !strings.EqualFold(u.Scheme, b.Scheme) {
		return nil, &ForeignURLError{Host: u.Host}
	}
	switch {
	case strings.EqualFold(u.Host, b.Host):
	case strings.EqualFold(b.Host, "ssapi.shipstation.com") && numberedAPIHost(u.Host):
		u.Host = b.Host
	default:
		return nil, &ForeignURLError{Host: u.Host}
	}
	return u, nil
}

// FetchWebhookResource GETs a webhook's resource_url with the API
// credentials and decodes the batch it names. The URL must pass
// ResourceURLOnHost against the configured base URL; anything else is
// refused with a *ForeignURLError before any request is made, so the
// credentials never go to a host the payload chose.
//
// ORDER_NOTIFY and ITEM_ORDER_NOTIFY decode the orders envelope;
// SHIP_NOTIFY and ITEM_SHIP_NOTIFY the shipments envelope;
// FULFILLMENT_SHIPPED and FULFILLMENT_REJECTED (shape undocumented) take
// whichever of orders or fulfillments the body holds. The call counts
// toward the rate limit like any other.
func (c *Client) FetchWebhookResource(ctx context.Context, p WebhookPayload) (WebhookBatch, error) {
	u, err := ResourceURLOnHost(c.base.String(), p.ResourceURL)
	if err != nil {
		return WebhookBatch{}, err
	}
	switch p.ResourceType {
	case EventOrderNotify, EventItemOrderNotify, EventShipNotify, EventItemShipNotify,
		EventFulfillmentShipped, EventFulfillmentRejected:
	default:
		return WebhookBatch{}, fmt.Errorf("shipstation: webhook resource_type %q: unsupported", truncate(p.ResourceType, 40))
	}
	var env listEnvelope
	if err := c.do(ctx, request{method: "GET", path: u.Path, abs: u}, &env); err != nil {
		return WebhookBatch{}, err
	}
	b := WebhookBatch{ResourceType: p.ResourceType, Total: env.Total, Page: env.Page, Pages: env.Pages, PageSize: DefaultPageSize}
	if n, err := strconv.Atoi(u.Query().Get("pageSize")); err == nil && n > 0 {
		b.PageSize = min(n, MaxPageSize)
	}
	switch p.ResourceType {
	case EventOrderNotify, EventItemOrderNotify:
		b.Orders = env.Orders
	case EventShipNotify, EventItemShipNotify:
		b.Shipments = env.Shipments
	default:
		b.Orders, b.Fulfillments = env.Orders, env.Fulfillments
	}
	return b, nil
}

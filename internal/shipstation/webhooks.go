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
	// Total, Page and Pages are the envelope's counts as sent.
	Total, Page, Pages int
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

// FetchWebhookResource GETs a webhook's resource_url with the API
// credentials and decodes the batch it names. The URL must have the
// configured base URL's scheme and host (port included); anything else is
// refused with a *ForeignURLError before any request is made, so the
// credentials never go to a host the payload chose. Numbered hosts such as
// ssapi4.shipstation.com are refused too unless configured as the base.
//
// ORDER_NOTIFY and ITEM_ORDER_NOTIFY decode the orders envelope;
// SHIP_NOTIFY and ITEM_SHIP_NOTIFY the shipments envelope;
// FULFILLMENT_SHIPPED and FULFILLMENT_REJECTED (shape undocumented) take
// whichever of orders or fulfillments the body holds. The call counts
// toward the rate limit like any other.
func (c *Client) FetchWebhookResource(ctx context.Context, p WebhookPayload) (WebhookBatch, error) {
	u, err := url.Parse(p.ResourceURL)
	if err != nil || !u.IsAbs() {
		return WebhookBatch{}, fmt.Errorf("shipstation: webhook resource_url: not an absolute URL")
	}
	if !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) || u.User != nil {
		return WebhookBatch{}, &ForeignURLError{Host: u.Host}
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
	b := WebhookBatch{ResourceType: p.ResourceType, Total: env.Total, Page: env.Page, Pages: env.Pages}
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

package xero

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SignatureHeader is the header carrying a webhook's signature.
const SignatureHeader = "X-Xero-Signature"

// Webhook event categories and types, upper case as ParseWebhook
// normalises them (some Xero pages show "Update").
const (
	EventCategoryInvoice = "INVOICE"
	EventCategoryContact = "CONTACT"
	EventTypeCreate      = "CREATE"
	EventTypeUpdate      = "UPDATE"
)

// VerifySignature checks a webhook's x-xero-signature: the base64 of
// HMAC-SHA256 over the raw body with the app's webhook key. Verify before
// parsing; Xero's "intent to receive" check sends bad signatures on purpose
// and expects a 401 for them. The comparison is constant-time.
func VerifySignature(webhookKey string, body []byte, signature string) error {
	if webhookKey == "" {
		return errors.New("xero: verify webhook: no webhook key configured")
	}
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return fmt.Errorf("%w: no signature header", ErrBadSignature)
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrBadSignature)
	}
	mac := hmac.New(sha256.New, []byte(webhookKey))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}

// Sign returns the signature Xero would send for body; emulators and tests
// use it.
func Sign(webhookKey string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(webhookKey))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// WebhookPayload is one webhook delivery. An intent-to-receive check has no
// events and sequence numbers 0.
type WebhookPayload struct {
	Events             []WebhookEvent
	FirstEventSequence int64
	LastEventSequence  int64
	Entropy            string
}

// IntentToReceive reports whether this is Xero's endpoint check (no events).
func (p *WebhookPayload) IntentToReceive() bool { return len(p.Events) == 0 }

// WebhookEvent says a resource changed; it carries IDs only, so GET the
// resource for its state (and check it is an ACCREC invoice).
type WebhookEvent struct {
	ResourceURL   string
	ResourceID    string
	EventDate     time.Time // eventDateUtc, UTC
	EventType     string    // CREATE or UPDATE, upper case
	EventCategory string    // INVOICE, CONTACT..., upper case
	TenantID      string
	TenantType    string // ORGANISATION or APPLICATION, upper case
}

// IsInvoice reports whether the event is about an invoice.
func (e *WebhookEvent) IsInvoice() bool { return e.EventCategory == EventCategoryInvoice }

// wire shapes with pointers, to tell a missing field from a zero one.
type wirePayload struct {
	Events             *[]wireEvent `json:"events"`
	FirstEventSequence *int64       `json:"firstEventSequence"`
	LastEventSequence  *int64       `json:"lastEventSequence"`
	Entropy            *string      `json:"entropy"`
}

type wireEvent struct {
	ResourceURL   string `json:"resourceUrl"`
	ResourceID    string `json:"resourceId"`
	EventDateUTC  string `json:"eventDateUtc"`
	EventType     string `json:"eventType"`
	EventCategory string `json:"eventCategory"`
	TenantID      string `json:"tenantId"`
	TenantType    string `json:"tenantType"`
}

// maxWebhookBody bounds what ParseWebhook accepts; real deliveries are a
// few kilobytes.
const maxWebhookBody = 1 << 20

// ParseWebhook reads a webhook body (after VerifySignature). Every field the
// spec marks required must be present; event types, categories and tenant
// types are upper-cased so callers compare them with the constants above.
func ParseWebhook(body []byte) (*WebhookPayload, error) {
	if len(body) > maxWebhookBody {
		return nil, fmt.Errorf("xero: webhook: body of %d bytes is too large", len(body))
	}
	var w wirePayload
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("xero: webhook: %w", err)
	}
	var missing []string
	if w.Events == nil {
		missing = append(missing, "events")
	}
	if w.FirstEventSequence == nil {
		missing = append(missing, "firstEventSequence")
	}
	if w.LastEventSequence == nil {
		missing = append(missing, "lastEventSequence")
	}
	if w.Entropy == nil {
		missing = append(missing, "entropy")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("xero: webhook: missing %s", strings.Join(missing, ", "))
	}
	p := &WebhookPayload{FirstEventSequence: *w.FirstEventSequence, LastEventSequence: *w.LastEventSequence, Entropy: *w.Entropy}
	if p.FirstEventSequence < 0 || p.LastEventSequence < p.FirstEventSequence {
		return nil, fmt.Errorf("xero: webhook: bad sequence %d..%d", p.FirstEventSequence, p.LastEventSequence)
	}
	p.Events = make([]WebhookEvent, 0, len(*w.Events))
	for i, e := range *w.Events {
		var miss []string
		for _, f := range []struct{ name, val string }{
			{"resourceUrl", e.ResourceURL}, {"resourceId", e.ResourceID}, {"eventDateUtc", e.EventDateUTC},
			{"eventType", e.EventType}, {"eventCategory", e.EventCategory}, {"tenantId", e.TenantID}, {"tenantType", e.TenantType},
		} {
			if strings.TrimSpace(f.val) == "" {
				miss = append(miss, f.name)
			}
		}
		if len(miss) > 0 {
			return nil, fmt.Errorf("xero: webhook: event %d: missing %s", i, strings.Join(miss, ", "))
		}
		at, err := ParseTime(e.EventDateUTC)
		if err != nil {
			return nil, fmt.Errorf("xero: webhook: event %d: eventDateUtc: %w", i, err)
		}
		p.Events = append(p.Events, WebhookEvent{
			ResourceURL:   e.ResourceURL,
			ResourceID:    e.ResourceID,
			EventDate:     at.UTC(),
			EventType:     strings.ToUpper(strings.TrimSpace(e.EventType)),
			EventCategory: strings.ToUpper(strings.TrimSpace(e.EventCategory)),
			TenantID:      e.TenantID,
			TenantType:    strings.ToUpper(strings.TrimSpace(e.TenantType)),
		})
	}
	return p, nil
}

package xeroemu

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// WebhookState is where the webhook stands in Xero's delivery lifecycle.
type WebhookState string

// The webhook's states: delivering normally, retrying a failed delivery
// (for up to 24 hours), or disabled until re-enabled.
const (
	WebhookEnabled  WebhookState = "enabled"
	WebhookRetrying WebhookState = "retrying"
	WebhookDisabled WebhookState = "disabled"
)

// WebhookStatus is what Xero's developer portal shows about the webhook.
type WebhookStatus struct {
	// State is enabled, retrying or disabled.
	State WebhookState
	// URL is the delivery URL (empty: no webhook configured).
	URL string
	// FailingSince is when the delivery being retried first failed, on the
	// emulator's clock; zero while deliveries succeed.
	FailingSince time.Time
	// DisabledAt is when retries gave up; zero unless disabled.
	DisabledAt time.Time
	// Pending counts events raised but not yet delivered, including those
	// kept while disabled.
	Pending int
}

// WebhookStatus reports the webhook's delivery state.
func (e *Emulator) WebhookStatus() WebhookStatus {
	h := e.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	st := WebhookStatus{State: WebhookEnabled, URL: h.url, FailingSince: h.failingSince, Pending: len(h.queue)}
	switch {
	case h.disabled:
		st.State, st.DisabledAt = WebhookDisabled, h.disabledAt
	case !h.failingSince.IsZero():
		st.State = WebhookRetrying
	}
	return st
}

// ReenableWebhook is the developer portal's re-enable button: it runs
// intent to receive again and, only if the receiver passes it, resumes
// deliveries, replaying in order the events kept while the webhook was
// disabled (those older than 31 days, scaled like the retry waits, are
// gone). On failure the webhook stays disabled and the error says which
// answers were wrong. Re-enabling a webhook that is not disabled just runs
// intent to receive.
func (e *Emulator) ReenableWebhook(ctx context.Context) error {
	if err := e.IntentToReceive(ctx); err != nil {
		return fmt.Errorf("xeroemu: re-enable webhook: %w", err)
	}
	h := e.hooks
	h.mu.Lock()
	if !h.disabled {
		h.mu.Unlock()
		return nil
	}
	h.disabled, h.disabledAt, h.failingSince = false, time.Time{}, time.Time{}
	cutoff := time.Now().Add(-e.rateLimit().Window(keptFor))
	kept := h.queue[:0]
	for _, q := range h.queue {
		if q.raised.After(cutoff) {
			kept = append(kept, q)
		}
	}
	expired := len(h.queue) - len(kept)
	h.queue = kept
	// Only the delivery goroutine disables, so it is running: wake it.
	h.mu.Unlock()
	e.log.Info("xeroemu: webhook re-enabled", slog.Int("events_replayed", len(kept)), slog.Int("events_expired", expired))
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return nil
}

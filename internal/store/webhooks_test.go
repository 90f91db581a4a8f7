package store_test

import (
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

func TestWebhooksHealthy(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		h    store.WebhookHealth
		want bool
	}{
		{"never delivered", store.WebhookHealth{}, false},
		{"delivered an hour ago", store.WebhookHealth{LastDeliveryAt: now.Add(-time.Hour)}, true},
		{"delivered two days ago", store.WebhookHealth{LastDeliveryAt: now.Add(-48 * time.Hour)}, false},
		{"failed after the last delivery", store.WebhookHealth{LastDeliveryAt: now.Add(-time.Hour), LastFailureAt: now.Add(-time.Minute)}, false},
		{"failed before the last delivery", store.WebhookHealth{LastDeliveryAt: now.Add(-time.Minute), LastFailureAt: now.Add(-time.Hour)}, true},
		// Xero switched the webhook off: changes after the last delivery
		// came only through the sweep, and their webhooks are overdue.
		{"a change the sweep alone brought", store.WebhookHealth{LastDeliveryAt: now.Add(-2 * time.Hour),
			SweptChanges: []time.Time{now.Add(-time.Hour)}}, false},
		{"a change whose webhook may still come", store.WebhookHealth{LastDeliveryAt: now.Add(-2 * time.Hour),
			SweptChanges: []time.Time{now.Add(-store.MissedGrace / 2)}}, true},
		{"a change a later delivery announced", store.WebhookHealth{LastDeliveryAt: now.Add(-time.Minute),
			SweptChanges: []time.Time{now.Add(-time.Hour)}}, true},
		{"a change within the clock margin of the delivery", store.WebhookHealth{LastDeliveryAt: now.Add(-time.Hour),
			SweptChanges: []time.Time{now.Add(-time.Hour + store.ClockMargin/2)}}, true},
	} {
		if got := tc.h.Healthy(now); got != tc.want {
			t.Errorf("%s: healthy = %v, want %v", tc.name, got, tc.want)
		}
	}
}

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
	} {
		if got := tc.h.Healthy(now); got != tc.want {
			t.Errorf("%s: healthy = %v, want %v", tc.name, got, tc.want)
		}
	}
}

package xeroemu_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// flakyReceiver is one webhook endpoint whose behaviour the test switches:
// down (500 to everything), sloppy (200 to everything, signature unchecked)
// or good (200 when correctly signed, 401 otherwise). It keeps the payloads
// that carried events and it accepted.
type flakyReceiver struct {
	srv      *httptest.Server
	mode     atomic.Value // "down", "sloppy" or "good"
	attempts atomic.Int32 // posts carrying events, accepted or not

	mu       sync.Mutex
	accepted []payload
}

func newFlakyReceiver(t *testing.T, key, mode string) *flakyReceiver {
	t.Helper()
	fr := &flakyReceiver{}
	fr.mode.Store(mode)
	fr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p payload
		_ = json.Unmarshal(body, &p)
		if len(p.Events) > 0 {
			fr.attempts.Add(1)
		}
		switch fr.mode.Load().(string) {
		case "down":
			w.WriteHeader(http.StatusInternalServerError)
			return
		case "good":
			if !validSignature(key, body, r.Header.Get("x-xero-signature")) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		if len(p.Events) > 0 {
			fr.mu.Lock()
			fr.accepted = append(fr.accepted, p)
			fr.mu.Unlock()
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(fr.srv.Close)
	return fr
}

func (fr *flakyReceiver) got() []payload {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	return append([]payload(nil), fr.accepted...)
}

// TestWebhookDisabledAfter24Hours fails every delivery for a (scaled) day:
// the webhook is then disabled and sends nothing, events raised meanwhile
// are kept, a re-enable whose intent to receive fails leaves it disabled,
// and one that passes replays the kept events in order.
func TestWebhookDisabledAfter24Hours(t *testing.T) {
	t.Parallel()
	const key = "disable-key"
	fr := newFlakyReceiver(t, key, "down")
	// Scale 600000: 24 hours of retries last about 150 ms.
	b := setup(t, xeroemu.Options{WebhookURL: fr.srv.URL, WebhookKey: key, RateLimit: emukit.RateLimit{Scale: 600000}})
	if st := b.emu.WebhookStatus(); st.State != xeroemu.WebhookEnabled || st.URL != fr.srv.URL {
		t.Fatalf("fresh status = %+v", st)
	}
	first := seedCustomer(t, b, "Before")
	testkit.WaitFor(t, "the webhook retrying", 10*time.Second, func() bool {
		st := b.emu.WebhookStatus()
		return st.State != xeroemu.WebhookEnabled && !st.FailingSince.IsZero()
	})
	testkit.WaitFor(t, "the webhook disabled", 10*time.Second, func() bool { return b.emu.WebhookStatus().State == xeroemu.WebhookDisabled })
	st := b.emu.WebhookStatus()
	if st.DisabledAt.IsZero() || st.Pending != 1 {
		t.Errorf("disabled status = %+v, want DisabledAt set and the event kept", st)
	}
	if n := fr.attempts.Load(); n < 10 {
		t.Errorf("%d attempts before disabling; Xero retries for a whole day", n)
	}

	// Disabled: nothing more is sent, even once the receiver is back up.
	fr.mode.Store("good")
	tried := fr.attempts.Load()
	second := seedCustomer(t, b, "While disabled")
	time.Sleep(100 * time.Millisecond) // many scaled retry intervals
	if n := fr.attempts.Load(); n != tried {
		t.Errorf("%d deliveries while disabled", n-tried)
	}
	if st := b.emu.WebhookStatus(); st.State != xeroemu.WebhookDisabled || st.Pending != 2 {
		t.Errorf("status while disabled = %+v, want disabled with 2 events kept", st)
	}

	// A receiver that accepts everything fails intent to receive.
	fr.mode.Store("sloppy")
	err := b.emu.ReenableWebhook(context.Background())
	if err == nil || !strings.Contains(err.Error(), "mis-signed") {
		t.Errorf("re-enable with a receiver ignoring signatures: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if st := b.emu.WebhookStatus(); st.State != xeroemu.WebhookDisabled || fr.attempts.Load() != tried {
		t.Errorf("after a failed re-enable: %+v, %d deliveries", st, fr.attempts.Load()-tried)
	}

	// A correct receiver passes, and the kept events arrive in order.
	fr.mode.Store("good")
	if err := b.emu.ReenableWebhook(context.Background()); err != nil {
		t.Fatalf("re-enable with a correct receiver: %v", err)
	}
	testkit.WaitFor(t, "the kept events", 10*time.Second, func() bool {
		n := 0
		for _, p := range fr.got() {
			n += len(p.Events)
		}
		return n >= 2
	})
	var ids []string
	for _, p := range fr.got() {
		for _, ev := range p.Events {
			ids = append(ids, ev.ResourceID)
		}
	}
	if len(ids) != 2 || ids[0] != first || ids[1] != second || fr.got()[0].FirstEventSequence != 1 {
		t.Errorf("replayed %v (first payload %+v), want [%s %s] from sequence 1", ids, fr.got()[0], first, second)
	}
	testkit.WaitFor(t, "the webhook enabled", 10*time.Second, func() bool {
		st := b.emu.WebhookStatus()
		return st.State == xeroemu.WebhookEnabled && st.Pending == 0 && st.FailingSince.IsZero()
	})
}

// TestWebhookKeptEventsExpire checks that events kept while disabled are
// gone after 31 (scaled) days, so a late re-enable replays nothing.
func TestWebhookKeptEventsExpire(t *testing.T) {
	t.Parallel()
	const key = "expire-key"
	fr := newFlakyReceiver(t, key, "down")
	// Scale 60,000,000: 31 days last about 45 ms.
	b := setup(t, xeroemu.Options{WebhookURL: fr.srv.URL, WebhookKey: key, RateLimit: emukit.RateLimit{Scale: 60_000_000}})
	seedCustomer(t, b, "Too old")
	testkit.WaitFor(t, "the webhook disabled", 10*time.Second, func() bool { return b.emu.WebhookStatus().State == xeroemu.WebhookDisabled })
	time.Sleep(100 * time.Millisecond)
	fr.mode.Store("good")
	if err := b.emu.ReenableWebhook(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := b.emu.WebhookStatus(); st.State != xeroemu.WebhookEnabled || st.Pending != 0 {
		t.Errorf("after re-enable = %+v, want enabled with nothing kept", st)
	}
	fresh := seedCustomer(t, b, "Fresh")
	testkit.WaitFor(t, "the fresh event", 10*time.Second, func() bool { return len(fr.got()) > 0 })
	if got := fr.got(); len(got[0].Events) != 1 || got[0].Events[0].ResourceID != fresh {
		t.Errorf("first delivery after re-enable = %+v, want only the fresh event", got[0])
	}
}

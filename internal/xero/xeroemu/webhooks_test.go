package xeroemu_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

type delivery struct {
	body      []byte
	signature string
	at        time.Time
}

// receiver is a webhook endpoint that checks signatures like a correct
// client would and hands every delivery to the test.
type receiver struct {
	srv  *httptest.Server
	got  chan delivery
	fail atomic.Int32 // answer 500 to this many deliveries first
}

func newReceiver(t *testing.T, key string) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan delivery, 100)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !validSignature(key, body, r.Header.Get("x-xero-signature")) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		rc.got <- delivery{body: body, signature: r.Header.Get("x-xero-signature"), at: time.Now()}
		if rc.fail.Load() > 0 {
			rc.fail.Add(-1)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func validSignature(key string, body []byte, sig string) bool {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(sig))
}

type payload struct {
	Events []struct {
		ResourceURL   string `json:"resourceUrl"`
		ResourceID    string `json:"resourceId"`
		EventDateUTC  string `json:"eventDateUtc"`
		EventType     string `json:"eventType"`
		EventCategory string `json:"eventCategory"`
		TenantID      string `json:"tenantId"`
		TenantType    string `json:"tenantType"`
	} `json:"events"`
	FirstEventSequence int    `json:"firstEventSequence"`
	LastEventSequence  int    `json:"lastEventSequence"`
	Entropy            string `json:"entropy"`
}

func (rc *receiver) next(t *testing.T) (delivery, payload) {
	t.Helper()
	select {
	case d := <-rc.got:
		var p payload
		if err := json.Unmarshal(d.body, &p); err != nil {
			t.Fatalf("payload %s: %v", d.body, err)
		}
		return d, p
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook delivery")
	}
	return delivery{}, payload{}
}

var eventDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$`)

func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	const key = "test-webhook-key"
	rc := newReceiver(t, key)
	b := setup(t, xeroemu.Options{WebhookURL: rc.srv.URL, WebhookKey: key})
	if b.emu.WebhookKey() != key {
		t.Fatalf("WebhookKey = %q", b.emu.WebhookKey())
	}

	// An API create with a new contact: CONTACT CREATE and INVOICE CREATE.
	inv := b.do(t, "PUT", "/api.xro/2.0/Invoices", invoiceBody(map[string]any{"Type": "ACCREC", "Contact": map[string]any{"Name": "Hooked"}})).must(t, 200).one(t, "Invoices")
	id := inv["InvoiceID"].(string)
	cid := inv["Contact"].(map[string]any)["ContactID"].(string)
	var events []string
	var last int
	for len(events) < 2 {
		d, p := rc.next(t)
		if !validSignature(key, d.body, d.signature) {
			t.Fatal("bad signature")
		}
		if p.FirstEventSequence != last+1 || p.LastEventSequence != p.FirstEventSequence+len(p.Events)-1 || p.Entropy == "" {
			t.Errorf("sequence %d..%d after %d, entropy %q", p.FirstEventSequence, p.LastEventSequence, last, p.Entropy)
		}
		last = p.LastEventSequence
		for _, ev := range p.Events {
			events = append(events, ev.EventCategory+" "+ev.EventType+" "+ev.ResourceID)
			if ev.TenantID != b.tenant || ev.TenantType != "ORGANISATION" || !eventDate.MatchString(ev.EventDateUTC) {
				t.Errorf("event = %+v", ev)
			}
			path := "/api.xro/2.0/Invoices/"
			if ev.EventCategory == "CONTACT" {
				path = "/api.xro/2.0/Contacts/"
			}
			if ev.ResourceURL != b.emu.URL()+path+ev.ResourceID {
				t.Errorf("resourceUrl = %s", ev.ResourceURL)
			}
		}
	}
	want := []string{"CONTACT CREATE " + cid, "INVOICE CREATE " + id}
	if strings.Join(events, ",") != strings.Join(want, ",") {
		t.Errorf("events = %v, want %v", events, want)
	}

	// A note fires nothing: the next delivery holds only the later update.
	b.do(t, "PUT", "/api.xro/2.0/Invoices/"+id+"/History", map[string]any{"HistoryRecords": []any{map[string]any{"Details": "quiet"}}}).must(t, 200)
	if _, err := b.emu.UpdateInvoice(b.tenant, id, func(inv *xeroemu.Invoice) { inv.Reference = "loud" }); err != nil {
		t.Fatal(err)
	}
	_, p := rc.next(t)
	if len(p.Events) != 1 || p.Events[0].EventType != "UPDATE" || p.Events[0].ResourceID != id || p.FirstEventSequence != last+1 {
		t.Errorf("after note and update: %+v", p)
	}
	// Contact updates over the API fire CONTACT UPDATE.
	b.do(t, "POST", "/api.xro/2.0/Contacts/"+cid, map[string]any{"Contacts": []any{map[string]any{"EmailAddress": "h@example.com"}}}).must(t, 200)
	if _, p := rc.next(t); len(p.Events) != 1 || p.Events[0].EventCategory != "CONTACT" || p.Events[0].EventType != "UPDATE" {
		t.Errorf("contact update: %+v", p)
	}
}

func TestIntentToReceive(t *testing.T) {
	t.Parallel()
	const key = "itr-key"
	good := newReceiver(t, key)
	lazy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(lazy.Close)
	emu := xeroemutest.NewServer(t, xeroemu.Options{WebhookURL: good.srv.URL, WebhookKey: key, RateLimit: emukit.NoRateLimit})
	if err := emu.IntentToReceive(context.Background()); err != nil {
		t.Errorf("correct receiver failed ITR: %v", err)
	}
	// The correctly signed requests reached the receiver with empty events.
	_, p := good.next(t)
	if len(p.Events) != 0 || p.FirstEventSequence != 0 || p.LastEventSequence != 0 || p.Entropy == "" {
		t.Errorf("ITR payload = %+v", p)
	}
	emu.SetWebhook(lazy.URL, "")
	err := emu.IntentToReceive(context.Background())
	if err == nil || !strings.Contains(err.Error(), "mis-signed") {
		t.Errorf("receiver that ignores signatures passed ITR: %v", err)
	}
	emu.SetWebhook("", "")
	if err := emu.IntentToReceive(context.Background()); err == nil {
		t.Error("ITR without a URL succeeded")
	}
}

func TestWebhookRetry(t *testing.T) {
	t.Parallel()
	const key = "retry-key"
	rc := newReceiver(t, key)
	rc.fail.Store(2)
	// Scale 60000: the one-minute first retry takes a millisecond.
	b := setup(t, xeroemu.Options{WebhookURL: rc.srv.URL, WebhookKey: key, RateLimit: emukit.RateLimit{Scale: 60000}})
	cid := seedCustomer(t, b, "Retry")
	first, p1 := rc.next(t)
	second, p2 := rc.next(t)
	third, p3 := rc.next(t)
	if string(first.body) != string(second.body) || string(second.body) != string(third.body) {
		t.Error("retries changed the payload")
	}
	if len(p3.Events) != 1 || p3.Events[0].ResourceID != cid || p1.FirstEventSequence != 1 || p2.FirstEventSequence != 1 {
		t.Errorf("retried payload = %+v", p3)
	}
	// The next event follows once the retried one is through.
	seedCustomer(t, b, "Retry 2")
	if _, p := rc.next(t); p.FirstEventSequence != 2 {
		t.Errorf("next sequence = %d, want 2", p.FirstEventSequence)
	}
}

func TestWebhookDropAndDelay(t *testing.T) {
	t.Parallel()
	const key = "drop-key"
	rc := newReceiver(t, key)
	b := setup(t, xeroemu.Options{WebhookURL: rc.srv.URL, WebhookKey: key})
	b.emu.SetWebhookDelivery(1, 0)
	seedCustomer(t, b, "Dropped")
	b.emu.SetWebhookDelivery(0, 300*time.Millisecond)
	start := time.Now()
	kept := seedCustomer(t, b, "Kept")
	d, p := rc.next(t)
	if len(p.Events) != 1 || p.Events[0].ResourceID != kept {
		t.Errorf("after a dropped event: %+v", p)
	}
	if waited := d.at.Sub(start); waited < 300*time.Millisecond {
		t.Errorf("delivery came after %v, want at least the 300ms delay", waited)
	}
}

func TestCloseStopsRetries(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(sink.Close)
	// Real-time retries: the next attempt would be a minute away.
	emu := xeroemu.New(xeroemu.Options{WebhookURL: sink.URL, RateLimit: emukit.RealRateLimit})
	t.Cleanup(emu.Close)
	if _, err := emu.SeedContact(emu.DefaultTenantID(), xeroemu.Contact{Name: "Never delivered"}); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, "a delivery attempt", 10*time.Second, func() bool { return calls.Load() > 0 })
	emu.Close() // returns promptly: the retry wait ends with the context
	emu.Close()
	if _, err := emu.SeedContact(emu.DefaultTenantID(), xeroemu.Contact{Name: "After close"}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d delivery attempts, want 1", calls.Load())
	}
}

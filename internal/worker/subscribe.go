package worker

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/riverqueue/river"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
)

// HookPath is where ShipStation webhooks are received; the account's
// secret follows it.
const HookPath = "/webhooks/shipstation/"

// ErrNoWebhookURL means the app has no base URL ShipStation could post
// webhooks to: none, or (with the real ShipStation) one that is not https.
var ErrNoWebhookURL = errors.New("worker: no base URL for webhooks is configured")

// Subscriber keeps each account's ShipStation SHIP_NOTIFY webhook
// subscription in step with its connection (Subscribe, Unsubscribe), so
// that a label reaches the write-back in seconds. New builds it.
type Subscriber struct {
	c   *Clients
	st  *store.Store
	log *slog.Logger
	// hookBase is the app's public base URL without its trailing slash;
	// empty subscribes none.
	hookBase string
	// ssURL is the ShipStation API root the clients use (empty: the real
	// one), which decides whether the hook URL must be https.
	ssURL string
}

// Subscribe makes the account's ShipStation webhook match its
// connection: one SHIP_NOTIFY subscription for the chosen store, at a URL
// whose secret only ShipStation knows. It lists the key's webhooks first,
// so it can be repeated, and after a crash it replaces the subscription
// whose secret was lost and deletes any of ours no account owns.
func (s *Subscriber) Subscribe(ctx context.Context, acct int64) error {
	if s.hookBase == "" {
		return ErrNoWebhookURL
	}
	if (s.ssURL == "" || strings.TrimRight(s.ssURL, "/") == shipstation.DefaultBaseURL) && !strings.HasPrefix(s.hookBase, "https://") {
		// The real ShipStation must reach the URL over the internet; a
		// base URL such as http://127.0.0.1:8080 (serve's default) would
		// only collect failed deliveries there.
		return fmt.Errorf("%w: ShipStation needs an https ORDERBRIDGE_BASE_URL reachable from the internet, not %s", ErrNoWebhookURL, s.hookBase)
	}
	ss, storeID, err := s.c.shipStationOf(ctx, acct)
	if err != nil {
		return err
	}
	r := &run{acct: acct}
	hooks, err := ss.Webhooks(ctx)
	if err != nil {
		return s.c.shipStationFailed(ctx, r, "list webhooks", err)
	}
	prefix := s.hookBase + HookPath
	cur, err := s.st.ShipStationHookOf(ctx, acct)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("worker: subscribe: %w", err)
	}
	keep := int64(0)
	if err == nil && cur.WebhookID != 0 && cur.StoreID == storeID {
		for _, h := range hooks {
			if h.WebHookID == cur.WebhookID && h.Active && strings.HasPrefix(h.URL, prefix) &&
				store.HashHookSecret(strings.TrimPrefix(h.URL, prefix)) == cur.SecretHash {
				keep = h.WebHookID
			}
		}
	}
	if keep == 0 {
		secret, err := newHookSecret()
		if err != nil {
			return err
		}
		h := store.ShipStationHook{AccountID: acct, SecretHash: store.HashHookSecret(secret), StoreID: storeID}
		// Recorded before subscribing: a delivery may come at once.
		if err := s.st.SaveShipStationHook(ctx, h); err != nil {
			return fmt.Errorf("worker: subscribe: %w", err)
		}
		id, err := ss.SubscribeWebhook(ctx, shipstation.Subscription{
			TargetURL: prefix + secret, Event: shipstation.EventShipNotify, StoreID: storeID, FriendlyName: "orderbridge",
		})
		if err != nil {
			return s.c.shipStationFailed(ctx, r, "subscribe webhook", err)
		}
		h.WebhookID, keep = id, id
		if err := s.st.SaveShipStationHook(context.WithoutCancel(ctx), h); err != nil {
			return fmt.Errorf("worker: subscribe: %w", err)
		}
		s.log.InfoContext(ctx, "shipstation webhook subscribed", "account", acct, "store", storeID, "webhook", id)
	}
	// Ours (our URL) but owned by no account, or an older one of this
	// account: delete.
	for _, h := range hooks {
		if h.WebHookID == keep || !strings.HasPrefix(h.URL, prefix) {
			continue
		}
		owner, err := s.st.ShipStationHookBySecret(ctx, strings.TrimPrefix(h.URL, prefix))
		if err == nil && owner.AccountID != acct {
			continue // another account on the same ShipStation key
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("worker: subscribe: %w", err)
		}
		if err := ss.DeleteWebhook(ctx, h.WebHookID); err != nil && !errors.Is(err, shipstation.ErrNotFound) {
			return s.c.shipStationFailed(ctx, r, "delete stale webhook", err)
		}
	}
	return nil
}

// Unsubscribe deletes the account's webhook at ShipStation and
// forgets it. Call it before the key is erased; without a key only the
// record goes.
func (s *Subscriber) Unsubscribe(ctx context.Context, acct int64) error {
	cur, err := s.st.ShipStationHookOf(ctx, acct)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("worker: unsubscribe: %w", err)
	}
	if cur.WebhookID != 0 {
		ss, _, err := s.c.shipStationOf(ctx, acct)
		switch {
		case errors.Is(err, ErrNotConnected):
		case err != nil:
			return err
		default:
			if err := ss.DeleteWebhook(ctx, cur.WebhookID); err != nil && !errors.Is(err, shipstation.ErrNotFound) {
				return fmt.Errorf("worker: unsubscribe: %w", err)
			}
		}
	}
	return s.st.DeleteShipStationHook(ctx, acct)
}

// newHookSecret returns 32 random bytes, URL-safe.
func newHookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("worker: hook secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Job kind of the ShipStation subscription. The string is stored in
// River's job table: never rename it.
const KindSubscribeShipStation = "shipstation_subscribe"

// SubscribeArgs asks for the account's ShipStation webhook to be made to
// match its connection.
type SubscribeArgs struct {
	AccountID int64 `json:"account_id"`
}

// Kind is the River job kind.
func (SubscribeArgs) Kind() string { return KindSubscribeShipStation }

// InsertOpts makes the job unique per account while pending.
func (SubscribeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: uniqueWhilePending}
}

// SubscribeWorker works shipstation_subscribe jobs.
type SubscribeWorker struct {
	river.WorkerDefaults[SubscribeArgs]
	Subscriber *Subscriber
}

// Work subscribes; without a base URL, or once ShipStation is
// disconnected, there is nothing to do.
func (w *SubscribeWorker) Work(ctx context.Context, job *river.Job[SubscribeArgs]) error {
	err := w.Subscriber.Subscribe(ctx, job.Args.AccountID)
	if errors.Is(err, ErrNoWebhookURL) || errors.Is(err, ErrNotConnected) {
		return river.JobCancel(err)
	}
	return RiverError(err)
}

// EnqueueSubscribe inserts the subscription job in tx.
func EnqueueSubscribe(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64) error {
	if _, err := client.InsertTx(ctx, tx, SubscribeArgs{AccountID: accountID}, nil); err != nil {
		return fmt.Errorf("worker: enqueue subscribe of account %d: %w", accountID, err)
	}
	return nil
}

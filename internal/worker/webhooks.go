package worker

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
)

// Webhooks turn minutes into seconds. A webhook receiver records the
// events and inserts the job in one transaction; the job is unique per
// account while pending, running included (River requires it), so a
// trigger that arrives while the account's job runs inserts nothing. It
// records a work request instead (store.RequestWork), and the job, before
// it completes, looks for one: it completes in the same transaction in
// which it finds none (river.JobCompleteTx), else runs again. Either the
// job sees the request, or the request's insert sees the job completed and
// inserts a new one: no trigger is lost between the two.

// Work request kinds besides the job kinds themselves (which a webhook
// requests).
const (
	// demandWriteBackWindows asks the write-back to read its windows
	// (shipments by create and void date, fulfillments): the sweep's work,
	// which a webhook-triggered run skips.
	demandWriteBackWindows = "write_back_windows"
)

// maxPasses bounds the runs one job makes in a row while requests keep
// coming; it then snoozes, so that other jobs get a turn, and runs again.
const maxPasses = 50

// webhookEventsPage is how many pending ShipStation events one query
// reads; a run reads them all, page after page.
const webhookEventsPage = 100

// EnqueueWebhookExport asks, in tx, for an export of the account because
// Xero sent an INVOICE or CONTACT event: a job now, or another run of the
// job going on.
func EnqueueWebhookExport(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64) error {
	return enqueueRequested(ctx, client, tx, accountID, ExportInvoicesArgs{AccountID: accountID})
}

// EnqueueWebhookWriteBack asks, in tx, for the account's pending
// ShipStation events (recorded in tx) to be written back.
func EnqueueWebhookWriteBack(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64) error {
	return enqueueRequested(ctx, client, tx, accountID, WriteBackArgs{AccountID: accountID})
}

// enqueueRequested records a request for a run of args' kind and inserts
// the job, in tx: the insert is refused while the account's job runs, and
// the request makes that job run again (completeUnlessRequested).
func enqueueRequested(ctx context.Context, client *river.Client[*store.Tx], tx *store.Tx, accountID int64, args river.JobArgs) error {
	if err := tx.RequestWork(ctx, accountID, args.Kind()); err != nil {
		return fmt.Errorf("worker: webhook %s: %w", args.Kind(), err)
	}
	if _, err := client.InsertTx(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("worker: webhook %s of account %d: %w", args.Kind(), accountID, err)
	}
	return nil
}

// runPasses runs pass until no request of kinds is left for the account:
// it clears the requests (pass learns which there were), runs pass, and
// completes the job in the transaction that finds no new one
// (completeUnlessRequested), else runs pass again. After maxPasses in a
// row it snoozes, so that other jobs get a worker. An error from pass is
// returned as it is: pass speaks River's vocabulary (RiverError).
func runPasses[T river.JobArgs](ctx context.Context, st *store.Store, job *river.Job[T], accountID int64, kinds []string,
	pass func(ctx context.Context, requested map[string]bool) error) error {
	for n := 1; ; n++ {
		requested := make(map[string]bool, len(kinds))
		for _, k := range kinds {
			took, err := st.TakeWork(ctx, accountID, k)
			if err != nil {
				return err
			}
			requested[k] = took
		}
		if err := pass(ctx, requested); err != nil {
			return err
		}
		done, err := completeUnlessRequested(ctx, st, job, accountID, kinds...)
		if err != nil || done {
			return err
		}
		if n == maxPasses {
			return river.JobSnooze(0)
		}
	}
}

// errMoreWork rolls back a completion that found a request.
var errMoreWork = errors.New("worker: more work requested")

// completeUnlessRequested completes the job in a transaction that also
// finds no request of kinds for the account, and reports whether it did.
// Outside a River client (a test calling Work directly) it reports true.
func completeUnlessRequested[T river.JobArgs](ctx context.Context, st *store.Store, job *river.Job[T], accountID int64, kinds ...string) (bool, error) {
	if _, err := river.ClientFromContextSafely[*store.Tx](ctx); err != nil {
		return true, nil
	}
	err := st.WithTx(ctx, func(tx *store.Tx) error {
		// Complete first: on PostgreSQL this locks the job's row, so a
		// receiver whose insert conflicted with it commits its request
		// before the check below reads (or inserts a new job after).
		if _, err := river.JobCompleteTx[*store.RiverDriver](ctx, tx, job); err != nil {
			return err
		}
		for _, k := range kinds {
			more, err := tx.WorkRequested(ctx, accountID, k)
			if err != nil {
				return err
			}
			if more {
				return errMoreWork
			}
		}
		return nil
	})
	if errors.Is(err, errMoreWork) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("worker: complete job %d: %w", job.ID, err)
	}
	return true, nil
}

// add sums another pass's counts into s.
func (s *Summary) add(o Summary) {
	if s.Since.IsZero() {
		s.Since = o.Since
	}
	if !o.Cursor.IsZero() {
		s.Cursor = o.Cursor
	}
	s.Passes += max(o.Passes, 1)
	s.Pages += o.Pages
	s.Invoices += o.Invoices
	s.Exported += o.Exported
	s.Updated += o.Updated
	s.Cancelled += o.Cancelled
	s.Unchanged += o.Unchanged
	s.Skipped += o.Skipped
	s.Alerts += o.Alerts
	s.Failed += o.Failed
	s.SilentRepeats += o.SilentRepeats
	s.XeroCalls += o.XeroCalls
	s.ShipStationCalls += o.ShipStationCalls
	s.ContactsFetched += o.ContactsFetched
}

// add sums another pass's counts into s.
func (s *WriteBackSummary) add(o WriteBackSummary) {
	s.Passes += max(o.Passes, 1)
	s.WebhookEvents += o.WebhookEvents
	s.Shipments += o.Shipments
	s.Voids += o.Voids
	s.Fulfillments += o.Fulfillments
	s.Written += o.Written
	s.Done += o.Done
	s.Skipped += o.Skipped
	s.Failed += o.Failed
	s.Notes += o.Notes
	s.Lines += o.Lines
	s.LinesRemoved += o.LinesRemoved
	s.HistoryChecks += o.HistoryChecks
	s.Found += o.Found
	s.Warnings += o.Warnings
	s.XeroCalls += o.XeroCalls
	s.ShipStationCalls += o.ShipStationCalls
}

// webhookEvents reads the batches the account's pending SHIP_NOTIFY events
// name and writes their shipments back. The resource_url is fetched only
// from the configured ShipStation host, with the account's key; one on
// another host fails the event (and shows on the dashboard) without a
// request being made.
func (e *Exporter) webhookEvents(ctx context.Context, ir *writeBackRun) error {
	for {
		evs, err := e.st.PendingWebhookEvents(ctx, ir.acct, store.SourceShipStation, webhookEventsPage)
		if err != nil {
			return fmt.Errorf("worker: write back: %w", err)
		}
		for _, ev := range evs {
			if err := e.webhookEvent(ctx, ir, ev); err != nil {
				return err
			}
		}
		if len(evs) < webhookEventsPage {
			return nil
		}
	}
}

// webhookEvent reads one pending event's batch and records what became of
// it. An error it returns (transient, or a person must act) leaves the
// event pending.
func (e *Exporter) webhookEvent(ctx context.Context, ir *writeBackRun, ev store.WebhookEvent) error {
	ir.sum.WebhookEvents++
	n, err := e.webhookBatch(ctx, ir, ev)
	var state store.WebhookEventState
	var detail string
	var fe *shipstation.ForeignURLError
	switch {
	case err == nil:
		state, detail = store.EventDone, fmt.Sprintf("%d shipment(s) read", n)
	case errors.As(err, &fe):
		state, detail = store.EventFailed, "resource_url is not on ShipStation's API host (got "+fe.Host+"); nothing was fetched"
	case errors.Is(err, shipstation.ErrNotFound) || errors.Is(err, shipstation.ErrValidation) || errors.Is(err, errBadResource):
		state, detail = store.EventFailed, "ShipStation did not serve the webhook's batch: "+err.Error()
	default:
		return err
	}
	ctx = context.WithoutCancel(ctx)
	if err := e.st.FinishWebhookEvent(ctx, ir.acct, ev.ID, state, detail); err != nil {
		return fmt.Errorf("worker: write back: %w", err)
	}
	if state == store.EventFailed {
		e.log.Warn("shipstation webhook event failed", "account", ir.acct, "event", ev.ID, "reason", detail)
		if err := e.st.NoteWebhookFailure(ctx, ir.acct, store.SourceShipStation, e.now(), detail); err != nil {
			return fmt.Errorf("worker: write back: %w", err)
		}
	}
	return nil
}

// errBadResource marks a resource_url that cannot be read.
var errBadResource = errors.New("worker: unreadable webhook resource")

// webhookBatch reads every page of one event's batch and writes its
// shipments back, returning how many it read.
func (e *Exporter) webhookBatch(ctx context.Context, ir *writeBackRun, ev store.WebhookEvent) (int, error) {
	switch ev.Kind {
	case shipstation.EventShipNotify, shipstation.EventItemShipNotify:
	default:
		return 0, fmt.Errorf("%w: resource_type %q is not a shipment event", errBadResource, ev.Kind)
	}
	u, err := url.Parse(ev.Resource)
	if err != nil || !u.IsAbs() {
		return 0, fmt.Errorf("%w: resource_url is not an absolute URL", errBadResource)
	}
	n := 0
	for page := 1; ; page++ {
		if page > 1 {
			q := u.Query()
			q.Set("page", strconv.Itoa(page))
			u.RawQuery = q.Encode()
		}
		b, err := ir.ss.FetchWebhookResource(ctx, shipstation.WebhookPayload{ResourceURL: u.String(), ResourceType: ev.Kind})
		if fe := (*shipstation.ForeignURLError)(nil); errors.As(err, &fe) {
			return n, err // refused before any request: no call, no credentials sent
		}
		ir.sum.ShipStationCalls++
		if err != nil {
			return n, e.shipStationFailed(ctx, ir.run, "fetch webhook batch", err)
		}
		for _, s := range b.Shipments {
			sev := bridge.ShipmentEventOf(s)
			n++
			if ir.seen[sev.ID] {
				continue
			}
			ir.seen[sev.ID] = true
			ir.sum.Shipments++
			if err := e.writeBack(ctx, ir, sev); err != nil {
				return n, err
			}
		}
		if b.Pages <= page || len(b.Shipments) == 0 {
			return n, nil
		}
	}
}

// ignorePendingWebhookEvents marks the account's pending ShipStation events
// ignored: its write-back is off, so nothing will read them.
func (e *Exporter) ignorePendingWebhookEvents(ctx context.Context, acct int64) error {
	for {
		evs, err := e.st.PendingWebhookEvents(ctx, acct, store.SourceShipStation, webhookEventsPage)
		if err != nil || len(evs) == 0 {
			return err
		}
		for _, ev := range evs {
			if err := e.st.FinishWebhookEvent(ctx, acct, ev.ID, store.EventIgnored, "write-back is off"); err != nil {
				return err
			}
		}
	}
}

// HookPath is where ShipStation webhooks are received; the account's
// secret follows it.
const HookPath = "/webhooks/shipstation/"

// ErrNoWebhookURL means the app has no base URL ShipStation could post
// webhooks to: none, or (with the real ShipStation) one that is not https.
var ErrNoWebhookURL = errors.New("worker: no base URL for webhooks is configured")

// SubscribeShipStation makes the account's ShipStation webhook match its
// connection: one SHIP_NOTIFY subscription for the chosen store, at a URL
// whose secret only ShipStation knows. It lists the key's webhooks first,
// so it can be repeated, and after a crash it replaces the subscription
// whose secret was lost and deletes any of ours no account owns.
func (e *Exporter) SubscribeShipStation(ctx context.Context, acct int64) error {
	if e.hookBase == "" {
		return ErrNoWebhookURL
	}
	if (e.ssURL == "" || strings.TrimRight(e.ssURL, "/") == shipstation.DefaultBaseURL) && !strings.HasPrefix(e.hookBase, "https://") {
		// The real ShipStation must reach the URL over the internet; a
		// base URL such as http://127.0.0.1:8080 (serve's default) would
		// only collect failed deliveries there.
		return fmt.Errorf("%w: ShipStation needs an https ORDERBRIDGE_BASE_URL reachable from the internet, not %s", ErrNoWebhookURL, e.hookBase)
	}
	ss, storeID, err := e.shipStationOf(ctx, acct)
	if err != nil {
		return err
	}
	r := &run{acct: acct}
	hooks, err := ss.Webhooks(ctx)
	if err != nil {
		return e.shipStationFailed(ctx, r, "list webhooks", err)
	}
	prefix := e.hookBase + HookPath
	cur, err := e.st.ShipStationHookOf(ctx, acct)
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
		if err := e.st.SaveShipStationHook(ctx, h); err != nil {
			return fmt.Errorf("worker: subscribe: %w", err)
		}
		id, err := ss.SubscribeWebhook(ctx, shipstation.Subscription{
			TargetURL: prefix + secret, Event: shipstation.EventShipNotify, StoreID: storeID, FriendlyName: "orderbridge",
		})
		if err != nil {
			return e.shipStationFailed(ctx, r, "subscribe webhook", err)
		}
		h.WebhookID, keep = id, id
		if err := e.st.SaveShipStationHook(context.WithoutCancel(ctx), h); err != nil {
			return fmt.Errorf("worker: subscribe: %w", err)
		}
		e.log.Info("shipstation webhook subscribed", "account", acct, "store", storeID, "webhook", id)
	}
	// Ours (our URL) but owned by no account, or an older one of this
	// account: delete.
	for _, h := range hooks {
		if h.WebHookID == keep || !strings.HasPrefix(h.URL, prefix) {
			continue
		}
		owner, err := e.st.ShipStationHookBySecret(ctx, strings.TrimPrefix(h.URL, prefix))
		if err == nil && owner.AccountID != acct {
			continue // another account on the same ShipStation key
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("worker: subscribe: %w", err)
		}
		if err := ss.DeleteWebhook(ctx, h.WebHookID); err != nil && !errors.Is(err, shipstation.ErrNotFound) {
			return e.shipStationFailed(ctx, r, "delete stale webhook", err)
		}
	}
	return nil
}

// UnsubscribeShipStation deletes the account's webhook at ShipStation and
// forgets it. Call it before the key is erased; without a key only the
// record goes.
func (e *Exporter) UnsubscribeShipStation(ctx context.Context, acct int64) error {
	cur, err := e.st.ShipStationHookOf(ctx, acct)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("worker: unsubscribe: %w", err)
	}
	if cur.WebhookID != 0 {
		ss, _, err := e.shipStationOf(ctx, acct)
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
	return e.st.DeleteShipStationHook(ctx, acct)
}

// shipStationOf builds the account's ShipStation client and says which
// store its orders go to.
func (e *Exporter) shipStationOf(ctx context.Context, acct int64) (*shipstation.Client, int64, error) {
	sc, err := e.st.Connection(ctx, acct, store.KindShipStation)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !sc.HasSecret) {
		return nil, 0, fmt.Errorf("worker: account %d has no ShipStation key: %w", acct, ErrNotConnected)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("worker: shipstation: %w", err)
	}
	ss, _, err := e.shipStationClient(ctx, acct)
	if err != nil {
		return nil, 0, err
	}
	settings, err := e.st.Settings(ctx, acct)
	if err != nil {
		return nil, 0, fmt.Errorf("worker: shipstation: %w", err)
	}
	return ss, storeIDOf(settings, sc.Metadata), nil
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
	Exporter *Exporter
}

// Work subscribes; without a base URL, or once ShipStation is
// disconnected, there is nothing to do.
func (w *SubscribeWorker) Work(ctx context.Context, job *river.Job[SubscribeArgs]) error {
	err := w.Exporter.SubscribeShipStation(ctx, job.Args.AccountID)
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

// webhookRetention is how long received events are kept to recognise
// repeats: Xero replays events for up to 31 days after a webhook was
// disabled.
const webhookRetention = 35 * 24 * time.Hour

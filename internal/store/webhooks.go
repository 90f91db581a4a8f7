package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// WebhookSource names who sent a webhook.
type WebhookSource string

// The two webhook sources.
const (
	SourceXero        WebhookSource = "xero"
	SourceShipStation WebhookSource = "shipstation"
)

// WebhookEventState is where a received event is.
type WebhookEventState string

// Webhook event states. A Xero INVOICE or CONTACT event names what an
// export reads, and a ShipStation event a batch the write-back fetches:
// each stays pending until read (other Xero events are ignored).
const (
	EventPending WebhookEventState = "pending"
	EventDone    WebhookEventState = "done"
	EventFailed  WebhookEventState = "failed"
	EventIgnored WebhookEventState = "ignored"
)

// WebhookEvent is one event a webhook delivered to an account.
type WebhookEvent struct {
	ID        int64
	AccountID int64
	Source    WebhookSource
	// Key identifies the event: a repeat delivery has the same Key and is
	// not recorded twice.
	Key string
	// Kind is Xero's event category (INVOICE, CONTACT) or ShipStation's
	// resource_type (SHIP_NOTIFY).
	Kind string
	// Resource is Xero's resourceId or ShipStation's resource_url.
	Resource   string
	ReceivedAt time.Time
	State      WebhookEventState
	// Detail says why an event failed or was ignored.
	Detail string
}

// EventKey hashes the parts that identify an event into a Key.
func EventKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RecordWebhookEvent stores an event unless one with its account, source
// and Key is there already; it reports whether it was new. It is on Tx:
// the handler records the events and inserts their jobs in one
// transaction.
func (tx *Tx) RecordWebhookEvent(ctx context.Context, ev WebhookEvent) (bool, error) {
	fresh, err := tx.RecordWebhookEvents(ctx, []WebhookEvent{ev})
	if err != nil {
		return false, err
	}
	return fresh[0], nil
}

// recordBatch is how many events one INSERT of RecordWebhookEvents
// carries: 8 parameters each; SQLite looks a $N parameter up by name, so
// far more would cost more than the statements saved.
const recordBatch = 100

// RecordWebhookEvents stores many events like RecordWebhookEvent, a few
// hundred per statement, and reports which were new (by index): a
// delivery of a thousand events is a few statements, not a thousand.
func (tx *Tx) RecordWebhookEvents(ctx context.Context, evs []WebhookEvent) ([]bool, error) {
	fresh := make([]bool, len(evs))
	type key struct {
		acct int64
		src  WebhookSource
		k    string
	}
	for start := 0; start < len(evs); start += recordBatch {
		batch := evs[start:min(start+recordBatch, len(evs))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO webhook_event (account_id, source, event_key, kind, resource, received_at, state, detail) VALUES `)
		args := make([]any, 0, 8*len(batch))
		at := map[key]int{}
		for i, ev := range batch {
			if ev.Key == "" {
				return nil, errors.New("store: record webhook events: empty key")
			}
			if ev.State == "" {
				ev.State = EventPending
			}
			if ev.ReceivedAt.IsZero() {
				ev.ReceivedAt = tx.now()
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8)
			args = append(args, ev.AccountID, string(ev.Source), ev.Key, ev.Kind, ev.Resource, tx.t(ev.ReceivedAt), string(ev.State), ev.Detail)
			k := key{ev.AccountID, ev.Source, ev.Key}
			if _, dup := at[k]; !dup {
				at[k] = start + i // a repeat within the batch is not new
			}
		}
		sb.WriteString(" ON CONFLICT (account_id, source, event_key) DO NOTHING RETURNING account_id, source, event_key")
		rs, err := tx.w.query(ctx, sb.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("store: record webhook events: %w", err)
		}
		for rs.Next() {
			var k key
			var src string
			if err := rs.Scan(&k.acct, &src, &k.k); err != nil {
				rs.Close()
				return nil, fmt.Errorf("store: record webhook events: %w", err)
			}
			k.src = WebhookSource(src)
			if i, ok := at[k]; ok {
				fresh[i] = true
			}
		}
		err = rs.Err()
		rs.Close()
		if err != nil {
			return nil, fmt.Errorf("store: record webhook events: %w", err)
		}
	}
	return fresh, nil
}

const webhookEventColumns = "id, account_id, source, event_key, kind, resource, received_at, state, detail"

func scanWebhookEvent(r row) (WebhookEvent, error) {
	var ev WebhookEvent
	var source, state string
	err := r.Scan(&ev.ID, &ev.AccountID, &source, &ev.Key, &ev.Kind, &ev.Resource, timeCol{&ev.ReceivedAt}, &state, &ev.Detail)
	ev.Source, ev.State = WebhookSource(source), WebhookEventState(state)
	return ev, err
}

// PendingWebhookEvents returns up to limit of an account's pending events
// from source, oldest first.
func (q *Queries) PendingWebhookEvents(ctx context.Context, accountID int64, source WebhookSource, limit int) ([]WebhookEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	rs, err := q.r.query(ctx, "SELECT "+webhookEventColumns+` FROM webhook_event
		WHERE account_id = $1 AND source = $2 AND state = 'pending' ORDER BY id LIMIT $3`, accountID, string(source), limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending webhook events: %w", err)
	}
	defer rs.Close()
	var out []WebhookEvent
	for rs.Next() {
		ev, err := scanWebhookEvent(rs)
		if err != nil {
			return nil, fmt.Errorf("store: pending webhook events: %w", err)
		}
		out = append(out, ev)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: pending webhook events: %w", err)
	}
	return out, nil
}

// HasPendingWebhookEvents reports whether the account has a pending event
// from source.
func (q *Queries) HasPendingWebhookEvents(ctx context.Context, accountID int64, source WebhookSource) (bool, error) {
	var n int
	err := q.r.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM webhook_event
		WHERE account_id = $1 AND source = $2 AND state = 'pending' LIMIT 1) AS p`, accountID, string(source)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: pending webhook events: %w", err)
	}
	return n > 0, nil
}

// FinishWebhookEvent records what became of a pending event: done, failed
// or ignored, with why.
func (q *Queries) FinishWebhookEvent(ctx context.Context, accountID, id int64, state WebhookEventState, detail string) error {
	if state == EventPending {
		return errors.New("store: finish webhook event: state must not be pending")
	}
	n, err := q.w.exec(ctx, "UPDATE webhook_event SET state = $3, detail = $4 WHERE account_id = $1 AND id = $2",
		accountID, id, string(state), detail)
	if err != nil {
		return fmt.Errorf("store: finish webhook event %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: finish webhook event %d: %w", id, ErrNotFound)
	}
	return nil
}

// PruneWebhookEvents deletes the events received before before and returns
// how many went. Xero replays events for up to 31 days after a webhook was
// disabled, so keep them longer than that. An event still pending by then
// (its account disconnected) is long covered by the sweeps' windows.
func (q *Queries) PruneWebhookEvents(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.w.exec(ctx, "DELETE FROM webhook_event WHERE received_at < $1", q.t(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune webhook events: %w", err)
	}
	// Swept changes matter for HealthyWithin only; they go with the events.
	if _, err := q.w.exec(ctx, "DELETE FROM swept_change WHERE found_at < $1", q.t(before)); err != nil {
		return 0, fmt.Errorf("store: prune swept changes: %w", err)
	}
	return n, nil
}

// RequestWork records that an account wants a run of kind (a job kind)
// after whatever run is going on now: the job runs again when a trigger
// came in during it (see TakeWork and WorkRequested).
func (q *Queries) RequestWork(ctx context.Context, accountID int64, kind string) error {
	_, err := q.w.exec(ctx, `INSERT INTO work_demand (account_id, kind, requested_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, kind) DO UPDATE SET requested_at = excluded.requested_at`, accountID, kind, q.t(q.now()))
	if err != nil {
		return fmt.Errorf("store: request %s work: %w", kind, err)
	}
	return nil
}

// TakeWork clears the account's request for kind, as a run starts, and
// reports whether there was one.
func (q *Queries) TakeWork(ctx context.Context, accountID int64, kind string) (bool, error) {
	n, err := q.w.exec(ctx, "DELETE FROM work_demand WHERE account_id = $1 AND kind = $2", accountID, kind)
	if err != nil {
		return false, fmt.Errorf("store: take %s work: %w", kind, err)
	}
	return n > 0, nil
}

// WorkRequested reports whether the account has asked for a run of kind
// since TakeWork last cleared it.
func (q *Queries) WorkRequested(ctx context.Context, accountID int64, kind string) (bool, error) {
	var n int
	err := q.r.queryRow(ctx, "SELECT COUNT(*) FROM work_demand WHERE account_id = $1 AND kind = $2", accountID, kind).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: %s work requested: %w", kind, err)
	}
	return n > 0, nil
}

// WebhookHealth is what the dashboard shows of one source's webhooks for
// an account.
type WebhookHealth struct {
	Source WebhookSource
	// LastDeliveryAt is when a delivery for the account last arrived (zero:
	// never).
	LastDeliveryAt time.Time
	// Deliveries, Events and Duplicates count deliveries, the events in
	// them, and the events that were repeats.
	Deliveries, Events, Duplicates int64
	// LastFailureAt and LastFailure say when and why a delivery or its
	// follow-up last failed (zero and empty: never); Failures counts them.
	LastFailureAt time.Time
	LastFailure   string
	Failures      int64
	// SweptChanges are when (by Xero's clock) the changes were made that
	// runs read within HealthyWithin and that were newer than
	// LastDeliveryAt when read (NoteSweptChanges); MissedChanges says
	// which of them no webhook announced in time.
	SweptChanges []time.Time
}

// HealthyWithin is how recent a delivery must be for webhooks to count as
// working.
const HealthyWithin = 24 * time.Hour

const (
	// MissedGrace is how long a change may wait for its webhook before the
	// silence counts against the webhooks: Xero delivers within seconds to
	// minutes, and retries a refused delivery after about 15 minutes.
	MissedGrace = 20 * time.Minute
	// ClockMargin is how far Xero's clock, which stamps a change, may run
	// ahead of ours, which stamps a delivery, before a change made just
	// before a delivery looks made after it.
	ClockMargin = time.Minute
)

// Healthy reports whether the webhooks work at now: a delivery within
// HealthyWithin, no failure after it, and no change missed since
// (MissedChanges). The sweep then only needs to be the safety net
// (Settings.SafetySweepInterval); the dashboard says so.
func (h WebhookHealth) Healthy(now time.Time) bool {
	return !h.LastDeliveryAt.IsZero() && now.Sub(h.LastDeliveryAt) < HealthyWithin && !h.LastFailureAt.After(h.LastDeliveryAt) &&
		h.MissedChanges(now) == 0
}

// MissedChanges counts the changes of the last HealthyWithin that reached
// orderbridge only through a run reading them, not through a webhook: made
// after the last delivery (ClockMargin allowed) and at least MissedGrace
// before now, so their webhook had its time and did not come. Xero
// disables a webhook whose deliveries failed for 24 hours, and then sends
// nothing until someone re-enables it in the developer portal; deliveries
// merely failing look alike. Any later delivery clears the count, since
// it shows the webhook on again.
func (h WebhookHealth) MissedChanges(now time.Time) int {
	if h.LastDeliveryAt.IsZero() {
		return 0 // never on: nothing to have switched off
	}
	n := 0
	for _, t := range h.SweptChanges {
		if t.After(h.LastDeliveryAt.Add(ClockMargin)) && !t.After(now.Add(-MissedGrace)) && now.Sub(t) < HealthyWithin {
			n++
		}
	}
	return n
}

// SweptChange is a change a run read: the resource (a Xero InvoiceID) and
// when it was made, by Xero's clock (its UpdatedDateUTC).
type SweptChange struct {
	Resource  string
	ChangedAt time.Time
}

// NoteSweptChanges records the changes a run read that could count
// against the source's webhooks (see MissedChanges): those of the last
// HealthyWithin made after the account's last delivery. An account whose
// webhooks never delivered records nothing, so runs of accounts without
// webhooks cost one read.
func (q *Queries) NoteSweptChanges(ctx context.Context, accountID int64, source WebhookSource, changes []SweptChange) error {
	if len(changes) == 0 {
		return nil
	}
	var last time.Time
	err := q.r.queryRow(ctx, "SELECT last_delivery_at FROM webhook_health WHERE account_id = $1 AND source = $2",
		accountID, string(source)).Scan(timeCol{&last})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && last.IsZero()) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: note swept changes: %w", err)
	}
	now := q.now()
	for _, c := range changes {
		if !c.ChangedAt.After(last.Add(ClockMargin)) || now.Sub(c.ChangedAt) >= HealthyWithin {
			continue
		}
		if _, err := q.w.exec(ctx, `INSERT INTO swept_change (account_id, source, resource, changed_at, found_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, source, resource, changed_at) DO NOTHING`,
			accountID, string(source), c.Resource, q.t(c.ChangedAt), q.t(now)); err != nil {
			return fmt.Errorf("store: note swept changes: %w", err)
		}
	}
	return nil
}

// NoteWebhookDelivery counts a delivery for an account at at, with its
// events and how many of them were repeats.
func (q *Queries) NoteWebhookDelivery(ctx context.Context, accountID int64, source WebhookSource, at time.Time, events, duplicates int) error {
	_, err := q.w.exec(ctx, `INSERT INTO webhook_health (account_id, source, last_delivery_at, deliveries, events, duplicates)
		VALUES ($1, $2, $3, 1, $4, $5)
		ON CONFLICT (account_id, source) DO UPDATE SET last_delivery_at = excluded.last_delivery_at,
		deliveries = webhook_health.deliveries + 1, events = webhook_health.events + excluded.events,
		duplicates = webhook_health.duplicates + excluded.duplicates`,
		accountID, string(source), q.t(at), events, duplicates)
	if err != nil {
		return fmt.Errorf("store: note webhook delivery: %w", err)
	}
	return nil
}

// NoteWebhookFailure records that a delivery for the account, or the work
// it asked for, failed, and why (for a person: no secret, no URL query).
func (q *Queries) NoteWebhookFailure(ctx context.Context, accountID int64, source WebhookSource, at time.Time, reason string) error {
	_, err := q.w.exec(ctx, `INSERT INTO webhook_health (account_id, source, last_failure_at, last_failure, failures)
		VALUES ($1, $2, $3, $4, 1)
		ON CONFLICT (account_id, source) DO UPDATE SET last_failure_at = excluded.last_failure_at,
		last_failure = excluded.last_failure, failures = webhook_health.failures + 1`,
		accountID, string(source), q.t(at), reason)
	if err != nil {
		return fmt.Errorf("store: note webhook failure: %w", err)
	}
	return nil
}

// WebhookHealthOf returns the account's webhook health by source; a
// source that never delivered is missing.
func (q *Queries) WebhookHealthOf(ctx context.Context, accountID int64) (map[WebhookSource]WebhookHealth, error) {
	rs, err := q.r.query(ctx, `SELECT source, last_delivery_at, deliveries, events, duplicates, last_failure_at, last_failure, failures
		FROM webhook_health WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: webhook health: %w", err)
	}
	defer rs.Close()
	out := map[WebhookSource]WebhookHealth{}
	for rs.Next() {
		var h WebhookHealth
		var source string
		if err := rs.Scan(&source, timeCol{&h.LastDeliveryAt}, &h.Deliveries, &h.Events, &h.Duplicates,
			timeCol{&h.LastFailureAt}, &h.LastFailure, &h.Failures); err != nil {
			return nil, fmt.Errorf("store: webhook health: %w", err)
		}
		h.Source = WebhookSource(source)
		out[h.Source] = h
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: webhook health: %w", err)
	}
	rs.Close()
	sw, err := q.r.query(ctx, `SELECT source, changed_at FROM swept_change WHERE account_id = $1 AND changed_at > $2
		ORDER BY changed_at`, accountID, q.t(q.now().Add(-HealthyWithin)))
	if err != nil {
		return nil, fmt.Errorf("store: webhook health: %w", err)
	}
	defer sw.Close()
	for sw.Next() {
		var source string
		var at time.Time
		if err := sw.Scan(&source, timeCol{&at}); err != nil {
			return nil, fmt.Errorf("store: webhook health: %w", err)
		}
		if h, ok := out[WebhookSource(source)]; ok {
			h.SweptChanges = append(h.SweptChanges, at)
			out[h.Source] = h
		}
	}
	if err := sw.Err(); err != nil {
		return nil, fmt.Errorf("store: webhook health: %w", err)
	}
	return out, nil
}

// XeroTenantAccounts returns the accounts whose connected Xero
// organisation is tenantID: where a Xero webhook event goes.
func (q *Queries) XeroTenantAccounts(ctx context.Context, tenantID string) ([]int64, error) {
	expr := "json_extract(metadata, '$.tenant_id')"
	if q.s.dialect == Postgres {
		expr = "(metadata ->> 'tenant_id')"
	}
	rs, err := q.r.query(ctx, `SELECT account_id FROM account_connection
		WHERE kind = 'xero' AND status = 'connected' AND `+expr+` = $1 ORDER BY account_id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: accounts of tenant: %w", err)
	}
	defer rs.Close()
	var out []int64
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: accounts of tenant: %w", err)
		}
		out = append(out, id)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: accounts of tenant: %w", err)
	}
	return out, nil
}

// ShipStationHook is an account's ShipStation webhook subscription. The
// URL ShipStation posts to ends in a secret that only ShipStation and the
// subscribing job ever see; the store keeps its SHA-256.
type ShipStationHook struct {
	AccountID int64
	// SecretHash is the hex SHA-256 of the URL secret (HashHookSecret).
	SecretHash string
	// WebhookID is ShipStation's id of the subscription (0: not
	// subscribed yet, or the subscription is being replaced).
	WebhookID int64
	// StoreID is the store the subscription is limited to.
	StoreID   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// HashHookSecret is the hash under which a hook secret is stored.
func HashHookSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SaveShipStationHook creates or replaces the account's subscription.
func (q *Queries) SaveShipStationHook(ctx context.Context, h ShipStationHook) error {
	if h.SecretHash == "" {
		return errors.New("store: save shipstation hook: empty secret hash")
	}
	now := q.t(q.now())
	_, err := q.w.exec(ctx, `INSERT INTO shipstation_hook (account_id, secret_hash, webhook_id, store_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (account_id) DO UPDATE SET secret_hash = excluded.secret_hash, webhook_id = excluded.webhook_id,
		store_id = excluded.store_id, updated_at = excluded.updated_at`,
		h.AccountID, h.SecretHash, h.WebhookID, h.StoreID, now)
	if err != nil {
		return fmt.Errorf("store: save shipstation hook: %w", err)
	}
	return nil
}

const hookColumns = "account_id, secret_hash, webhook_id, store_id, created_at, updated_at"

func scanHook(r row) (ShipStationHook, error) {
	var h ShipStationHook
	err := r.Scan(&h.AccountID, &h.SecretHash, &h.WebhookID, &h.StoreID, timeCol{&h.CreatedAt}, timeCol{&h.UpdatedAt})
	return h, err
}

// ShipStationHookOf returns the account's subscription, or ErrNotFound.
func (q *Queries) ShipStationHookOf(ctx context.Context, accountID int64) (ShipStationHook, error) {
	h, err := scanHook(q.r.queryRow(ctx, "SELECT "+hookColumns+" FROM shipstation_hook WHERE account_id = $1", accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return ShipStationHook{}, fmt.Errorf("store: shipstation hook of account %d: %w", accountID, ErrNotFound)
	}
	if err != nil {
		return ShipStationHook{}, fmt.Errorf("store: shipstation hook: %w", err)
	}
	return h, nil
}

// ShipStationHookBySecret finds the subscription whose URL secret is
// secret, or ErrNotFound. The lookup is by hash, and the hashes are
// compared again in constant time.
func (q *Queries) ShipStationHookBySecret(ctx context.Context, secret string) (ShipStationHook, error) {
	want := HashHookSecret(secret)
	h, err := scanHook(q.r.queryRow(ctx, "SELECT "+hookColumns+" FROM shipstation_hook WHERE secret_hash = $1", want))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && subtle.ConstantTimeCompare([]byte(h.SecretHash), []byte(want)) != 1) {
		return ShipStationHook{}, fmt.Errorf("store: shipstation hook: %w", ErrNotFound)
	}
	if err != nil {
		return ShipStationHook{}, fmt.Errorf("store: shipstation hook: %w", err)
	}
	return h, nil
}

// DeleteShipStationHook forgets the account's subscription (ShipStation's
// side is the caller's to delete); a missing one is not an error.
func (q *Queries) DeleteShipStationHook(ctx context.Context, accountID int64) error {
	if _, err := q.w.exec(ctx, "DELETE FROM shipstation_hook WHERE account_id = $1", accountID); err != nil {
		return fmt.Errorf("store: delete shipstation hook: %w", err)
	}
	return nil
}

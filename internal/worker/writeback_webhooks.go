package worker

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
)

// webhookEventsPage is how many pending ShipStation events one query
// reads; a run reads them all, page after page.
const webhookEventsPage = 100

// webhookEvents reads the batches the account's pending SHIP_NOTIFY events
// name and writes their shipments back. The resource_url is fetched only
// from the configured ShipStation host, with the account's key; one on
// another host fails the event (and shows on the dashboard) without a
// request being made.
func (wb *WriteBacker) webhookEvents(ctx context.Context, ir *writeBackRun) error {
	for {
		evs, err := wb.st.PendingWebhookEvents(ctx, ir.acct, store.SourceShipStation, webhookEventsPage)
		if err != nil {
			return fmt.Errorf("worker: write back: %w", err)
		}
		for _, ev := range evs {
			if err := wb.webhookEvent(ctx, ir, ev); err != nil {
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
func (wb *WriteBacker) webhookEvent(ctx context.Context, ir *writeBackRun, ev store.WebhookEvent) error {
	ir.sum.WebhookEvents++
	n, err := wb.webhookBatch(ctx, ir, ev)
	if err == nil {
		// Before the event is finished: a retry reads its batch again.
		err = wb.flushRechecks(ctx, ir)
	}
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
	// The event's end and, for a failure, the webhook health's record of it
	// commit together: whoever reads the event as failed (the dashboard, a
	// test) also finds the failure counted.
	ctx = context.WithoutCancel(ctx)
	err = wb.st.WithTx(ctx, func(tx *store.Tx) error {
		if err := tx.FinishWebhookEvent(ctx, ir.acct, ev.ID, state, detail); err != nil {
			return err
		}
		if state != store.EventFailed {
			return nil
		}
		return tx.NoteWebhookFailure(ctx, ir.acct, store.SourceShipStation, wb.now(), detail)
	})
	if err != nil {
		return fmt.Errorf("worker: write back: %w", err)
	}
	if state == store.EventFailed {
		wb.log.WarnContext(ctx, "shipstation webhook event failed", "account", ir.acct, "event", ev.ID, "reason", detail)
	}
	return nil
}

// errBadResource marks a resource_url that cannot be read.
var errBadResource = errors.New("worker: unreadable webhook resource")

// webhookBatch reads every page of one event's batch and writes its
// shipments back, returning how many it read.
func (wb *WriteBacker) webhookBatch(ctx context.Context, ir *writeBackRun, ev store.WebhookEvent) (int, error) {
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
			return n, wb.c.shipStationFailed(ctx, ir.run, "fetch webhook batch", err)
		}
		for _, s := range b.Shipments {
			sev := bridge.ShipmentEventOf(s)
			n++
			if ir.seen[sev.ID] {
				continue
			}
			ir.seen[sev.ID] = true
			ir.sum.Shipments++
			if err := wb.writeBack(ctx, ir, sev); err != nil {
				return n, err
			}
		}
		// Not b.Pages alone: ShipStation's envelopes may say pages 0 with
		// more to come (shipstation-api.md §2.2).
		if b.LastPage() {
			return n, nil
		}
	}
}

// ignorePendingWebhookEvents marks the account's pending ShipStation events
// ignored: its write-back is off, so nothing will read them.
func (wb *WriteBacker) ignorePendingWebhookEvents(ctx context.Context, acct int64) error {
	for {
		evs, err := wb.st.PendingWebhookEvents(ctx, acct, store.SourceShipStation, webhookEventsPage)
		if err != nil || len(evs) == 0 {
			return err
		}
		for _, ev := range evs {
			if err := wb.st.FinishWebhookEvent(ctx, acct, ev.ID, store.EventIgnored, "write-back is off"); err != nil {
				return err
			}
		}
	}
}

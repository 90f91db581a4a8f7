package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// The write-back: ShipStation shipments (labels) and fulfillments (orders
// marked shipped) written back onto their Xero invoices. bridge decides;
// this file reads the events, carries the plans out and records them.
//
// Exactly once, per event: the actions recorded as done (store
// written_shipment) are never planned again; a note carries an
// Idempotency-Key made from the event, which covers a quick retry; and an
// event whose write was attempted (store write_back_attempt, set before
// the first write) but not recorded has its invoice's History read first
// (bridge.HasNote), which covers a retry after Xero forgot the key. The
// cost line needs no marker: bridge finds its own line on the invoice.
// Both checks need the note's text to come out the same on a retry, so
// the carrier names are read once per run.

// Cursor names of the write-back: one per window, each moved to the run's
// start once every event of its window is recorded.
const (
	// CursorShipStationVoids is the voidDate up to which voided labels
	// were read (a void fires no webhook, and keeps its createDate).
	CursorShipStationVoids = "shipstation_voids"
	// CursorShipStationFulfillments is the createDate up to which
	// fulfillments were read.
	CursorShipStationFulfillments = "shipstation_fulfillments"
	// CursorWriteBackSweepEnqueued is when the periodic sweep last enqueued
	// a write-back for the account.
	CursorWriteBackSweepEnqueued = "write_back_sweep_enqueued"
)

// shipmentPageSize is ShipStation's largest page of shipments.
const shipmentPageSize = 500

// WriteBackOptions changes one write-back run.
type WriteBackOptions struct {
	// Since reads every window from then instead of from its cursor minus
	// the overlap.
	Since time.Time
	// BeforeWrite, when set, is called before the Xero writes of each
	// event that has any; an error stops the run there as a crash would
	// (tests use it).
	BeforeWrite func(WriteBackResult) error
	// OnEvent, when set, is called with each event's result after it was
	// recorded.
	OnEvent func(WriteBackResult)
	// WebhooksOnly reads the pending SHIP_NOTIFY events and not the
	// windows: a run a webhook asked for, when the sweep asked for none.
	WebhooksOnly bool
}

// WriteBackOutcome is what happened to one shipment event.
type WriteBackOutcome string

// Write-back outcomes.
const (
	WriteBackWritten WriteBackOutcome = "written" // a note or line was written (or found and recorded)
	WriteBackDone    WriteBackOutcome = "done"    // everything was recorded before: nothing to do
	WriteBackSkipped WriteBackOutcome = "skipped" // nothing written; the plan's Reason says why
	WriteBackFailed  WriteBackOutcome = "failed"  // Xero refused; Reason says what to do
)

// WriteBackResult is one event's result.
type WriteBackResult struct {
	Event         bridge.ShipmentEvent
	InvoiceID     string
	InvoiceNumber string
	Outcome       WriteBackOutcome
	// Plan is bridge's plan (zero when the event was known done or not
	// ours before any invoice was read).
	Plan   bridge.WriteBack
	Reason string
}

// WriteBackSummary counts what an import run did.
type WriteBackSummary struct {
	AccountID int64
	// Passes counts the runs a job made: more than one when webhooks asked
	// for more while it ran.
	Passes int `json:",omitempty"`
	// WebhookEvents counts the SHIP_NOTIFY events read.
	WebhookEvents int `json:",omitempty"`
	// Shipments, Voids and Fulfillments count the events read in each
	// window (an event read twice counts once).
	Shipments, Voids, Fulfillments int
	Written, Done, Skipped, Failed int
	// Notes, Lines and LinesRemoved count the writes made to Xero.
	Notes, Lines, LinesRemoved int
	// HistoryChecks counts History reads of events a crash may have
	// written already; Found counts actions found done in Xero.
	HistoryChecks, Found int
	Warnings             int
	// Rechecks counts invoices decided again after a void of their
	// shipped order (bridge.ReopensOrder); their calls are in the two
	// below.
	Rechecks         int `json:",omitempty"`
	XeroCalls        int
	ShipStationCalls int
}

// String is the summary on one line.
func (s WriteBackSummary) String() string {
	return fmt.Sprintf("%d shipments, %d voids, %d fulfillments: %d written (%d notes, %d lines, %d lines removed), %d already done, %d skipped, %d failed, %d invoices decided again after a void; %d Xero calls, %d ShipStation calls",
		s.Shipments, s.Voids, s.Fulfillments, s.Written, s.Notes, s.Lines, s.LinesRemoved, s.Done, s.Skipped, s.Failed, s.Rechecks, s.XeroCalls, s.ShipStationCalls)
}

// WriteBackSettingsOf maps an account's stored settings to bridge's.
func WriteBackSettingsOf(s store.Settings) bridge.WriteBackSettings {
	w := bridge.DefaultWriteBackSettings()
	w.Enabled = s.WriteBackEnabled
	w.CostLine = s.ShippingLine.Enabled
	if c := strings.TrimSpace(s.ShippingLine.ItemCode); c != "" {
		w.CostItemCode = c
	}
	w.CostAccountCode = s.ShippingLine.AccountCode
	w.CostTaxType = s.ShippingLine.TaxType
	if d := strings.TrimSpace(s.ShippingLine.Description); d != "" {
		w.CostDescription = d
	}
	w.CostCurrency = s.ShippingLine.Currency
	return w
}

// WriteBacker writes ShipStation's shipments back to their Xero invoices
// (Run): a note per label or fulfillment, a shipping cost line, and their
// reversal when a label is voided. It is safe for concurrent use; runs of
// one account must not overlap (River's unique jobs ensure it for the
// workers). New builds it.
type WriteBacker struct {
	c        *Clients
	exp      *Exporter // decides an invoice again after a void (recheck)
	st       *store.Store
	log      *slog.Logger
	now      func() time.Time
	overlap  time.Duration
	backfill time.Duration
}

// writeBackRun is one import run's state.
type writeBackRun struct {
	*run
	wb       bridge.WriteBackSettings
	opts     WriteBackOptions
	sum      *WriteBackSummary
	carriers map[string]string // nil until first needed
	seen     map[string]bool   // event ids handled in this run
	// rechecked are the invoices decided again in this run after a void,
	// and rechecks those still to be (see recheck).
	rechecked map[string]bool
	rechecks  []recheckItem
	// ended is the result of the event handled last (see eventDone),
	// endedStatus the order status its invoice link had before, and
	// endedAsked whether a recheck after it is already recorded.
	ended       WriteBackResult
	endedStatus string
	endedAsked  bool
}

// Run writes an account's shipments back: it reads the pending
// SHIP_NOTIFY batches and the shipments created, labels voided and
// fulfillments created since each window's cursor (minus the overlap), and
// writes each back to its invoice. It does nothing while the account's
// write-back is off. The error is nil, a *RetryLaterError, or wraps
// ErrNotConnected, ErrReconnectNeeded or another failure; the summary
// counts what was done before it.
func (wb *WriteBacker) Run(ctx context.Context, accountID int64, opts WriteBackOptions) (WriteBackSummary, error) {
	sum := WriteBackSummary{AccountID: accountID}
	st, err := wb.st.Settings(ctx, accountID)
	if err != nil {
		return sum, fmt.Errorf("worker: write back: %w", err)
	}
	settings := WriteBackSettingsOf(st)
	if !settings.Enabled {
		if err := wb.ignorePendingWebhookEvents(ctx, accountID); err != nil {
			return sum, fmt.Errorf("worker: write back: %w", err)
		}
		return sum, nil
	}
	var exportSum Summary
	r, err := wb.c.prepare(ctx, accountID, RunOptions{}, &exportSum)
	if err != nil {
		return sum, err
	}
	defer wb.c.afterRun(ctx, r)
	ir := &writeBackRun{run: r, wb: settings, opts: opts, sum: &sum, seen: map[string]bool{}, rechecked: map[string]bool{}}
	start := wb.now()
	windows := []struct {
		cursor string
		read   func(since time.Time) error
	}{
		{store.CursorShipStationShipments, func(since time.Time) error {
			return wb.readShipments(ctx, ir, shipstation.ShipmentFilter{CreateDateStart: since, PageSize: shipmentPageSize}, &sum.Shipments)
		}},
		{CursorShipStationVoids, func(since time.Time) error {
			return wb.readShipments(ctx, ir, shipstation.ShipmentFilter{VoidDateStart: since, PageSize: shipmentPageSize}, &sum.Voids)
		}},
		{CursorShipStationFulfillments, func(since time.Time) error { return wb.readFulfillments(ctx, ir, since) }},
	}
	// Webhook batches first: they are what a person just did.
	err = wb.webhookEvents(ctx, ir)
	for _, w := range windows {
		if err != nil || opts.WebhooksOnly {
			break
		}
		err = wb.window(ctx, ir, w.cursor, start, w.read)
	}
	level := runLogLevel(ctx, err, sum.Written+sum.Failed > 0)
	wb.log.Log(ctx, level, "write-back run", "account", accountID, "summary", sum.String(), "error", err)
	return sum, err
}

// window reads one window from its cursor and moves the cursor to start
// when every event of it is recorded.
func (wb *WriteBacker) window(ctx context.Context, ir *writeBackRun, cursor string, start time.Time, read func(time.Time) error) error {
	since := ir.opts.Since
	if since.IsZero() {
		cur, ok, err := wb.st.Cursor(ctx, ir.acct, cursor)
		if err != nil {
			return fmt.Errorf("worker: write back: %w", err)
		}
		if ok {
			since = cur.Add(-wb.overlap)
		} else {
			since = start.Add(-wb.backfill)
		}
	}
	if err := read(since); err != nil {
		return err
	}
	// Before the cursor moves past the window's voids.
	if err := wb.flushRechecks(ctx, ir); err != nil {
		return err
	}
	err := wb.st.WithTx(ctx, func(tx *store.Tx) error {
		return tx.AdvanceCursor(ctx, ir.acct, cursor, start)
	})
	if err != nil {
		return fmt.Errorf("worker: write back: %w", err)
	}
	return nil
}

func (wb *WriteBacker) readShipments(ctx context.Context, ir *writeBackRun, f shipstation.ShipmentFilter, n *int) error {
	for p, err := range ir.ss.ShipmentPages(ctx, f) {
		ir.sum.ShipStationCalls++
		if err != nil {
			return wb.c.shipStationFailed(ctx, ir.run, "list shipments", err)
		}
		for _, s := range p.Items {
			ev := bridge.ShipmentEventOf(s)
			if ir.seen[ev.ID] {
				continue
			}
			ir.seen[ev.ID] = true
			*n++
			if err := wb.writeBack(ctx, ir, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

func (wb *WriteBacker) readFulfillments(ctx context.Context, ir *writeBackRun, since time.Time) error {
	for p, err := range ir.ss.FulfillmentPages(ctx, shipstation.FulfillmentFilter{CreateDateStart: since, PageSize: shipmentPageSize}) {
		ir.sum.ShipStationCalls++
		if err != nil {
			return wb.c.shipStationFailed(ctx, ir.run, "list fulfillments", err)
		}
		for _, f := range p.Items {
			ev := bridge.FulfillmentEventOf(f)
			if ir.seen[ev.ID] {
				continue
			}
			ir.seen[ev.ID] = true
			ir.sum.Fulfillments++
			if err := wb.writeBack(ctx, ir, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// findLink finds the invoice link of an event's order: a label by its
// orderKey, then (a fulfillment, or a split-off order) by order id and
// parent order id.
func (wb *WriteBacker) findLink(ctx context.Context, acct int64, ev bridge.ShipmentEvent) (store.InvoiceLink, bool, error) {
	try := func(l store.InvoiceLink, err error) (store.InvoiceLink, bool, error) {
		if errors.Is(err, store.ErrNotFound) {
			return store.InvoiceLink{}, false, nil
		}
		if err != nil {
			return store.InvoiceLink{}, false, fmt.Errorf("worker: write back: %w", err)
		}
		return l, true, nil
	}
	if ev.OrderKey != "" {
		if l, ok, err := try(wb.st.InvoiceLinkByOrderKey(ctx, acct, ev.OrderKey)); ok || err != nil {
			return l, ok, err
		}
	}
	for _, id := range []int64{ev.OrderID, ev.ParentOrderID} {
		if id == 0 {
			continue
		}
		if l, ok, err := try(wb.st.InvoiceLinkByOrderID(ctx, acct, id)); ok || err != nil {
			return l, ok, err
		}
	}
	return store.InvoiceLink{}, false, nil
}

// nothingLeft reports, from the records alone, that an event needs no
// Xero call: its notes are written and no line is waiting to be added or
// removed. Re-reading the overlap window then costs nothing.
func nothingLeft(ev bridge.ShipmentEvent, done bridge.WrittenState, settled bool, wb bridge.WriteBackSettings) bool {
	if ev.Voided {
		return done.VoidNote && (!done.Line || done.LineRemoved || settled)
	}
	return done.Note && (!wb.CostLine || done.Line || settled || ev.Kind == bridge.EventFulfillment || ev.CostCents() <= 0)
}

// invoiceNeeded reports whether planning an event needs the invoice as
// Xero has it now. Only the cost line does (its lines, its currency,
// whether a payment locked it): a note's text comes from the shipment and
// its Idempotency-Key and label from the link, so with the cost line off,
// or when no line can be at stake (a fulfillment, a label without cost,
// a line already settled or removed), the note is the event's only Xero
// call. A voided label with the cost line on is always read: its line may
// be on the invoice although not recorded (an edit whose answer was lost),
// and bridge finds and removes it. Crash safety needs no read either: a
// note attempted before is looked for in the History (carryOut).
func invoiceNeeded(ev bridge.ShipmentEvent, done bridge.WrittenState, settled bool, wb bridge.WriteBackSettings) bool {
	if !wb.CostLine || settled || ev.Kind == bridge.EventFulfillment || ev.CostCents() <= 0 {
		return false
	}
	if ev.Voided {
		return !done.LineRemoved
	}
	return !done.Line
}

// linkedInvoice is the invoice as its link knows it, for a plan that needs
// nothing Xero alone knows (see invoiceNeeded): the export links sales
// invoices only, under Xero's own id and number.
func linkedInvoice(link store.InvoiceLink) *xero.Invoice {
	return &xero.Invoice{InvoiceID: link.InvoiceID, InvoiceNumber: link.InvoiceNumber, Type: xero.InvoiceTypeSales}
}

// actionLineSettled is store.WriteBackLineSettled among bridge's actions
// (bridge ignores actions it does not know).
const actionLineSettled = bridge.Action(store.WriteBackLineSettled)

// settleActions are the records that end an event's cost-line work when
// the plan makes no line edit: a live label whose line Xero will not take
// (locked invoice, other currency, no cost) is settled; a voided label
// whose recorded line is gone from the invoice had it removed (by a lost
// answer, or by hand), and one whose invoice is locked keeps it, settled.
// Without them every re-read in the overlap would read the invoice again.
func settleActions(ev bridge.ShipmentEvent, done bridge.WrittenState, plan bridge.WriteBack, wb bridge.WriteBackSettings) []bridge.Action {
	if !wb.CostLine || plan.Edit != nil || plan.Cause == bridge.CauseNoInvoice || plan.Cause == bridge.CauseNotSalesInvoice ||
		plan.Cause == bridge.CauseNotOurOrder {
		return nil
	}
	for _, a := range plan.Record {
		if a == bridge.ActionLine {
			return nil
		}
	}
	switch {
	case !ev.Voided && !done.Line:
		return []bridge.Action{actionLineSettled}
	case ev.Voided && done.Line && !done.LineRemoved && len(plan.Warnings) > 0:
		return []bridge.Action{actionLineSettled}
	case ev.Voided && done.Line && !done.LineRemoved:
		return []bridge.Action{bridge.ActionLineRemoved}
	}
	return nil
}

// writeBack handles one event, then decides its invoice again when the
// event may have reopened a shipped order. Only errors that stop the run
// (a transient failure, a lost connection, the database) are returned;
// what Xero refuses for this invoice alone is logged and the run goes on.
func (wb *WriteBacker) writeBack(ctx context.Context, ir *writeBackRun, ev bridge.ShipmentEvent) error {
	ir.ended, ir.endedStatus, ir.endedAsked = WriteBackResult{}, "", false
	if err := wb.writeBackEvent(ctx, ir, ev); err != nil {
		return err
	}
	return wb.recheck(ctx, ir)
}

// loadCarriers reads the account's carrier names once per run, so every
// note of the run (and of a retry, barring a carrier renamed meanwhile)
// names them the same way.
func (wb *WriteBacker) loadCarriers(ctx context.Context, ir *writeBackRun) error {
	if ir.carriers != nil {
		return nil
	}
	// A webhook run writes one label: reading the carriers every time
	// would double its ShipStation calls. They change rarely.
	wb.c.mu.Lock()
	c, ok := wb.c.carriers[ir.ssKey]
	wb.c.mu.Unlock()
	if ok && wb.now().Sub(c.at) < carrierCacheAge {
		ir.carriers = c.names
		return nil
	}
	names, err := ir.ss.CarrierNames(ctx)
	ir.sum.ShipStationCalls++
	if err != nil {
		return wb.c.shipStationFailed(ctx, ir.run, "list carriers", err)
	}
	if names == nil {
		names = map[string]string{}
	}
	ir.carriers = names
	wb.c.mu.Lock()
	wb.c.carriers[ir.ssKey] = carrierNames{names: names, at: wb.now()}
	wb.c.mu.Unlock()
	return nil
}

// carrierCacheAge is how long a key's carrier names are reused across
// runs.
const carrierCacheAge = time.Hour

// carrierNames are one ShipStation key's carrier display names, read at.
type carrierNames struct {
	names map[string]string
	at    time.Time
}

// recheckItem is an event whose invoice is queued to be decided again.
type recheckItem struct{ eventID, invoiceID string }

// recheck queues the invoice of the event just handled to be decided
// again, reading its order's status from ShipStation (RunOptions.Confirm),
// when bridge.ReopensOrder says a void may have opened the order: the
// export's page then records the status ShipStation gives with the
// decision, so the link follows ShipStation and an edit made while the
// order was shipped reaches it now. It runs after the event's own writes
// are recorded: our cost line is off the invoice before the order can be
// seen open, so it cannot bounce back to ShipStation. Once per invoice per
// run. flushRechecks reads the queued invoices together, 50 a Xero call,
// before the window's cursor moves (or the webhook's event is finished):
// until then the link still says shipped, and a retry (the window's cursor
// has not moved) asks again. Once done it is recorded for the event
// (store.WriteBackRechecked): an order that stays shipped (another label
// lives) is not asked after on every re-read of the void.
func (wb *WriteBacker) recheck(_ context.Context, ir *writeBackRun) error {
	res := ir.ended
	if ir.rechecked[res.InvoiceID] || !needsRecheck(res, ir.endedStatus, ir.endedAsked) {
		return nil
	}
	ir.rechecked[res.InvoiceID] = true
	ir.sum.Rechecks++
	ir.rechecks = append(ir.rechecks, recheckItem{eventID: res.Event.ID, invoiceID: res.InvoiceID})
	return nil
}

// flushRechecks decides the queued invoices again (see recheck) and
// records the recheck of each queued event. An invoice Xero no longer has
// is passed over: no edit can follow.
func (wb *WriteBacker) flushRechecks(ctx context.Context, ir *writeBackRun) error {
	if len(ir.rechecks) == 0 {
		return nil
	}
	ids := make([]string, len(ir.rechecks))
	for i, q := range ir.rechecks {
		ids[i] = q.invoiceID
	}
	sum, err := wb.exp.decideAgain(ctx, ir.acct, ids, RunOptions{Confirm: true})
	ir.sum.XeroCalls += sum.XeroCalls
	ir.sum.ShipStationCalls += sum.ShipStationCalls
	if err != nil {
		return err
	}
	for _, q := range ir.rechecks {
		if _, err := wb.st.MarkShipmentWritten(ctx, store.WrittenShipment{AccountID: ir.acct, ShipmentID: q.eventID,
			Kind: store.WriteBackRechecked, InvoiceID: q.invoiceID}); err != nil {
			return fmt.Errorf("worker: write back: %w", err)
		}
	}
	ir.rechecks = nil
	return nil
}

// needsRecheck reports whether the invoice of an event that ended in res
// must be decided again (see recheck); status is the order status its
// link had, asked whether a recheck after the event is recorded. An event
// that failed or was skipped (the invoice is gone, the order is not ours)
// has not done its writes, or has no invoice to send.
func needsRecheck(res WriteBackResult, status string, asked bool) bool {
	return !asked && res.InvoiceID != "" && (res.Outcome == WriteBackWritten || res.Outcome == WriteBackDone) &&
		bridge.ReopensOrder(res.Event, status)
}

// writeBackEvent handles one event.
func (wb *WriteBacker) writeBackEvent(ctx context.Context, ir *writeBackRun, ev bridge.ShipmentEvent) error {
	res := WriteBackResult{Event: ev}
	if ev.IsReturnLabel {
		ir.sum.Skipped++
		return nil
	}
	link, ok, err := wb.findLink(ctx, ir.acct, ev)
	if err != nil {
		return err
	}
	if !ok {
		// Not an order orderbridge created: ignored without a log line
		// (every run's overlap would repeat it).
		ir.sum.Skipped++
		return nil
	}
	res.InvoiceID, res.InvoiceNumber = link.InvoiceID, link.InvoiceNumber
	ir.endedStatus = link.OrderStatus
	acts, err := wb.st.ShipmentActions(ctx, ir.acct, ev.ID)
	if err != nil {
		return fmt.Errorf("worker: write back: %w", err)
	}
	done := bridge.WrittenStateOf(actionsOf(acts)...)
	settled := false
	for _, k := range acts {
		settled = settled || k == store.WriteBackLineSettled
		ir.endedAsked = ir.endedAsked || k == store.WriteBackRechecked
	}
	if nothingLeft(ev, done, settled, ir.wb) {
		if !ev.Voided && link.OrderStatus != store.OrderStatusShipped {
			if _, err := wb.st.MarkInvoiceShipped(ctx, ir.acct, link.InvoiceID); err != nil {
				return fmt.Errorf("worker: write back: %w", err)
			}
		}
		ir.sum.Done++
		res.Outcome = WriteBackDone
		wb.eventDone(ir, res)
		return nil
	}
	if err := wb.loadCarriers(ctx, ir); err != nil {
		return err
	}
	var inv *xero.Invoice
	plannedWith := ir.wb
	if invoiceNeeded(ev, done, settled, ir.wb) {
		inv, err = ir.xc.Invoice(ctx, ir.tenant, link.InvoiceID)
		ir.sum.XeroCalls++
		if errors.Is(err, xero.ErrNotFound) {
			inv, err = nil, nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("worker: write back: get invoice: %w", ctx.Err())
			}
			if !isPermanentXero(err) || errors.Is(err, xero.ErrReconnectNeeded) {
				return wb.c.xeroFailed(ctx, ir.run, "get invoice", err)
			}
			return wb.recordFailure(ctx, ir, res, link, "Xero refused to read the invoice: "+err.Error()+"; check that the invoice still exists in Xero", nil)
		}
	} else {
		inv = linkedInvoice(link)
		if settled {
			// The line's work ended (and its warning was logged) before:
			// plan the notes alone, from the link.
			plannedWith.CostLine = false
		}
	}
	plan := bridge.DecideWriteBack(ev, inv, bridge.LinkInfo{InvoiceID: link.InvoiceID, OrderKey: link.OrderKey, OrderID: link.OrderID},
		ir.carriers, plannedWith, done)
	res.Plan = plan
	if inv != nil {
		res.InvoiceNumber = inv.InvoiceNumber
	}
	// Recorded before the invoice is edited: the export never re-sends a
	// shipped order, so our edit cannot bounce back to ShipStation.
	if plan.MarkShipped && link.OrderStatus != store.OrderStatusShipped {
		if _, err := wb.st.MarkInvoiceShipped(ctx, ir.acct, link.InvoiceID); err != nil {
			return fmt.Errorf("worker: write back: %w", err)
		}
	}
	settle := settleActions(ev, done, plan, ir.wb)
	if plan.Skip {
		return wb.recordSkip(ctx, ir, res, link, settle)
	}
	return wb.carryOut(ctx, ir, res, link, settle)
}

package worker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
)

// send upserts the page's orders in bulk and records each result on its
// item. A transient failure of a call is kept on its items; the page then
// commits what succeeded and keeps the cursor where it was.
func (e *Exporter) send(ctx context.Context, r *run, items []*item) error {
	var orders []shipstation.Order
	var sent []*item
	for _, it := range items {
		if it.failed {
			it.outcome = OutcomeFailed
			continue
		}
		switch it.d.Kind {
		case bridge.Export, bridge.Cancel:
			if it.d.Order == nil {
				if r.opts.DryRun {
					it.outcome, it.reason = OutcomeCancelled, it.d.Reason
					continue
				}
				it.outcome, it.failed, it.reason = OutcomeFailed, true, it.d.Reason
				continue
			}
			if r.opts.DryRun {
				it.outcome, it.reason = sentOutcome(it.d), it.d.Reason
				continue
			}
			orders = append(orders, *it.d.Order)
			sent = append(sent, it)
		case bridge.Unchanged:
			it.outcome, it.reason = OutcomeUnchanged, it.d.Reason
		case bridge.Alert:
			it.outcome, it.reason = OutcomeAlert, it.d.Reason
		default:
			it.outcome, it.reason = OutcomeSkipped, it.d.Reason
		}
	}
	if len(orders) == 0 {
		return nil
	}
	results, _ := r.ss.CreateOrders(ctx, orders)
	r.sum.ShipStationCalls += (len(orders) + shipstation.MaxBulkOrders - 1) / shipstation.MaxBulkOrders
	for i, res := range results {
		it := sent[i]
		var oe *shipstation.OrderError
		switch {
		case res.Err == nil:
			it.outcome, it.reason = sentOutcome(it.d), it.d.Reason
			it.orderID, it.status, it.hash = res.OrderID, it.d.Order.OrderStatus, it.d.Hash
		case errors.As(res.Err, &oe):
			if err := e.refused(ctx, r, it, res, oe); err != nil {
				return err
			}
		case transient(res.Err):
			it.transErr = res.Err
		case errors.Is(res.Err, shipstation.ErrAuth):
			return e.c.shipStationFailed(ctx, r, "create orders", res.Err)
		default:
			// The call was refused as written (a 400 for the whole body):
			// retrying it cannot help.
			it.outcome, it.failed = OutcomeFailed, true
			it.reason = "ShipStation refused the order: " + res.Err.Error()
		}
	}
	return nil
}

// refused handles ShipStation refusing one order of a bulk call. When the
// order is locked because it shipped or was cancelled in ShipStation (our
// link was stale), the invoice is decided again with that status, so the
// decision and its words are bridge's, the same a later re-read makes
// (which then logs nothing new), and the link learns the status; anything
// else is a failure a person must look at.
func (e *Exporter) refused(ctx context.Context, r *run, it *item, res shipstation.OrderResult, oe *shipstation.OrderError) error {
	id := res.OrderID
	if id == 0 {
		id = it.link.OrderID
	}
	if id != 0 {
		o, err := r.ss.GetOrder(ctx, id)
		r.sum.ShipStationCalls++
		switch {
		case err == nil && locked(o.OrderStatus):
			it.orderID, it.status = o.OrderID, o.OrderStatus
			it.hash = it.link.ContentHash
			// Decide settles a locked order before it looks at the
			// contact, so none is needed.
			it.d = bridge.Decide(it.inv, nil, r.settings, &bridge.Previous{OrderID: o.OrderID, OrderStatus: o.OrderStatus, Hash: it.hash})
			it.reason = it.d.Reason
			switch it.d.Kind {
			case bridge.Alert:
				it.outcome = OutcomeAlert
			case bridge.Unchanged:
				it.outcome = OutcomeUnchanged
			default:
				it.outcome = OutcomeSkipped
			}
			return nil
		case err != nil && transient(err):
			it.transErr = err
			return nil
		}
	}
	it.outcome, it.failed = OutcomeFailed, true
	it.reason = "ShipStation refused the order: " + oe.Message
	return nil
}

func sentOutcome(d bridge.Decision) Outcome {
	switch {
	case d.Kind == bridge.Cancel:
		return OutcomeCancelled
	case d.Update:
		return OutcomeUpdated
	}
	return OutcomeExported
}

// decisionOf is the stored decision of an item's outcome.
func decisionOf(o Outcome) store.Decision {
	switch o {
	case OutcomeExported, OutcomeUpdated:
		return store.DecisionExported
	case OutcomeCancelled:
		return store.DecisionCancelled
	case OutcomeUnchanged:
		return store.DecisionUnchanged
	case OutcomeAlert:
		return store.DecisionAlert
	case OutcomeFailed:
		return store.DecisionFailed
	}
	return store.DecisionSkipped
}

func logOutcome(it *item) store.Outcome {
	switch it.outcome {
	case OutcomeExported, OutcomeUpdated, OutcomeCancelled:
		if len(it.d.Warnings) > 0 {
			return store.OutcomeWarning
		}
		return store.OutcomeSuccess
	case OutcomeAlert:
		return store.OutcomeWarning
	case OutcomeFailed:
		return store.OutcomeFailed
	}
	return store.OutcomeSkipped
}

// message is the item's log line, saying so when ShipStation opened an
// order the link had as locked: the invoice's changes reach it again.
func message(it *item) string {
	if it.seen != "" && locked(it.link.OrderStatus) && !locked(it.seen) {
		return decisionMessage(it) + fmt.Sprintf(" (the order was %s and is %s again in ShipStation)", it.link.OrderStatus, it.seen)
	}
	return decisionMessage(it)
}

// silent reports whether an item repeats what its link already says, so
// that re-reading an invoice (the overlap window, a sweep) adds no log
// line: "unchanged" is logged at most once per content change. An order
// status the link does not have yet is news, whatever the decision.
func silent(it *item) bool {
	if !it.hasLink {
		return false
	}
	status := it.status
	if status == "" {
		status = it.seen
	}
	if status != "" && status != it.link.OrderStatus {
		return false
	}
	switch it.outcome {
	case OutcomeExported, OutcomeUpdated, OutcomeCancelled:
		return false
	case OutcomeUnchanged:
		switch it.link.Decision {
		case store.DecisionExported, store.DecisionUnchanged, store.DecisionCancelled:
			return true
		}
	}
	// The code too: a link written before codes were stored gets its own.
	return it.link.Decision == decisionOf(it.outcome) && it.link.Reason == it.reason &&
		it.link.ReasonCode == reasonCode(it)
}

// commit records the page in one transaction: links, log lines, and the
// cursor when every invoice of the page was handled.
func (e *Exporter) commit(ctx context.Context, r *run, items []*item, newest time.Time) error {
	var retry error
	var links []store.InvoiceLink
	var entries []store.LogEntry
	for _, it := range items {
		if it.transErr != nil {
			if retry == nil {
				retry = it.transErr
			}
			continue
		}
		res := InvoiceResult{
			InvoiceID: it.inv.InvoiceID, InvoiceNumber: it.inv.InvoiceNumber, UpdatedDateUTC: it.inv.UpdatedDateUTC.Time,
			Outcome: it.outcome, Reason: it.reason, Decision: it.d,
		}
		if r.opts.OnInvoice != nil {
			r.opts.OnInvoice(res)
		}
		if !r.opts.Force && silent(it) {
			r.sum.SilentRepeats++
			r.sum.count(it.outcome)
			continue
		}
		r.sum.count(it.outcome)
		l := it.link
		if !it.hasLink {
			l = store.InvoiceLink{AccountID: r.acct, InvoiceID: it.inv.InvoiceID, OrderKey: bridge.OrderKey(r.tenant, it.inv.InvoiceID)}
		}
		l.InvoiceNumber = it.inv.InvoiceNumber
		keepFacts(&l, it)
		l.Decision, l.Reason, l.ReasonCode = decisionOf(it.outcome), it.reason, reasonCode(it)
		if it.orderID != 0 {
			l.OrderID = it.orderID
		}
		if it.seen != "" {
			l.OrderStatus = it.seen
		}
		if it.status != "" {
			l.OrderStatus = it.status
		}
		if it.hash != "" {
			l.ContentHash = it.hash
		}
		if _, ok := r.shipped[strings.ToLower(l.OrderKey)]; ok && l.OrderStatus != shipstation.StatusCancelled {
			l.OrderStatus = shipstation.StatusShipped
		}
		links = append(links, l)
		orderNumber := ""
		if it.d.Order != nil {
			orderNumber = it.d.Order.OrderNumber
		}
		detail := it.detail
		if len(it.d.Warnings) > 0 {
			detail = strings.TrimSpace(detail + "\nwarnings: " + strings.Join(it.d.Warnings, "; "))
		}
		if len(it.d.Notes) > 0 {
			// Harmless: said in the detail, never a warning outcome.
			detail = strings.TrimSpace(detail + "\nnotes: " + strings.Join(it.d.Notes, "; "))
		}
		entries = append(entries, store.LogEntry{
			AccountID: r.acct, Direction: store.XeroToShipStation, Outcome: logOutcome(it),
			InvoiceID: it.inv.InvoiceID, InvoiceNumber: it.inv.InvoiceNumber, OrderNumber: orderNumber,
			Message: message(it), Detail: detail, RunID: r.opts.RunID, ReasonCode: reasonCode(it),
		})
	}
	if r.opts.DryRun {
		return nil
	}
	err := e.st.WithTx(ctx, func(tx *store.Tx) error {
		for _, l := range links {
			if err := tx.UpsertInvoiceLink(ctx, l); err != nil {
				return err
			}
		}
		if len(entries) > 0 {
			if _, err := tx.AppendLog(ctx, entries...); err != nil {
				return err
			}
		}
		if retry == nil && !newest.IsZero() {
			if err := tx.AdvanceCursor(ctx, r.acct, store.CursorXeroInvoices, newest); err != nil {
				return err
			}
		}
		if r.shippedChecked && retry == nil {
			return tx.AdvanceCursor(ctx, r.acct, CursorShippedOrders, r.shippedAt)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker: export: commit page: %w", err)
	}
	if retry != nil {
		return e.c.shipStationFailed(ctx, r, "create orders", retry)
	}
	if r.opts.AfterPage != nil {
		r.opts.AfterPage(*r.sum)
	}
	return nil
}

// locked reports whether ShipStation refuses changes to an order in this
// status (bridge.Decide never sends one).
func locked(status string) bool {
	return status == shipstation.StatusShipped || status == shipstation.StatusCancelled
}

// reasonCode is the stable code of the item's reason, stored on its link
// and log line: none for an order sent (an alert always has one, so a
// warning line without a code is an order sent with warnings).
func reasonCode(it *item) string {
	switch it.outcome {
	case OutcomeExported, OutcomeUpdated, OutcomeCancelled:
		return ""
	}
	return string(it.d.Cause)
}

// decisionMessage is the log line of the item's decision and outcome.
func decisionMessage(it *item) string {
	d := it.d
	switch it.outcome {
	case OutcomeFailed:
		return d.Invoice + " failed: " + it.reason
	case OutcomeSkipped:
		if d.Kind != bridge.Skip {
			return d.Invoice + " left alone: " + it.reason
		}
	case OutcomeAlert:
		if d.Kind != bridge.Alert {
			return d.Invoice + " needs attention: " + it.reason
		}
	}
	return d.Summary()
}

// keepFacts copies onto the link what the invoices page shows of the
// invoice: its customer, date and total as Xero has them, and where its
// order ships (kept from before when no order was decided this time).
func keepFacts(l *store.InvoiceLink, it *item) {
	if it.inv.Contact != nil {
		l.Customer = it.inv.Contact.Name
	}
	l.InvoiceDate = it.inv.Date.String()
	l.Currency = it.inv.CurrencyCode
	l.TotalCents = int64(math.Round(it.inv.Total * 100))
	if o := it.d.Order; o != nil {
		l.ShipCity, l.ShipCountry = o.ShipTo.City, o.ShipTo.Country
	}
}

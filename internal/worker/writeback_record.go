package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// carryOut writes the plan's note and line edit, then records them.
func (wb *WriteBacker) carryOut(ctx context.Context, ir *writeBackRun, res WriteBackResult, link store.InvoiceLink, settle []bridge.Action) error {
	plan := res.Plan
	if ir.opts.BeforeWrite != nil {
		if err := ir.opts.BeforeWrite(res); err != nil {
			return err
		}
	}
	var records []bridge.Action
	records = append(records, plan.Record...)
	records = append(records, settle...)
	ir.sum.Found += len(plan.Record)
	warnings := append([]string(nil), plan.Warnings...)
	attempted, err := wb.st.ShipmentAttempted(ctx, ir.acct, res.Event.ID)
	if err != nil {
		return fmt.Errorf("worker: write back: %w", err)
	}
	if !attempted && (plan.Note != nil || plan.Edit != nil) {
		if err := wb.st.MarkShipmentAttempted(ctx, ir.acct, res.Event.ID); err != nil {
			return fmt.Errorf("worker: write back: %w", err)
		}
	}
	noteDone := false
	if plan.Note != nil {
		found := false
		if attempted {
			// An earlier attempt may have written the note and crashed
			// before recording it: Xero's History tells.
			hist, err := ir.xc.History(ctx, ir.tenant, link.InvoiceID)
			ir.sum.XeroCalls++
			ir.sum.HistoryChecks++
			if errors.Is(err, xero.ErrNotFound) {
				return wb.invoiceGone(ctx, ir, res, link)
			}
			if err != nil {
				return wb.c.xeroFailed(ctx, ir.run, "read invoice history", err)
			}
			found = bridge.HasNote(hist, plan.Note.Text)
		}
		if found {
			ir.sum.Found++
		} else {
			_, err := ir.xc.AddNote(ctx, ir.tenant, link.InvoiceID, plan.Note.Text, plan.Note.Key)
			ir.sum.XeroCalls++
			if errors.Is(err, xero.ErrNotFound) {
				return wb.invoiceGone(ctx, ir, res, link)
			}
			if err != nil {
				if !errors.Is(err, xero.ErrValidation) {
					return wb.c.xeroFailed(ctx, ir.run, "add note", err)
				}
				return wb.recordFailure(ctx, ir, res, link, "Xero refused the note: "+err.Error()+"; nothing was written to the invoice. Check the invoice in Xero, then re-sync the shipment", records)
			}
			ir.sum.Notes++
		}
		noteDone = true
		records = append(records, plan.Note.Records...)
	}
	editFailed := ""
	if plan.Edit != nil {
		_, err := ir.xc.UpdateInvoice(ctx, ir.tenant, xero.Invoice{InvoiceID: link.InvoiceID, LineItems: plan.Edit.Lines}, plan.Edit.Key)
		ir.sum.XeroCalls++
		switch {
		case err == nil:
			records = append(records, plan.Edit.Action)
			if plan.Edit.Action == bridge.ActionLine {
				ir.sum.Lines++
			} else {
				ir.sum.LinesRemoved++
			}
		case errors.Is(err, xero.ErrEditLocked):
			records = append(records, actionLineSettled)
			warnings = append(warnings, "the shipping line was not changed: Xero locked the invoice for edits meanwhile (a payment or credit was allocated); the shipment is recorded in a note only")
		case errors.Is(err, xero.ErrValidation):
			editFailed = "Xero refused the shipping line: " + err.Error() + "; check the item code, account code and tax type under \"Add shipping cost to the invoice\""
		default:
			if noteDone {
				// Keep the note's record; the line is retried.
				if cerr := wb.record(ctx, ir, res, link, records, nil, store.OutcomeWarning,
					res.Plan.Invoice+": "+strings.Replace(res.Event.ID, ":", " ", 1)+" note written; the shipping line will be retried"); cerr != nil {
					return cerr
				}
			}
			return wb.c.xeroFailed(ctx, ir.run, "update invoice lines", err)
		}
	}
	outcome, msg := store.OutcomeSuccess, plan.Summary()
	if len(warnings) > 0 {
		outcome = store.OutcomeWarning
	}
	if editFailed != "" {
		outcome = store.OutcomeFailed
		msg = plan.Invoice + ": " + strings.Replace(res.Event.ID, ":", " ", 1) + " shipping line not written: " + editFailed
		if noteDone {
			msg += " (the note was written)"
		}
		ir.sum.Failed++
		res.Outcome, res.Reason = WriteBackFailed, editFailed
	} else {
		ir.sum.Written++
		res.Outcome = WriteBackWritten
	}
	ir.sum.Warnings += len(warnings)
	if err := wb.record(ctx, ir, res, link, records, warnings, outcome, msg); err != nil {
		return err
	}
	wb.eventDone(ir, res)
	return nil
}

// invoiceGone handles a note Xero refused because it no longer has the
// invoice: planned from the link without reading the invoice
// (invoiceNeeded), the note learns it only now. It is the skip a read
// would have planned.
func (wb *WriteBacker) invoiceGone(ctx context.Context, ir *writeBackRun, res WriteBackResult, link store.InvoiceLink) error {
	res.Plan = bridge.DecideWriteBack(res.Event, nil, bridge.LinkInfo{InvoiceID: link.InvoiceID, OrderKey: link.OrderKey, OrderID: link.OrderID},
		ir.carriers, ir.wb, bridge.WrittenState{})
	return wb.recordSkip(ctx, ir, res, link, nil)
}

// record commits an event's actions and its log line in one transaction.
func (wb *WriteBacker) record(ctx context.Context, ir *writeBackRun, res WriteBackResult, link store.InvoiceLink, actions []bridge.Action, warnings []string, outcome store.Outcome, msg string) error {
	var detail []string
	if res.Plan.Note != nil {
		detail = append(detail, "note: "+res.Plan.Note.Text)
	}
	if len(warnings) > 0 {
		detail = append(detail, "warnings: "+strings.Join(warnings, "; "))
	}
	entry := store.LogEntry{
		AccountID: ir.acct, Direction: store.ShipStationToXero, Outcome: outcome,
		InvoiceID: link.InvoiceID, InvoiceNumber: res.InvoiceNumber, OrderNumber: res.Event.OrderNumber,
		Message: msg, Detail: strings.Join(detail, "\n"),
	}
	err := wb.st.WithTx(ctx, func(tx *store.Tx) error {
		if err := markWritten(ctx, tx, ir.acct, res.Event.ID, link.InvoiceID, actions); err != nil {
			return err
		}
		if len(actions) > 0 {
			if err := tx.ClearShipmentAttempt(ctx, ir.acct, res.Event.ID); err != nil {
				return err
			}
		}
		if err := keepShipment(ctx, tx, ir.acct, link.InvoiceID, res.Event, actions); err != nil {
			return err
		}
		_, err := tx.AppendLog(ctx, entry)
		return err
	})
	if err != nil {
		return fmt.Errorf("worker: write back: record %s: %w", res.Event.ID, err)
	}
	return nil
}

// recordSkip logs a skip a person should know of; the routine ones
// (already written, not our order, write-back off) stay out of the log.
func (wb *WriteBacker) recordSkip(ctx context.Context, ir *writeBackRun, res WriteBackResult, link store.InvoiceLink, settle []bridge.Action) error {
	res.Outcome, res.Reason = WriteBackSkipped, res.Plan.Reason
	switch res.Plan.Cause {
	case bridge.CauseAlreadyWritten:
		ir.sum.Done++
		res.Outcome = WriteBackDone
		if len(settle) > 0 {
			// Nothing to say in the log: the warning was logged with the
			// note.
			err := wb.st.WithTx(ctx, func(tx *store.Tx) error {
				return markWritten(ctx, tx, ir.acct, res.Event.ID, link.InvoiceID, settle)
			})
			if err != nil {
				return fmt.Errorf("worker: write back: record %s: %w", res.Event.ID, err)
			}
		}
		wb.eventDone(ir, res)
		return nil
	case bridge.CauseNotOurOrder, bridge.CauseReturnLabel, bridge.CauseWriteBackOff, bridge.CauseInvalidEvent:
		ir.sum.Skipped++
		wb.eventDone(ir, res)
		return nil
	}
	ir.sum.Skipped++
	if err := wb.record(ctx, ir, res, link, nil, nil, store.OutcomeSkipped, res.Plan.Summary()); err != nil {
		return err
	}
	wb.eventDone(ir, res)
	return nil
}

// recordFailure logs a failure of this event alone (Xero refused what was
// sent) with what to do, records actions already done, and lets the run
// go on.
func (wb *WriteBacker) recordFailure(ctx context.Context, ir *writeBackRun, res WriteBackResult, link store.InvoiceLink, why string, done []bridge.Action) error {
	ir.sum.Failed++
	res.Outcome, res.Reason = WriteBackFailed, why
	label := res.Plan.Invoice
	if label == "" {
		label = orDash(res.InvoiceNumber)
	}
	msg := label + ": " + strings.Replace(res.Event.ID, ":", " ", 1) + " not written back: " + why
	if err := wb.record(ctx, ir, res, link, done, nil, store.OutcomeFailed, msg); err != nil {
		return err
	}
	wb.eventDone(ir, res)
	return nil
}

// markWritten records actions of an event in tx.
func markWritten(ctx context.Context, tx *store.Tx, acct int64, eventID, invoiceID string, actions []bridge.Action) error {
	for _, a := range actions {
		if _, err := tx.MarkShipmentWritten(ctx, store.WrittenShipment{AccountID: acct, ShipmentID: eventID,
			Kind: store.WriteBackKind(a), InvoiceID: invoiceID}); err != nil {
			return err
		}
	}
	return nil
}

func (wb *WriteBacker) eventDone(ir *writeBackRun, res WriteBackResult) {
	ir.ended = res
	if ir.opts.OnEvent != nil {
		ir.opts.OnEvent(res)
	}
}

func actionsOf(kinds []store.WriteBackKind) []bridge.Action {
	out := make([]bridge.Action, len(kinds))
	for i, k := range kinds {
		out[i] = bridge.Action(k)
	}
	return out
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// keepShipment records on the invoice's link what the invoices page shows
// of its labels: the tracking number (gone once voided), and that the
// shipment is on the Xero invoice once a note or line was written.
func keepShipment(ctx context.Context, tx *store.Tx, acct int64, invoiceID string, ev bridge.ShipmentEvent, actions []bridge.Action) error {
	if invoiceID == "" {
		return nil
	}
	written := slices.ContainsFunc(actions, func(a bridge.Action) bool { return a == bridge.ActionNote || a == bridge.ActionLine })
	err := tx.RecordInvoiceShipment(ctx, acct, invoiceID, ev.TrackingNumber, ev.Voided, written)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the event's invoice was never linked: nothing to show
	}
	return err
}

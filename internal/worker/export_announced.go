package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// A run a Xero webhook asked for reads what the webhook announced, not
// the window since the cursor. Xero's INVOICE and CONTACT events name the
// invoice or contact that changed; the receiver records them pending, and
// such a run reads exactly those invoices (50 IDs a call, however many
// events), refreshes exactly the announced contacts it has cached, and
// finishes the events (more than maxAnnouncedByID invoices at once are read
// as the window instead). It moves neither cursor: the sweep's run, still
// reading since the cursor minus the overlap, remains the safety net for
// a webhook Xero never sent, and finishes the events it covers too. One
// invoice approved costs one call; twenty announced together cost one.

// announcedEventsPage is how many pending events an announced run reads
// (and finishes) at a time.
const announcedEventsPage = 1000

// maxAnnouncedByID is how many announced invoices a run reads by ID; more
// (a bulk import, a flood after an outage) are read as the window since
// the cursor, 1,000 a call instead of 50, as the contacts are
// (Exporter.contacts).
const maxAnnouncedByID = 2 * xero.MaxIDsPerCall

// errManyAnnounced makes an announced run read the window instead.
var errManyAnnounced = errors.New("worker: more invoices announced than a run reads by ID")

// exportAnnounced reads the invoices and contacts of the account's pending
// Xero events and finishes the events, page after page of them. It
// returns errManyAnnounced, before reading a page of events, when the page
// announces more than maxAnnouncedByID invoices.
func (e *Exporter) exportAnnounced(ctx context.Context, r *run) error {
	for {
		evs, err := e.st.PendingWebhookEvents(ctx, r.acct, store.SourceXero, announcedEventsPage)
		if err != nil {
			return fmt.Errorf("worker: export: %w", err)
		}
		var invoices, contacts []string
		seen := map[string]bool{}
		for _, ev := range evs {
			id := strings.ToLower(strings.TrimSpace(ev.Resource))
			if id == "" || seen[ev.Kind+id] {
				continue
			}
			seen[ev.Kind+id] = true
			switch ev.Kind {
			case xero.EventCategoryInvoice:
				invoices = append(invoices, ev.Resource)
			case xero.EventCategoryContact:
				contacts = append(contacts, ev.Resource)
			}
		}
		if len(invoices) > maxAnnouncedByID {
			return errManyAnnounced
		}
		// Contacts first: an invoice announced with its contact is then
		// decided with the contact as it is now.
		if err := e.announcedContacts(ctx, r, contacts); err != nil {
			return err
		}
		if err := e.invoicesByID(ctx, r, invoices); err != nil {
			return err
		}
		if err := e.finishXeroEvents(ctx, r, evs); err != nil {
			return err
		}
		if len(evs) < announcedEventsPage {
			return nil
		}
	}
}

// invoicesByID reads the invoices by ID, MaxIDsPerCall a call, and
// decides the sales invoices among them (an INVOICE event names bills
// too) without moving the invoice cursor.
func (e *Exporter) invoicesByID(ctx context.Context, r *run, ids []string) error {
	for start := 0; start < len(ids); start += xero.MaxIDsPerCall {
		batch := ids[start:min(start+xero.MaxIDsPerCall, len(ids))]
		// Paged (page 1), so the invoices carry their line items.
		p, err := r.xc.Invoices(ctx, r.tenant, xero.InvoiceQuery{IDs: batch, Page: 1, PageSize: len(batch)})
		r.sum.XeroCalls++
		if err != nil {
			return e.c.xeroFailed(ctx, r, "read invoices by id", err)
		}
		r.sum.Pages++
		sales := make([]xero.Invoice, 0, len(p.Invoices))
		for _, inv := range p.Invoices {
			if inv.Type == xero.InvoiceTypeSales {
				sales = append(sales, inv)
			}
		}
		if len(sales) == 0 {
			continue
		}
		if err := e.page(ctx, r, sales, time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

// announcedContacts refreshes the announced contacts the cache holds (one
// not cached matters to no invoice yet: the page that needs it fetches it)
// and decides again the recent invoices of those whose details changed,
// as the contact sweep does (contactChanges).
func (e *Exporter) announcedContacts(ctx context.Context, r *run, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	cached, err := e.st.Contacts(ctx, r.acct, ids)
	if err != nil {
		return fmt.Errorf("worker: export: %w", err)
	}
	if len(cached) == 0 {
		return nil
	}
	want := make([]string, 0, len(cached))
	for _, id := range ids {
		if _, ok := cached[id]; ok {
			want = append(want, id)
		}
	}
	got, err := r.xc.ContactsByIDs(ctx, r.tenant, want)
	r.sum.XeroCalls += (len(want) + xero.MaxIDsPerCall - 1) / xero.MaxIDsPerCall
	if err != nil {
		return e.c.xeroFailed(ctx, r, "fetch announced contacts", err)
	}
	var changed []string
	for _, c := range got {
		old, ok := cached[c.ContactID]
		if !ok {
			continue
		}
		if b, err := json.Marshal(c); err == nil && !bytes.Equal(b, old.JSON) {
			changed = append(changed, c.ContactID)
		}
	}
	if err := e.cache(ctx, r, got); err != nil {
		return err
	}
	return e.decideContactsAgain(ctx, r, changed)
}

// finishXeroEvents marks the account's Xero events read, in one
// transaction. A dry run leaves them pending: it sent nothing.
func (e *Exporter) finishXeroEvents(ctx context.Context, r *run, evs []store.WebhookEvent) error {
	if r.opts.DryRun || len(evs) == 0 {
		return nil
	}
	err := e.st.WithTx(ctx, func(tx *store.Tx) error {
		for _, ev := range evs {
			if err := tx.FinishWebhookEvent(ctx, r.acct, ev.ID, store.EventDone, "read by the export"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker: export: %w", err)
	}
	return nil
}

// finishCoveredXeroEvents finishes the Xero events a completed full run
// covered: those received before it started, whose changes its read since
// the cursor (minus the overlap) saw. Later ones stay pending for the run
// their webhook asked for.
func (e *Exporter) finishCoveredXeroEvents(ctx context.Context, r *run) error {
	if r.opts.DryRun {
		return nil
	}
	for {
		evs, err := e.st.PendingWebhookEvents(ctx, r.acct, store.SourceXero, announcedEventsPage)
		if err != nil {
			return fmt.Errorf("worker: export: %w", err)
		}
		n := 0
		for n < len(evs) && evs[n].ReceivedAt.Before(r.start) {
			n++
		}
		if err := e.finishXeroEvents(ctx, r, evs[:n]); err != nil {
			return err
		}
		if n < len(evs) || len(evs) < announcedEventsPage {
			return nil
		}
	}
}

// decideAgain decides invoices again now, read by ID (MaxIDsPerCall a
// call), without moving the invoice cursor: the write-back's recheck of
// the invoices whose orders a void may have reopened (RunOptions.Confirm).
// An invoice Xero no longer has is passed over.
func (e *Exporter) decideAgain(ctx context.Context, accountID int64, ids []string, opts RunOptions) (Summary, error) {
	sum := Summary{AccountID: accountID, DryRun: opts.DryRun}
	r, err := e.c.prepare(ctx, accountID, opts, &sum)
	if err != nil {
		return sum, err
	}
	r.contactCursor = true // a few invoices: fetch a missing contact by id
	return sum, e.invoicesByID(ctx, r, ids)
}

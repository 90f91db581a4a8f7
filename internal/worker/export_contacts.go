package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// contacts returns the page's contacts, by lower-cased ContactID. The
// cache is exact from the contact cursor on (see contactChanges), so only
// contacts not cached (or cached longer ago than ContactMaxAge, a safety
// net) are fetched, 50 IDs a call. An account's first run, with no cursor
// yet and many contacts missing, pages through all contacts, 1,000 a call.
func (e *Exporter) contacts(ctx context.Context, r *run, invs []xero.Invoice) (map[string]*xero.Contact, error) {
	var want []store.ContactWant
	var ids []string
	for _, inv := range invs {
		if inv.Contact == nil || inv.Contact.ContactID == "" {
			continue
		}
		want = append(want, store.ContactWant{ContactID: inv.Contact.ContactID, UpdatedDateUTC: inv.Contact.UpdatedDateUTC.Time})
		ids = append(ids, inv.Contact.ContactID)
	}
	fetchedAfter := e.now().Add(-e.maxAge)
	stale, err := e.st.StaleContacts(ctx, r.acct, want, fetchedAfter)
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	if len(stale) > 2*xero.MaxIDsPerCall && !r.contactCursor {
		if _, err := e.sweepContacts(ctx, r, time.Time{}); err != nil {
			return nil, err
		}
		if stale, err = e.st.StaleContacts(ctx, r.acct, want, fetchedAfter); err != nil {
			return nil, fmt.Errorf("worker: export: %w", err)
		}
	}
	if len(stale) > 0 {
		got, err := r.xc.ContactsByIDs(ctx, r.tenant, stale)
		r.sum.XeroCalls += (len(stale) + xero.MaxIDsPerCall - 1) / xero.MaxIDsPerCall
		if err != nil {
			return nil, e.c.xeroFailed(ctx, r, "fetch contacts", err)
		}
		if err := e.cache(ctx, r, got); err != nil {
			return nil, err
		}
	}
	if !r.contactCursor {
		// Everything cached now was fetched during this run, so changes
		// from the run's start on are what later runs must fetch.
		if err := e.advanceContactCursor(ctx, r, r.start); err != nil {
			return nil, err
		}
	}
	cached, err := e.st.Contacts(ctx, r.acct, ids)
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	out := make(map[string]*xero.Contact, len(cached))
	for id, c := range cached {
		var xc xero.Contact
		if err := json.Unmarshal(c.JSON, &xc); err != nil {
			// A cache row we cannot read is as good as missing: forget it
			// so the next run fetches it again.
			e.log.WarnContext(ctx, "unreadable cached contact", "account", r.acct, "contact", id, "error", err)
			_ = e.st.ForgetContacts(ctx, r.acct, []string{id})
			continue
		}
		out[strings.ToLower(id)] = &xc
	}
	return out, nil
}

// sweepContacts caches every contact Xero changed since since (zero: all
// of them) and moves the contact cursor to the newest change seen, or to
// when Xero answered the first page when that is later: the sweep saw
// every contact changed before then, so the next one, which reads from the
// cursor minus the overlap, does not download the same contacts again
// while nothing changes (see Exporter.since for the invoices).
func (e *Exporter) sweepContacts(ctx context.Context, r *run, since time.Time) (changed []string, err error) {
	var newest, readAt time.Time
	for p, err := range r.xc.ContactPages(ctx, r.tenant, xero.ContactQuery{PageSize: xero.MaxPageSize, ModifiedSince: since}) {
		r.sum.XeroCalls++
		if err != nil {
			return nil, e.c.xeroFailed(ctx, r, "fetch changed contacts", err)
		}
		if readAt.IsZero() {
			readAt = p.At
		}
		ids := make([]string, 0, len(p.Contacts))
		for _, c := range p.Contacts {
			if c.UpdatedDateUTC.After(newest) {
				newest = c.UpdatedDateUTC.Time
			}
			ids = append(ids, c.ContactID)
		}
		before, err := e.st.Contacts(ctx, r.acct, ids)
		if err != nil {
			return nil, fmt.Errorf("worker: export: %w", err)
		}
		for _, c := range p.Contacts {
			old, ok := before[c.ContactID]
			if !ok {
				continue
			}
			if b, err := json.Marshal(c); err == nil && !bytes.Equal(b, old.JSON) {
				changed = append(changed, c.ContactID)
			}
		}
		if err := e.cache(ctx, r, p.Contacts); err != nil {
			return nil, err
		}
	}
	if since.IsZero() && newest.IsZero() {
		newest = r.start // an organisation without contacts yet
	}
	if readAt.After(newest) {
		newest = readAt
	}
	if newest.IsZero() {
		return changed, nil
	}
	return changed, e.advanceContactCursor(ctx, r, newest)
}

// contactChanges refreshes the contacts Xero changed since the contact
// cursor, and decides again the recent invoices of those whose details
// changed: editing a contact's address in Xero is how a merchant changes
// where an order goes, and the invoice itself does not change. Invoices
// whose order comes out the same cost nothing more; the others replace
// their open order. The invoice cursor does not move for them.
func (e *Exporter) contactChanges(ctx context.Context, r *run) error {
	cur, ok, err := e.st.Cursor(ctx, r.acct, CursorXeroContacts)
	if err != nil {
		return fmt.Errorf("worker: export: %w", err)
	}
	r.contactCursor = ok
	if !ok {
		return nil // the first run: nothing cached to go stale
	}
	changed, err := e.sweepContacts(ctx, r, cur.Add(-e.overlap))
	if err != nil {
		return err
	}
	return e.decideContactsAgain(ctx, r, changed)
}

// decideContactsAgain decides again the invoices of the backfill window
// whose contacts changed (one list call per MaxIDsPerCall contacts),
// without moving the invoice cursor.
func (e *Exporter) decideContactsAgain(ctx context.Context, r *run, changed []string) error {
	for start := 0; start < len(changed); start += xero.MaxIDsPerCall {
		q := xero.InvoiceQuery{
			ContactIDs: changed[start:min(start+xero.MaxIDsPerCall, len(changed))],
			Where:      `Type=="ACCREC"`, ModifiedSince: r.start.Add(-e.backfill), PageSize: e.pageSize,
		}
		for p, err := range r.xc.InvoicePages(ctx, r.tenant, q) {
			r.sum.XeroCalls++
			if err != nil {
				return e.c.xeroFailed(ctx, r, "list invoices of changed contacts", err)
			}
			r.sum.Pages++
			if len(p.Invoices) == 0 {
				continue
			}
			if err := e.page(ctx, r, p.Invoices, time.Time{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// advanceContactCursor records how far the contact cache is exact. A dry
// run does it too: the cache is not the merchant's data, and a dry run that
// cached contacts without the cursor would leave them unwatched.
func (e *Exporter) advanceContactCursor(ctx context.Context, r *run, t time.Time) error {
	err := e.st.WithTx(ctx, func(tx *store.Tx) error {
		return tx.AdvanceCursor(ctx, r.acct, CursorXeroContacts, t)
	})
	if err != nil {
		return fmt.Errorf("worker: export: %w", err)
	}
	r.contactCursor = true
	return nil
}

func (e *Exporter) cache(ctx context.Context, r *run, cs []xero.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	rows := make([]store.CachedContact, 0, len(cs))
	for _, c := range cs {
		b, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("worker: cache contact: %w", err)
		}
		rows = append(rows, store.CachedContact{ContactID: c.ContactID, JSON: b, UpdatedDateUTC: c.UpdatedDateUTC.Time})
	}
	r.sum.ContactsFetched += len(rows)
	if err := e.st.PutContacts(ctx, r.acct, rows); err != nil {
		return fmt.Errorf("worker: export: %w", err)
	}
	return nil
}

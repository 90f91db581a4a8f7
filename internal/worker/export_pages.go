package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// maxRewalks bounds the re-reads of one run (see pages).
const maxRewalks = 3

// pages walks the invoices changed since since, oldest change first.
//
// It pages by keyset: after a page it asks again from the page's newest
// UpdatedDateUTC, so an invoice edited during the run (which moves to the
// end of the order) can never shift an unread invoice onto a page already
// read. Xero's If-Modified-Since has whole seconds and is inclusive, so
// invoices already handled in this run are recognised and passed over.
//
// Keyset needs the timestamps to move: when more than a page of invoices
// share one second (a bulk import), the walk must page by number within
// that second, and there an edit of an invoice already read does shift
// the unread ones back by one, past the page boundary. The edited invoice
// shows up again at the end of the walk, which is how the run notices;
// it then reads that second once more (at most maxRewalks times) and
// picks up what was shifted past it.
func (e *Exporter) pages(ctx context.Context, r *run, since time.Time) error {
	// Every status is read, not only those that sync: VOIDED and DELETED
	// cancel orders, and a draft's log line ("approve it in Xero") is how
	// a merchant learns why it has no order yet. They cost no extra call.
	q := xero.InvoiceQuery{PageSize: e.pageSize, Where: `Type=="ACCREC"`, Order: "UpdatedDateUTC ASC"}
	seen := map[string]time.Time{} // handled in this run, at or after the current second
	bulk := map[string]time.Time{} // handled while paging by number within one second
	rewalk := map[time.Time]bool{} // seconds to read again
	var pass time.Time             // during a re-read: the second being re-read
	cur, page, rewalks := since, 1, 0
	for {
		q.ModifiedSince, q.Page = cur, page
		p, err := r.xc.Invoices(ctx, r.tenant, q)
		r.sum.XeroCalls++
		if err != nil {
			return e.c.xeroFailed(ctx, r, "list invoices", err)
		}
		r.sum.Pages++
		if r.readAt.IsZero() {
			r.readAt = p.At
		}
		sec := cur.Truncate(time.Second)
		var fresh []xero.Invoice
		var newest time.Time
		for _, inv := range p.Invoices {
			u := inv.UpdatedDateUTC.Time
			if u.After(newest) {
				newest = u
			}
			if t, ok := seen[inv.InvoiceID]; ok && t.Equal(u) {
				continue
			}
			if t, ok := bulk[inv.InvoiceID]; ok {
				if t.Equal(u) {
					continue
				}
				// Edited since it was read within a bulk second: the
				// invoices after it in that second moved back by one.
				rewalk[t.Truncate(time.Second)] = true
			}
			fresh = append(fresh, inv)
		}
		if len(fresh) > 0 {
			if err := e.page(ctx, r, fresh, newest); err != nil {
				return err
			}
			if !r.opts.DryRun {
				e.noteSwept(ctx, r, fresh)
			}
			for _, inv := range fresh {
				seen[inv.InvoiceID] = inv.UpdatedDateUTC.Time
				if page > 1 || !pass.IsZero() {
					bulk[inv.InvoiceID] = inv.UpdatedDateUTC.Time
				}
			}
		}
		short := len(p.Invoices) < e.pageSize
		leaving := newest.Truncate(time.Second).After(sec)
		switch {
		case !pass.IsZero() && (short || leaving):
			pass = time.Time{} // the re-read of that second is done
		case short:
		case leaving:
			cur, page = newest, 1
			floor := cur.Truncate(time.Second)
			for id, t := range seen {
				if t.Before(floor) {
					delete(seen, id)
				}
			}
			continue
		default:
			page++ // a whole page within one second: go deeper
			continue
		}
		if len(rewalk) == 0 {
			return nil
		}
		if rewalks == maxRewalks {
			e.log.WarnContext(ctx, "invoices kept changing during a bulk re-read; the next run's overlap will catch up",
				"account", r.acct)
			r.unsettled = true // so the next run reads from the cursor again
			return nil
		}
		var next time.Time
		for s := range rewalk {
			if next.IsZero() || s.Before(next) {
				next = s
			}
		}
		delete(rewalk, next)
		rewalks++
		cur, page, pass = next, 1, next
	}
}

// item is one invoice on its way through a page.
type item struct {
	inv     xero.Invoice
	link    store.InvoiceLink
	hasLink bool
	d       bridge.Decision
	// Result of sending.
	outcome  Outcome
	reason   string
	orderID  int64
	status   string
	hash     string
	failed   bool
	detail   string
	transErr error // a transient failure: the invoice is not recorded
	// seen is the order's status as ShipStation gave it during this run
	// (RunOptions.Confirm), "" when not read. It outranks the link's.
	seen string
}

// previous is what Decide knows of the order sent before.
func (it *item) previous(shipped map[string]int64, force bool) *bridge.Previous {
	if !it.hasLink || (it.link.OrderID == 0 && it.link.ContentHash == "") {
		return nil
	}
	p := &bridge.Previous{OrderID: it.link.OrderID, OrderStatus: it.link.OrderStatus, Hash: it.link.ContentHash}
	if force {
		p.Hash = "" // send the order again even if it looks unchanged
	}
	if it.seen != "" {
		p.OrderStatus = it.seen
	}
	if _, ok := shipped[strings.ToLower(it.link.OrderKey)]; ok && p.OrderStatus != shipstation.StatusCancelled {
		p.OrderStatus = shipstation.StatusShipped
	}
	return p
}

// sends reports whether the decision upserts an order over one sent
// before, which is when ShipStation may have shipped it meanwhile.
func (it *item) overwrites() bool {
	return it.d.Update && (it.d.Kind == bridge.Export || it.d.Kind == bridge.Cancel)
}

// page handles one page of invoices: contacts, decisions, sends, then one
// transaction with the links, the log lines and the cursor.
func (e *Exporter) page(ctx context.Context, r *run, invs []xero.Invoice, newest time.Time) error {
	items := make([]*item, len(invs))
	for i, inv := range invs {
		it := &item{inv: inv}
		l, err := e.st.InvoiceLink(ctx, r.acct, inv.InvoiceID)
		switch {
		case err == nil:
			it.link, it.hasLink = l, true
		case errors.Is(err, store.ErrNotFound):
		default:
			return fmt.Errorf("worker: export: %w", err)
		}
		items[i] = it
		if r.opts.Confirm || r.opts.Force {
			if err := e.confirmStatus(ctx, r, it); err != nil {
				return err
			}
		}
	}
	contacts, err := e.contacts(ctx, r, invs)
	if err != nil {
		return err
	}
	decide := func(it *item) {
		var c *xero.Contact
		if it.inv.Contact != nil {
			c = contacts[strings.ToLower(it.inv.Contact.ContactID)]
		}
		it.d = bridge.Decide(it.inv, c, r.settings, it.previous(r.shipped, r.opts.Force))
	}
	var overwrites bool
	for _, it := range items {
		decide(it)
		overwrites = overwrites || it.overwrites()
	}
	// Never re-send an order ShipStation has shipped: before replacing or
	// cancelling orders sent earlier, ask once per run which orders shipped
	// since the last check, and decide those invoices again.
	if overwrites && !r.opts.DryRun && !r.shippedChecked {
		if err := e.checkShipped(ctx, r); err != nil {
			return err
		}
		for _, it := range items {
			if it.overwrites() {
				decide(it)
			}
		}
	}
	// A cancel that could not rebuild the order cancels ShipStation's copy.
	for _, it := range items {
		if it.d.Kind == bridge.Cancel && it.d.Order == nil && !r.opts.DryRun {
			if err := e.fetchForCancel(ctx, r, it); err != nil {
				return err
			}
		}
	}
	if err := e.send(ctx, r, items); err != nil {
		return err
	}
	return e.commit(ctx, r, items, newest)
}

// fetchForCancel fills it.d.Order from the order as ShipStation has it.
func (e *Exporter) fetchForCancel(ctx context.Context, r *run, it *item) error {
	if it.link.OrderID == 0 {
		it.failed, it.reason = true, it.d.Reason+"; but its ShipStation order id is not known, so cancel the order in ShipStation by hand"
		return nil
	}
	o, err := r.ss.GetOrder(ctx, it.link.OrderID)
	r.sum.ShipStationCalls++
	switch {
	case err == nil:
		c := bridge.Cancelled(o)
		it.d.Order, it.d.Hash = &c, bridge.Hash(&c)
		return nil
	case errors.Is(err, shipstation.ErrNotFound):
		it.d.Kind, it.d.Reason = bridge.Skip, it.d.Reason+"; but the order is no longer in ShipStation (deleted there), so there is nothing to cancel"
		return nil
	}
	return e.c.shipStationFailed(ctx, r, "get order", err)
}

// checkShipped records which orders ShipStation shipped since the last
// check (one list call per page of 500 shipped orders).
func (e *Exporter) checkShipped(ctx context.Context, r *run) error {
	r.shippedChecked = true
	r.shippedAt = e.now()
	from, ok, err := e.st.Cursor(ctx, r.acct, CursorShippedOrders)
	if err != nil {
		return fmt.Errorf("worker: export: %w", err)
	}
	if ok {
		from = from.Add(-e.overlap)
	} else {
		from = r.shippedAt.Add(-e.backfill)
	}
	f := shipstation.OrderFilter{OrderStatus: shipstation.StatusShipped, ModifyDateStart: from, StoreID: r.settings.StoreID}
	for p, err := range r.ss.OrderPages(ctx, f) {
		r.sum.ShipStationCalls++
		if err != nil {
			return e.c.shipStationFailed(ctx, r, "list shipped orders", err)
		}
		for _, o := range p.Items {
			if o.OrderKey != "" {
				r.shipped[strings.ToLower(o.OrderKey)] = o.OrderID
			}
		}
	}
	return nil
}

// confirmStatus reads the order's status from ShipStation when the link
// says it is locked: the link learns a status only from what orderbridge
// does or sees, and a void or a restore in ShipStation says nothing.
func (e *Exporter) confirmStatus(ctx context.Context, r *run, it *item) error {
	if !it.hasLink || it.link.OrderID == 0 || !locked(it.link.OrderStatus) {
		return nil
	}
	o, err := r.ss.GetOrder(ctx, it.link.OrderID)
	r.sum.ShipStationCalls++
	switch {
	case err == nil:
		it.seen = o.OrderStatus
		return nil
	case errors.Is(err, shipstation.ErrNotFound):
		return nil // deleted there: the decision says what the link knows
	}
	return e.c.shipStationFailed(ctx, r, "get order", err)
}

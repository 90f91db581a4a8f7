package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

type invoiceData struct {
	ID   string
	Link *store.InvoiceLink
	// State is where the invoice stands, in words ("Shipped", "In
	// ShipStation, awaiting shipment", "Skipped").
	State string
	// StateClass colours State: ok, warning, failed or neutral.
	StateClass string
	// Xero is what Xero says about the invoice now (from the preview's
	// read); nil without a preview.
	Xero *xeroView
	// ShipStationURL opens the order in ShipStation; "" before one exists.
	ShipStationURL string
	// Shipments are the order's labels, newest first, as ShipStation has
	// them now.
	Shipments      []shipmentView
	ShipmentsError string
	Timeline       []timelineItem
	Written        []store.WrittenShipment
	// Preview is the worker's dry run of the invoice as Xero has it now:
	// what Re-sync would do; Card is its order, for a person.
	Preview *bridge.Decision
	// Card is the order for a person: the preview's (what ShipStation
	// gets on Re-sync, or already has), else ShipStation's own (CardLive).
	Card         *orderCard
	CardLive     bool
	xeroInvoice  *xero.Invoice
	PreviewJSON  string
	PreviewError string
	// Number is the invoice's number from the preview, for an invoice
	// never synced.
	Number    string
	CanResync bool
}

// invoicePage shows one invoice as an order card: the customer, the order
// ShipStation has or gets, what Xero says, a card per label, and what
// orderbridge did. An invoice of another account is "not found", exactly
// like a missing one.
func (s *Server) invoicePage(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	id := r.PathValue("id")
	d := invoiceData{ID: id}
	link, err := s.st.InvoiceLink(ctx, ss.s.AccountID, id)
	switch {
	case err == nil:
		d.Link = &link
	case errors.Is(err, store.ErrNotFound) && s.cfg.Invoices != nil:
		// Never exported: the preview may still find it in Xero.
	default:
		s.notFoundOr(w, r, err)
		return
	}
	var orderNumber string
	if d.Link != nil {
		var entries []store.LogEntry
		if d.Link.InvoiceNumber != "" {
			p, err := s.st.ListLog(ctx, ss.s.AccountID, store.LogQuery{InvoiceNumber: d.Link.InvoiceNumber, PageSize: 200})
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			for _, e := range p.Entries {
				if e.InvoiceID == "" || e.InvoiceID == id { // a number can be reused after a deletion
					entries = append(entries, e)
				}
			}
		}
		d.Timeline = timelineOf(entries)
		for _, e := range entries {
			if e.OrderNumber != "" {
				orderNumber = e.OrderNumber
				break
			}
		}
		if d.Written, err = s.st.WrittenShipments(ctx, ss.s.AccountID, id); err != nil {
			s.serverError(w, r, err)
			return
		}
		d.State, d.StateClass = invoiceState(*d.Link)
	} else {
		d.State, d.StateClass = "Not synced yet", "neutral"
	}
	if s.cfg.Invoices != nil {
		res, err := s.cfg.Invoices.Preview(ctx, ss.s.AccountID, id)
		switch {
		case err == nil:
			dec := res.Decision
			d.Preview, d.Number = &dec, res.InvoiceNumber
			if dec.Order != nil {
				d.Card = cardOf(dec.Order, res.Invoice)
				d.PreviewJSON = orderJSON(dec.Order)
				if orderNumber == "" {
					orderNumber = dec.Order.OrderNumber
				}
			}
			if res.Invoice != nil {
				d.Xero, d.xeroInvoice = xeroViewOf(res.Invoice, res.OrgShortCode, s.now()), res.Invoice
			}
		case d.Link == nil:
			s.notFoundOr(w, r, store.ErrNotFound)
			return
		default:
			s.log.WarnContext(ctx, "web: invoice preview", "account", ss.s.AccountID, "err", err)
			d.PreviewError = previewProblem(err)
		}
	}
	if d.Link != nil && d.Link.OrderID != 0 {
		if orderNumber == "" {
			orderNumber = d.Link.InvoiceNumber
		}
		d.ShipStationURL = shipStationOrderURL(orderNumber)
		switch err := s.fromShipStation(ctx, ss.s.AccountID, d.Link.OrderID, &d); {
		case errors.Is(err, errNoShipStation):
			d.ShipmentsError = "ShipStation is not connected, so this order's shipments cannot be shown (Connections)."
		case err != nil:
			s.log.WarnContext(ctx, "web: invoice shipments", "account", ss.s.AccountID, "err", err)
			d.ShipmentsError = "ShipStation could not be reached for this order's shipments. Try again in a minute."
		}
	}
	d.CanResync = s.cfg.Jobs != nil
	title := "Invoice " + id
	if d.Link != nil && d.Link.InvoiceNumber != "" {
		title = "Invoice " + d.Link.InvoiceNumber
	} else if d.Number != "" {
		title = "Invoice " + d.Number
	}
	s.render(w, r, http.StatusOK, "invoice", page{Title: title, Nav: "invoices", Data: d})
}

// errNoShipStation: the account has no ShipStation key to read with.
var errNoShipStation = errors.New("web: shipstation not connected")

// fromShipStation reads what ShipStation has of the order: its labels,
// voided ones included (the page says so), newest first; and, when the
// preview has no order to show (an order shipped or cancelled is not sent
// again), the order itself for the card.
func (s *Server) fromShipStation(ctx context.Context, accountID, orderID int64, d *invoiceData) error {
	if s.cfg.NewShipStation == nil {
		return nil
	}
	sec, err := s.st.ShipStationCredentials(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return errNoShipStation
	}
	if err != nil {
		return err
	}
	c, err := s.cfg.NewShipStation(sec.APIKey, sec.APISecret)
	if err != nil {
		return err
	}
	if d.Card == nil {
		o, err := c.GetOrder(ctx, orderID)
		if err != nil {
			return err
		}
		var inv *xero.Invoice
		if d.Xero != nil {
			inv = d.xeroInvoice
		}
		d.Card, d.CardLive = cardOf(&o, inv), true
	}
	for sh, err := range c.Shipments(ctx, shipstation.ShipmentFilter{OrderID: orderID}) {
		if err != nil {
			return err
		}
		d.Shipments = append(d.Shipments, shipmentViewOf(sh))
	}
	// ShipStation lists oldest first; the newest label matters most.
	slices.Reverse(d.Shipments)
	return nil
}

// orderJSON is the order exactly as it would be sent, indented, with "&",
// "<" and ">" as themselves: the template escapes them for HTML, so the
// JSON a person reads is the JSON ShipStation gets.
func orderJSON(o *shipstation.Order) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(o); err != nil {
		return ""
	}
	return strings.TrimSpace(b.String())
}

func previewProblem(err error) string {
	switch {
	case errors.Is(err, worker.ErrReconnectNeeded), errors.Is(err, xero.ErrReconnectNeeded):
		return "A connection needs reconnecting (Connections) before the invoice can be previewed."
	case errors.Is(err, worker.ErrNotConnected):
		return "The preview needs both Xero and ShipStation connected (Connections)."
	case errors.Is(err, worker.ErrInvoiceNotFound):
		return "Xero did not return the invoice."
	default:
		return "Xero could not be reached to read the invoice. Try again in a minute."
	}
}

// resync queues one invoice for export now.
func (s *Server) resync(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := s.st.InvoiceLink(ctx, ss.s.AccountID, id); err != nil {
		if !errors.Is(err, store.ErrNotFound) || s.cfg.Invoices == nil {
			s.notFoundOr(w, r, err)
			return
		}
		if _, err := s.cfg.Invoices.Preview(ctx, ss.s.AccountID, id); err != nil {
			s.notFoundOr(w, r, store.ErrNotFound)
			return
		}
	}
	s.startRun(w, r, ss, nil, "", invoiceURL(id), func(tx *store.Tx) (int64, error) {
		return s.cfg.Jobs.EnqueueResync(ctx, tx, ss.s.AccountID, id)
	})
}

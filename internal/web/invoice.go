package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

type invoiceData struct {
	ID      string
	Link    *store.InvoiceLink
	Log     []store.LogEntry
	Written []store.WrittenShipment
	// Preview is the worker's dry run of the invoice as Xero has it now:
	// what Re-sync would do.
	Preview      *bridge.Decision
	PreviewJSON  string
	PreviewError string
	// Number is the invoice's number from the preview, for an invoice
	// never synced.
	Number    string
	CanResync bool
}

// invoicePage shows one invoice: its state, every log line and write-back
// about it, and a preview of the order that would be sent now. An invoice
// of another account is "not found", exactly like a missing one.
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
	if d.Link != nil {
		if d.Link.InvoiceNumber != "" {
			p, err := s.st.ListLog(ctx, ss.s.AccountID, store.LogQuery{InvoiceNumber: d.Link.InvoiceNumber, PageSize: 200})
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			for _, e := range p.Entries {
				if e.InvoiceID == "" || e.InvoiceID == id { // a number can be reused after a deletion
					d.Log = append(d.Log, e)
				}
			}
		}
		if d.Written, err = s.st.WrittenShipments(ctx, ss.s.AccountID, id); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if s.cfg.Invoices != nil {
		res, err := s.cfg.Invoices.Preview(ctx, ss.s.AccountID, id)
		switch {
		case err == nil:
			dec := res.Decision
			d.Preview, d.Number = &dec, res.InvoiceNumber
			if dec.Order != nil {
				b, _ := json.MarshalIndent(dec.Order, "", "  ")
				d.PreviewJSON = string(b)
			}
		case d.Link == nil:
			s.notFoundOr(w, r, store.ErrNotFound)
			return
		default:
			s.log.WarnContext(ctx, "web: invoice preview", "account", ss.s.AccountID, "err", err)
			d.PreviewError = previewProblem(err)
		}
	}
	d.CanResync = s.cfg.Jobs != nil
	title := "Invoice " + id
	if d.Link != nil && d.Link.InvoiceNumber != "" {
		title = "Invoice " + d.Link.InvoiceNumber
	} else if d.Number != "" {
		title = "Invoice " + d.Number
	}
	s.render(w, r, http.StatusOK, "invoice", page{Title: title, Nav: "log", Data: d})
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

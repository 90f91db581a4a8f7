package shipstationemu

import (
	"fmt"
	"net/http"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
)

// MaxAdminLabels caps one POST /_emulator/labels, so that one request
// cannot hold the emulator for long; a load driver calls again for more.
const MaxAdminLabels = 10000

// AdminToken is the token the admin API under /_emulator asks for in the
// X-Emulator-Token header.
func (e *Emulator) AdminToken() string { return e.admin.Token() }

// RequestLog is the ring of recent requests the admin API serves.
func (e *Emulator) RequestLog() *emukit.RequestLog { return e.reqLog }

// KeyPair is one API key and secret that opens the account.
type KeyPair struct{ APIKey, APISecret string }

// KeyPairs lists every valid key pair, the first one first.
func (e *Emulator) KeyPairs() []KeyPair {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]KeyPair, len(e.keys))
	for i, k := range e.keys {
		out[i] = KeyPair{k.key, k.secret}
	}
	return out
}

// record books one finished call in the per-key tally and the request log;
// key is empty when authentication failed.
func (e *Emulator) record(r *http.Request, route, key string, start time.Time, w *emukit.StatusWriter) {
	if key != "" {
		e.tally.Inc(key, route)
	}
	e.reqLog.Add(emukit.RequestRecord{
		Time: start.UTC(), Method: r.Method, Path: r.URL.Path, Route: route, Principal: key,
		Status: w.Code(), DurationMS: float64(time.Since(start).Microseconds()) / 1000, Bytes: w.Bytes,
	})
}

// adminRoutes builds the admin API: counters, the request log and bulk
// labels (doc/emulators.md, "Admin API").
func (e *Emulator) adminRoutes(token string) {
	a := emukit.NewAdmin(token)
	a.HandleRequestLog(e.reqLog)
	a.HandleFunc("GET /counters", func(w http.ResponseWriter, _ *http.Request) {
		emukit.WriteAdminJSON(w, http.StatusOK, map[string]any{
			"calls": e.counters.Snapshot(),
			"keys":  e.tally.Snapshot(),
		})
	})
	a.HandleFunc("DELETE /counters", func(w http.ResponseWriter, _ *http.Request) {
		e.counters.Reset()
		e.tally.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	a.HandleFunc("POST /labels", e.adminLabels)
	e.admin = a
}

// LabelsRequest asks for labels in bulk (JSON for POST /_emulator/labels):
// either OrderIDs or AwaitingShipment, not both.
type LabelsRequest struct {
	// OrderIDs are the orders to buy labels for.
	OrderIDs []int64 `json:"orderIds"`
	// AwaitingShipment takes every order awaiting shipment instead, oldest
	// first, in StoreID when it is set, at most Limit when it is set.
	AwaitingShipment bool  `json:"awaitingShipment"`
	StoreID          int64 `json:"storeId"`
	Limit            int   `json:"limit"`
	// CarrierCode and ServiceCode default to stamps_com and
	// usps_priority_mail.
	CarrierCode string `json:"carrierCode"`
	ServiceCode string `json:"serviceCode"`
}

// LabelResult is one label bought, or why not.
type LabelResult struct {
	OrderID        int64  `json:"orderId"`
	ShipmentID     int64  `json:"shipmentId,omitempty"`
	TrackingNumber string `json:"trackingNumber,omitempty"`
	Error          string `json:"error,omitempty"`
}

// CreateLabels buys a label for each order req names, through CreateLabel
// (so each raises SHIP_NOTIFY as a label bought in the UI does). An order
// that cannot take a label is reported in failed and the rest go on.
func (e *Emulator) CreateLabels(req LabelsRequest) (shipped, failed []LabelResult, err error) {
	if req.AwaitingShipment == (len(req.OrderIDs) > 0) {
		return nil, nil, fmt.Errorf("shipstationemu: labels: give either orderIds or awaitingShipment")
	}
	if req.Limit < 0 || req.Limit > MaxAdminLabels || len(req.OrderIDs) > MaxAdminLabels {
		return nil, nil, fmt.Errorf("shipstationemu: labels: at most %d at once", MaxAdminLabels)
	}
	ids := req.OrderIDs
	if req.AwaitingShipment {
		limit := req.Limit
		if limit == 0 {
			limit = MaxAdminLabels
		}
		for _, o := range e.Orders() {
			if len(ids) == limit {
				break
			}
			if !o.Deleted && o.OrderStatus == "awaiting_shipment" && (req.StoreID == 0 || o.AdvancedOptions.StoreID == req.StoreID) {
				ids = append(ids, o.OrderID)
			}
		}
	}
	l := LabelRequest{CarrierCode: req.CarrierCode, ServiceCode: req.ServiceCode}
	if l.CarrierCode == "" {
		l.CarrierCode, l.ServiceCode = "stamps_com", "usps_priority_mail"
	}
	shipped, failed = []LabelResult{}, []LabelResult{}
	for _, id := range ids {
		s, err := e.CreateLabel(id, l)
		if err != nil {
			failed = append(failed, LabelResult{OrderID: id, Error: err.Error()})
			continue
		}
		shipped = append(shipped, LabelResult{OrderID: id, ShipmentID: s.ShipmentID, TrackingNumber: s.TrackingNumber})
	}
	return shipped, failed, nil
}

func (e *Emulator) adminLabels(w http.ResponseWriter, r *http.Request) {
	var req LabelsRequest
	if err := emukit.ReadAdminJSON(r, &req); err != nil {
		emukit.WriteAdminError(w, http.StatusBadRequest, err.Error())
		return
	}
	shipped, failed, err := e.CreateLabels(req)
	if err != nil {
		emukit.WriteAdminError(w, http.StatusBadRequest, err.Error())
		return
	}
	emukit.WriteAdminJSON(w, http.StatusOK, map[string]any{"shipments": shipped, "failed": failed})
}

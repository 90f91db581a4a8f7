package shipstationemu

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type labelIn struct {
	OrderID              int64            `json:"orderId"`
	CarrierCode          string           `json:"carrierCode"`
	ServiceCode          string           `json:"serviceCode"`
	PackageCode          string           `json:"packageCode"`
	Confirmation         string           `json:"confirmation"`
	ShipDate             string           `json:"shipDate"`
	Weight               *weightIn        `json:"weight"`
	Dimensions           *dimensionsIn    `json:"dimensions"`
	InsuranceOptions     *insuranceIn     `json:"insuranceOptions"`
	InternationalOptions *internationalIn `json:"internationalOptions"`
	AdvancedOptions      *advancedIn      `json:"advancedOptions"`
	TestLabel            bool             `json:"testLabel"`
}

// shipBatch is one SHIP_NOTIFY batch: the labels one action created.
type shipBatch struct {
	id        int64
	storeID   int64
	shipments int
}

func (e *Emulator) createLabelForOrder(w http.ResponseWriter, r *http.Request) {
	var in labelIn
	if !decodeRequest(w, r, &in, "request", "SS.OpenApi.Models.Shipments.CreateLabelForOrderRequest") {
		return
	}
	req := LabelRequest{
		CarrierCode: in.CarrierCode, ServiceCode: in.ServiceCode, PackageCode: in.PackageCode,
		Confirmation: in.Confirmation, TestLabel: in.TestLabel,
	}
	if in.ShipDate != "" {
		t, perr := e.parseTime(in.ShipDate)
		if perr != nil {
			writeError(w, errFields(map[string][]string{"request.shipDate": {fmt.Sprintf("The value '%s' is not valid for shipDate.", in.ShipDate)}}))
			return
		}
		req.ShipDate = t
	}
	if in.Weight != nil {
		wt := Weight(*in.Weight)
		req.Weight = &wt
	}
	if in.Dimensions != nil {
		d := Dimensions(*in.Dimensions)
		req.Dimensions = &d
	}
	if in.InsuranceOptions != nil {
		io := InsuranceOptions(*in.InsuranceOptions)
		req.InsuranceOptions = &io
	}
	if in.OrderID == 0 {
		writeError(w, errFields(map[string][]string{"request.orderId": {"The orderId field is required."}}))
		return
	}
	e.mu.Lock()
	now := e.now()
	e.releaseHoldsLocked(now)
	s, batch, lerr := e.createLabelLocked(in.OrderID, req, now)
	var out shipmentJSON
	if lerr == nil {
		out = e.shipmentOut(s, false, true)
	}
	e.mu.Unlock()
	if lerr != nil {
		writeError(w, lerr)
		return
	}
	e.notifyShipments(batch)
	writeJSON(w, http.StatusOK, out)
}

// createLabelLocked buys a label for an order; callers hold e.mu. An order
// may get any number of labels (several packages, or a new label after a
// void); only cancelled orders are refused.
func (e *Emulator) createLabelLocked(orderID int64, req LabelRequest, now time.Time) (*Shipment, shipBatch, *Error) {
	o, err := e.liveOrderLocked(orderID)
	if err != nil {
		// ShipStation answers a label for an unknown order with a generic
		// 500 (see the reference); a 404 tells the client more, and the
		// emulator's job is to be faithful where it matters to a client:
		// the call fails and changes nothing.
		return nil, shipBatch{}, err
	}
	if o.OrderStatus == StatusCancelled {
		return nil, shipBatch{}, errStatus(http.StatusBadRequest, "Order %d is cancelled; a label cannot be created for it.", orderID)
	}
	fe := map[string][]string{}
	if req.CarrierCode == "" {
		fe["request.carrierCode"] = []string{"The carrierCode field is required."}
	}
	if req.ServiceCode == "" {
		fe["request.serviceCode"] = []string{"The serviceCode field is required."}
	}
	if len(fe) > 0 {
		return nil, shipBatch{}, errFields(fe)
	}
	if !slices.ContainsFunc(e.carriers, func(c Carrier) bool { return c.Code == req.CarrierCode }) {
		return nil, shipBatch{}, errStatus(http.StatusBadRequest, "The carrier '%s' is not connected to this account.", req.CarrierCode)
	}
	shipDate := req.ShipDate
	if shipDate.IsZero() {
		shipDate = now
	}
	shipDate = e.pacificDay(shipDate)
	weight := o.Weight
	if req.Weight != nil {
		weight = *req.Weight
	}
	dims := o.Dimensions
	if req.Dimensions != nil {
		d := *req.Dimensions
		dims = &d
	}
	ins := o.InsuranceOptions
	if req.InsuranceOptions != nil {
		ins = *req.InsuranceOptions
	}
	confirmation := cmp.Or(req.Confirmation, "none")
	batchID := e.id("batch")
	s := &Shipment{
		ShipmentID: e.id("shipment"), OrderID: o.OrderID, OrderKey: o.OrderKey, UserID: e.userID,
		CustomerEmail: o.CustomerEmail, OrderNumber: o.OrderNumber, CreateDate: now, ShipDate: shipDate,
		CarrierCode: req.CarrierCode, ServiceCode: req.ServiceCode, PackageCode: cmp.Or(req.PackageCode, "package"),
		Confirmation: confirmation, WarehouseID: o.AdvancedOptions.WarehouseID, ShipTo: o.ShipTo,
		Weight: weight, Dimensions: dims, InsuranceOptions: ins, AdvancedOptions: o.AdvancedOptions,
		StoreID: o.AdvancedOptions.StoreID, BatchID: batchID, BatchNumber: strconv.FormatInt(batchID, 10),
		TestLabel: req.TestLabel,
	}
	for _, it := range o.Items {
		if !it.Adjustment {
			s.ShipmentItems = append(s.ShipmentItems, it)
		}
	}
	s.TrackingNumber = trackingNumber(s.CarrierCode, s.ShipmentID)
	s.ShipmentCost = labelCost(s)
	if ins.InsureShipment {
		s.InsuranceCost = round2(math.Max(1, ins.InsuredValue*0.0125))
	}
	s.LabelData = base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(
		"%%PDF-1.4\n%% shipstationemu label (not a real PDF)\n%% shipment %d order %s\n%% %s %s tracking %s\n%%%%EOF\n",
		s.ShipmentID, s.OrderNumber, s.CarrierCode, s.ServiceCode, s.TrackingNumber)))
	e.shipments = append(e.shipments, s)
	e.shipByID[s.ShipmentID] = s
	o.OrderStatus = StatusShipped
	o.HoldUntilDate = time.Time{}
	delete(e.held, o.OrderID)
	o.ShipDate = shipDate
	o.CarrierCode, o.ServiceCode, o.PackageCode, o.Confirmation = s.CarrierCode, s.ServiceCode, s.PackageCode, s.Confirmation
	o.ModifyDate = now
	return s, shipBatch{id: batchID, storeID: s.StoreID, shipments: 1}, nil
}

// trackingNumber makes a realistic tracking number for a carrier, the same
// for the same shipment id every time.
func trackingNumber(carrier string, shipmentID int64) string {
	rng := mrand.New(mrand.NewPCG(uint64(shipmentID), 0x7ac4))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	switch {
	case carrier == "stamps_com" || carrier == "endicia" || carrier == "usps" || carrier == "express_1":
		return "9400111" + digits(15) // USPS IMpb, 22 digits
	case strings.HasPrefix(carrier, "ups"):
		const alnum = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
		shipper := make([]byte, 6)
		for i := range shipper {
			shipper[i] = alnum[rng.IntN(len(alnum))]
		}
		return "1Z" + string(shipper) + "03" + digits(8) // 18 characters
	case strings.HasPrefix(carrier, "fedex"):
		return digits(12)
	case strings.HasPrefix(carrier, "dhl"):
		return digits(10)
	default:
		return digits(12)
	}
}

// labelCost prices a label: a carrier base rate, a per-pound rate, a
// surcharge for signature confirmations and one for leaving the US.
func labelCost(s *Shipment) float64 {
	base := map[string]float64{"stamps_com": 4.25, "endicia": 4.25, "usps": 4.25, "ups": 9.85, "ups_walleted": 9.35, "fedex": 10.4}[s.CarrierCode]
	if base == 0 {
		base = 12.5
	}
	pounds := s.Weight.Value
	switch s.Weight.Units {
	case "ounces":
		pounds /= 16
	case "grams":
		pounds /= 453.592
	}
	cost := base + 0.85*math.Ceil(math.Max(pounds, 0))
	switch s.Confirmation {
	case "signature", "direct_signature":
		cost += 2.95
	case "adult_signature":
		cost += 6.95
	}
	if s.ShipTo.Country != "" && s.ShipTo.Country != "US" {
		cost += 18.6
	}
	return round2(cost)
}

type voidIn struct {
	ShipmentID int64 `json:"shipmentId"`
}

func (e *Emulator) voidLabel(w http.ResponseWriter, r *http.Request) {
	var in voidIn
	if !decodeRequest(w, r, &in, "request", "VoidLabelRequest") {
		return
	}
	if in.ShipmentID == 0 {
		writeError(w, errFields(map[string][]string{"request.shipmentId": {"The shipmentId field is required."}}))
		return
	}
	e.mu.Lock()
	verr := e.voidLocked(in.ShipmentID, e.now())
	e.mu.Unlock()
	if verr != nil {
		writeError(w, verr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"approved": true, "message": "Label voided successfully"})
}

// voidLocked voids a label; the order goes back to awaiting_shipment when
// it has no other unvoided label and no fulfillment. Callers hold e.mu.
func (e *Emulator) voidLocked(shipmentID int64, now time.Time) *Error {
	s := e.shipByID[shipmentID]
	if s == nil {
		return errStatus(http.StatusNotFound, "Shipment %d was not found.", shipmentID)
	}
	if s.Voided {
		return errStatus(http.StatusBadRequest, "Shipment %d has already been voided.", shipmentID)
	}
	s.Voided, s.VoidDate = true, now
	o := e.byID[s.OrderID]
	if o == nil || o.OrderStatus != StatusShipped {
		return nil
	}
	for _, other := range e.shipments {
		if other.OrderID == o.OrderID && !other.Voided {
			return nil
		}
	}
	for _, f := range e.fulfillments {
		if f.OrderID == o.OrderID && !f.Voided {
			return nil
		}
	}
	o.OrderStatus, o.ModifyDate = StatusAwaitingShipment, now
	return nil
}

func (e *Emulator) listShipments(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	fe := filterErrors{}
	recipient := strings.ToLower(q.get("recipientName"))
	country := q.get("recipientCountryCode")
	number := q.get("orderNumber")
	orderID, byOrder := q.int64("orderId", fe)
	storeID, byStore := q.int64("storeId", fe)
	batchID, byBatch := q.int64("batchId", fe)
	carrier, service, tracking := q.get("carrierCode"), q.get("serviceCode"), q.get("trackingNumber")
	created := e.timeRange(q, "createDate", fe)
	shipped := e.timeRange(q, "shipDate", fe)
	voided := e.timeRange(q, "voidDate", fe)
	withItems := q.bool("includeShipmentItems", fe)
	pg := readPaging(q, fe)
	if len(fe) > 0 {
		writeError(w, errFields(fe))
		return
	}
	e.mu.Lock()
	var hits []*Shipment
	for _, s := range e.shipments {
		switch {
		case recipient != "" && !strings.Contains(strings.ToLower(s.ShipTo.Name), recipient),
			country != "" && !strings.EqualFold(s.ShipTo.Country, country),
			number != "" && !strings.EqualFold(s.OrderNumber, number),
			byOrder && s.OrderID != orderID,
			byStore && s.StoreID != storeID,
			byBatch && s.BatchID != batchID,
			carrier != "" && s.CarrierCode != carrier,
			service != "" && s.ServiceCode != service,
			tracking != "" && s.TrackingNumber != tracking,
			!created.match(s.CreateDate), !shipped.match(s.ShipDate), !voided.match(s.VoidDate):
			continue
		}
		hits = append(hits, s)
	}
	byShipDate := strings.EqualFold(q.get("sortBy"), "ShipDate")
	desc := strings.EqualFold(q.get("sortDir"), "DESC")
	slices.SortStableFunc(hits, func(a, b *Shipment) int {
		c := a.CreateDate.Compare(b.CreateDate)
		if byShipDate {
			c = a.ShipDate.Compare(b.ShipDate)
		}
		if c == 0 {
			c = cmp.Compare(a.ShipmentID, b.ShipmentID)
		}
		if desc {
			c = -c
		}
		return c
	})
	lo, hi := pg.slice(len(hits))
	out := make([]shipmentJSON, 0, hi-lo)
	for _, s := range hits[lo:hi] {
		out = append(out, e.shipmentOut(s, withItems, false))
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"shipments": out, "total": len(hits), "page": pg.page, "pages": documentedPages})
}

type markShippedIn struct {
	OrderID            int64  `json:"orderId"`
	CarrierCode        string `json:"carrierCode"`
	ShipDate           string `json:"shipDate"`
	TrackingNumber     string `json:"trackingNumber"`
	NotifyCustomer     bool   `json:"notifyCustomer"`
	NotifySalesChannel bool   `json:"notifySalesChannel"`
}

func (e *Emulator) markAsShipped(w http.ResponseWriter, r *http.Request) {
	var in markShippedIn
	if !decodeRequest(w, r, &in, "request", "MarkAsShippedRequest") {
		return
	}
	fe := map[string][]string{}
	if in.OrderID == 0 {
		fe["request.orderId"] = []string{"The orderId field is required."}
	}
	if in.CarrierCode == "" {
		fe["request.carrierCode"] = []string{"The carrierCode field is required."}
	}
	var shipDate time.Time
	if in.ShipDate != "" {
		t, perr := e.parseTime(in.ShipDate)
		if perr != nil {
			fe["request.shipDate"] = []string{fmt.Sprintf("The value '%s' is not valid for shipDate.", in.ShipDate)}
		}
		shipDate = t
	}
	if len(fe) > 0 {
		writeError(w, errFields(fe))
		return
	}
	e.mu.Lock()
	now := e.now()
	e.releaseHoldsLocked(now)
	f, merr := e.markShippedLocked(in.OrderID, in.CarrierCode, in.TrackingNumber, shipDate, in.NotifySalesChannel, now)
	e.mu.Unlock()
	if merr != nil {
		writeError(w, merr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"orderId": f.OrderID, "orderNumber": f.OrderNumber})
}

// markShippedLocked records a fulfillment and ships the order; callers
// hold e.mu. No webhook fires, as documented.
func (e *Emulator) markShippedLocked(orderID int64, carrier, tracking string, shipDate time.Time, notify bool, now time.Time) (*Fulfillment, *Error) {
	o, err := e.liveOrderLocked(orderID)
	if err != nil {
		return nil, err
	}
	if o.OrderStatus == StatusCancelled {
		return nil, errStatus(http.StatusBadRequest, "Order %d is cancelled and cannot be marked as shipped.", orderID)
	}
	if o.OrderStatus == StatusShipped {
		// Shipped orders are closed: marking one shipped again (a retry
		// after a lost answer) records nothing and answers as before.
		for i := len(e.fulfillments) - 1; i >= 0; i-- {
			if e.fulfillments[i].OrderID == o.OrderID {
				return e.fulfillments[i], nil
			}
		}
		return &Fulfillment{OrderID: o.OrderID, OrderNumber: o.OrderNumber}, nil // shipped by label
	}
	if shipDate.IsZero() {
		shipDate = now
	}
	shipDate = e.pacificDay(shipDate)
	f := &Fulfillment{
		FulfillmentID: e.id("fulfillment"), OrderID: o.OrderID, OrderNumber: o.OrderNumber, UserID: e.userID,
		CustomerEmail: o.CustomerEmail, TrackingNumber: tracking, CreateDate: now, ShipDate: shipDate,
		CarrierCode: carrier, MarketplaceNotified: notify, ShipTo: o.ShipTo, StoreID: o.AdvancedOptions.StoreID,
	}
	e.fulfillments = append(e.fulfillments, f)
	o.OrderStatus, o.ShipDate, o.ModifyDate = StatusShipped, shipDate, now
	o.HoldUntilDate = time.Time{}
	delete(e.held, o.OrderID)
	return f, nil
}

func (e *Emulator) listFulfillments(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	fe := filterErrors{}
	fulfillmentID, byID := q.int64("fulfillmentId", fe)
	orderID, byOrder := q.int64("orderId", fe)
	number := q.get("orderNumber")
	tracking := q.get("trackingNumber")
	recipient := strings.ToLower(q.get("recipientName"))
	created := e.timeRange(q, "createDate", fe)
	shipped := e.timeRange(q, "shipDate", fe)
	pg := readPaging(q, fe)
	if len(fe) > 0 {
		writeError(w, errFields(fe))
		return
	}
	e.mu.Lock()
	var hits []*Fulfillment
	for _, f := range e.fulfillments {
		switch {
		case byID && f.FulfillmentID != fulfillmentID,
			byOrder && f.OrderID != orderID,
			number != "" && !strings.EqualFold(f.OrderNumber, number),
			tracking != "" && f.TrackingNumber != tracking,
			recipient != "" && !strings.Contains(strings.ToLower(f.ShipTo.Name), recipient),
			!created.match(f.CreateDate), !shipped.match(f.ShipDate):
			continue
		}
		hits = append(hits, f)
	}
	byShipDate := strings.EqualFold(q.get("sortBy"), "ShipDate")
	desc := strings.EqualFold(q.get("sortDir"), "DESC")
	slices.SortStableFunc(hits, func(a, b *Fulfillment) int {
		c := a.CreateDate.Compare(b.CreateDate)
		if byShipDate {
			c = a.ShipDate.Compare(b.ShipDate)
		}
		if c == 0 {
			c = cmp.Compare(a.FulfillmentID, b.FulfillmentID)
		}
		if desc {
			c = -c
		}
		return c
	})
	lo, hi := pg.slice(len(hits))
	out := make([]fulfillmentJSON, 0, hi-lo)
	for _, f := range hits[lo:hi] {
		out = append(out, e.fulfillmentOut(f))
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"fulfillments": out, "total": len(hits), "page": pg.page, "pages": documentedPages})
}

// ---- Go-side actions ----

// CreateLabel buys a label for an order as a merchant does in the UI. It
// behaves exactly like POST /orders/createlabelfororder, SHIP_NOTIFY
// included.
func (e *Emulator) CreateLabel(orderID int64, l LabelRequest) (Shipment, error) {
	e.mu.Lock()
	now := e.now()
	e.releaseHoldsLocked(now)
	s, batch, err := e.createLabelLocked(orderID, l, now)
	var out Shipment
	if err == nil {
		out = cloneShipment(s)
	}
	e.mu.Unlock()
	if err != nil {
		return Shipment{}, err
	}
	e.notifyShipments(batch)
	return out, nil
}

// VoidLabel voids a label as POST /shipments/voidlabel does (no webhook).
func (e *Emulator) VoidLabel(shipmentID int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.voidLocked(shipmentID, e.now()); err != nil {
		return err
	}
	return nil
}

// MarkAsShipped records that an order shipped outside ShipStation labels,
// as POST /orders/markasshipped does (no webhook). A zero shipDate means
// today.
func (e *Emulator) MarkAsShipped(orderID int64, carrierCode, trackingNumber string, shipDate time.Time) (Fulfillment, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.releaseHoldsLocked(now)
	f, err := e.markShippedLocked(orderID, carrierCode, trackingNumber, shipDate, false, now)
	if err != nil {
		return Fulfillment{}, err
	}
	return *f, nil
}

// Shipments returns copies of every label, voided ones included, in the
// order they were created.
func (e *Emulator) Shipments() []Shipment {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Shipment, 0, len(e.shipments))
	for _, s := range e.shipments {
		out = append(out, cloneShipment(s))
	}
	return out
}

// Fulfillments returns copies of every fulfillment in creation order.
func (e *Emulator) Fulfillments() []Fulfillment {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Fulfillment, 0, len(e.fulfillments))
	for _, f := range e.fulfillments {
		out = append(out, *f)
	}
	return out
}

func cloneShipment(s *Shipment) Shipment {
	c := *s
	c.ShipmentItems = slices.Clone(s.ShipmentItems)
	for i := range c.ShipmentItems {
		c.ShipmentItems[i].Options = slices.Clone(c.ShipmentItems[i].Options)
		if w := c.ShipmentItems[i].Weight; w != nil {
			wc := *w
			c.ShipmentItems[i].Weight = &wc
		}
	}
	if s.Dimensions != nil {
		d := *s.Dimensions
		c.Dimensions = &d
	}
	return c
}

package shipstationemu

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxBulkOrders is createorders' documented limit per call.
const maxBulkOrders = 100

// defaultWarehouseID is the account's only Ship From location.
const defaultWarehouseID = 40001

// ---- request shapes ----
//
// Field names are matched case-insensitively by encoding/json, as ASP.NET
// binds them. Omitted and null fields decode alike, which is what a whole
// order replace needs: anything left out is cleared.

type addressIn struct {
	Name        string `json:"name"`
	Company     string `json:"company"`
	Street1     string `json:"street1"`
	Street2     string `json:"street2"`
	Street3     string `json:"street3"`
	City        string `json:"city"`
	State       string `json:"state"`
	PostalCode  string `json:"postalCode"`
	Country     string `json:"country"`
	Phone       string `json:"phone"`
	Residential bool   `json:"residential"`
}

type weightIn struct {
	Value float64 `json:"value"`
	Units string  `json:"units"`
}

type dimensionsIn struct {
	Length float64 `json:"length"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Units  string  `json:"units"`
}

type insuranceIn struct {
	Provider       string  `json:"provider"`
	InsureShipment bool    `json:"insureShipment"`
	InsuredValue   float64 `json:"insuredValue"`
}

type customsIn struct {
	Description          string  `json:"description"`
	Quantity             int     `json:"quantity"`
	Value                float64 `json:"value"`
	HarmonizedTariffCode string  `json:"harmonizedTariffCode"`
	CountryOfOrigin      string  `json:"countryOfOrigin"`
}

type internationalIn struct {
	Contents     string      `json:"contents"`
	CustomsItems []customsIn `json:"customsItems"`
	NonDelivery  string      `json:"nonDelivery"`
}

type advancedIn struct {
	WarehouseID          int64  `json:"warehouseId"`
	NonMachinable        bool   `json:"nonMachinable"`
	SaturdayDelivery     bool   `json:"saturdayDelivery"`
	ContainsAlcohol      bool   `json:"containsAlcohol"`
	StoreID              int64  `json:"storeId"`
	CustomField1         string `json:"customField1"`
	CustomField2         string `json:"customField2"`
	CustomField3         string `json:"customField3"`
	Source               string `json:"source"`
	BillToParty          string `json:"billToParty"`
	BillToAccount        string `json:"billToAccount"`
	BillToPostalCode     string `json:"billToPostalCode"`
	BillToCountryCode    string `json:"billToCountryCode"`
	BillToMyOtherAccount int64  `json:"billToMyOtherAccount"`
}

type itemIn struct {
	LineItemKey       string       `json:"lineItemKey"`
	SKU               string       `json:"sku"`
	Name              *string      `json:"name"`
	ImageURL          string       `json:"imageUrl"`
	Weight            *weightIn    `json:"weight"`
	Quantity          *json.Number `json:"quantity"`
	UnitPrice         float64      `json:"unitPrice"`
	TaxAmount         float64      `json:"taxAmount"`
	ShippingAmount    float64      `json:"shippingAmount"`
	WarehouseLocation string       `json:"warehouseLocation"`
	Options           []optionJSON `json:"options"`
	ProductID         int64        `json:"productId"`
	FulfillmentSKU    string       `json:"fulfillmentSku"`
	Adjustment        bool         `json:"adjustment"`
	UPC               string       `json:"upc"`
}

type orderIn struct {
	OrderID                  int64            `json:"orderId"`
	OrderNumber              string           `json:"orderNumber"`
	OrderKey                 string           `json:"orderKey"`
	OrderDate                string           `json:"orderDate"`
	PaymentDate              string           `json:"paymentDate"`
	ShipByDate               string           `json:"shipByDate"`
	OrderStatus              string           `json:"orderStatus"`
	CustomerUsername         string           `json:"customerUsername"`
	CustomerEmail            string           `json:"customerEmail"`
	BillTo                   *addressIn       `json:"billTo"`
	ShipTo                   *addressIn       `json:"shipTo"`
	Items                    []*itemIn        `json:"items"`
	AmountPaid               float64          `json:"amountPaid"`
	TaxAmount                float64          `json:"taxAmount"`
	ShippingAmount           float64          `json:"shippingAmount"`
	CustomerNotes            string           `json:"customerNotes"`
	InternalNotes            string           `json:"internalNotes"`
	Gift                     bool             `json:"gift"`
	GiftMessage              string           `json:"giftMessage"`
	PaymentMethod            string           `json:"paymentMethod"`
	RequestedShippingService string           `json:"requestedShippingService"`
	CarrierCode              string           `json:"carrierCode"`
	ServiceCode              string           `json:"serviceCode"`
	PackageCode              string           `json:"packageCode"`
	Confirmation             string           `json:"confirmation"`
	ShipDate                 string           `json:"shipDate"`
	Weight                   *weightIn        `json:"weight"`
	Dimensions               *dimensionsIn    `json:"dimensions"`
	InsuranceOptions         *insuranceIn     `json:"insuranceOptions"`
	InternationalOptions     *internationalIn `json:"internationalOptions"`
	AdvancedOptions          *advancedIn      `json:"advancedOptions"`
	TagIDs                   []int64          `json:"tagIds"`
}

// decodeRequest reads r's JSON body into v. On failure it writes the
// answer ShipStation gives (400 with ModelState keys under prefix) and
// returns false, so a handler just returns.
func decodeRequest(w http.ResponseWriter, r *http.Request, v any, prefix, typeName string) bool {
	body, err := readBody(r)
	if err != nil {
		writeError(w, err)
		return false
	}
	if derr := decodeJSON(body, v, prefix, typeName); derr != nil {
		writeError(w, derr)
		return false
	}
	return true
}

// decodeJSON decodes one request object and turns decoding failures into
// ModelState entries under prefix, as ASP.NET's model binder reports them.
func decodeJSON(data []byte, v any, prefix, typeName string) *Error {
	if len(bytes.TrimSpace(data)) == 0 || string(bytes.TrimSpace(data)) == "null" {
		return errFields(map[string][]string{prefix: {"The " + prefix + " field is required."}})
	}
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return errFields(map[string][]string{prefix: {fmt.Sprintf(
			"Cannot deserialize the current JSON %s into type '%s' because the type requires a different JSON value to deserialize correctly.",
			te.Value, typeName)}})
	case errors.As(err, &te):
		return errFields(map[string][]string{prefix + "." + te.Field: {fmt.Sprintf(
			"Error converting value of JSON type %s to type %s.", te.Value, te.Type)}})
	case errors.As(err, &se):
		return errFields(map[string][]string{prefix: {fmt.Sprintf("Unexpected character encountered while parsing value at offset %d.", se.Offset)}})
	default:
		return errFields(map[string][]string{prefix: {"The request body could not be read: " + err.Error()}})
	}
}

// validStatus reports whether s is an orderStatus the API accepts.
func validStatus(s string) bool {
	switch s {
	case StatusAwaitingPayment, StatusAwaitingShipment, StatusPendingFulfillment, StatusShipped, StatusOnHold, StatusCancelled:
		return true
	}
	return false
}

// openStatus reports whether an order in status s may still be modified.
func openStatus(s string) bool { return s != StatusShipped && s != StatusCancelled }

// parsedOrder is a validated request with its dates read.
type parsedOrder struct {
	in                             *orderIn
	orderDate, paymentDate, shipBy time.Time
	shipDate                       time.Time
	quantities                     []int
}

// validate checks an order request the way the documented model demands.
// Field names in the result have no prefix. Item quantity must be a whole
// number from 0 to 99999 (the documented storage range, with 0 allowed for
// lines that are only informational).
func (e *Emulator) validate(in *orderIn) (*parsedOrder, map[string][]string) {
	fe := make(map[string][]string)
	add := func(f, msg string) { fe[f] = append(fe[f], msg) }
	p := &parsedOrder{in: in}
	switch n := utf8.RuneCountInString(in.OrderNumber); {
	case strings.TrimSpace(in.OrderNumber) == "":
		add("orderNumber", "The orderNumber field is required.")
	case n > 50:
		add("orderNumber", "The field orderNumber must be a string with a maximum length of 50.")
	}
	if in.OrderDate == "" {
		add("orderDate", "The orderDate field is required.")
	} else if t, err := e.parseTime(in.OrderDate); err != nil {
		add("orderDate", fmt.Sprintf("The value '%s' is not valid for orderDate.", in.OrderDate))
	} else {
		p.orderDate = t
	}
	for _, d := range []struct {
		name, val string
		dst       *time.Time
	}{{"paymentDate", in.PaymentDate, &p.paymentDate}, {"shipByDate", in.ShipByDate, &p.shipBy}, {"shipDate", in.ShipDate, &p.shipDate}} {
		if d.val == "" {
			continue
		}
		t, err := e.parseTime(d.val)
		if err != nil {
			add(d.name, fmt.Sprintf("The value '%s' is not valid for %s.", d.val, d.name))
			continue
		}
		*d.dst = t
	}
	switch {
	case in.OrderStatus == "":
		add("orderStatus", "The orderStatus field is required.")
	case !validStatus(in.OrderStatus):
		add("orderStatus", fmt.Sprintf("The value '%s' is not a valid orderStatus. Valid values are awaiting_payment, awaiting_shipment, pending_fulfillment, shipped, on_hold and cancelled.", in.OrderStatus))
	}
	for _, a := range []struct {
		name        string
		addr        *addressIn
		needCountry bool
	}{{"billTo", in.BillTo, false}, {"shipTo", in.ShipTo, true}} {
		if a.addr == nil {
			add(a.name, "The "+a.name+" field is required.")
			continue
		}
		switch c := a.addr.Country; {
		case c == "" && a.needCountry:
			add(a.name+".country", "The country field is required.")
		case c != "" && !validCountry(c):
			add(a.name+".country", fmt.Sprintf("'%s' is not a valid ISO 3166-1 alpha-2 country code.", c))
		}
	}
	if in.AdvancedOptions != nil && in.AdvancedOptions.BillToCountryCode != "" && !validCountry(in.AdvancedOptions.BillToCountryCode) {
		add("advancedOptions.billToCountryCode", fmt.Sprintf("'%s' is not a valid ISO 3166-1 alpha-2 country code.", in.AdvancedOptions.BillToCountryCode))
	}
	if in.InternationalOptions != nil {
		for i, c := range in.InternationalOptions.CustomsItems {
			if c.CountryOfOrigin != "" && !validCountry(c.CountryOfOrigin) {
				add(fmt.Sprintf("internationalOptions.customsItems[%d].countryOfOrigin", i), fmt.Sprintf("'%s' is not a valid ISO 3166-1 alpha-2 country code.", c.CountryOfOrigin))
			}
		}
	}
	checkWeight := func(name string, w *weightIn) {
		if w == nil {
			return
		}
		switch w.Units {
		case "pounds", "ounces", "grams":
		default:
			add(name+".units", fmt.Sprintf("The value '%s' is not valid for units. Valid values are pounds, ounces and grams.", w.Units))
		}
		if w.Value < 0 {
			add(name+".value", "The weight must not be negative.")
		}
	}
	checkWeight("weight", in.Weight)
	p.quantities = make([]int, len(in.Items))
	for i, it := range in.Items {
		f := fmt.Sprintf("items[%d]", i)
		if it == nil {
			add(f, "An order item cannot be null.")
			continue
		}
		if it.Name == nil || strings.TrimSpace(*it.Name) == "" {
			add(f+".name", "The name field is required.")
		}
		checkWeight(f+".weight", it.Weight)
		if it.Quantity == nil {
			add(f+".quantity", "The quantity field is required.")
			continue
		}
		q, err := strconv.ParseFloat(it.Quantity.String(), 64)
		switch {
		case err != nil || q != math.Trunc(q):
			add(f+".quantity", fmt.Sprintf("The value '%s' is not valid for quantity: it must be a whole number.", it.Quantity.String()))
		case q < 0 || q > 99999:
			add(f+".quantity", "The field quantity must be between 0 and 99999.")
		default:
			p.quantities[i] = int(q)
		}
	}
	if len(fe) > 0 {
		return nil, fe
	}
	return p, nil
}

// orderBatch collects what one API call did, for ORDER_NOTIFY.
type orderBatch struct {
	guid   string
	orders []*Order
}

// upsertLocked creates or replaces one order; callers hold e.mu. It returns
// field errors without a prefix, or a plain Error.
func (e *Emulator) upsertLocked(p *parsedOrder, now time.Time, batch *orderBatch) (*Order, *Error) {
	in := p.in
	var existing *Order
	if in.OrderKey != "" {
		existing = e.byKey[in.OrderKey]
	}
	if existing == nil && in.OrderID != 0 {
		if o := e.byID[in.OrderID]; o != nil {
			if in.OrderKey != "" && in.OrderKey != o.OrderKey {
				return nil, errFields(map[string][]string{"orderKey": {"The orderKey of an existing order cannot be changed."}})
			}
			existing = o
		}
	}
	if existing != nil && !openStatus(existing.OrderStatus) {
		return nil, errStatus(http.StatusBadRequest,
			"Order %s (orderKey %s) is %s and can no longer be modified through the API.", existing.OrderNumber, existing.OrderKey, existing.OrderStatus)
	}
	o := &Order{}
	if existing != nil {
		*o = *existing
	} else {
		storeID := e.defaultStoreIDLocked()
		if in.AdvancedOptions != nil && in.AdvancedOptions.StoreID != 0 {
			storeID = in.AdvancedOptions.StoreID
			if e.storeLocked(storeID) == nil {
				return nil, errFields(map[string][]string{"advancedOptions.storeId": {fmt.Sprintf("Store %d was not found on this account.", storeID)}})
			}
		}
		o.OrderID = e.id("order")
		o.OrderKey = in.OrderKey
		if o.OrderKey == "" {
			o.OrderKey = newGUID()
		}
		o.CreateDate = now
		o.AdvancedOptions.StoreID = storeID
	}
	prevStatus := o.OrderStatus
	prevItems := o.Items
	o.OrderNumber = in.OrderNumber
	o.OrderDate = p.orderDate
	o.PaymentDate = p.paymentDate
	o.ShipByDate = p.shipBy
	o.ShipDate = zeroOrDay(e, p.shipDate)
	o.OrderStatus = in.OrderStatus
	o.CustomerUsername = in.CustomerUsername
	o.CustomerEmail = in.CustomerEmail
	o.CustomerID = 0
	if in.CustomerUsername != "" {
		id, ok := e.customers[in.CustomerUsername]
		if !ok {
			id = e.id("customer")
			e.customers[in.CustomerUsername] = id
		}
		o.CustomerID = id
	}
	o.BillTo = addressFrom(in.BillTo)
	o.ShipTo = addressFrom(in.ShipTo)
	o.AmountPaid = in.AmountPaid
	o.TaxAmount = in.TaxAmount
	o.ShippingAmount = in.ShippingAmount
	o.CustomerNotes, o.InternalNotes = in.CustomerNotes, in.InternalNotes
	o.Gift, o.GiftMessage, o.PaymentMethod = in.Gift, in.GiftMessage, in.PaymentMethod
	o.RequestedShippingService = in.RequestedShippingService
	o.CarrierCode, o.ServiceCode, o.PackageCode, o.Confirmation = in.CarrierCode, in.ServiceCode, in.PackageCode, in.Confirmation
	o.Weight = Weight{Units: "ounces"}
	if in.Weight != nil {
		o.Weight = Weight(*in.Weight)
	}
	o.Dimensions = nil
	if in.Dimensions != nil {
		d := Dimensions(*in.Dimensions)
		o.Dimensions = &d
	}
	o.InsuranceOptions = InsuranceOptions{}
	if in.InsuranceOptions != nil {
		o.InsuranceOptions = InsuranceOptions(*in.InsuranceOptions)
	}
	o.InternationalOptions = InternationalOptions{}
	if io := in.InternationalOptions; io != nil {
		o.InternationalOptions = InternationalOptions{Contents: io.Contents, NonDelivery: io.NonDelivery}
		for _, c := range io.CustomsItems {
			o.InternationalOptions.CustomsItems = append(o.InternationalOptions.CustomsItems, CustomsItem{
				CustomsItemID: e.id("customs"), Description: c.Description, Quantity: c.Quantity, Value: c.Value,
				HarmonizedTariffCode: c.HarmonizedTariffCode, CountryOfOrigin: c.CountryOfOrigin,
			})
		}
	}
	storeID := o.AdvancedOptions.StoreID // create-only: an update never moves the order
	o.AdvancedOptions = AdvancedOptions{StoreID: storeID, WarehouseID: defaultWarehouseID}
	if a := in.AdvancedOptions; a != nil {
		o.AdvancedOptions = AdvancedOptions{
			WarehouseID: cmp.Or(a.WarehouseID, defaultWarehouseID), NonMachinable: a.NonMachinable,
			SaturdayDelivery: a.SaturdayDelivery, ContainsAlcohol: a.ContainsAlcohol, StoreID: storeID,
			CustomField1: a.CustomField1, CustomField2: a.CustomField2, CustomField3: a.CustomField3,
			Source: a.Source, BillToParty: a.BillToParty, BillToAccount: a.BillToAccount,
			BillToPostalCode: a.BillToPostalCode, BillToCountryCode: a.BillToCountryCode,
			BillToMyOtherAccount: a.BillToMyOtherAccount,
		}
	}
	o.TagIDs = slices.Clone(in.TagIDs)
	// Items keep their orderItemId (and createDate) when the update names
	// the same lineItemKey, so a re-sent invoice does not churn item ids.
	old := make(map[string]OrderItem, len(prevItems))
	for _, it := range prevItems {
		if it.LineItemKey != "" {
			old[it.LineItemKey] = it
		}
	}
	o.Items = make([]OrderItem, 0, len(in.Items))
	var total float64
	for i, it := range in.Items {
		item := OrderItem{
			LineItemKey: it.LineItemKey, SKU: it.SKU, Name: *it.Name, ImageURL: it.ImageURL,
			Quantity: p.quantities[i], UnitPrice: it.UnitPrice, TaxAmount: it.TaxAmount,
			ShippingAmount: it.ShippingAmount, WarehouseLocation: it.WarehouseLocation,
			FulfillmentSKU: it.FulfillmentSKU, Adjustment: it.Adjustment, UPC: it.UPC,
			ProductID: it.ProductID, CreateDate: now, ModifyDate: now,
		}
		if it.Weight != nil {
			w := Weight(*it.Weight)
			item.Weight = &w
		}
		for _, opt := range it.Options {
			item.Options = append(item.Options, ItemOption(opt))
		}
		if prev, ok := old[it.LineItemKey]; ok && it.LineItemKey != "" {
			item.OrderItemID, item.CreateDate = prev.OrderItemID, prev.CreateDate
			delete(old, it.LineItemKey)
		} else {
			item.OrderItemID = e.id("item")
		}
		if item.ProductID == 0 && item.SKU != "" && !item.Adjustment {
			id, ok := e.products[item.SKU]
			if !ok {
				id = e.id("product")
				e.products[item.SKU] = id
			}
			item.ProductID = id
		}
		total += float64(item.Quantity) * item.UnitPrice
		o.Items = append(o.Items, item)
	}
	o.OrderTotal = round2(total + o.TaxAmount + o.ShippingAmount)
	o.ModifyDate = now
	if existing == nil {
		o.ModifyDate = o.CreateDate
	}
	// holdUntilDate is read-only: it survives an update that keeps the
	// order on hold and goes when the order leaves on_hold.
	if o.OrderStatus != StatusOnHold {
		o.HoldUntilDate = time.Time{}
		delete(e.held, o.OrderID)
	} else if !o.HoldUntilDate.IsZero() {
		e.held[o.OrderID] = struct{}{}
	}
	o.Deleted = false // re-upserting a deleted order's key restores it
	if existing != nil {
		*existing = *o
		o = existing
	} else {
		e.orders = append(e.orders, o)
		e.byID[o.OrderID] = o
		e.byKey[o.OrderKey] = o
	}
	notify := (existing == nil && o.OrderStatus != StatusAwaitingPayment) ||
		(existing != nil && prevStatus == StatusAwaitingPayment && o.OrderStatus != StatusAwaitingPayment && o.OrderStatus != StatusCancelled)
	if notify && batch != nil {
		batch.orders = append(batch.orders, o)
		e.importBatch[batch.guid] = append(e.importBatch[batch.guid], o.OrderID)
	}
	return o, nil
}

func zeroOrDay(e *Emulator, t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return e.pacificDay(t)
}

func addressFrom(a *addressIn) Address {
	if a == nil {
		return Address{}
	}
	return Address{
		Name: a.Name, Company: a.Company, Street1: a.Street1, Street2: a.Street2, Street3: a.Street3,
		City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country, Phone: a.Phone,
		Residential: a.Residential, AddressVerified: "Address not yet validated",
	}
}

// prefixFields puts prefix before every field name.
func prefixFields(prefix string, fe map[string][]string) map[string][]string {
	out := make(map[string][]string, len(fe))
	for k, v := range fe {
		out[prefix+"."+k] = v
	}
	return out
}

func (e *Emulator) createOrder(w http.ResponseWriter, r *http.Request) {
	var in orderIn
	if !decodeRequest(w, r, &in, "apiOrder", "SS.OpenApi.Models.Orders.Order") {
		return
	}
	p, fe := e.validate(&in)
	if fe != nil {
		writeError(w, errFields(prefixFields("apiOrder", fe)))
		return
	}
	batch := &orderBatch{guid: newGUID()}
	e.mu.Lock()
	now := e.now()
	e.releaseHoldsLocked(now)
	o, uerr := e.upsertLocked(p, now, batch)
	var out orderJSON
	if uerr == nil {
		out = e.orderOut(o)
	}
	e.mu.Unlock()
	if uerr != nil {
		if len(uerr.Fields) > 0 {
			uerr = errFields(prefixFields("apiOrder", uerr.Fields))
		}
		writeError(w, uerr)
		return
	}
	e.notifyOrders(batch)
	writeJSON(w, http.StatusOK, out)
}

type bulkResult struct {
	OrderID      *int64  `json:"orderId"`
	OrderNumber  *string `json:"orderNumber"`
	OrderKey     *string `json:"orderKey"`
	Success      bool    `json:"success"`
	ErrorMessage *string `json:"errorMessage"`
}

func (e *Emulator) createOrders(w http.ResponseWriter, r *http.Request) {
	var raws []json.RawMessage
	if !decodeRequest(w, r, &raws, "apiOrders", "System.Collections.Generic.List`1[SS.OpenApi.Models.Orders.Order]") {
		return
	}
	if len(raws) > maxBulkOrders {
		writeError(w, errFields(map[string][]string{"apiOrders": {fmt.Sprintf("A maximum of %d orders may be created or updated per request; got %d.", maxBulkOrders, len(raws))}}))
		return
	}
	ins := make([]*orderIn, len(raws))
	for i, raw := range raws {
		ins[i] = new(orderIn)
		if derr := decodeJSON(raw, ins[i], fmt.Sprintf("apiOrders[%d]", i), "SS.OpenApi.Models.Orders.Order"); derr != nil {
			writeError(w, derr)
			return
		}
	}
	type outcome struct {
		p    *parsedOrder
		fail string
	}
	outcomes := make([]outcome, len(ins))
	for i, in := range ins {
		p, fe := e.validate(in)
		outcomes[i] = outcome{p: p}
		if fe != nil {
			outcomes[i].fail = errFields(fe).Error()
		}
	}
	batch := &orderBatch{guid: newGUID()}
	resp := struct {
		HasErrors bool         `json:"hasErrors"`
		Results   []bulkResult `json:"results"`
	}{Results: make([]bulkResult, 0, len(ins))}
	e.mu.Lock()
	now := e.now()
	e.releaseHoldsLocked(now)
	for i, in := range ins {
		res := bulkResult{OrderNumber: nullStr(in.OrderNumber), OrderKey: nullStr(in.OrderKey)}
		fail := outcomes[i].fail
		if fail == "" {
			o, uerr := e.upsertLocked(outcomes[i].p, now, batch)
			if uerr != nil {
				fail = uerr.Error()
			} else {
				id := o.OrderID
				res.OrderID, res.OrderKey, res.Success = &id, nullStr(o.OrderKey), true
			}
		}
		if fail != "" {
			resp.HasErrors = true
			msg := strings.TrimPrefix(fail, "shipstationemu: ")
			res.ErrorMessage = &msg
		}
		resp.Results = append(resp.Results, res)
	}
	e.mu.Unlock()
	e.notifyOrders(batch)
	writeJSON(w, http.StatusOK, resp)
}

// releaseHoldsLocked moves orders whose holdUntilDate has come back to
// awaiting_shipment, as ShipStation does on the date; callers hold e.mu.
func (e *Emulator) releaseHoldsLocked(now time.Time) {
	for id := range e.held {
		o := e.byID[id]
		if o == nil || o.OrderStatus != StatusOnHold || o.HoldUntilDate.IsZero() {
			delete(e.held, id)
			continue
		}
		if !now.Before(o.HoldUntilDate) {
			o.OrderStatus = StatusAwaitingShipment
			o.HoldUntilDate = time.Time{}
			o.ModifyDate = now
			delete(e.held, id)
		}
	}
}

func (e *Emulator) listOrders(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	fe := filterErrors{}
	customer := strings.ToLower(q.get("customerName"))
	keyword := strings.ToLower(q.get("itemKeyword"))
	numberPrefix := strings.ToLower(q.get("orderNumber"))
	status := q.get("orderStatus")
	storeID, byStore := q.int64("storeId", fe)
	created := e.timeRange(q, "createDate", fe)
	modified := e.timeRange(q, "modifyDate", fe)
	ordered := e.timeRange(q, "orderDate", fe)
	paid := e.timeRange(q, "paymentDate", fe)
	importBatch := q.get("importBatch")
	pg := readPaging(q, fe)
	if len(fe) > 0 {
		writeError(w, errFields(fe))
		return
	}
	e.mu.Lock()
	e.releaseHoldsLocked(e.now())
	candidates := e.orders
	if importBatch != "" {
		candidates = nil
		for _, id := range e.importBatch[importBatch] {
			if o := e.byID[id]; o != nil && !slices.Contains(candidates, o) {
				candidates = append(candidates, o)
			}
		}
	}
	var hits []*Order
	for _, o := range candidates {
		switch {
		case o.Deleted,
			byStore && o.AdvancedOptions.StoreID != storeID,
			status != "" && o.OrderStatus != status,
			numberPrefix != "" && !strings.HasPrefix(strings.ToLower(o.OrderNumber), numberPrefix),
			customer != "" && !strings.Contains(strings.ToLower(o.BillTo.Name), customer) && !strings.Contains(strings.ToLower(o.ShipTo.Name), customer),
			keyword != "" && !itemsMatch(o.Items, keyword),
			!created.match(o.CreateDate), !modified.match(o.ModifyDate),
			!ordered.match(o.OrderDate), !paid.match(o.PaymentDate):
			continue
		}
		hits = append(hits, o)
	}
	sortBy := map[string]func(*Order) time.Time{
		"orderdate":  func(o *Order) time.Time { return o.OrderDate },
		"modifydate": func(o *Order) time.Time { return o.ModifyDate },
		"createdate": func(o *Order) time.Time { return o.CreateDate },
	}[strings.ToLower(q.get("sortBy"))]
	desc := strings.EqualFold(q.get("sortDir"), "DESC")
	slices.SortStableFunc(hits, func(a, b *Order) int {
		c := 0
		if sortBy != nil {
			c = sortBy(a).Compare(sortBy(b))
		}
		if c == 0 {
			c = cmp.Compare(a.OrderID, b.OrderID)
		}
		if desc {
			c = -c
		}
		return c
	})
	lo, hi := pg.slice(len(hits))
	out := make([]orderJSON, 0, hi-lo)
	for _, o := range hits[lo:hi] {
		out = append(out, e.orderOut(o))
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"orders": out, "total": len(hits), "page": pg.page, "pages": documentedPages})
}

func itemsMatch(items []OrderItem, kw string) bool {
	for _, it := range items {
		if strings.Contains(strings.ToLower(it.SKU), kw) || strings.Contains(strings.ToLower(it.Name), kw) {
			return true
		}
		for _, o := range it.Options {
			if strings.Contains(strings.ToLower(o.Value), kw) || strings.Contains(strings.ToLower(o.Name), kw) {
				return true
			}
		}
	}
	return false
}

// pathID reads the {id} path value.
func pathID(r *http.Request, what string) (int64, *Error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errFields(map[string][]string{what: {fmt.Sprintf("The value '%s' is not valid for %s.", s, what)}})
	}
	return id, nil
}

// liveOrderLocked finds an order the API may see (not deleted).
func (e *Emulator) liveOrderLocked(id int64) (*Order, *Error) {
	o := e.byID[id]
	if o == nil || o.Deleted {
		return nil, errStatus(http.StatusNotFound, "Order %d was not found.", id)
	}
	return o, nil
}

func (e *Emulator) getOrder(w http.ResponseWriter, r *http.Request) {
	id, perr := pathID(r, "orderId")
	if perr != nil {
		writeError(w, perr)
		return
	}
	e.mu.Lock()
	e.releaseHoldsLocked(e.now())
	o, err := e.liveOrderLocked(id)
	var out orderJSON
	if err == nil {
		out = e.orderOut(o)
	}
	e.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) deleteOrder(w http.ResponseWriter, r *http.Request) {
	id, perr := pathID(r, "orderId")
	if perr != nil {
		writeError(w, perr)
		return
	}
	e.mu.Lock()
	o, err := e.liveOrderLocked(id)
	if err == nil {
		o.Deleted = true
		o.ModifyDate = e.now()
	}
	e.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "The requested order has been deleted."})
}

type holdIn struct {
	OrderID       int64  `json:"orderId"`
	HoldUntilDate string `json:"holdUntilDate"`
}

func (e *Emulator) holdUntil(w http.ResponseWriter, r *http.Request) {
	var in holdIn
	if !decodeRequest(w, r, &in, "request", "HoldUntilRequest") {
		return
	}
	fe := map[string][]string{}
	if in.OrderID == 0 {
		fe["request.orderId"] = []string{"The orderId field is required."}
	}
	var until time.Time
	if in.HoldUntilDate == "" {
		fe["request.holdUntilDate"] = []string{"The holdUntilDate field is required."}
	} else if t, perr := e.parseTime(in.HoldUntilDate); perr != nil {
		fe["request.holdUntilDate"] = []string{fmt.Sprintf("The value '%s' is not valid for holdUntilDate.", in.HoldUntilDate)}
	} else {
		until = e.pacificDay(t)
	}
	if len(fe) > 0 {
		writeError(w, errFields(fe))
		return
	}
	e.mu.Lock()
	now := e.now()
	e.releaseHoldsLocked(now)
	o, oerr := e.liveOrderLocked(in.OrderID)
	if oerr == nil && !openStatus(o.OrderStatus) {
		oerr = errStatus(http.StatusBadRequest, "Order %d is %s and cannot be put on hold.", o.OrderID, o.OrderStatus)
	}
	if oerr == nil {
		o.OrderStatus, o.HoldUntilDate, o.ModifyDate = StatusOnHold, until, now
		e.held[o.OrderID] = struct{}{}
	}
	e.mu.Unlock()
	if oerr != nil {
		writeError(w, oerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Order held successfully."})
}

func (e *Emulator) restoreFromHold(w http.ResponseWriter, r *http.Request) {
	var in holdIn
	if !decodeRequest(w, r, &in, "request", "RestoreFromHoldRequest") {
		return
	}
	if in.OrderID == 0 {
		writeError(w, errFields(map[string][]string{"request.orderId": {"The orderId field is required."}}))
		return
	}
	e.mu.Lock()
	now := e.now()
	e.releaseHoldsLocked(now)
	o, oerr := e.liveOrderLocked(in.OrderID)
	if oerr == nil && o.OrderStatus != StatusOnHold {
		oerr = errStatus(http.StatusBadRequest, "Order %d is %s, not on_hold.", o.OrderID, o.OrderStatus)
	}
	if oerr == nil {
		o.OrderStatus, o.HoldUntilDate, o.ModifyDate = StatusAwaitingShipment, time.Time{}, now
		delete(e.held, o.OrderID)
	}
	e.mu.Unlock()
	if oerr != nil {
		writeError(w, oerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "The requested order has been restored"})
}

// ---- Go-side views ----

// Order returns a copy of the order with orderID, deleted or not.
func (e *Emulator) Order(orderID int64) (Order, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.releaseHoldsLocked(e.now())
	o := e.byID[orderID]
	if o == nil {
		return Order{}, false
	}
	return cloneOrder(o), true
}

// OrderByKey returns a copy of the order with orderKey, deleted or not.
func (e *Emulator) OrderByKey(orderKey string) (Order, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.releaseHoldsLocked(e.now())
	o := e.byKey[orderKey]
	if o == nil {
		return Order{}, false
	}
	return cloneOrder(o), true
}

// Orders returns copies of every order in orderId order, including soft
// deleted ones (their Deleted field is set).
func (e *Emulator) Orders() []Order {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.releaseHoldsLocked(e.now())
	out := make([]Order, 0, len(e.orders))
	for _, o := range e.orders {
		out = append(out, cloneOrder(o))
	}
	return out
}

func cloneOrder(o *Order) Order {
	c := *o
	c.Items = slices.Clone(o.Items)
	for i := range c.Items {
		c.Items[i].Options = slices.Clone(c.Items[i].Options)
		if w := c.Items[i].Weight; w != nil {
			wc := *w
			c.Items[i].Weight = &wc
		}
	}
	c.TagIDs = slices.Clone(o.TagIDs)
	c.InternationalOptions.CustomsItems = slices.Clone(o.InternationalOptions.CustomsItems)
	c.AdvancedOptions.MergedIDs = slices.Clone(o.AdvancedOptions.MergedIDs)
	if o.Dimensions != nil {
		d := *o.Dimensions
		c.Dimensions = &d
	}
	return c
}

package shipstationemu

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Wire formats. ShipStation V1 renders every datetime in Pacific time with
// no offset and seven fractional digits; item and store dates come with
// .NET's trimmed milliseconds; shipDate and holdUntilDate are plain dates.
const (
	layoutDateTime = "2006-01-02T15:04:05.0000000"
	layoutShort    = "2006-01-02T15:04:05.999"
	layoutDate     = "2006-01-02"
)

// dateTime renders t as a Pacific datetime, or null when zero.
func (e *Emulator) dateTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.In(e.loc).Format(layoutDateTime)
	return &s
}

// shortTime renders t with trimmed milliseconds, or null when zero.
func (e *Emulator) shortTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.In(e.loc).Format(layoutShort)
	return &s
}

// date renders t's Pacific calendar date, or null when zero.
func (e *Emulator) date(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.In(e.loc).Format(layoutDate)
	return &s
}

// parseTime reads a request datetime. ShipStation asks for Pacific
// "yyyy-mm-dd hh:mm:ss"; the emulator also takes a bare date (midnight
// Pacific), the ISO "T" form with up to seven fractional digits (Pacific),
// and an explicit offset or Z (converted). In the autumn DST overlap a
// local time means its first (PDT) occurrence, and a local time in the
// spring gap is moved forward by an hour, as Go's time.Date does.
func (e *Emulator) parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", layoutDate} {
		if t, err := time.ParseInLocation(layout, s, e.loc); err == nil {
			return t, nil
		}
		// Fractional seconds of any length after the seconds.
		if strings.Contains(layout, ":05") {
			if t, err := time.ParseInLocation(layout+".9999999", s, e.loc); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("shipstationemu: %q is not a date", s)
}

// pacificDay is the start of t's calendar day in Pacific time.
func (e *Emulator) pacificDay(t time.Time) time.Time {
	y, m, d := t.In(e.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, e.loc)
}

// query reads request parameters with case-insensitive names, as ASP.NET
// binds them ("storeID" and "storeId" are the same parameter).
type query struct {
	v url.Values
}

func newQuery(r *http.Request) query {
	q := make(url.Values)
	for k, vs := range r.URL.Query() {
		q[strings.ToLower(k)] = append(q[strings.ToLower(k)], vs...)
	}
	return query{q}
}

func (q query) get(name string) string { return strings.TrimSpace(q.v.Get(strings.ToLower(name))) }

// filterErrors gathers parameter errors so a request reports all of them.
type filterErrors map[string][]string

func (fe filterErrors) add(name, msg string) { fe[name] = append(fe[name], msg) }

func (q query) int64(name string, fe filterErrors) (int64, bool) {
	s := q.get(name)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		fe.add(name, fmt.Sprintf("The value '%s' is not valid for %s.", s, name))
		return 0, false
	}
	return n, true
}

func (q query) bool(name string, fe filterErrors) bool {
	s := q.get(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		fe.add(name, fmt.Sprintf("The value '%s' is not valid for %s.", s, name))
	}
	return b
}

// timeRange reads name+"Start" and name+"End"; both ends are inclusive.
func (e *Emulator) timeRange(q query, name string, fe filterErrors) timeRange {
	var tr timeRange
	for i, suffix := range []string{"Start", "End"} {
		s := q.get(name + suffix)
		if s == "" {
			continue
		}
		t, err := e.parseTime(s)
		if err != nil {
			fe.add(name+suffix, fmt.Sprintf("The value '%s' is not valid for %s%s.", s, name, suffix))
			continue
		}
		if i == 0 {
			tr.start = t
		} else {
			tr.end = t
		}
	}
	return tr
}

type timeRange struct{ start, end time.Time }

// match reports whether t lies in the range; a null t matches only an
// unbounded range.
func (tr timeRange) match(t time.Time) bool {
	if tr.start.IsZero() && tr.end.IsZero() {
		return true
	}
	if t.IsZero() {
		return false
	}
	if !tr.start.IsZero() && t.Before(tr.start) {
		return false
	}
	if !tr.end.IsZero() && t.After(tr.end) {
		return false
	}
	return true
}

// paging is page/pageSize as the list endpoints read them: page is 1-based
// (values below 1 mean 1), pageSize defaults to 100 and is clamped to the
// documented maximum of 500 rather than refused.
type paging struct{ page, size int }

func readPaging(q query, fe filterErrors) paging {
	p := paging{page: 1, size: 100}
	if n, ok := q.int64("page", fe); ok && n > 1 {
		p.page = int(min(n, math.MaxInt32))
	}
	if n, ok := q.int64("pageSize", fe); ok && n > 0 {
		p.size = int(min(n, 500))
	}
	return p
}

// documentedPages is the "pages" of every list envelope. The documented
// examples of GET /orders, /shipments and /fulfillments all answer
// "pages": 0 beside a non-zero total (shipstation-api.md §2.2, §12.7), so a
// client must page by total or by full pages, never by pages alone; the
// emulator answers the same to catch one that does not.
const documentedPages = 0

// slice returns the page's bounds into n items.
func (p paging) slice(n int) (lo, hi int) {
	lo = (p.page - 1) * p.size
	if lo > n {
		lo = n
	}
	hi = min(lo+p.size, n)
	return lo, hi
}

func nullStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullInt(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// ---- response shapes ----

type addressJSON struct {
	Name            *string `json:"name"`
	Company         *string `json:"company"`
	Street1         *string `json:"street1"`
	Street2         *string `json:"street2"`
	Street3         *string `json:"street3"`
	City            *string `json:"city"`
	State           *string `json:"state"`
	PostalCode      *string `json:"postalCode"`
	Country         *string `json:"country"`
	Phone           *string `json:"phone"`
	Residential     bool    `json:"residential"`
	AddressVerified *string `json:"addressVerified"`
}

func addressOut(a Address) addressJSON {
	return addressJSON{
		Name: nullStr(a.Name), Company: nullStr(a.Company), Street1: nullStr(a.Street1),
		Street2: nullStr(a.Street2), Street3: nullStr(a.Street3), City: nullStr(a.City),
		State: nullStr(a.State), PostalCode: nullStr(a.PostalCode), Country: nullStr(a.Country),
		Phone: nullStr(a.Phone), Residential: a.Residential, AddressVerified: nullStr(a.AddressVerified),
	}
}

type weightJSON struct {
	Value float64 `json:"value"`
	Units string  `json:"units"`
}

func weightOut(w Weight) *weightJSON {
	return &weightJSON{Value: w.Value, Units: w.Units}
}

type dimensionsJSON struct {
	Length float64 `json:"length"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Units  string  `json:"units"`
}

func dimensionsOut(d *Dimensions) *dimensionsJSON {
	if d == nil {
		return nil
	}
	return &dimensionsJSON{Length: d.Length, Width: d.Width, Height: d.Height, Units: d.Units}
}

type insuranceJSON struct {
	Provider       *string `json:"provider"`
	InsureShipment bool    `json:"insureShipment"`
	InsuredValue   float64 `json:"insuredValue"`
}

func insuranceOut(i InsuranceOptions) insuranceJSON {
	return insuranceJSON{Provider: nullStr(i.Provider), InsureShipment: i.InsureShipment, InsuredValue: i.InsuredValue}
}

type customsItemJSON struct {
	CustomsItemID        int64   `json:"customsItemId"`
	Description          *string `json:"description"`
	Quantity             int     `json:"quantity"`
	Value                float64 `json:"value"`
	HarmonizedTariffCode *string `json:"harmonizedTariffCode"`
	CountryOfOrigin      *string `json:"countryOfOrigin"`
}

type internationalJSON struct {
	Contents     *string           `json:"contents"`
	CustomsItems []customsItemJSON `json:"customsItems"`
	NonDelivery  *string           `json:"nonDelivery"`
}

func internationalOut(o InternationalOptions) internationalJSON {
	out := internationalJSON{Contents: nullStr(o.Contents), NonDelivery: nullStr(o.NonDelivery)}
	for _, c := range o.CustomsItems {
		out.CustomsItems = append(out.CustomsItems, customsItemJSON{
			CustomsItemID: c.CustomsItemID, Description: nullStr(c.Description), Quantity: c.Quantity,
			Value: c.Value, HarmonizedTariffCode: nullStr(c.HarmonizedTariffCode), CountryOfOrigin: nullStr(c.CountryOfOrigin),
		})
	}
	return out
}

type advancedJSON struct {
	WarehouseID          *int64  `json:"warehouseId"`
	NonMachinable        bool    `json:"nonMachinable"`
	SaturdayDelivery     bool    `json:"saturdayDelivery"`
	ContainsAlcohol      bool    `json:"containsAlcohol"`
	MergedOrSplit        bool    `json:"mergedOrSplit"`
	MergedIDs            []int64 `json:"mergedIds"`
	ParentID             *int64  `json:"parentId"`
	StoreID              int64   `json:"storeId"`
	CustomField1         *string `json:"customField1"`
	CustomField2         *string `json:"customField2"`
	CustomField3         *string `json:"customField3"`
	Source               *string `json:"source"`
	BillToParty          *string `json:"billToParty"`
	BillToAccount        *string `json:"billToAccount"`
	BillToPostalCode     *string `json:"billToPostalCode"`
	BillToCountryCode    *string `json:"billToCountryCode"`
	BillToMyOtherAccount *int64  `json:"billToMyOtherAccount"`
}

func advancedOut(a AdvancedOptions) advancedJSON {
	ids := a.MergedIDs
	if ids == nil {
		ids = []int64{}
	}
	return advancedJSON{
		WarehouseID: nullInt(a.WarehouseID), NonMachinable: a.NonMachinable, SaturdayDelivery: a.SaturdayDelivery,
		ContainsAlcohol: a.ContainsAlcohol, MergedOrSplit: a.MergedOrSplit, MergedIDs: ids,
		ParentID: nullInt(a.ParentID), StoreID: a.StoreID, CustomField1: nullStr(a.CustomField1),
		CustomField2: nullStr(a.CustomField2), CustomField3: nullStr(a.CustomField3), Source: nullStr(a.Source),
		BillToParty: nullStr(a.BillToParty), BillToAccount: nullStr(a.BillToAccount),
		BillToPostalCode: nullStr(a.BillToPostalCode), BillToCountryCode: nullStr(a.BillToCountryCode),
		BillToMyOtherAccount: nullInt(a.BillToMyOtherAccount),
	}
}

type optionJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type itemJSON struct {
	OrderItemID       int64        `json:"orderItemId"`
	LineItemKey       *string      `json:"lineItemKey"`
	SKU               *string      `json:"sku"`
	Name              string       `json:"name"`
	ImageURL          *string      `json:"imageUrl"`
	Weight            *weightJSON  `json:"weight"`
	Quantity          int          `json:"quantity"`
	UnitPrice         float64      `json:"unitPrice"`
	TaxAmount         float64      `json:"taxAmount"`
	ShippingAmount    float64      `json:"shippingAmount"`
	WarehouseLocation *string      `json:"warehouseLocation"`
	Options           []optionJSON `json:"options"`
	ProductID         *int64       `json:"productId"`
	FulfillmentSKU    *string      `json:"fulfillmentSku"`
	Adjustment        bool         `json:"adjustment"`
	UPC               *string      `json:"upc"`
	CreateDate        *string      `json:"createDate"`
	ModifyDate        *string      `json:"modifyDate"`
}

func (e *Emulator) itemOut(it OrderItem) itemJSON {
	out := itemJSON{
		OrderItemID: it.OrderItemID, LineItemKey: nullStr(it.LineItemKey), SKU: nullStr(it.SKU), Name: it.Name,
		ImageURL: nullStr(it.ImageURL), Quantity: it.Quantity, UnitPrice: it.UnitPrice, TaxAmount: it.TaxAmount,
		ShippingAmount: it.ShippingAmount, WarehouseLocation: nullStr(it.WarehouseLocation),
		Options: []optionJSON{}, ProductID: nullInt(it.ProductID), FulfillmentSKU: nullStr(it.FulfillmentSKU),
		Adjustment: it.Adjustment, UPC: nullStr(it.UPC), CreateDate: e.shortTime(it.CreateDate),
		ModifyDate: e.shortTime(it.ModifyDate),
	}
	if it.Weight != nil {
		out.Weight = weightOut(*it.Weight)
	}
	for _, o := range it.Options {
		out.Options = append(out.Options, optionJSON(o))
	}
	return out
}

type orderJSON struct {
	OrderID                   int64             `json:"orderId"`
	OrderNumber               string            `json:"orderNumber"`
	OrderKey                  string            `json:"orderKey"`
	OrderDate                 *string           `json:"orderDate"`
	CreateDate                *string           `json:"createDate"`
	ModifyDate                *string           `json:"modifyDate"`
	PaymentDate               *string           `json:"paymentDate"`
	ShipByDate                *string           `json:"shipByDate"`
	OrderStatus               string            `json:"orderStatus"`
	CustomerID                *int64            `json:"customerId"`
	CustomerUsername          *string           `json:"customerUsername"`
	CustomerEmail             *string           `json:"customerEmail"`
	BillTo                    addressJSON       `json:"billTo"`
	ShipTo                    addressJSON       `json:"shipTo"`
	Items                     []itemJSON        `json:"items"`
	OrderTotal                float64           `json:"orderTotal"`
	AmountPaid                float64           `json:"amountPaid"`
	TaxAmount                 float64           `json:"taxAmount"`
	ShippingAmount            float64           `json:"shippingAmount"`
	CustomerNotes             *string           `json:"customerNotes"`
	InternalNotes             *string           `json:"internalNotes"`
	Gift                      bool              `json:"gift"`
	GiftMessage               *string           `json:"giftMessage"`
	PaymentMethod             *string           `json:"paymentMethod"`
	RequestedShippingService  *string           `json:"requestedShippingService"`
	CarrierCode               *string           `json:"carrierCode"`
	ServiceCode               *string           `json:"serviceCode"`
	PackageCode               *string           `json:"packageCode"`
	Confirmation              *string           `json:"confirmation"`
	ShipDate                  *string           `json:"shipDate"`
	HoldUntilDate             *string           `json:"holdUntilDate"`
	Weight                    *weightJSON       `json:"weight"`
	Dimensions                *dimensionsJSON   `json:"dimensions"`
	InsuranceOptions          insuranceJSON     `json:"insuranceOptions"`
	InternationalOptions      internationalJSON `json:"internationalOptions"`
	AdvancedOptions           advancedJSON      `json:"advancedOptions"`
	TagIDs                    []int64           `json:"tagIds"`
	UserID                    *string           `json:"userId"`
	ExternallyFulfilled       bool              `json:"externallyFulfilled"`
	ExternallyFulfilledBy     *string           `json:"externallyFulfilledBy"`
	ExternallyFulfilledByID   *int64            `json:"externallyFulfilledById"`
	ExternallyFulfilledByName *string           `json:"externallyFulfilledByName"`
	LabelMessages             *string           `json:"labelMessages"`
}

func (e *Emulator) orderOut(o *Order) orderJSON {
	out := orderJSON{
		OrderID: o.OrderID, OrderNumber: o.OrderNumber, OrderKey: o.OrderKey,
		OrderDate: e.dateTime(o.OrderDate), CreateDate: e.dateTime(o.CreateDate), ModifyDate: e.dateTime(o.ModifyDate),
		PaymentDate: e.dateTime(o.PaymentDate), ShipByDate: e.dateTime(o.ShipByDate), OrderStatus: o.OrderStatus,
		CustomerID: nullInt(o.CustomerID), CustomerUsername: nullStr(o.CustomerUsername),
		CustomerEmail: nullStr(o.CustomerEmail), BillTo: addressOut(o.BillTo), ShipTo: addressOut(o.ShipTo),
		Items: []itemJSON{}, OrderTotal: o.OrderTotal, AmountPaid: o.AmountPaid, TaxAmount: o.TaxAmount,
		ShippingAmount: o.ShippingAmount, CustomerNotes: nullStr(o.CustomerNotes), InternalNotes: nullStr(o.InternalNotes),
		Gift: o.Gift, GiftMessage: nullStr(o.GiftMessage), PaymentMethod: nullStr(o.PaymentMethod),
		RequestedShippingService: nullStr(o.RequestedShippingService), CarrierCode: nullStr(o.CarrierCode),
		ServiceCode: nullStr(o.ServiceCode), PackageCode: nullStr(o.PackageCode), Confirmation: nullStr(o.Confirmation),
		ShipDate: e.date(o.ShipDate), HoldUntilDate: e.date(o.HoldUntilDate), Weight: weightOut(o.Weight),
		Dimensions: dimensionsOut(o.Dimensions), InsuranceOptions: insuranceOut(o.InsuranceOptions),
		InternationalOptions: internationalOut(o.InternationalOptions), AdvancedOptions: advancedOut(o.AdvancedOptions),
		TagIDs: o.TagIDs,
	}
	for _, it := range o.Items {
		out.Items = append(out.Items, e.itemOut(it))
	}
	return out
}

type shipmentJSON struct {
	ShipmentID          int64           `json:"shipmentId"`
	OrderID             int64           `json:"orderId"`
	OrderKey            string          `json:"orderKey"`
	UserID              *string         `json:"userId"`
	CustomerEmail       *string         `json:"customerEmail"`
	OrderNumber         string          `json:"orderNumber"`
	CreateDate          *string         `json:"createDate"`
	ShipDate            *string         `json:"shipDate"`
	ShipmentCost        float64         `json:"shipmentCost"`
	InsuranceCost       float64         `json:"insuranceCost"`
	TrackingNumber      *string         `json:"trackingNumber"`
	IsReturnLabel       bool            `json:"isReturnLabel"`
	BatchNumber         *string         `json:"batchNumber"`
	CarrierCode         *string         `json:"carrierCode"`
	ServiceCode         *string         `json:"serviceCode"`
	PackageCode         *string         `json:"packageCode"`
	Confirmation        *string         `json:"confirmation"`
	WarehouseID         *int64          `json:"warehouseId"`
	Voided              bool            `json:"voided"`
	VoidDate            *string         `json:"voidDate"`
	MarketplaceNotified bool            `json:"marketplaceNotified"`
	NotifyErrorMessage  *string         `json:"notifyErrorMessage"`
	ShipTo              addressJSON     `json:"shipTo"`
	Weight              *weightJSON     `json:"weight"`
	Dimensions          *dimensionsJSON `json:"dimensions"`
	InsuranceOptions    insuranceJSON   `json:"insuranceOptions"`
	AdvancedOptions     advancedJSON    `json:"advancedOptions"`
	ShipmentItems       []itemJSON      `json:"shipmentItems"`
	LabelData           *string         `json:"labelData"`
	FormData            *string         `json:"formData"`
}

// shipmentOut renders s; withItems adds shipmentItems (null otherwise, as
// includeShipmentItems=false does), withLabel adds labelData.
func (e *Emulator) shipmentOut(s *Shipment, withItems, withLabel bool) shipmentJSON {
	out := shipmentJSON{
		ShipmentID: s.ShipmentID, OrderID: s.OrderID, OrderKey: s.OrderKey, UserID: nullStr(s.UserID),
		CustomerEmail: nullStr(s.CustomerEmail), OrderNumber: s.OrderNumber, CreateDate: e.dateTime(s.CreateDate),
		ShipDate: e.date(s.ShipDate), ShipmentCost: s.ShipmentCost, InsuranceCost: s.InsuranceCost,
		TrackingNumber: nullStr(s.TrackingNumber), IsReturnLabel: s.IsReturnLabel, BatchNumber: nullStr(s.BatchNumber),
		CarrierCode: nullStr(s.CarrierCode), ServiceCode: nullStr(s.ServiceCode), PackageCode: nullStr(s.PackageCode),
		Confirmation: nullStr(s.Confirmation), WarehouseID: nullInt(s.WarehouseID), Voided: s.Voided,
		VoidDate: e.dateTime(s.VoidDate), MarketplaceNotified: s.MarketplaceNotified,
		NotifyErrorMessage: nullStr(s.NotifyErrorMessage), ShipTo: addressOut(s.ShipTo), Weight: weightOut(s.Weight),
		Dimensions: dimensionsOut(s.Dimensions), InsuranceOptions: insuranceOut(s.InsuranceOptions),
		AdvancedOptions: advancedOut(s.AdvancedOptions),
	}
	if withItems {
		out.ShipmentItems = []itemJSON{}
		for _, it := range s.ShipmentItems {
			out.ShipmentItems = append(out.ShipmentItems, e.itemOut(it))
		}
	}
	if withLabel {
		out.LabelData = nullStr(s.LabelData)
	}
	return out
}

type fulfillmentJSON struct {
	FulfillmentID           int64       `json:"fulfillmentId"`
	OrderID                 int64       `json:"orderId"`
	OrderNumber             string      `json:"orderNumber"`
	UserID                  *string     `json:"userId"`
	CustomerEmail           *string     `json:"customerEmail"`
	TrackingNumber          *string     `json:"trackingNumber"`
	CreateDate              *string     `json:"createDate"`
	ShipDate                *string     `json:"shipDate"`
	VoidDate                *string     `json:"voidDate"`
	DeliveryDate            *string     `json:"deliveryDate"`
	CarrierCode             *string     `json:"carrierCode"`
	SellerFillProviderID    *int64      `json:"sellerFillProviderId"`
	SellerFillProviderName  *string     `json:"sellerFillProviderName"`
	FulfillmentProviderCode *string     `json:"fulfillmentProviderCode"`
	FulfillmentServiceCode  *string     `json:"fulfillmentServiceCode"`
	FulfillmentFee          float64     `json:"fulfillmentFee"`
	VoidRequested           bool        `json:"voidRequested"`
	Voided                  bool        `json:"voided"`
	MarketplaceNotified     bool        `json:"marketplaceNotified"`
	NotifyErrorMessage      *string     `json:"notifyErrorMessage"`
	ShipTo                  addressJSON `json:"shipTo"`
}

// fulfillmentOut renders f. The documented example renders a fulfillment's
// shipDate as a midnight datetime, unlike a shipment's plain date.
func (e *Emulator) fulfillmentOut(f *Fulfillment) fulfillmentJSON {
	return fulfillmentJSON{
		FulfillmentID: f.FulfillmentID, OrderID: f.OrderID, OrderNumber: f.OrderNumber, UserID: nullStr(f.UserID),
		CustomerEmail: nullStr(f.CustomerEmail), TrackingNumber: nullStr(f.TrackingNumber),
		CreateDate: e.dateTime(f.CreateDate), ShipDate: e.dateTime(f.ShipDate), VoidDate: e.dateTime(f.VoidDate),
		DeliveryDate: e.dateTime(f.DeliveryDate), CarrierCode: nullStr(f.CarrierCode),
		FulfillmentProviderCode: nullStr(f.FulfillmentProviderCode), FulfillmentServiceCode: nullStr(f.FulfillmentServiceCode),
		FulfillmentFee: f.FulfillmentFee, VoidRequested: f.VoidRequested, Voided: f.Voided,
		MarketplaceNotified: f.MarketplaceNotified, NotifyErrorMessage: nullStr(f.NotifyErrorMessage),
		ShipTo: addressOut(f.ShipTo),
	}
}

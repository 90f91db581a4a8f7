package shipstation

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// ShipmentFilter narrows GET /shipments. Zero fields are left out. The
// datetime windows are instants sent as Pacific text (widened, never
// narrowed, in the DST fall-back hour); ship dates are Pacific calendar
// dates. Shipments have no modifyDate filter: poll createDate for new
// labels and voidDate for voids.
type ShipmentFilter struct {
	OrderID        int64
	OrderNumber    string
	StoreID        int64
	CarrierCode    string
	ServiceCode    string
	TrackingNumber string
	RecipientName  string
	// RecipientCountryCode is an ISO 3166 alpha-2 code.
	RecipientCountryCode string

	CreateDateStart, CreateDateEnd time.Time
	VoidDateStart, VoidDateEnd     time.Time
	ShipDateStart, ShipDateEnd     Date

	// IncludeShipmentItems asks for shipmentItems (off by default in the
	// API).
	IncludeShipmentItems bool
	SortBy               string // SortShipDate or SortCreateDate
	SortDir              string
	PageSize             int
}

func (c *Client) shipmentQuery(f ShipmentFilter) url.Values {
	q := url.Values{}
	setID(q, "orderId", f.OrderID)
	setStr(q, "orderNumber", f.OrderNumber)
	setID(q, "storeId", f.StoreID)
	setStr(q, "carrierCode", f.CarrierCode)
	setStr(q, "serviceCode", f.ServiceCode)
	setStr(q, "trackingNumber", f.TrackingNumber)
	setStr(q, "recipientName", f.RecipientName)
	setStr(q, "recipientCountryCode", f.RecipientCountryCode)
	c.setWindow(q, "createDate", f.CreateDateStart, f.CreateDateEnd)
	c.setWindow(q, "voidDate", f.VoidDateStart, f.VoidDateEnd)
	setStr(q, "shipDateStart", f.ShipDateStart.String())
	setStr(q, "shipDateEnd", f.ShipDateEnd.String())
	if f.IncludeShipmentItems {
		q.Set("includeShipmentItems", "true")
	}
	setStr(q, "sortBy", f.SortBy)
	setStr(q, "sortDir", f.SortDir)
	return q
}

// ShipmentPages lists labels made in ShipStation, one page per iteration.
func (c *Client) ShipmentPages(ctx context.Context, f ShipmentFilter) iter.Seq2[Page[Shipment], error] {
	return pages(ctx, c, "/shipments", c.shipmentQuery(f), f.PageSize, func(e *listEnvelope) []Shipment { return e.Shipments })
}

// Shipments lists labels made in ShipStation, one per iteration. One order
// can have several (packages, re-ships after a void, return labels).
func (c *Client) Shipments(ctx context.Context, f ShipmentFilter) iter.Seq2[Shipment, error] {
	return items(c.ShipmentPages(ctx, f))
}

// FulfillmentFilter narrows GET /fulfillments.
type FulfillmentFilter struct {
	FulfillmentID  int64
	OrderID        int64
	OrderNumber    string
	TrackingNumber string
	RecipientName  string

	CreateDateStart, CreateDateEnd time.Time
	ShipDateStart, ShipDateEnd     Date

	SortBy   string
	SortDir  string
	PageSize int
}

func (c *Client) fulfillmentQuery(f FulfillmentFilter) url.Values {
	q := url.Values{}
	setID(q, "fulfillmentId", f.FulfillmentID)
	setID(q, "orderId", f.OrderID)
	setStr(q, "orderNumber", f.OrderNumber)
	setStr(q, "trackingNumber", f.TrackingNumber)
	setStr(q, "recipientName", f.RecipientName)
	c.setWindow(q, "createDate", f.CreateDateStart, f.CreateDateEnd)
	setStr(q, "shipDateStart", f.ShipDateStart.String())
	setStr(q, "shipDateEnd", f.ShipDateEnd.String())
	setStr(q, "sortBy", f.SortBy)
	setStr(q, "sortDir", f.SortDir)
	return q
}

// FulfillmentPages lists orders shipped outside ShipStation labels (marked
// as shipped, or by a fulfillment provider), one page per iteration.
func (c *Client) FulfillmentPages(ctx context.Context, f FulfillmentFilter) iter.Seq2[Page[Fulfillment], error] {
	return pages(ctx, c, "/fulfillments", c.fulfillmentQuery(f), f.PageSize, func(e *listEnvelope) []Fulfillment { return e.Fulfillments })
}

// Fulfillments lists fulfillments one per iteration.
func (c *Client) Fulfillments(ctx context.Context, f FulfillmentFilter) iter.Seq2[Fulfillment, error] {
	return items(c.FulfillmentPages(ctx, f))
}

// VoidLabel voids a label. The shipment stays, with voided true and a
// voidDate. ShipStation answers {approved, message}; approved false is
// returned as an error carrying the message.
func (c *Client) VoidLabel(ctx context.Context, shipmentID int64) error {
	body := struct {
		ShipmentID int64 `json:"shipmentId"`
	}{shipmentID}
	var out struct {
		Approved bool   `json:"approved"`
		Message  string `json:"message"`
	}
	if err := c.do(ctx, request{method: "POST", path: "/shipments/voidlabel", body: body}, &out); err != nil {
		return err
	}
	if !out.Approved {
		return &VoidRefusedError{ShipmentID: shipmentID, Message: out.Message}
	}
	return nil
}

// VoidRefusedError is a void ShipStation answered with approved false.
type VoidRefusedError struct {
	ShipmentID int64
	Message    string
}

// Error names the shipment and ShipStation's reason.
func (e *VoidRefusedError) Error() string {
	return "shipstation: void label " + strconv.FormatInt(e.ShipmentID, 10) + " not approved: " + e.Message
}

// Stores lists the account's stores; showInactive includes deactivated
// ones.
func (c *Client) Stores(ctx context.Context, showInactive bool) ([]Store, error) {
	q := url.Values{}
	if showInactive {
		q.Set("showInactive", "true")
	}
	var out []Store
	if err := c.do(ctx, request{method: "GET", path: "/stores", query: q}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Carriers lists the carriers connected to the account.
func (c *Client) Carriers(ctx context.Context) ([]Carrier, error) {
	var out []Carrier
	if err := c.do(ctx, request{method: "GET", path: "/carriers"}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// CarrierNames maps carrier codes to display names. When a code appears
// more than once (two accounts with one carrier), the primary account's
// name wins, then the first listed.
func CarrierNames(carriers []Carrier) map[string]string {
	out := make(map[string]string, len(carriers))
	primary := make(map[string]bool, len(carriers))
	for _, c := range carriers {
		if c.Code == "" || c.Name == "" {
			continue
		}
		if _, ok := out[c.Code]; !ok || (c.Primary && !primary[c.Code]) {
			out[c.Code] = c.Name
			primary[c.Code] = c.Primary
		}
	}
	return out
}

// CarrierNames fetches the carriers and maps codes to display names.
func (c *Client) CarrierNames(ctx context.Context) (map[string]string, error) {
	cs, err := c.Carriers(ctx)
	if err != nil {
		return nil, err
	}
	return CarrierNames(cs), nil
}

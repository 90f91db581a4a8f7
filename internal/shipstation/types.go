package shipstation

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Order statuses ShipStation documents. Only the open ones (awaiting
// payment, awaiting shipment, pending fulfillment, on hold) can be updated
// through the API; shipped and cancelled orders are locked.
const (
	StatusAwaitingPayment     = "awaiting_payment"
	StatusAwaitingShipment    = "awaiting_shipment"
	StatusPendingFulfillment  = "pending_fulfillment"
	StatusShipped             = "shipped"
	StatusOnHold              = "on_hold"
	StatusCancelled           = "cancelled"
	StatusRejectedFulfillment = "rejected_fulfillment"
)

// NullString is a string that is sent as JSON null when empty. It is used
// for write-only or enumerated fields the docs send as null when unset,
// where an empty string could be rejected as an invalid value.
type NullString string

// MarshalJSON writes null for "" and a JSON string otherwise.
func (s NullString) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

// UnmarshalJSON reads null as "".
func (s *NullString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*s = ""
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = NullString(v)
	return nil
}

// Order is a ShipStation V1 order. createorder REPLACES the whole order, so
// every writable field is sent even when empty or false: leaving one out
// could clear what is stored. Read-only fields are left out when zero
// (orderId must not be sent on create). Nullable datetimes go as null.
type Order struct {
	OrderID                  int64                 `json:"orderId,omitempty"`
	OrderNumber              string                `json:"orderNumber"`
	OrderKey                 string                `json:"orderKey,omitempty"`
	OrderDate                DateTime              `json:"orderDate"`
	CreateDate               DateTime              `json:"createDate,omitzero"`
	ModifyDate               DateTime              `json:"modifyDate,omitzero"`
	PaymentDate              DateTime              `json:"paymentDate"`
	ShipByDate               DateTime              `json:"shipByDate"`
	OrderStatus              string                `json:"orderStatus"`
	CustomerID               int64                 `json:"customerId,omitempty"`
	CustomerUsername         string                `json:"customerUsername"`
	CustomerEmail            string                `json:"customerEmail"`
	BillTo                   Address               `json:"billTo"`
	ShipTo                   Address               `json:"shipTo"`
	Items                    []OrderItem           `json:"items"`
	OrderTotal               float64               `json:"orderTotal,omitempty"`
	AmountPaid               float64               `json:"amountPaid"`
	TaxAmount                float64               `json:"taxAmount"`
	ShippingAmount           float64               `json:"shippingAmount"`
	CustomerNotes            string                `json:"customerNotes"`
	InternalNotes            string                `json:"internalNotes"`
	Gift                     bool                  `json:"gift"`
	GiftMessage              string                `json:"giftMessage"`
	PaymentMethod            string                `json:"paymentMethod"`
	RequestedShippingService string                `json:"requestedShippingService"`
	CarrierCode              NullString            `json:"carrierCode"`
	ServiceCode              NullString            `json:"serviceCode"`
	PackageCode              NullString            `json:"packageCode"`
	Confirmation             NullString            `json:"confirmation"`
	ShipDate                 Date                  `json:"shipDate"`
	HoldUntilDate            Date                  `json:"holdUntilDate,omitzero"`
	Weight                   *Weight               `json:"weight"`
	Dimensions               *Dimensions           `json:"dimensions"`
	InsuranceOptions         *InsuranceOptions     `json:"insuranceOptions"`
	InternationalOptions     *InternationalOptions `json:"internationalOptions"`
	AdvancedOptions          *AdvancedOptions      `json:"advancedOptions"`
	TagIDs                   []int64               `json:"tagIds"`
	// Read-only fields that list results add.
	UserID                    string `json:"userId,omitempty"`
	ExternallyFulfilled       bool   `json:"externallyFulfilled,omitempty"`
	ExternallyFulfilledBy     string `json:"externallyFulfilledBy,omitempty"`
	ExternallyFulfilledByID   int64  `json:"externallyFulfilledById,omitempty"`
	ExternallyFulfilledByName string `json:"externallyFulfilledByName,omitempty"`
}

// Address is a bill-to, ship-to or ship-from address. country is the ISO
// 3166 alpha-2 code and is required. Residential is a pointer because
// "unknown" (null, left to ShipStation's address check) differs from false.
type Address struct {
	Name            string `json:"name"`
	Company         string `json:"company"`
	Street1         string `json:"street1"`
	Street2         string `json:"street2"`
	Street3         string `json:"street3"`
	City            string `json:"city"`
	State           string `json:"state"`
	PostalCode      string `json:"postalCode"`
	Country         string `json:"country"`
	Phone           string `json:"phone"`
	Residential     *bool  `json:"residential"`
	AddressVerified string `json:"addressVerified,omitempty"`
}

// OrderItem is one line of an order. A discount is an item with
// Adjustment true and a negative UnitPrice.
type OrderItem struct {
	OrderItemID       int64        `json:"orderItemId,omitempty"`
	LineItemKey       string       `json:"lineItemKey"`
	SKU               string       `json:"sku"`
	Name              string       `json:"name"`
	ImageURL          string       `json:"imageUrl"`
	Weight            *Weight      `json:"weight"`
	Quantity          int          `json:"quantity"`
	UnitPrice         float64      `json:"unitPrice"`
	TaxAmount         float64      `json:"taxAmount"`
	ShippingAmount    float64      `json:"shippingAmount"`
	WarehouseLocation string       `json:"warehouseLocation"`
	Options           []ItemOption `json:"options"`
	ProductID         int64        `json:"productId,omitempty"`
	FulfillmentSKU    string       `json:"fulfillmentSku"`
	Adjustment        bool         `json:"adjustment"`
	UPC               string       `json:"upc"`
	CreateDate        DateTime     `json:"createDate,omitzero"`
	ModifyDate        DateTime     `json:"modifyDate,omitzero"`
}

// ItemOption is a name/value pair on an item, such as Size: Large.
type ItemOption struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Weight units ShipStation accepts.
const (
	WeightPounds = "pounds"
	WeightOunces = "ounces"
	WeightGrams  = "grams"
)

// Weight is a weight with its units ("pounds", "ounces" or "grams").
type Weight struct {
	Value float64 `json:"value"`
	Units string  `json:"units"`
	// WeightUnits is a read-only numeric code some responses add.
	WeightUnits int `json:"WeightUnits,omitempty"`
}

// Dimensions are a package's size in "inches" or "centimeters".
type Dimensions struct {
	Length float64 `json:"length"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Units  string  `json:"units"`
}

// InsuranceOptions says whether and how a shipment is insured.
type InsuranceOptions struct {
	Provider       string  `json:"provider,omitempty"`
	InsureShipment bool    `json:"insureShipment"`
	InsuredValue   float64 `json:"insuredValue"`
}

// InternationalOptions carries customs data.
type InternationalOptions struct {
	Contents     string        `json:"contents,omitempty"`
	CustomsItems []CustomsItem `json:"customsItems,omitempty"`
	NonDelivery  string        `json:"nonDelivery,omitempty"`
}

// CustomsItem is one line of a customs declaration; Value is in USD.
type CustomsItem struct {
	CustomsItemID        int64   `json:"customsItemId,omitempty"`
	Description          string  `json:"description"`
	Quantity             int     `json:"quantity"`
	Value                float64 `json:"value"`
	HarmonizedTariffCode string  `json:"harmonizedTariffCode,omitempty"`
	CountryOfOrigin      string  `json:"countryOfOrigin,omitempty"`
}

// AdvancedOptions holds store, warehouse, custom fields and carrier billing
// options. StoreID can only be set when the order is created; left out, the
// order lands in the account's first manual store for good.
type AdvancedOptions struct {
	WarehouseID      int64      `json:"warehouseId,omitempty"`
	NonMachinable    bool       `json:"nonMachinable"`
	SaturdayDelivery bool       `json:"saturdayDelivery"`
	ContainsAlcohol  bool       `json:"containsAlcohol"`
	StoreID          int64      `json:"storeId,omitempty"`
	CustomField1     string     `json:"customField1"`
	CustomField2     string     `json:"customField2"`
	CustomField3     string     `json:"customField3"`
	Source           string     `json:"source"`
	MergedOrSplit    bool       `json:"mergedOrSplit,omitempty"`
	MergedIDs        []int64    `json:"mergedIds,omitempty"`
	ParentID         int64      `json:"parentId,omitempty"`
	BillToParty      NullString `json:"billToParty"`
	BillToAccount    NullString `json:"billToAccount"`
	BillToPostalCode NullString `json:"billToPostalCode"`
	BillToCountry    NullString `json:"billToCountryCode"`
	// BillToMyOtherAccount is a shippingProviderId from /carriers.
	BillToMyOtherAccount int64 `json:"billToMyOtherAccount,omitempty"`
}

// BulkResult is the answer to POST /orders/createorders.
type BulkResult struct {
	HasErrors bool              `json:"hasErrors"`
	Results   []BulkOrderResult `json:"results"`
}

// BulkOrderResult is ShipStation's verdict on one order of a bulk upsert.
type BulkOrderResult struct {
	OrderID      int64  `json:"orderId"`
	OrderNumber  string `json:"orderNumber"`
	OrderKey     string `json:"orderKey"`
	Success      bool   `json:"success"`
	ErrorMessage string `json:"errorMessage"`
}

// UnmarshalJSON tolerates errorMessage null (the documented success case).
func (r *BulkOrderResult) UnmarshalJSON(b []byte) error {
	type plain BulkOrderResult
	var v struct {
		plain
		ErrorMessage *string `json:"errorMessage"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = BulkOrderResult(v.plain)
	if v.ErrorMessage != nil {
		r.ErrorMessage = *v.ErrorMessage
	}
	return nil
}

// Shipment is a label created in ShipStation (GET /shipments). Orders
// marked as shipped appear as Fulfillments instead. ShipmentCost is the
// postage the seller paid; InsuranceCost is separate.
type Shipment struct {
	ShipmentID          int64             `json:"shipmentId"`
	OrderID             int64             `json:"orderId"`
	OrderKey            string            `json:"orderKey"`
	UserID              string            `json:"userId"`
	CustomerEmail       string            `json:"customerEmail"`
	OrderNumber         string            `json:"orderNumber"`
	CreateDate          DateTime          `json:"createDate"`
	ShipDate            Date              `json:"shipDate"`
	ShipmentCost        float64           `json:"shipmentCost"`
	InsuranceCost       float64           `json:"insuranceCost"`
	TrackingNumber      string            `json:"trackingNumber"`
	IsReturnLabel       bool              `json:"isReturnLabel"`
	BatchNumber         string            `json:"batchNumber"`
	CarrierCode         string            `json:"carrierCode"`
	ServiceCode         string            `json:"serviceCode"`
	PackageCode         string            `json:"packageCode"`
	Confirmation        string            `json:"confirmation"`
	WarehouseID         int64             `json:"warehouseId"`
	Voided              bool              `json:"voided"`
	VoidDate            DateTime          `json:"voidDate"`
	MarketplaceNotified bool              `json:"marketplaceNotified"`
	NotifyErrorMessage  string            `json:"notifyErrorMessage"`
	ShipTo              *Address          `json:"shipTo"`
	Weight              *Weight           `json:"weight"`
	Dimensions          *Dimensions       `json:"dimensions"`
	InsuranceOptions    *InsuranceOptions `json:"insuranceOptions"`
	AdvancedOptions     *AdvancedOptions  `json:"advancedOptions"`
	ShipmentItems       []OrderItem       `json:"shipmentItems"`
	LabelData           string            `json:"labelData"`
	FormData            string            `json:"formData"`
}

// Fulfillment is an order shipped outside ShipStation's labels: marked as
// shipped in the UI or the API, or shipped by a fulfillment provider. It
// has no shipment cost; FulfillmentFee is the only cost.
type Fulfillment struct {
	FulfillmentID           int64    `json:"fulfillmentId"`
	OrderID                 int64    `json:"orderId"`
	OrderNumber             string   `json:"orderNumber"`
	UserID                  string   `json:"userId"`
	CustomerEmail           string   `json:"customerEmail"`
	TrackingNumber          string   `json:"trackingNumber"`
	CreateDate              DateTime `json:"createDate"`
	ShipDate                Date     `json:"shipDate"`
	VoidDate                DateTime `json:"voidDate"`
	DeliveryDate            DateTime `json:"deliveryDate"`
	CarrierCode             string   `json:"carrierCode"`
	SellerFillProviderID    int64    `json:"sellerFillProviderId"`
	SellerFillProviderName  string   `json:"sellerFillProviderName"`
	FulfillmentServiceCode  string   `json:"fulfillmentServiceCode"`
	FulfillmentProviderCode string   `json:"fulfillmentProviderCode"`
	FulfillmentFee          float64  `json:"fulfillmentFee"`
	VoidRequested           bool     `json:"voidRequested"`
	Voided                  bool     `json:"voided"`
	MarketplaceNotified     bool     `json:"marketplaceNotified"`
	NotifyErrorMessage      string   `json:"notifyErrorMessage"`
	ShipTo                  *Address `json:"shipTo"`
}

// Store is a selling channel on the account (GET /stores). Every account
// has at least one manual store (marketplaceId 0); the API cannot create
// stores.
type Store struct {
	StoreID            int64    `json:"storeId"`
	StoreName          string   `json:"storeName"`
	MarketplaceID      int64    `json:"marketplaceId"`
	MarketplaceName    string   `json:"marketplaceName"`
	AccountName        string   `json:"accountName"`
	Email              string   `json:"email"`
	IntegrationURL     string   `json:"integrationUrl"`
	Active             bool     `json:"active"`
	CompanyName        string   `json:"companyName"`
	Phone              string   `json:"phone"`
	PublicEmail        string   `json:"publicEmail"`
	Website            string   `json:"website"`
	RefreshDate        DateTime `json:"refreshDate"`
	LastRefreshAttempt DateTime `json:"lastRefreshAttempt"`
	CreateDate         DateTime `json:"createDate"`
	ModifyDate         DateTime `json:"modifyDate"`
	AutoRefresh        bool     `json:"autoRefresh"`
}

// Carrier is a shipping provider connected to the account. One Code can
// appear several times (two stamps_com accounts, told apart by
// ShippingProviderID and Nickname).
type Carrier struct {
	Name                  string  `json:"name"`
	Code                  string  `json:"code"`
	AccountNumber         string  `json:"accountNumber"`
	RequiresFundedAccount bool    `json:"requiresFundedAccount"`
	Balance               float64 `json:"balance"`
	Nickname              string  `json:"nickname"`
	ShippingProviderID    int64   `json:"shippingProviderId"`
	Primary               bool    `json:"primary"`
}

// UnmarshalJSON accepts accountNumber as a string or a number: the docs'
// example has both (SS123 and 297929999).
func (c *Carrier) UnmarshalJSON(b []byte) error {
	type plain Carrier
	var v struct {
		plain
		AccountNumber json.RawMessage `json:"accountNumber"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Carrier(v.plain)
	c.AccountNumber = ""
	if len(v.AccountNumber) > 0 && !bytes.Equal(v.AccountNumber, []byte("null")) {
		if v.AccountNumber[0] == '"' {
			s, err := strconv.Unquote(string(v.AccountNumber))
			if err != nil {
				return err
			}
			c.AccountNumber = s
		} else {
			var n json.Number
			if err := json.Unmarshal(v.AccountNumber, &n); err != nil {
				return err
			}
			c.AccountNumber = n.String()
		}
	}
	return nil
}

// Webhook events ShipStation V1 can subscribe to.
const (
	EventOrderNotify         = "ORDER_NOTIFY"
	EventItemOrderNotify     = "ITEM_ORDER_NOTIFY"
	EventShipNotify          = "SHIP_NOTIFY"
	EventItemShipNotify      = "ITEM_SHIP_NOTIFY"
	EventFulfillmentShipped  = "FULFILLMENT_SHIPPED"
	EventFulfillmentRejected = "FULFILLMENT_REJECTED"
)

// Webhook is a subscription as GET /webhooks lists it. Unlike the rest of
// the API its keys are PascalCase.
type Webhook struct {
	IsLabelAPIHook bool   `json:"IsLabelAPIHook"`
	WebHookID      int64  `json:"WebHookID"`
	SellerID       int64  `json:"SellerID"`
	StoreID        int64  `json:"StoreID"`
	HookType       string `json:"HookType"`
	MessageFormat  string `json:"MessageFormat"`
	URL            string `json:"Url"`
	Name           string `json:"Name"`
	Active         bool   `json:"Active"`
}

// WebhookPayload is what ShipStation POSTs to a subscriber: only a URL to
// fetch (with the API credentials) and the event that fired.
type WebhookPayload struct {
	ResourceURL  string `json:"resource_url"`
	ResourceType string `json:"resource_type"`
}

// Label is the answer to createlabelfororder. LabelData is a base64 PDF.
type Label struct {
	ShipmentID     int64   `json:"shipmentId"`
	ShipmentCost   float64 `json:"shipmentCost"`
	InsuranceCost  float64 `json:"insuranceCost"`
	TrackingNumber string  `json:"trackingNumber"`
	LabelData      string  `json:"labelData"`
	FormData       string  `json:"formData"`
}

package shipstationemu

import "time"

// The Go model below is the emulator's own view of a ShipStation account. It
// is deliberately not the wire format: times are time.Time (the emulator
// renders them in Pacific time), nullable strings are plain strings (empty
// means null on the wire), so tests can build and inspect values without
// caring about ShipStation's JSON quirks.

// Order statuses ShipStation documents for orders.
const (
	StatusAwaitingPayment    = "awaiting_payment"
	StatusAwaitingShipment   = "awaiting_shipment"
	StatusPendingFulfillment = "pending_fulfillment"
	StatusShipped            = "shipped"
	StatusOnHold             = "on_hold"
	StatusCancelled          = "cancelled"
)

// Webhook events ShipStation documents for V1 subscriptions.
const (
	EventOrderNotify         = "ORDER_NOTIFY"
	EventItemOrderNotify     = "ITEM_ORDER_NOTIFY"
	EventShipNotify          = "SHIP_NOTIFY"
	EventItemShipNotify      = "ITEM_SHIP_NOTIFY"
	EventFulfillmentShipped  = "FULFILLMENT_SHIPPED"
	EventFulfillmentRejected = "FULFILLMENT_REJECTED"
)

// Order is one ShipStation order as the emulator stores it.
type Order struct {
	OrderID     int64
	OrderNumber string
	// OrderKey is the upsert key; generated (a GUID) when the creator sends none.
	OrderKey    string
	OrderDate   time.Time
	CreateDate  time.Time
	ModifyDate  time.Time
	PaymentDate time.Time // zero means null
	ShipByDate  time.Time // zero means null
	OrderStatus string
	// CustomerID is assigned per distinct customerUsername; 0 means none.
	CustomerID               int64
	CustomerUsername         string
	CustomerEmail            string
	BillTo                   Address
	ShipTo                   Address
	Items                    []OrderItem
	OrderTotal               float64
	AmountPaid               float64
	TaxAmount                float64
	ShippingAmount           float64
	CustomerNotes            string
	InternalNotes            string
	Gift                     bool
	GiftMessage              string
	PaymentMethod            string
	RequestedShippingService string
	CarrierCode              string
	ServiceCode              string
	PackageCode              string
	Confirmation             string
	ShipDate                 time.Time // a date; zero means null
	HoldUntilDate            time.Time // a date; zero means null
	Weight                   Weight
	Dimensions               *Dimensions
	InsuranceOptions         InsuranceOptions
	InternationalOptions     InternationalOptions
	AdvancedOptions          AdvancedOptions
	TagIDs                   []int64
	// Deleted is set by DELETE /orders/{id}: a soft delete that hides the
	// order from the API while keeping its orderKey taken.
	Deleted bool
}

// Address is a billTo, shipTo or shipment recipient address.
type Address struct {
	Name        string
	Company     string
	Street1     string
	Street2     string
	Street3     string
	City        string
	State       string
	PostalCode  string
	Country     string // ISO 3166-1 alpha-2
	Phone       string
	Residential bool
	// AddressVerified is read-only; the emulator never validates, so it is
	// always "Address not yet validated".
	AddressVerified string
}

// OrderItem is one line of an order (or of a shipment's shipmentItems).
type OrderItem struct {
	OrderItemID       int64
	LineItemKey       string
	SKU               string
	Name              string
	ImageURL          string
	Weight            *Weight
	Quantity          int
	UnitPrice         float64
	TaxAmount         float64
	ShippingAmount    float64
	WarehouseLocation string
	Options           []ItemOption
	// ProductID is assigned per distinct SKU; 0 means none.
	ProductID      int64
	FulfillmentSKU string
	// Adjustment marks non-physical lines such as discounts.
	Adjustment bool
	UPC        string
	CreateDate time.Time
	ModifyDate time.Time
}

// ItemOption is a name/value option of an order item ("Size": "Large").
type ItemOption struct {
	Name  string
	Value string
}

// Weight is a weight with its units: "pounds", "ounces" or "grams".
type Weight struct {
	Value float64
	Units string
}

// Dimensions are a package's dimensions in "inches" or "centimeters".
type Dimensions struct {
	Length float64
	Width  float64
	Height float64
	Units  string
}

// InsuranceOptions says whether and how a shipment is insured.
type InsuranceOptions struct {
	Provider       string
	InsureShipment bool
	InsuredValue   float64
}

// InternationalOptions holds customs information.
type InternationalOptions struct {
	Contents     string
	CustomsItems []CustomsItem
	NonDelivery  string
}

// CustomsItem is one customs declaration line.
type CustomsItem struct {
	CustomsItemID        int64
	Description          string
	Quantity             int
	Value                float64
	HarmonizedTariffCode string
	CountryOfOrigin      string
}

// AdvancedOptions are an order's advanced options. StoreID is fixed at
// creation.
type AdvancedOptions struct {
	WarehouseID          int64
	NonMachinable        bool
	SaturdayDelivery     bool
	ContainsAlcohol      bool
	StoreID              int64
	CustomField1         string
	CustomField2         string
	CustomField3         string
	Source               string
	MergedOrSplit        bool
	MergedIDs            []int64
	ParentID             int64
	BillToParty          string
	BillToAccount        string
	BillToPostalCode     string
	BillToCountryCode    string
	BillToMyOtherAccount int64
}

// Shipment is a label bought in ShipStation for an order.
type Shipment struct {
	ShipmentID          int64
	OrderID             int64
	OrderKey            string
	UserID              string
	CustomerEmail       string
	OrderNumber         string
	CreateDate          time.Time
	ShipDate            time.Time // a date
	ShipmentCost        float64
	InsuranceCost       float64
	TrackingNumber      string
	IsReturnLabel       bool
	BatchNumber         string
	CarrierCode         string
	ServiceCode         string
	PackageCode         string
	Confirmation        string
	WarehouseID         int64
	Voided              bool
	VoidDate            time.Time // zero means null
	MarketplaceNotified bool
	NotifyErrorMessage  string
	ShipTo              Address
	Weight              Weight
	Dimensions          *Dimensions
	InsuranceOptions    InsuranceOptions
	AdvancedOptions     AdvancedOptions
	ShipmentItems       []OrderItem
	// LabelData is the base64 label document; it is only sent in the
	// createlabelfororder response (lists carry null, as documented).
	LabelData string
	StoreID   int64
	// BatchID is the SHIP_NOTIFY batch the label belongs to (the batchId of
	// the webhook's resource_url).
	BatchID int64
	// TestLabel is true for labels created with testLabel.
	TestLabel bool
}

// Fulfillment is an order marked as shipped without a ShipStation label.
type Fulfillment struct {
	FulfillmentID           int64
	OrderID                 int64
	OrderNumber             string
	UserID                  string
	CustomerEmail           string
	TrackingNumber          string
	CreateDate              time.Time
	ShipDate                time.Time // a date
	VoidDate                time.Time // zero means null
	DeliveryDate            time.Time // zero means null
	CarrierCode             string
	FulfillmentProviderCode string
	FulfillmentServiceCode  string
	FulfillmentFee          float64
	VoidRequested           bool
	Voided                  bool
	MarketplaceNotified     bool
	NotifyErrorMessage      string
	ShipTo                  Address
	StoreID                 int64
}

// Store is a selling channel of the account. Orders pushed through the API
// land in manual stores (marketplaceId 0).
type Store struct {
	StoreID         int64
	StoreName       string
	MarketplaceID   int64
	MarketplaceName string
	Active          bool
	CreateDate      time.Time
}

// Carrier is a shipping provider connected to the account.
type Carrier struct {
	Name                  string
	Code                  string
	AccountNumber         string
	RequiresFundedAccount bool
	Balance               float64
	Nickname              string
	ShippingProviderID    int64
	Primary               bool
}

// LabelRequest is what createlabelfororder takes besides the order id.
type LabelRequest struct {
	CarrierCode  string
	ServiceCode  string
	PackageCode  string
	Confirmation string
	// ShipDate defaults to today (Pacific) when zero.
	ShipDate         time.Time
	Weight           *Weight
	Dimensions       *Dimensions
	InsuranceOptions *InsuranceOptions
	TestLabel        bool
}

package xero

import (
	"math"
	"strings"
)

// The JSON names below are Xero's, from xero_accounting.yaml (PascalCase;
// pagination is the camelCase exception). Every field is omitempty or
// omitzero so an update sends only what the caller set: Xero leaves omitted
// fields unchanged, except LineItems, which it replaces whole.

// Invoice types.
const (
	InvoiceTypeSales    = "ACCREC" // a sales invoice: an order
	InvoiceTypePurchase = "ACCPAY" // a bill
)

// Invoice statuses.
const (
	StatusDraft      = "DRAFT"
	StatusSubmitted  = "SUBMITTED"
	StatusAuthorised = "AUTHORISED"
	StatusPaid       = "PAID"
	StatusVoided     = "VOIDED"
	StatusDeleted    = "DELETED"
)

// Invoice is a Xero invoice (sales invoice or bill).
type Invoice struct {
	Type                  string        `json:"Type,omitempty"`
	InvoiceID             string        `json:"InvoiceID,omitempty"`
	InvoiceNumber         string        `json:"InvoiceNumber,omitempty"`
	Reference             string        `json:"Reference,omitempty"`
	Status                string        `json:"Status,omitempty"`
	Contact               *Contact      `json:"Contact,omitempty"`
	Date                  Date          `json:"Date,omitzero"`
	DueDate               Date          `json:"DueDate,omitzero"`
	LineAmountTypes       string        `json:"LineAmountTypes,omitempty"`
	LineItems             []LineItem    `json:"LineItems,omitempty"`
	SubTotal              float64       `json:"SubTotal,omitempty"`
	TotalTax              float64       `json:"TotalTax,omitempty"`
	Total                 float64       `json:"Total,omitempty"`
	TotalDiscount         float64       `json:"TotalDiscount,omitempty"`
	AmountDue             float64       `json:"AmountDue,omitempty"`
	AmountPaid            float64       `json:"AmountPaid,omitempty"`
	AmountCredited        float64       `json:"AmountCredited,omitempty"`
	CurrencyCode          string        `json:"CurrencyCode,omitempty"`
	CurrencyRate          float64       `json:"CurrencyRate,omitempty"`
	FullyPaidOnDate       Date          `json:"FullyPaidOnDate,omitzero"`
	UpdatedDateUTC        Time          `json:"UpdatedDateUTC,omitzero"`
	SentToContact         bool          `json:"SentToContact,omitempty"`
	URL                   string        `json:"Url,omitempty"`
	BrandingThemeID       string        `json:"BrandingThemeID,omitempty"`
	HasAttachments        bool          `json:"HasAttachments,omitempty"`
	IsDiscounted          bool          `json:"IsDiscounted,omitempty"`
	HasErrors             bool          `json:"HasErrors,omitempty"`
	Payments              []Payment     `json:"Payments,omitempty"`
	CreditNotes           []CreditNote  `json:"CreditNotes,omitempty"`
	Prepayments           []Prepayment  `json:"Prepayments,omitempty"`
	Overpayments          []Overpayment `json:"Overpayments,omitempty"`
	StatusAttributeString string        `json:"StatusAttributeString,omitempty"`
	ValidationErrors      []Message     `json:"ValidationErrors,omitempty"`
	Warnings              []Message     `json:"Warnings,omitempty"`
}

// Editable reports whether Xero lets the API change the invoice: a draft,
// submitted or authorised invoice with nothing paid, credited or allocated.
// (Xero answers anything else with the edit-lock validation error.)
func (inv *Invoice) Editable() bool {
	switch inv.Status {
	case StatusDraft, StatusSubmitted, StatusAuthorised:
	default:
		return false
	}
	return len(inv.Payments) == 0 && len(inv.CreditNotes) == 0 && len(inv.Prepayments) == 0 &&
		len(inv.Overpayments) == 0 && Cents(inv.AmountPaid) == 0 && Cents(inv.AmountCredited) == 0
}

// LineItem is one invoice line. It carries every LineItem property of the
// spec, so a line read from Xero and sent back loses nothing (Xero deletes a
// line that an update does not re-send, and a bare LineItemID is not known
// to keep the rest).
type LineItem struct {
	LineItemID         string             `json:"LineItemID,omitempty"`
	ItemCode           string             `json:"ItemCode,omitempty"`
	Item               *LineItemItem      `json:"Item,omitempty"`
	Description        string             `json:"Description,omitempty"`
	Quantity           float64            `json:"Quantity,omitempty"`
	UnitAmount         float64            `json:"UnitAmount,omitempty"`
	DiscountRate       float64            `json:"DiscountRate,omitempty"`
	DiscountAmount     float64            `json:"DiscountAmount,omitempty"`
	LineAmount         float64            `json:"LineAmount,omitempty"`
	AccountCode        string             `json:"AccountCode,omitempty"`
	AccountID          string             `json:"AccountID,omitempty"`
	TaxType            string             `json:"TaxType,omitempty"`
	TaxAmount          float64            `json:"TaxAmount,omitempty"`
	Tracking           []LineItemTracking `json:"Tracking,omitempty"`
	RepeatingInvoiceID string             `json:"RepeatingInvoiceID,omitempty"`
	Taxability         string             `json:"Taxability,omitempty"`
	SalesTaxCodeID     float64            `json:"SalesTaxCodeId,omitempty"`
	TaxBreakdown       []TaxBreakdown     `json:"TaxBreakdown,omitempty"`
}

// LineItemItem is the item a line refers to.
type LineItemItem struct {
	ItemID string `json:"ItemID,omitempty"`
	Code   string `json:"Code,omitempty"`
	Name   string `json:"Name,omitempty"`
}

// TaxBreakdown is a US sales-tax component of a line.
type TaxBreakdown struct {
	TaxComponentID     string  `json:"TaxComponentId,omitempty"`
	Type               string  `json:"Type,omitempty"`
	Name               string  `json:"Name,omitempty"`
	TaxPercentage      float64 `json:"TaxPercentage,omitempty"`
	TaxAmount          float64 `json:"TaxAmount,omitempty"`
	TaxableAmount      float64 `json:"TaxableAmount,omitempty"`
	NonTaxableAmount   float64 `json:"NonTaxableAmount,omitempty"`
	ExemptAmount       float64 `json:"ExemptAmount,omitempty"`
	StateAssignedNo    string  `json:"StateAssignedNo,omitempty"`
	JurisdictionRegion string  `json:"JurisdictionRegion,omitempty"`
}

// LineItemTracking is a tracking option on a line: Name is the category's
// name and Option the option's.
type LineItemTracking struct {
	TrackingCategoryID string `json:"TrackingCategoryID,omitempty"`
	TrackingOptionID   string `json:"TrackingOptionID,omitempty"`
	Name               string `json:"Name,omitempty"`
	Option             string `json:"Option,omitempty"`
}

// Contact is a Xero contact: the customer, and the only source of the
// ship-to address.
type Contact struct {
	ContactID           string          `json:"ContactID,omitempty"`
	ContactNumber       string          `json:"ContactNumber,omitempty"`
	AccountNumber       string          `json:"AccountNumber,omitempty"`
	ContactStatus       string          `json:"ContactStatus,omitempty"`
	Name                string          `json:"Name,omitempty"`
	FirstName           string          `json:"FirstName,omitempty"`
	LastName            string          `json:"LastName,omitempty"`
	CompanyNumber       string          `json:"CompanyNumber,omitempty"`
	EmailAddress        string          `json:"EmailAddress,omitempty"`
	TaxNumber           string          `json:"TaxNumber,omitempty"`
	Addresses           []Address       `json:"Addresses,omitempty"`
	Phones              []Phone         `json:"Phones,omitempty"`
	ContactPersons      []ContactPerson `json:"ContactPersons,omitempty"`
	IsCustomer          bool            `json:"IsCustomer,omitempty"`
	IsSupplier          bool            `json:"IsSupplier,omitempty"`
	DefaultCurrency     string          `json:"DefaultCurrency,omitempty"`
	UpdatedDateUTC      Time            `json:"UpdatedDateUTC,omitzero"`
	HasValidationErrors bool            `json:"HasValidationErrors,omitempty"`
}

// Address types on contacts. By convention STREET is where goods go and
// POBOX is billing.
const (
	AddressStreet = "STREET"
	AddressPOBox  = "POBOX"
)

// Address is a contact address. Xero sends empty strings for unused lines.
type Address struct {
	AddressType  string `json:"AddressType,omitempty"`
	AddressLine1 string `json:"AddressLine1,omitempty"`
	AddressLine2 string `json:"AddressLine2,omitempty"`
	AddressLine3 string `json:"AddressLine3,omitempty"`
	AddressLine4 string `json:"AddressLine4,omitempty"`
	City         string `json:"City,omitempty"`
	Region       string `json:"Region,omitempty"`
	PostalCode   string `json:"PostalCode,omitempty"`
	Country      string `json:"Country,omitempty"`
	AttentionTo  string `json:"AttentionTo,omitempty"`
}

// IsEmpty reports whether every line of the address is blank.
func (a *Address) IsEmpty() bool {
	for _, s := range []string{a.AddressLine1, a.AddressLine2, a.AddressLine3, a.AddressLine4, a.City, a.Region, a.PostalCode, a.Country} {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// Phone is a contact phone number: DEFAULT, DDI, MOBILE, FAX (or OFFICE).
type Phone struct {
	PhoneType        string `json:"PhoneType,omitempty"`
	PhoneNumber      string `json:"PhoneNumber,omitempty"`
	PhoneAreaCode    string `json:"PhoneAreaCode,omitempty"`
	PhoneCountryCode string `json:"PhoneCountryCode,omitempty"`
}

// ContactPerson is an additional person on a contact.
type ContactPerson struct {
	FirstName       string `json:"FirstName,omitempty"`
	LastName        string `json:"LastName,omitempty"`
	EmailAddress    string `json:"EmailAddress,omitempty"`
	IncludeInEmails bool   `json:"IncludeInEmails,omitempty"`
}

// TrackingCategory is a tracking category with its options.
type TrackingCategory struct {
	TrackingCategoryID string           `json:"TrackingCategoryID,omitempty"`
	Name               string           `json:"Name,omitempty"`
	Status             string           `json:"Status,omitempty"`
	Options            []TrackingOption `json:"Options,omitempty"`
}

// TrackingOption is one option of a tracking category.
type TrackingOption struct {
	TrackingOptionID string `json:"TrackingOptionID,omitempty"`
	Name             string `json:"Name,omitempty"`
	Status           string `json:"Status,omitempty"`
}

// HistoryRecord is one entry of an invoice's History & Notes.
type HistoryRecord struct {
	Changes          string    `json:"Changes,omitempty"`
	DateUTC          Time      `json:"DateUTC,omitzero"`
	User             string    `json:"User,omitempty"`
	Details          string    `json:"Details,omitempty"`
	ValidationErrors []Message `json:"ValidationErrors,omitempty"`
}

// Organisation is the connected organisation's settings.
type Organisation struct {
	OrganisationID     string `json:"OrganisationID,omitempty"`
	Name               string `json:"Name,omitempty"`
	LegalName          string `json:"LegalName,omitempty"`
	ShortCode          string `json:"ShortCode,omitempty"`
	BaseCurrency       string `json:"BaseCurrency,omitempty"`
	CountryCode        string `json:"CountryCode,omitempty"`
	Timezone           string `json:"Timezone,omitempty"`
	OrganisationType   string `json:"OrganisationType,omitempty"`
	OrganisationStatus string `json:"OrganisationStatus,omitempty"`
	IsDemoCompany      bool   `json:"IsDemoCompany,omitempty"`
	PaysTax            bool   `json:"PaysTax,omitempty"`
	Version            string `json:"Version,omitempty"`
	CreatedDateUTC     Time   `json:"CreatedDateUTC,omitzero"`
}

// Payment is a payment against an invoice.
type Payment struct {
	PaymentID        string    `json:"PaymentID,omitempty"`
	Invoice          *Invoice  `json:"Invoice,omitempty"`
	Account          *Account  `json:"Account,omitempty"`
	Date             Date      `json:"Date,omitzero"`
	Amount           float64   `json:"Amount,omitempty"`
	CurrencyRate     float64   `json:"CurrencyRate,omitempty"`
	Reference        string    `json:"Reference,omitempty"`
	Status           string    `json:"Status,omitempty"`
	PaymentType      string    `json:"PaymentType,omitempty"`
	IsReconciled     bool      `json:"IsReconciled,omitempty"`
	UpdatedDateUTC   Time      `json:"UpdatedDateUTC,omitzero"`
	HasAccount       bool      `json:"HasAccount,omitempty"`
	ValidationErrors []Message `json:"ValidationErrors,omitempty"`
}

// Account identifies a ledger account (a payment's bank account).
type Account struct {
	AccountID string `json:"AccountID,omitempty"`
	Code      string `json:"Code,omitempty"`
	Name      string `json:"Name,omitempty"`
}

// CreditNote is a credit note allocated to an invoice (the fields that
// matter for deciding editability and showing it).
type CreditNote struct {
	CreditNoteID     string  `json:"CreditNoteID,omitempty"`
	CreditNoteNumber string  `json:"CreditNoteNumber,omitempty"`
	Total            float64 `json:"Total,omitempty"`
	AppliedAmount    float64 `json:"AppliedAmount,omitempty"`
	Date             Date    `json:"Date,omitzero"`
}

// Prepayment is a prepayment allocated to an invoice.
type Prepayment struct {
	PrepaymentID  string  `json:"PrepaymentID,omitempty"`
	Total         float64 `json:"Total,omitempty"`
	AppliedAmount float64 `json:"AppliedAmount,omitempty"`
	Date          Date    `json:"Date,omitzero"`
}

// Overpayment is an overpayment allocated to an invoice.
type Overpayment struct {
	OverpaymentID string  `json:"OverpaymentID,omitempty"`
	Total         float64 `json:"Total,omitempty"`
	AppliedAmount float64 `json:"AppliedAmount,omitempty"`
	Date          Date    `json:"Date,omitzero"`
}

// Message is a validation error or warning: {"Message": "..."}.
type Message struct {
	Message string `json:"Message"`
}

// Pagination is the paging block of a paged response.
type Pagination struct {
	Page      int `json:"page"`
	PageSize  int `json:"pageSize"`
	PageCount int `json:"pageCount"`
	ItemCount int `json:"itemCount"`
}

// Connection is one tenant (organisation) the grant can reach, from
// GET /connections.
type Connection struct {
	ID             string `json:"id"`
	AuthEventID    string `json:"authEventId"`
	TenantID       string `json:"tenantId"`
	TenantType     string `json:"tenantType"`
	TenantName     string `json:"tenantName"`
	CreatedDateUTC Time   `json:"createdDateUtc,omitzero"`
	UpdatedDateUTC Time   `json:"updatedDateUtc,omitzero"`
}

// Cents converts an amount to whole cents, rounding half away from zero.
// Do money arithmetic in cents: float64 sums drift (0.1+0.2).
func Cents(amount float64) int64 { return int64(math.Round(amount * 100)) }

// FromCents converts whole cents back to an amount; the result marshals to
// the exact two-decimal text.
func FromCents(cents int64) float64 { return float64(cents) / 100 }

package xeroemu

import (
	"slices"
	"time"
)

// Contact is a Xero contact as the emulator keeps it. Go code sees time.Time
// dates; the wire rendering (PascalCase keys, /Date(ms+0000)/ strings) is the
// emulator's job.
type Contact struct {
	ContactID       string
	ContactNumber   string
	AccountNumber   string
	ContactStatus   string // ACTIVE (default), ARCHIVED, GDPRREQUEST
	Name            string
	FirstName       string
	LastName        string
	EmailAddress    string
	CompanyNumber   string
	TaxNumber       string
	DefaultCurrency string
	// Addresses holds at most one POBOX and one STREET address; the wire form
	// always shows both, with empty strings, as Xero does.
	Addresses []Address
	// Phones holds at most one of each DEFAULT, DDI, MOBILE and FAX; the wire
	// form always shows all four.
	Phones         []Phone
	ContactPersons []ContactPerson
	// IsCustomer and IsSupplier are derived: a contact becomes a customer
	// with its first ACCREC invoice and a supplier with its first ACCPAY.
	IsCustomer     bool
	IsSupplier     bool
	UpdatedDateUTC time.Time
}

// Address is one of a contact's addresses.
type Address struct {
	AddressType  string // POBOX or STREET
	AddressLine1 string
	AddressLine2 string
	AddressLine3 string
	AddressLine4 string
	City         string
	Region       string
	PostalCode   string
	Country      string
	AttentionTo  string
}

// Phone is one of a contact's phone numbers.
type Phone struct {
	PhoneType        string // DEFAULT, DDI, MOBILE or FAX
	PhoneNumber      string
	PhoneAreaCode    string
	PhoneCountryCode string
}

// ContactPerson is an additional person on a contact.
type ContactPerson struct {
	FirstName       string
	LastName        string
	EmailAddress    string
	IncludeInEmails bool
}

// Invoice is a sales invoice (ACCREC) or bill (ACCPAY).
type Invoice struct {
	Type          string // ACCREC or ACCPAY
	InvoiceID     string
	InvoiceNumber string
	Reference     string
	Status        string // DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED
	// Contact identifies the contact when seeding (ContactID, else Name, a
	// new contact being created when no contact has that name); values the
	// emulator returns carry the contact's current details.
	Contact         Contact
	Date            time.Time // a calendar date: midnight UTC
	DueDate         time.Time // zero when the invoice has none
	LineAmountTypes string    // Exclusive (default), Inclusive, NoTax
	LineItems       []LineItem
	SubTotal        float64
	TotalTax        float64
	Total           float64
	TotalDiscount   float64
	AmountDue       float64
	AmountPaid      float64
	AmountCredited  float64
	CurrencyCode    string
	CurrencyRate    float64
	Payments        []Payment
	SentToContact   bool
	Url             string
	FullyPaidOnDate time.Time // zero until PAID
	UpdatedDateUTC  time.Time
}

// LineItem is one line of an invoice.
type LineItem struct {
	LineItemID  string
	ItemCode    string
	Description string
	Quantity    float64
	UnitAmount  float64
	// DiscountRate is a percentage; DiscountAmount an absolute discount on
	// the line. At most one of them is used (DiscountRate wins).
	DiscountRate   float64
	DiscountAmount float64
	AccountCode    string
	TaxType        string // defaults to NONE
	TaxAmount      float64
	LineAmount     float64
	Tracking       []LineItemTracking
}

// LineItemTracking is a tracking option chosen on a line: Name is the
// category's name and Option the option's, as Xero words it.
type LineItemTracking struct {
	TrackingCategoryID string
	TrackingOptionID   string
	Name               string
	Option             string
}

// Payment is a payment allocated to an invoice.
type Payment struct {
	PaymentID      string
	Date           time.Time
	Amount         float64
	Reference      string
	AccountID      string
	AccountCode    string
	CurrencyRate   float64
	Status         string
	UpdatedDateUTC time.Time
}

// TrackingCategory is a tracking category with its options.
type TrackingCategory struct {
	TrackingCategoryID string
	Name               string
	Status             string // ACTIVE or ARCHIVED
	Options            []TrackingOption
}

// TrackingOption is one option of a tracking category.
type TrackingOption struct {
	TrackingOptionID string
	Name             string
	Status           string
}

// HistoryRecord is one entry of an invoice's "History & Notes".
type HistoryRecord struct {
	Changes string // Created, Edited, Approved, Paid, Voided, Deleted, Note
	User    string
	Details string
	DateUTC time.Time
}

// account is a chart-of-accounts entry; payments need a BANK account.
type account struct {
	AccountID string
	Code      string
	Name      string
	Type      string
}

func (c Contact) clone() Contact {
	c.Addresses = slices.Clone(c.Addresses)
	c.Phones = slices.Clone(c.Phones)
	c.ContactPersons = slices.Clone(c.ContactPersons)
	return c
}

func (inv Invoice) clone() Invoice {
	inv.Contact = inv.Contact.clone()
	inv.LineItems = slices.Clone(inv.LineItems)
	for i := range inv.LineItems {
		inv.LineItems[i].Tracking = slices.Clone(inv.LineItems[i].Tracking)
	}
	inv.Payments = slices.Clone(inv.Payments)
	return inv
}

func (tc TrackingCategory) clone() TrackingCategory {
	tc.Options = slices.Clone(tc.Options)
	return tc
}

package xeroemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Xero's JSON dates are MS-AJAX strings. Instants and calendar dates both
// carry "+0000"; the envelope's DateTimeUTC has no offset, as in every
// documented example.
func msDate(t time.Time) string {
	return fmt.Sprintf("/Date(%d+0000)/", t.UnixMilli())
}

func msDateNoZone(t time.Time) string {
	return fmt.Sprintf("/Date(%d)/", t.UnixMilli())
}

// dateOnly is midnight UTC of t's calendar date in UTC.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func dateString(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

var msDateRE = regexp.MustCompile(`^/Date\((-?\d+)([+-]\d{4})?\)/$`)

// parseWireDate reads a date the way Xero accepts them on writes:
// "2026-07-14", "2026-07-14T00:00:00" or the MS-AJAX form.
func parseWireDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if m := msDateRE.FindStringSubmatch(s); m != nil {
		ms, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return time.Time{}, err
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04:05", time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}

// parseModifiedSince reads If-Modified-Since: ISO-8601 with or without a
// zone (no zone means UTC), or the HTTP date form some clients send.
func parseModifiedSince(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02", http1123} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("If-Modified-Since %q is not a timestamp", s)
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

func round2(f float64) float64 { return math.Round(f*100) / 100 }
func round4(f float64) float64 { return math.Round(f*10000) / 10000 }

// envelope writes Xero's response wrapper around one collection. It is
// assembled by hand because the collection's key varies by endpoint and Xero
// puts the envelope fields first.
func (e *Emulator) envelope(key string, items any, pg *pagination) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"Id":`)
	writeJSON(&b, newID())
	b.WriteString(`,"Status":"OK","ProviderName":`)
	writeJSON(&b, providerName)
	b.WriteString(`,"DateTimeUTC":`)
	writeJSON(&b, msDateNoZone(e.now()))
	if pg != nil {
		b.WriteString(`,"pagination":`)
		writeJSON(&b, pg)
	}
	b.WriteString(`,`)
	writeJSON(&b, key)
	b.WriteString(`:`)
	body, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	b.Write(body)
	b.WriteString("}")
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, v any) {
	s, _ := json.Marshal(v)
	b.Write(s)
}

// providerName is what Xero puts in ProviderName: the calling app's name.
const providerName = "orderbridge Xero emulator"

type pagination struct {
	Page      int `json:"page"`
	PageSize  int `json:"pageSize"`
	PageCount int `json:"pageCount"`
	ItemCount int `json:"itemCount"`
}

// emptyList renders as [] rather than null, as Xero's arrays always do.
type emptyList = []struct{}

type wireAddress struct {
	AddressType  string
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

type wirePhone struct {
	PhoneType        string
	PhoneNumber      string
	PhoneAreaCode    string
	PhoneCountryCode string
}

type wireContactPerson struct {
	FirstName       string
	LastName        string
	EmailAddress    string
	IncludeInEmails bool
}

type wireContact struct {
	ContactID                      string
	ContactNumber                  string `json:",omitempty"`
	AccountNumber                  string `json:",omitempty"`
	ContactStatus                  string
	Name                           string
	FirstName                      string
	LastName                       string
	CompanyNumber                  string
	EmailAddress                   string
	BankAccountDetails             string
	TaxNumber                      string
	DefaultCurrency                string `json:",omitempty"`
	Addresses                      []wireAddress
	Phones                         []wirePhone
	UpdatedDateUTC                 string
	ContactGroups                  emptyList
	IsSupplier                     bool
	IsCustomer                     bool
	SalesDefaultLineAmountType     string `json:",omitempty"`
	PurchasesDefaultLineAmountType string `json:",omitempty"`
	SalesTrackingCategories        emptyList
	PurchasesTrackingCategories    emptyList
	ContactPersons                 []wireContactPerson
	HasAttachments                 bool
	HasValidationErrors            bool
	// StatusAttributeString is set only with summarizeErrors=false.
	StatusAttributeString string `json:",omitempty"`
}

// wireContactSummary is the contact inside invoice lists: no addresses or
// phones, as documented (and as the examples show even when paging).
type wireContactSummary struct {
	ContactID           string
	Name                string
	Addresses           emptyList
	Phones              emptyList
	ContactGroups       emptyList
	ContactPersons      emptyList
	HasValidationErrors bool
}

func renderContact(c *Contact, full bool) wireContact {
	w := wireContact{
		ContactID:                   c.ContactID,
		ContactNumber:               c.ContactNumber,
		AccountNumber:               c.AccountNumber,
		ContactStatus:               c.ContactStatus,
		Name:                        c.Name,
		FirstName:                   c.FirstName,
		LastName:                    c.LastName,
		CompanyNumber:               c.CompanyNumber,
		EmailAddress:                c.EmailAddress,
		TaxNumber:                   c.TaxNumber,
		DefaultCurrency:             c.DefaultCurrency,
		UpdatedDateUTC:              msDate(c.UpdatedDateUTC),
		ContactGroups:               emptyList{},
		IsSupplier:                  c.IsSupplier,
		IsCustomer:                  c.IsCustomer,
		SalesTrackingCategories:     emptyList{},
		PurchasesTrackingCategories: emptyList{},
		ContactPersons:              []wireContactPerson{},
	}
	if full {
		// Xero shows the default line amount types only on a single GET or
		// a paged list.
		w.SalesDefaultLineAmountType = "EXCLUSIVE"
		w.PurchasesDefaultLineAmountType = "EXCLUSIVE"
	}
	// Both address types and all four phone types are always present.
	for _, typ := range []string{"STREET", "POBOX"} {
		a := wireAddress{AddressType: typ}
		for _, have := range c.Addresses {
			if have.AddressType == typ {
				a = wireAddress(have)
			}
		}
		w.Addresses = append(w.Addresses, a)
	}
	for _, typ := range []string{"DEFAULT", "DDI", "FAX", "MOBILE"} {
		p := wirePhone{PhoneType: typ}
		for _, have := range c.Phones {
			if have.PhoneType == typ {
				p = wirePhone(have)
			}
		}
		w.Phones = append(w.Phones, p)
	}
	for _, p := range c.ContactPersons {
		w.ContactPersons = append(w.ContactPersons, wireContactPerson(p))
	}
	return w
}

type wireTracking struct {
	TrackingCategoryID string
	TrackingOptionID   string
	Name               string
	Option             string
}

type wireLineItem struct {
	LineItemID       string
	ItemCode         string `json:",omitempty"`
	Description      string
	UnitAmount       float64
	TaxType          string
	TaxAmount        float64
	LineAmount       float64
	AccountCode      string
	Tracking         []wireTracking
	Quantity         float64
	DiscountRate     *float64 `json:",omitempty"`
	DiscountAmount   *float64 `json:",omitempty"`
	ValidationErrors emptyList
}

type wirePaymentSummary struct {
	PaymentID           string
	Date                string
	Amount              float64
	Reference           string
	CurrencyRate        float64
	HasAccount          bool
	HasValidationErrors bool
}

type wireInvoice struct {
	Type                 string
	InvoiceID            string
	InvoiceNumber        string
	Reference            string
	Payments             []wirePaymentSummary
	CreditNotes          emptyList
	Prepayments          emptyList
	Overpayments         emptyList
	AmountDue            float64
	AmountPaid           float64
	AmountCredited       float64
	SentToContact        bool
	CurrencyRate         float64
	HasErrors            bool
	IsDiscounted         bool
	HasAttachments       bool
	Attachments          emptyList `json:",omitempty"`
	Contact              any
	DateString           string
	Date                 string
	DueDateString        string `json:",omitempty"`
	DueDate              string `json:",omitempty"`
	Status               string
	LineAmountTypes      string
	LineItems            []wireLineItem
	SubTotal             float64
	TotalTax             float64
	Total                float64
	TotalDiscount        *float64 `json:",omitempty"`
	UpdatedDateUTC       string
	UpdatedDateUTCString string
	CurrencyCode         string
	FullyPaidOnDate      string `json:",omitempty"`
	Url                  string `json:",omitempty"`
	// StatusAttributeString is set only with summarizeErrors=false.
	StatusAttributeString string `json:",omitempty"`
}

// renderInvoice renders an invoice. withLines is false for unpaged lists,
// which Xero answers without line items; fullContact is true only for a
// single GET (and write responses), where the contact comes with addresses.
func renderInvoice(inv *Invoice, c *Contact, withLines, fullContact bool) wireInvoice {
	w := wireInvoice{
		Type:                 inv.Type,
		InvoiceID:            inv.InvoiceID,
		InvoiceNumber:        inv.InvoiceNumber,
		Reference:            inv.Reference,
		Payments:             []wirePaymentSummary{},
		CreditNotes:          emptyList{},
		Prepayments:          emptyList{},
		Overpayments:         emptyList{},
		AmountDue:            inv.AmountDue,
		AmountPaid:           inv.AmountPaid,
		AmountCredited:       inv.AmountCredited,
		SentToContact:        inv.SentToContact,
		CurrencyRate:         inv.CurrencyRate,
		IsDiscounted:         inv.TotalDiscount > 0,
		DateString:           dateString(inv.Date),
		Date:                 msDate(inv.Date),
		Status:               inv.Status,
		LineAmountTypes:      inv.LineAmountTypes,
		LineItems:            []wireLineItem{},
		SubTotal:             inv.SubTotal,
		TotalTax:             inv.TotalTax,
		Total:                inv.Total,
		UpdatedDateUTC:       msDate(inv.UpdatedDateUTC),
		UpdatedDateUTCString: inv.UpdatedDateUTC.UTC().Format("2006-01-02T15:04:05Z"),
		CurrencyCode:         inv.CurrencyCode,
		Url:                  inv.Url,
	}
	if !inv.DueDate.IsZero() {
		w.DueDateString = dateString(inv.DueDate)
		w.DueDate = msDate(inv.DueDate)
	}
	if !inv.FullyPaidOnDate.IsZero() {
		w.FullyPaidOnDate = msDate(inv.FullyPaidOnDate)
	}
	if inv.TotalDiscount > 0 {
		d := inv.TotalDiscount
		w.TotalDiscount = &d
	}
	for _, p := range inv.Payments {
		w.Payments = append(w.Payments, wirePaymentSummary{
			PaymentID: p.PaymentID, Date: msDate(p.Date), Amount: p.Amount,
			Reference: p.Reference, CurrencyRate: p.CurrencyRate,
		})
	}
	if fullContact {
		w.Contact = renderContact(c, true)
	} else {
		w.Contact = wireContactSummary{
			ContactID: c.ContactID, Name: c.Name, Addresses: emptyList{}, Phones: emptyList{},
			ContactGroups: emptyList{}, ContactPersons: emptyList{},
		}
	}
	if withLines {
		for i := range inv.LineItems {
			w.LineItems = append(w.LineItems, renderLine(&inv.LineItems[i]))
		}
	}
	return w
}

func renderLine(li *LineItem) wireLineItem {
	w := wireLineItem{
		LineItemID: li.LineItemID, ItemCode: li.ItemCode, Description: li.Description,
		UnitAmount: li.UnitAmount, TaxType: li.TaxType, TaxAmount: li.TaxAmount,
		LineAmount: li.LineAmount, AccountCode: li.AccountCode, Tracking: []wireTracking{},
		Quantity: li.Quantity, ValidationErrors: emptyList{},
	}
	if li.DiscountRate != 0 {
		d := li.DiscountRate
		w.DiscountRate = &d
	}
	if li.DiscountAmount != 0 {
		d := li.DiscountAmount
		w.DiscountAmount = &d
	}
	for _, t := range li.Tracking {
		w.Tracking = append(w.Tracking, wireTracking(t))
	}
	return w
}

type wireTrackingOption struct {
	TrackingOptionID    string
	Name                string
	Status              string
	HasValidationErrors bool
	IsDeleted           bool
	IsArchived          bool
	IsActive            bool
}

type wireTrackingCategory struct {
	Name               string
	Status             string
	TrackingCategoryID string
	Options            []wireTrackingOption
}

func renderOption(o TrackingOption) wireTrackingOption {
	return wireTrackingOption{
		TrackingOptionID: o.TrackingOptionID, Name: o.Name, Status: o.Status,
		IsDeleted: o.Status == "DELETED", IsArchived: o.Status == "ARCHIVED", IsActive: o.Status == "ACTIVE",
	}
}

func renderTrackingCategory(tc *TrackingCategory, includeArchived bool) wireTrackingCategory {
	w := wireTrackingCategory{Name: tc.Name, Status: tc.Status, TrackingCategoryID: tc.TrackingCategoryID, Options: []wireTrackingOption{}}
	for _, o := range tc.Options {
		if o.Status != "ACTIVE" && !includeArchived {
			continue
		}
		w.Options = append(w.Options, renderOption(o))
	}
	return w
}

type wireHistory struct {
	Changes          string
	DateUTCString    string
	DateUTC          string
	User             string
	Details          string
	ValidationErrors *emptyList `json:",omitempty"`
}

func renderHistory(h HistoryRecord, withErrors bool) wireHistory {
	w := wireHistory{
		Changes: h.Changes, DateUTCString: dateString(h.DateUTC), DateUTC: msDateNoZone(h.DateUTC),
		User: h.User, Details: h.Details,
	}
	if withErrors {
		w.ValidationErrors = &emptyList{}
	}
	return w
}

type wirePayment struct {
	PaymentID           string
	Date                string
	Amount              float64
	BankAmount          float64
	Reference           string
	CurrencyRate        float64
	PaymentType         string
	Status              string
	UpdatedDateUTC      string
	HasAccount          bool
	IsReconciled        bool
	Account             map[string]string
	Invoice             map[string]any
	HasValidationErrors bool
}

func renderPayment(p *Payment, inv *Invoice, c *Contact) wirePayment {
	return wirePayment{
		PaymentID: p.PaymentID, Date: msDate(p.Date), Amount: p.Amount, BankAmount: p.Amount,
		Reference: p.Reference, CurrencyRate: p.CurrencyRate, PaymentType: "ACCRECPAYMENT",
		Status: p.Status, UpdatedDateUTC: msDate(p.UpdatedDateUTC), HasAccount: true,
		Account: map[string]string{"AccountID": p.AccountID, "Code": p.AccountCode},
		Invoice: map[string]any{
			"Type": inv.Type, "InvoiceID": inv.InvoiceID, "InvoiceNumber": inv.InvoiceNumber,
			"Contact":      map[string]string{"ContactID": c.ContactID, "Name": c.Name},
			"CurrencyCode": inv.CurrencyCode,
		},
	}
}

type wireOrganisation struct {
	APIKey                 string
	Name                   string
	LegalName              string
	PaysTax                bool
	Version                string
	OrganisationType       string
	BaseCurrency           string
	CountryCode            string
	IsDemoCompany          bool
	OrganisationStatus     string
	TaxNumber              string
	FinancialYearEndDay    int
	FinancialYearEndMonth  int
	SalesTaxBasis          string
	SalesTaxPeriod         string
	DefaultSalesTax        string
	DefaultPurchasesTax    string
	PeriodLockDate         string `json:",omitempty"`
	EndOfYearLockDate      string `json:",omitempty"`
	CreatedDateUTC         string
	OrganisationEntityType string
	Timezone               string
	ShortCode              string
	OrganisationID         string
	Edition                string
	Class                  string
	Addresses              emptyList
	Phones                 emptyList
	ExternalLinks          emptyList
	PaymentTerms           struct{}
}

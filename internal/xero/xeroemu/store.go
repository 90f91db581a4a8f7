package xeroemu

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// org is one organisation's books. Everything in it is guarded by
// Emulator.mu except the list cache, which has its own lock so readers can
// fill it under the read lock.
type org struct {
	id, name, shortCode string
	timezone            string // Xero's TimeZone enum value
	created             time.Time
	accounts            []account

	contacts     map[string]*Contact
	contactList  []*Contact
	contactNames map[string]*Contact // lower-cased name

	invoices    map[string]*invRec
	invoiceList []*invRec
	byNumber    map[string]*invRec // ACCREC numbers, unique
	nextNumber  int

	tracking []*TrackingCategory

	// version changes with every write; cached list results are only
	// valid for the version they were computed at.
	version                uint64
	invCache, contactCache listCache

	idem map[string]*idemEntry
}

type invRec struct {
	inv     Invoice // inv.Contact holds only the ContactID
	history []HistoryRecord
}

func newOrg(name string, now time.Time) *org {
	return &org{
		id: newID(), name: name, shortCode: "!" + randomHex(3)[:5], created: now,
		accounts: []account{
			{AccountID: newID(), Code: "090", Name: "Business Bank Account", Type: "BANK"},
			{AccountID: newID(), Code: "091", Name: "Business Savings Account", Type: "BANK"},
			{AccountID: newID(), Code: "200", Name: "Sales", Type: "REVENUE"},
			{AccountID: newID(), Code: "260", Name: "Other Revenue", Type: "REVENUE"},
			{AccountID: newID(), Code: "310", Name: "Cost of Goods Sold", Type: "DIRECTCOSTS"},
			{AccountID: newID(), Code: "400", Name: "Advertising", Type: "EXPENSE"},
		},
		contacts:     make(map[string]*Contact),
		contactNames: make(map[string]*Contact),
		invoices:     make(map[string]*invRec),
		byNumber:     make(map[string]*invRec),
		idem:         make(map[string]*idemEntry),
	}
}

func (o *org) changed() { o.version++ }

// taxRates are the tax types the emulator knows. Real organisations have
// their own; these cover the codes the docs' examples use.
var taxRates = map[string]float64{
	"NONE": 0, "EXEMPTOUTPUT": 0, "ZERORATEDOUTPUT": 0, "EXEMPTEXPENSES": 0,
	"OUTPUT": 0.15, "OUTPUT2": 0.15, "INPUT": 0.15, "INPUT2": 0.15,
}

// computeTotals fills line amounts, tax and the invoice totals from
// LineAmountTypes, quantities, unit amounts and discounts. Supplied
// TaxAmounts are recomputed, not honoured.
func computeTotals(inv *Invoice) errs {
	var bad errs
	switch strings.ToLower(inv.LineAmountTypes) {
	case "", "exclusive":
		inv.LineAmountTypes = "Exclusive"
	case "inclusive":
		inv.LineAmountTypes = "Inclusive"
	case "notax":
		inv.LineAmountTypes = "NoTax"
	default:
		bad.add("LineAmountTypes must be Exclusive, Inclusive or NoTax")
	}
	var sub, tax, disc float64
	for i := range inv.LineItems {
		li := &inv.LineItems[i]
		if li.LineItemID == "" {
			li.LineItemID = newID()
		}
		if strings.TrimSpace(li.Description) == "" && li.ItemCode == "" {
			bad.add("The Description field is mandatory for each line item.")
		}
		if li.TaxType == "" || inv.LineAmountTypes == "NoTax" {
			li.TaxType = "NONE"
		}
		rate, ok := taxRates[strings.ToUpper(li.TaxType)]
		if !ok {
			bad.add("The TaxType code '%s' does not exist or cannot be used with this type of transaction.", li.TaxType)
		}
		li.TaxType = strings.ToUpper(li.TaxType)
		if li.DiscountRate < 0 || li.DiscountRate > 100 {
			bad.add("DiscountRate must be between 0 and 100.")
		}
		li.Quantity = round4(li.Quantity)
		li.UnitAmount = round4(li.UnitAmount)
		if li.Quantity != 0 || li.UnitAmount != 0 || li.LineAmount == 0 {
			gross := round2(li.Quantity * li.UnitAmount)
			switch {
			case li.DiscountRate != 0:
				li.DiscountAmount = 0
				li.LineAmount = round2(gross * (1 - li.DiscountRate/100))
			case li.DiscountAmount != 0:
				li.LineAmount = round2(gross - li.DiscountAmount)
			default:
				li.LineAmount = gross
			}
			disc += gross - li.LineAmount
		}
		if math.Abs(li.LineAmount) > 9999999999.99 {
			bad.add("LineAmount is too large.")
		}
		switch inv.LineAmountTypes {
		case "Inclusive":
			li.TaxAmount = round2(li.LineAmount - li.LineAmount/(1+rate))
			sub += li.LineAmount - li.TaxAmount
		case "NoTax":
			li.TaxAmount = 0
			sub += li.LineAmount
		default:
			li.TaxAmount = round2(li.LineAmount * rate)
			sub += li.LineAmount
		}
		tax += li.TaxAmount
	}
	inv.SubTotal = round2(sub)
	inv.TotalTax = round2(tax)
	inv.Total = round2(sub + tax)
	inv.TotalDiscount = round2(disc)
	inv.AmountDue = round2(inv.Total - inv.AmountPaid - inv.AmountCredited)
	if inv.AmountDue < 0 && inv.AmountPaid > 0 {
		bad.add("The total of the invoice cannot be less than the payments allocated to it.")
	}
	return bad
}

// resolveTracking fills both ids and names of each line's tracking from the
// organisation's active categories and options.
func (o *org) resolveTracking(lines []LineItem) errs {
	var bad errs
	for i := range lines {
		li := &lines[i]
		if len(li.Tracking) > 2 {
			bad.add("A line item can have at most 2 tracking categories.")
			continue
		}
		seen := map[string]bool{}
		for j := range li.Tracking {
			t := &li.Tracking[j]
			var cat *TrackingCategory
			for _, tc := range o.tracking {
				if tc.Status == "ACTIVE" && ((t.TrackingCategoryID != "" && tc.TrackingCategoryID == t.TrackingCategoryID) ||
					(t.TrackingCategoryID == "" && strings.EqualFold(tc.Name, t.Name))) {
					cat = tc
				}
			}
			if cat == nil {
				bad.add("Tracking category '%s' could not be found.", firstNonEmpty(t.Name, t.TrackingCategoryID))
				continue
			}
			if seen[cat.TrackingCategoryID] {
				bad.add("A line item can have only one option per tracking category.")
			}
			seen[cat.TrackingCategoryID] = true
			var opt *TrackingOption
			for k := range cat.Options {
				op := &cat.Options[k]
				if op.Status == "ACTIVE" && ((t.TrackingOptionID != "" && op.TrackingOptionID == t.TrackingOptionID) ||
					(t.TrackingOptionID == "" && strings.EqualFold(op.Name, t.Option))) {
					opt = op
				}
			}
			if opt == nil {
				bad.add("Tracking option '%s' could not be found for tracking category '%s'.", firstNonEmpty(t.Option, t.TrackingOptionID), cat.Name)
				continue
			}
			*t = LineItemTracking{TrackingCategoryID: cat.TrackingCategoryID, TrackingOptionID: opt.TrackingOptionID, Name: cat.Name, Option: opt.Name}
		}
	}
	return bad
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// findContact resolves a reference by ContactID, then ContactNumber, then
// Name.
func (o *org) findContact(id, number, name string) *Contact {
	if id != "" {
		return o.contacts[strings.ToLower(id)]
	}
	if number != "" {
		for _, c := range o.contactList {
			if c.ContactNumber == number {
				return c
			}
		}
		return nil
	}
	if name != "" {
		return o.contactNames[strings.ToLower(strings.TrimSpace(name))]
	}
	return nil
}

func (o *org) addContact(c *Contact) {
	o.contacts[strings.ToLower(c.ContactID)] = c
	o.contactList = append(o.contactList, c)
	o.contactNames[strings.ToLower(strings.TrimSpace(c.Name))] = c
	o.changed()
}

func (o *org) renameContact(c *Contact, newName string) {
	delete(o.contactNames, strings.ToLower(strings.TrimSpace(c.Name)))
	c.Name = newName
	o.contactNames[strings.ToLower(strings.TrimSpace(newName))] = c
}

// findInvoice resolves an InvoiceID or an (ACCREC) InvoiceNumber.
func (o *org) findInvoice(key string) *invRec {
	if r := o.invoices[strings.ToLower(key)]; r != nil {
		return r
	}
	return o.byNumber[key]
}

func (o *org) nextInvoiceNumber() string {
	for {
		o.nextNumber++
		n := fmt.Sprintf("INV-%04d", o.nextNumber)
		if o.byNumber[n] == nil {
			return n
		}
	}
}

func (o *org) addInvoice(r *invRec) {
	o.invoices[strings.ToLower(r.inv.InvoiceID)] = r
	o.invoiceList = append(o.invoiceList, r)
	if r.inv.Type == "ACCREC" {
		o.byNumber[r.inv.InvoiceNumber] = r
	}
	o.changed()
}

func (o *org) renumber(r *invRec, number string) {
	if r.inv.Type == "ACCREC" {
		delete(o.byNumber, r.inv.InvoiceNumber)
		o.byNumber[number] = r
	}
	r.inv.InvoiceNumber = number
}

func (o *org) bankAccount(code, id string) *account {
	for i := range o.accounts {
		a := &o.accounts[i]
		if (code != "" && a.Code == code) || (code == "" && id != "" && strings.EqualFold(a.AccountID, id)) {
			return a
		}
	}
	return nil
}

// statusChange checks a requested status transition and returns why it is
// refused, or "".
func statusChange(from, to string) string {
	if from == to {
		return ""
	}
	switch to {
	case "DRAFT", "SUBMITTED":
		if from == "DRAFT" || from == "SUBMITTED" {
			return ""
		}
		return fmt.Sprintf("An invoice cannot be changed from %s back to %s.", from, to)
	case "AUTHORISED":
		if from == "DRAFT" || from == "SUBMITTED" {
			return ""
		}
	case "PAID":
		return "Invoice status cannot be set to PAID directly; apply payments instead."
	case "VOIDED":
		if from == "AUTHORISED" {
			return ""
		}
		return "Only AUTHORISED invoices without payments can be voided; delete a DRAFT or SUBMITTED invoice instead."
	case "DELETED":
		if from == "DRAFT" || from == "SUBMITTED" {
			return ""
		}
		return "Only DRAFT or SUBMITTED invoices can be deleted; void an AUTHORISED invoice instead."
	default:
		return fmt.Sprintf("Status '%s' is not a valid invoice status.", to)
	}
	return fmt.Sprintf("An invoice cannot be changed from %s to %s.", from, to)
}

// listCache keeps the last few filtered, sorted results per organisation so
// paging through 100k invoices sorts once, not once per page.
type listCache struct {
	mu      sync.Mutex
	entries []cacheEntry
}

type cacheEntry struct {
	key     string
	version uint64
	items   any
}

func (c *listCache) get(key string, version uint64) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.key == key && e.version == version {
			return e.items, true
		}
	}
	return nil, false
}

func (c *listCache) put(key string, version uint64, items any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = slices.DeleteFunc(c.entries, func(e cacheEntry) bool { return e.version != version || e.key == key })
	if len(c.entries) >= 4 {
		c.entries = c.entries[1:]
	}
	c.entries = append(c.entries, cacheEntry{key: key, version: version, items: items})
}

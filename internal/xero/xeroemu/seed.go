package xeroemu

import (
	"fmt"
	"strings"
	"time"
)

// goUser is the user named in the history of changes made from Go, which
// stand for a person editing in Xero's UI.
const goUser = "Demo User"

// SeedContact stores a contact from Go, bypassing rate limits and faults.
// It fills ContactID, ContactStatus (ACTIVE) and UpdatedDateUTC when empty
// and fires a CONTACT CREATE webhook. Names must be unique, as in Xero.
func (e *Emulator) SeedContact(tenantID string, c Contact) (Contact, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orgs[tenantID]
	if o == nil {
		return Contact{}, fmt.Errorf("xeroemu: seed contact: unknown tenant %q", tenantID)
	}
	ct, err := e.seedContactLocked(o, c)
	if err != nil {
		return Contact{}, err
	}
	return ct.clone(), nil
}

func (e *Emulator) seedContactLocked(o *org, c Contact) (*Contact, error) {
	c = c.clone()
	if c.ContactID == "" {
		c.ContactID = newID()
	}
	if o.contacts[strings.ToLower(c.ContactID)] != nil {
		return nil, fmt.Errorf("xeroemu: seed contact: ContactID %s already exists", c.ContactID)
	}
	if c.ContactStatus == "" {
		c.ContactStatus = "ACTIVE"
	}
	if bad := o.checkContact(&c, nil, nil); len(bad) > 0 {
		return nil, fmt.Errorf("xeroemu: seed contact: %s", strings.Join(bad, "; "))
	}
	now := e.now().UTC().Truncate(time.Millisecond)
	if c.UpdatedDateUTC.IsZero() {
		c.UpdatedDateUTC = now
	}
	ct := &c
	o.addContact(ct)
	e.hooks.enqueue(o.id, "CONTACT", "CREATE", ct.ContactID, now)
	return ct, nil
}

// SeedInvoice stores an invoice from Go, bypassing rate limits, faults and
// status rules (any status may be seeded). It fills InvoiceID, the number
// (ACCREC), Date (today), totals, AmountDue and UpdatedDateUTC (each only
// when empty), resolves Contact by ContactID or else by Name (creating the
// contact, with the details given, when no contact has that name), applies
// the given Payments, and for Status PAID records a payment of whatever is
// still due. Type defaults to ACCREC and Status to DRAFT. It fires an
// INVOICE CREATE webhook.
func (e *Emulator) SeedInvoice(tenantID string, inv Invoice) (Invoice, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orgs[tenantID]
	if o == nil {
		return Invoice{}, fmt.Errorf("xeroemu: seed invoice: unknown tenant %q", tenantID)
	}
	now := e.now()
	inv = inv.clone()
	if inv.Type == "" {
		inv.Type = "ACCREC"
	}
	if inv.InvoiceID == "" {
		inv.InvoiceID = newID()
	} else if o.invoices[strings.ToLower(inv.InvoiceID)] != nil {
		return Invoice{}, fmt.Errorf("xeroemu: seed invoice: InvoiceID %s already exists", inv.InvoiceID)
	}
	if !inv.Date.IsZero() {
		inv.Date = dateOnly(inv.Date)
	}
	if !inv.DueDate.IsZero() {
		inv.DueDate = dateOnly(inv.DueDate)
	}
	ref := inv.Contact
	c := o.findContact(ref.ContactID, "", ref.Name)
	if c == nil && ref.ContactID == "" && ref.Name != "" {
		var err error
		if c, err = e.seedContactLocked(o, ref); err != nil {
			return Invoice{}, fmt.Errorf("xeroemu: seed invoice: %w", err)
		}
	}
	if c == nil {
		return Invoice{}, fmt.Errorf("xeroemu: seed invoice: contact %q not found (give a known ContactID or a Name)", firstNonEmpty(ref.ContactID, ref.Name))
	}
	inv.Contact = Contact{ContactID: c.ContactID}
	status := inv.Status
	payments := inv.Payments
	inv.Payments, inv.AmountPaid = nil, 0
	if status == "PAID" {
		inv.Status = "AUTHORISED"
	}
	p := &pendingInvoice{inv: inv}
	if bad := o.finishInvoice(p, nil, now); len(bad) > 0 {
		return Invoice{}, fmt.Errorf("xeroemu: seed invoice: %s", strings.Join(bad, "; "))
	}
	keep := p.inv.UpdatedDateUTC
	rec := e.commitInvoice(o, p, now, goUser)
	for _, pay := range payments {
		if err := seedPayment(o, rec, pay, now); err != nil {
			return Invoice{}, err
		}
	}
	if status == "PAID" && rec.inv.AmountDue > 0 {
		if err := seedPayment(o, rec, Payment{Amount: rec.inv.AmountDue, Date: rec.inv.Date}, now); err != nil {
			return Invoice{}, err
		}
	}
	if !keep.IsZero() {
		rec.inv.UpdatedDateUTC = keep
	}
	return e.fullInvoice(o, rec), nil
}

func seedPayment(o *org, rec *invRec, pay Payment, now time.Time) error {
	if pay.Amount <= 0 || round2(pay.Amount) > rec.inv.AmountDue {
		return fmt.Errorf("xeroemu: seed invoice: payment of %.2f does not fit the %.2f due", pay.Amount, rec.inv.AmountDue)
	}
	if pay.PaymentID == "" {
		pay.PaymentID = newID()
	}
	if pay.Date.IsZero() {
		pay.Date = now
	}
	pay.Date = dateOnly(pay.Date)
	if pay.AccountCode == "" && pay.AccountID == "" {
		pay.AccountCode = o.accounts[0].Code
	}
	if a := o.bankAccount(pay.AccountCode, pay.AccountID); a != nil {
		pay.AccountCode, pay.AccountID = a.Code, a.AccountID
	}
	if pay.CurrencyRate == 0 {
		pay.CurrencyRate = 1
	}
	pay.Status = "AUTHORISED"
	pay.Amount = round2(pay.Amount)
	applyPayment(o, rec, pay, now, goUser)
	return nil
}

// fullInvoice returns a copy with the contact's current details.
func (e *Emulator) fullInvoice(o *org, rec *invRec) Invoice {
	inv := rec.inv.clone()
	if c := o.contacts[strings.ToLower(inv.Contact.ContactID)]; c != nil {
		inv.Contact = c.clone()
	}
	return inv
}

// UpdateInvoice changes an invoice as a user editing it in Xero would: fn
// edits a copy, then totals are recomputed, UpdatedDateUTC is bumped and an
// INVOICE UPDATE webhook fires. The API's edit lock does not apply (a user
// can do things the API refuses), but totals may not drop below what is
// paid. Setting Status to PAID records a payment of what is due.
func (e *Emulator) UpdateInvoice(tenantID, invoiceID string, fn func(*Invoice)) (Invoice, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orgs[tenantID]
	if o == nil {
		return Invoice{}, fmt.Errorf("xeroemu: update invoice: unknown tenant %q", tenantID)
	}
	rec := o.findInvoice(invoiceID)
	if rec == nil {
		return Invoice{}, fmt.Errorf("xeroemu: update invoice: %s not found", invoiceID)
	}
	now := e.now()
	next := e.fullInvoice(o, rec)
	fn(&next)
	next.InvoiceID = rec.inv.InvoiceID
	next.Type = rec.inv.Type
	next.Payments, next.AmountPaid, next.FullyPaidOnDate = rec.inv.Payments, rec.inv.AmountPaid, rec.inv.FullyPaidOnDate
	c := o.findContact(next.Contact.ContactID, "", "")
	if c == nil {
		return Invoice{}, fmt.Errorf("xeroemu: update invoice: contact %q not found", next.Contact.ContactID)
	}
	next.Contact = Contact{ContactID: c.ContactID}
	wantPaid := next.Status == "PAID" && rec.inv.Status != "PAID"
	if wantPaid {
		next.Status = "AUTHORISED"
	}
	p := &pendingInvoice{rec: rec, inv: next, oldStatus: rec.inv.Status}
	if bad := o.finishInvoice(p, nil, now); len(bad) > 0 {
		return Invoice{}, fmt.Errorf("xeroemu: update invoice: %s", strings.Join(bad, "; "))
	}
	e.commitInvoice(o, p, now, goUser)
	if wantPaid && rec.inv.AmountDue > 0 {
		if err := seedPayment(o, rec, Payment{Amount: rec.inv.AmountDue, Date: now}, now); err != nil {
			return Invoice{}, err
		}
	}
	return e.fullInvoice(o, rec), nil
}

// Invoice returns an invoice (by InvoiceID or number) with its contact's
// current details.
func (e *Emulator) Invoice(tenantID, invoiceID string) (Invoice, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	o := e.orgs[tenantID]
	if o == nil {
		return Invoice{}, false
	}
	rec := o.findInvoice(invoiceID)
	if rec == nil {
		return Invoice{}, false
	}
	return e.fullInvoice(o, rec), true
}

// Contact returns a contact by ContactID.
func (e *Emulator) Contact(tenantID, contactID string) (Contact, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	o := e.orgs[tenantID]
	if o == nil {
		return Contact{}, false
	}
	c := o.contacts[strings.ToLower(contactID)]
	if c == nil {
		return Contact{}, false
	}
	return c.clone(), true
}

// History returns an invoice's history records, oldest first.
func (e *Emulator) History(tenantID, invoiceID string) []HistoryRecord {
	e.mu.RLock()
	defer e.mu.RUnlock()
	o := e.orgs[tenantID]
	if o == nil {
		return nil
	}
	rec := o.findInvoice(invoiceID)
	if rec == nil {
		return nil
	}
	return append([]HistoryRecord(nil), rec.history...)
}

package xeroemu

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// putPayments applies payments to invoices, for PUT /Payments
// (createPayments) and POST /Payments (createPayment, which Xero documents
// with the same enveloped body and a single-Payment schema; both are read). Only AUTHORISED invoices take
// payments; an overpayment is refused; a payment that clears AmountDue
// makes the invoice PAID with FullyPaidOnDate. All or nothing per request.
func (e *Emulator) putPayments(w http.ResponseWriter, r *http.Request, c *callInfo) {
	e.writeCall(w, r, c, func(body []byte) result {
		raws, err := elements(body, "Payments")
		if err != nil {
			return postDataInvalid("The request body could not be read as JSON: " + err.Error())
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		o := c.org
		now := e.now()
		type pending struct {
			rec *invRec
			p   Payment
		}
		var ps []pending
		var failed []map[string]any
		due := map[*invRec]float64{}
		for _, raw := range raws {
			in, err := decodeObj(raw)
			if err != nil {
				return postDataInvalid("Each payment must be a JSON object.")
			}
			var bad errs
			var rec *invRec
			if ref, ok, _ := in.sub("Invoice"); ok {
				id, _, _ := ref.str("InvoiceID")
				num, _, _ := ref.str("InvoiceNumber")
				rec = o.findInvoice(firstNonEmpty(id, num))
			}
			var acct *account
			if ref, ok, _ := in.sub("Account"); ok {
				code, _, _ := ref.str("Code")
				id, _, _ := ref.str("AccountID")
				acct = o.bankAccount(code, id)
			}
			amount, hasAmount, err := in.num("Amount")
			bad.check(err)
			date, _, err := in.date("Date")
			bad.check(err)
			reference, _, _ := in.str("Reference")
			switch {
			case rec == nil:
				bad.add("The Invoice could not be found; send Invoice.InvoiceID or Invoice.InvoiceNumber.")
			case rec.inv.Status != "AUTHORISED":
				bad.add("Payment can only be made against AUTHORISED invoices (this one is %s).", rec.inv.Status)
			}
			if acct == nil {
				bad.add("The Account could not be found; send Account.Code or Account.AccountID of a bank account.")
			} else if acct.Type != "BANK" {
				bad.add("Account %s is not a bank account and cannot take payments.", acct.Code)
			}
			if !hasAmount || amount <= 0 {
				bad.add("The payment Amount must be greater than zero.")
			}
			if rec != nil && len(bad) == 0 {
				left, seen := due[rec]
				if !seen {
					left = rec.inv.AmountDue
				}
				if round2(amount) > round2(left) {
					bad.add("Payment amount exceeds the amount outstanding on this document.")
				}
				due[rec] = round2(left - amount)
			}
			if len(bad) > 0 {
				failed = append(failed, echoElement(raw, bad))
				continue
			}
			if date.IsZero() {
				date = now
			}
			ps = append(ps, pending{rec: rec, p: Payment{PaymentID: newID(), Date: dateOnly(date), Amount: round2(amount),
				Reference: reference, AccountID: acct.AccountID, AccountCode: acct.Code, CurrencyRate: 1, Status: "AUTHORISED"}})
		}
		if len(failed) > 0 {
			return validationFailure(failed)
		}
		out := make([]wirePayment, 0, len(ps))
		for _, p := range ps {
			applyPayment(o, p.rec, p.p, now, providerName)
			e.hooks.enqueue(o.id, "INVOICE", "UPDATE", p.rec.inv.InvoiceID, now)
			pay := p.rec.inv.Payments[len(p.rec.inv.Payments)-1]
			out = append(out, renderPayment(&pay, &p.rec.inv, o.contacts[strings.ToLower(p.rec.inv.Contact.ContactID)]))
		}
		return e.okEnvelope("Payments", out, nil)
	})
}

// applyPayment records a validated payment. Called with e.mu held.
func applyPayment(o *org, rec *invRec, p Payment, now time.Time, user string) {
	now = now.UTC().Truncate(time.Millisecond)
	p.UpdatedDateUTC = now
	inv := &rec.inv
	inv.Payments = append(inv.Payments, p)
	inv.AmountPaid = round2(inv.AmountPaid + p.Amount)
	inv.AmountDue = round2(inv.Total - inv.AmountPaid - inv.AmountCredited)
	inv.UpdatedDateUTC = now
	rec.history = append(rec.history, HistoryRecord{Changes: "Payment", User: user, DateUTC: now,
		Details: fmt.Sprintf("Payment received from %s on %s for %.2f.", contactName(o, inv), p.Date.Format("2 January 2006"), p.Amount)})
	if inv.AmountDue <= 0 {
		inv.AmountDue = 0
		inv.Status = "PAID"
		inv.FullyPaidOnDate = p.Date
	}
	o.changed()
}

// listAccounts answers GET /Accounts with the emulator's small, fixed chart
// of accounts, so clients can find a bank account code for payments.
func (e *Emulator) listAccounts(w http.ResponseWriter, r *http.Request, c *callInfo) {
	e.mu.RLock()
	out := make([]map[string]any, len(c.org.accounts))
	for i, a := range c.org.accounts {
		out[i] = map[string]any{"AccountID": a.AccountID, "Code": a.Code, "Name": a.Name, "Type": a.Type,
			"Status": "ACTIVE", "EnablePaymentsToAccount": a.Type == "BANK", "UpdatedDateUTC": msDate(c.org.created)}
	}
	e.mu.RUnlock()
	writeResult(w, e.okEnvelope("Accounts", out, nil))
}

// listPayments answers GET /Payments (getPayments): every payment of the
// organisation's invoices, in the order they were made, filtered by
// If-Modified-Since (UpdatedDateUTC) and `where` (equality on the fields
// below), and one page of them when `page` is given. `order` is refused
// unless empty, so a client never gets an order it did not ask for.
func (e *Emulator) listPayments(w http.ResponseWriter, r *http.Request, c *callInfo) {
	q := r.URL.Query()
	pg, where, since, ok := readListQuery(w, r, paymentField(nil, nil))
	if !ok {
		return
	}
	if s := strings.TrimSpace(q.Get("order")); s != "" {
		writeResult(w, queryParseError("The emulator does not order payments: "+s))
		return
	}
	type paid struct {
		p   *Payment
		rec *invRec
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	o := c.org
	var all []paid
	for _, rec := range o.invoiceList {
		for i := range rec.inv.Payments {
			p := &rec.inv.Payments[i]
			if (!since.IsZero() && p.UpdatedDateUTC.Before(since)) || !where.match(paymentField(p, &rec.inv)) {
				continue
			}
			all = append(all, paid{p, rec})
		}
	}
	// Invoices are stored in creation order, payments per invoice: sort
	// by when each was made so the list reads as Xero's does.
	slices.SortStableFunc(all, func(a, b paid) int { return a.p.UpdatedDateUTC.Compare(b.p.UpdatedDateUTC) })
	page, pgOut := paginate(all, pg)
	out := make([]wirePayment, len(page))
	for i, x := range page {
		out[i] = renderPayment(x.p, &x.rec.inv, o.contacts[strings.ToLower(x.rec.inv.Contact.ContactID)])
	}
	writeResult(w, e.okEnvelope("Payments", out, pgOut))
}

// paymentField resolves the `where` fields of a payment.
func paymentField(p *Payment, inv *Invoice) fieldFunc {
	return func(f string) (any, bool) {
		if p == nil {
			p, inv = &Payment{}, &Invoice{}
		}
		switch strings.ToLower(f) {
		case "paymentid":
			return p.PaymentID, true
		case "status":
			return p.Status, true
		case "paymenttype":
			return "ACCRECPAYMENT", true
		case "reference":
			return p.Reference, true
		case "amount":
			return p.Amount, true
		case "invoice.invoiceid":
			return inv.InvoiceID, true
		case "invoice.invoicenumber":
			return inv.InvoiceNumber, true
		case "account.code":
			return p.AccountCode, true
		case "account.accountid":
			return p.AccountID, true
		}
		return nil, false
	}
}

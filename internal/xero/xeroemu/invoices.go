package xeroemu

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const lockedMessage = "This document cannot be edited as it has a payment or credit note allocated to it."

// validationFailure renders Xero's ValidationException: each failing
// element is echoed as sent, with its ValidationErrors.
func validationFailure(elements []map[string]any) result {
	body, _ := json.Marshal(map[string]any{
		"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
		"Elements": elements,
	})
	return result{status: http.StatusBadRequest, body: body}
}

// summarizeOff reports summarizeErrors=false: a write then answers 200
// with each element's own outcome (StatusAttributeString OK or ERROR) and
// applies the elements that passed.
func summarizeOff(r *http.Request) bool {
	return strings.EqualFold(r.URL.Query().Get("summarizeErrors"), "false")
}

func echoElement(raw json.RawMessage, msgs errs) map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	if m == nil {
		m = map[string]any{}
	}
	ve := make([]map[string]string, len(msgs))
	for i, s := range msgs {
		ve[i] = map[string]string{"Message": s}
	}
	m["ValidationErrors"] = ve
	m["HasErrors"] = true
	m["StatusAttributeString"] = "ERROR"
	return m
}

func (e *Emulator) okEnvelope(key string, items any, pg *pagination) result {
	body, err := e.envelope(key, items, pg)
	if err != nil {
		return result{status: http.StatusInternalServerError, body: []byte(`{"Message":"encoding failed"}`)}
	}
	return result{status: http.StatusOK, body: body}
}

func postDataInvalid(msg string) result {
	body, _ := json.Marshal(map[string]any{"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": msg})
	return result{status: http.StatusBadRequest, body: body}
}

// result is a response computed under the lock and written after it.
type result struct {
	status int
	body   []byte
	text   bool // body is plain text, not JSON
}

func writeResult(w http.ResponseWriter, r result) {
	if r.text {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(r.status)
		_, _ = w.Write(r.body)
		return
	}
	writeRaw(w, r.status, r.body)
}

// pendingInvoice is one validated element of a write, applied only once
// every element of the request has passed.
type pendingInvoice struct {
	rec        *invRec // nil when new
	slot       int     // position in the request
	inv        Invoice
	newContact *Contact
	oldStatus  string
}

// parseInvoice overlays the fields present in in onto inv (a copy of the
// stored invoice, or a fresh one). It implements Xero's LineItems rule:
// when LineItems is sent it is the complete new list; a line sent with a
// known LineItemID starts from the stored line and takes only the fields
// sent (so {"LineItemID":…} alone keeps the line unchanged), lines sent
// without an id are new, and stored lines not sent are deleted.
func (o *org) parseInvoice(in obj, inv *Invoice, isNew bool, now time.Time) (newContact *Contact, bad errs) {
	if typ, ok, err := in.str("Type"); ok || err != nil {
		bad.check(err)
		typ = strings.ToUpper(typ)
		if isNew {
			inv.Type = typ
		} else if typ != inv.Type {
			bad.add("The Type of an existing invoice cannot be changed.")
		}
	}
	if isNew {
		switch inv.Type {
		case "ACCREC", "ACCPAY":
		case "":
			bad.add("Invoice Type must be specified (ACCREC or ACCPAY).")
		default:
			bad.add("Invoice Type '%s' is not supported by the emulator (ACCREC or ACCPAY).", inv.Type)
		}
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"InvoiceNumber", &inv.InvoiceNumber}, {"Reference", &inv.Reference}, {"Url", &inv.Url},
		{"CurrencyCode", &inv.CurrencyCode}, {"LineAmountTypes", &inv.LineAmountTypes}} {
		if v, ok, err := in.str(f.key); ok || err != nil {
			bad.check(err)
			*f.dst = strings.TrimSpace(v)
		}
	}
	if v, ok, err := in.str("Status"); ok || err != nil {
		bad.check(err)
		inv.Status = strings.ToUpper(v)
	}
	if v, ok, err := in.date("Date"); ok || err != nil {
		bad.check(err)
		inv.Date = dateOnly(v)
		if v.IsZero() {
			inv.Date = dateOnly(now)
		}
	}
	if v, ok, err := in.date("DueDate"); ok || err != nil {
		bad.check(err)
		inv.DueDate = time.Time{}
		if !v.IsZero() {
			inv.DueDate = dateOnly(v)
		}
	}
	if v, ok, err := in.boolean("SentToContact"); ok || err != nil {
		bad.check(err)
		inv.SentToContact = v
	}
	if ref, ok, err := in.sub("Contact"); ok || err != nil {
		bad.check(err)
		if ref != nil {
			id, _, _ := ref.str("ContactID")
			num, _, _ := ref.str("ContactNumber")
			name, _, _ := ref.str("Name")
			c := o.findContact(id, num, name)
			switch {
			case c != nil:
				inv.Contact = Contact{ContactID: c.ContactID}
			case id != "":
				bad.add("Contact with ContactID '%s' could not be found.", id)
			case strings.TrimSpace(name) != "":
				// Xero creates a contact for an unknown name.
				newContact = &Contact{ContactID: newID(), ContactNumber: num, Name: strings.TrimSpace(name),
					ContactStatus: "ACTIVE", UpdatedDateUTC: now}
				inv.Contact = Contact{ContactID: newContact.ContactID}
			default:
				bad.add("The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber")
			}
		}
	}
	if isNew && inv.Contact.ContactID == "" && newContact == nil && !slices.ContainsFunc(bad, func(s string) bool {
		return strings.HasPrefix(s, "The Contact") || strings.HasPrefix(s, "Contact with")
	}) {
		bad.add("The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber")
	}
	if lines, ok, err := in.list("LineItems"); ok || err != nil {
		bad.check(err)
		old := inv.LineItems
		inv.LineItems = make([]LineItem, 0, len(lines))
		for _, l := range lines {
			var li LineItem
			if id, ok, _ := l.str("LineItemID"); ok && id != "" {
				i := slices.IndexFunc(old, func(x LineItem) bool { return strings.EqualFold(x.LineItemID, id) })
				if i < 0 {
					bad.add("LineItemID '%s' does not exist on this invoice.", id)
					continue
				}
				li = old[i]
				li.Tracking = slices.Clone(li.Tracking)
			} else if l.has("UnitAmount") && !l.has("Quantity") {
				li.Quantity = 1
			}
			for _, f := range []struct {
				key string
				dst *string
			}{{"Description", &li.Description}, {"ItemCode", &li.ItemCode}, {"AccountCode", &li.AccountCode}, {"TaxType", &li.TaxType}} {
				if v, ok, err := l.str(f.key); ok || err != nil {
					bad.check(err)
					*f.dst = v
				}
			}
			if item, ok, _ := l.sub("Item"); ok && li.ItemCode == "" {
				li.ItemCode, _, _ = item.str("Code")
			}
			for _, f := range []struct {
				key string
				dst *float64
			}{{"Quantity", &li.Quantity}, {"UnitAmount", &li.UnitAmount}, {"DiscountRate", &li.DiscountRate},
				{"DiscountAmount", &li.DiscountAmount}, {"LineAmount", &li.LineAmount}} {
				if v, ok, err := l.num(f.key); ok || err != nil {
					bad.check(err)
					*f.dst = v
				}
			}
			if tr, ok, err := l.list("Tracking"); ok || err != nil {
				bad.check(err)
				li.Tracking = nil
				for _, t := range tr {
					var lt LineItemTracking
					lt.TrackingCategoryID, _, _ = t.str("TrackingCategoryID")
					lt.TrackingOptionID, _, _ = t.str("TrackingOptionID")
					lt.Name, _, _ = t.str("Name")
					lt.Option, _, _ = t.str("Option")
					li.Tracking = append(li.Tracking, lt)
				}
			}
			inv.LineItems = append(inv.LineItems, li)
		}
	}
	return newContact, bad
}

// finishInvoice checks what holds for every stored invoice and computes the
// totals. pending holds numbers claimed earlier in the same request.
func (o *org) finishInvoice(p *pendingInvoice, pending map[string]bool, now time.Time) (bad errs) {
	inv := &p.inv
	if inv.Status == "" {
		inv.Status = "DRAFT"
	}
	if inv.Date.IsZero() {
		inv.Date = dateOnly(now)
	}
	if inv.CurrencyCode == "" {
		inv.CurrencyCode = "USD"
	}
	if inv.CurrencyRate == 0 {
		inv.CurrencyRate = 1
	}
	if inv.Type == "ACCREC" && inv.InvoiceNumber != "" {
		if r := o.byNumber[inv.InvoiceNumber]; (r != nil && r != p.rec) || pending[inv.InvoiceNumber] {
			bad.add("Invoice # must be unique.")
		}
	}
	bad = append(bad, o.resolveTracking(inv.LineItems)...)
	bad = append(bad, computeTotals(inv)...)
	if inv.Status == "AUTHORISED" && len(inv.LineItems) == 0 {
		bad.add("An invoice must have at least one line item to be approved.")
	}
	if inv.SentToContact && inv.Status != "AUTHORISED" && inv.Status != "PAID" {
		bad.add("Only approved invoices can be marked as sent to the contact.")
	}
	return bad
}

// writeInvoices handles PUT /Invoices (create only), POST /Invoices
// (create or update, matching InvoiceID or InvoiceNumber) and POST
// /Invoices/{id}. A request is all or nothing: if any element fails, none
// is applied and the 400 lists the failing ones.
func (e *Emulator) writeInvoices(upsert bool) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, c *callInfo) {
		pathID := r.PathValue("id")
		e.writeCall(w, r, c, func(body []byte) result {
			raws, err := elements(body, "Invoices")
			if err != nil {
				return postDataInvalid("The request body could not be read as JSON: " + err.Error())
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			o := c.org
			now := e.now()
			var failed []map[string]any
			var ps []*pendingInvoice
			slots := make([]any, len(raws))
			fail := func(i int, raw json.RawMessage, bad errs) {
				el := echoElement(raw, bad)
				failed = append(failed, el)
				slots[i] = el
			}
			claimed := map[string]bool{}
			for i, raw := range raws {
				in, err := decodeObj(raw)
				if err != nil {
					return postDataInvalid("Each invoice must be a JSON object.")
				}
				p := &pendingInvoice{slot: i}
				var bad errs
				id, _, _ := in.str("InvoiceID")
				number, _, _ := in.str("InvoiceNumber")
				switch {
				case pathID != "":
					p.rec = o.findInvoice(pathID)
					if p.rec == nil {
						return notFound()
					}
				case upsert && id != "":
					p.rec = o.findInvoice(id)
					if p.rec == nil {
						bad.add("Invoice with InvoiceID '%s' could not be found.", id)
					}
				case upsert && number != "":
					p.rec = o.byNumber[number]
				case !upsert && id != "":
					bad.add("An InvoiceID cannot be given when creating an invoice; use POST to update.")
				}
				if len(bad) > 0 {
					fail(i, raw, bad)
					continue
				}
				if p.rec != nil {
					p.oldStatus = p.rec.inv.Status
					switch {
					case p.rec.inv.Status == "VOIDED" || p.rec.inv.Status == "DELETED":
						bad.add("This document cannot be edited as it is %s.", strings.ToLower(p.rec.inv.Status))
					case p.rec.inv.AmountPaid > 0 || p.rec.inv.AmountCredited > 0 || p.rec.inv.Status == "PAID":
						bad.add(lockedMessage)
					}
					if len(bad) > 0 {
						fail(i, raw, bad)
						continue
					}
					p.inv = p.rec.inv.clone()
				} else {
					p.inv = Invoice{InvoiceID: newID()}
				}
				nc, bad := o.parseInvoice(in, &p.inv, p.rec == nil, now)
				p.newContact = nc
				if p.rec == nil {
					switch p.inv.Status {
					case "", "DRAFT", "SUBMITTED", "AUTHORISED":
					default:
						bad.add("An invoice cannot be created with status %s.", p.inv.Status)
					}
				} else if msg := statusChange(p.oldStatus, p.inv.Status); msg != "" {
					bad.add("%s", msg)
				}
				bad = append(bad, o.finishInvoice(p, claimed, now)...)
				if len(bad) > 0 {
					fail(i, raw, bad)
					continue
				}
				if p.inv.Type == "ACCREC" && p.inv.InvoiceNumber != "" {
					claimed[p.inv.InvoiceNumber] = true
				}
				ps = append(ps, p)
			}
			perElement := summarizeOff(r)
			if len(failed) > 0 && !perElement {
				return validationFailure(failed)
			}
			for _, p := range ps {
				rec := e.commitInvoice(o, p, now, providerName)
				w := renderInvoice(&rec.inv, o.contacts[strings.ToLower(rec.inv.Contact.ContactID)], true, true)
				if perElement {
					w.StatusAttributeString = "OK"
				}
				slots[p.slot] = w
			}
			return e.okEnvelope("Invoices", slots, nil)
		})
	}
}

// commitInvoice stores a validated invoice, writes its history and fires
// its webhook. Called with e.mu held.
func (e *Emulator) commitInvoice(o *org, p *pendingInvoice, now time.Time, user string) *invRec {
	if p.newContact != nil {
		o.addContact(p.newContact)
		e.hooks.enqueue(o.id, "CONTACT", "CREATE", p.newContact.ContactID, now)
	}
	inv := &p.inv
	if inv.Type == "ACCREC" && inv.InvoiceNumber == "" {
		inv.InvoiceNumber = o.nextInvoiceNumber()
	}
	if c := o.contacts[strings.ToLower(inv.Contact.ContactID)]; c != nil {
		if inv.Type == "ACCREC" {
			c.IsCustomer = true
		} else {
			c.IsSupplier = true
		}
	}
	if inv.UpdatedDateUTC.IsZero() || p.rec != nil {
		inv.UpdatedDateUTC = now.UTC().Truncate(time.Millisecond)
	}
	rec := p.rec
	if rec == nil {
		rec = &invRec{inv: *inv}
		o.addInvoice(rec)
		rec.history = append(rec.history, HistoryRecord{Changes: "Created", User: user, DateUTC: now,
			Details: fmt.Sprintf("%s to %s for %.2f.", firstNonEmpty(inv.InvoiceNumber, "Invoice"), contactName(o, inv), inv.Total)})
		if inv.Status == "AUTHORISED" {
			rec.history = append(rec.history, HistoryRecord{Changes: "Approved", User: user, DateUTC: now,
				Details: fmt.Sprintf("%s approved for %.2f.", inv.InvoiceNumber, inv.Total)})
		}
		e.hooks.enqueue(o.id, "INVOICE", "CREATE", inv.InvoiceID, now)
		return rec
	}
	if inv.InvoiceNumber != rec.inv.InvoiceNumber {
		o.renumber(rec, inv.InvoiceNumber)
	}
	rec.inv = *inv
	o.changed()
	change, details := "Edited", fmt.Sprintf("%s edited.", firstNonEmpty(inv.InvoiceNumber, "Invoice"))
	if p.oldStatus != inv.Status {
		switch inv.Status {
		case "AUTHORISED":
			change, details = "Approved", fmt.Sprintf("%s approved for %.2f.", inv.InvoiceNumber, inv.Total)
		case "SUBMITTED":
			change, details = "Submitted", fmt.Sprintf("%s submitted for approval.", inv.InvoiceNumber)
		case "VOIDED":
			change, details = "Voided", fmt.Sprintf("%s voided.", inv.InvoiceNumber)
		case "DELETED":
			change, details = "Deleted", fmt.Sprintf("%s deleted.", inv.InvoiceNumber)
		}
	}
	rec.history = append(rec.history, HistoryRecord{Changes: change, User: user, DateUTC: now, Details: details})
	e.hooks.enqueue(o.id, "INVOICE", "UPDATE", inv.InvoiceID, now)
	return rec
}

func contactName(o *org, inv *Invoice) string {
	if c := o.contacts[strings.ToLower(inv.Contact.ContactID)]; c != nil {
		return c.Name
	}
	return ""
}

// notFound is Xero's answer to an unknown id: bare text, not JSON
// (XeroAPI/Xero-OpenAPI#163, Xero-NetStandard#490), so clients that decode
// every error body as JSON break on it, as they would against Xero.
func notFound() result {
	return result{status: http.StatusNotFound, body: []byte("The resource you're looking for cannot be found"), text: true}
}

func queryParseError(msg string) result {
	body, _ := json.Marshal(map[string]any{"ErrorNumber": 16, "Type": "QueryParseException", "Message": msg})
	return result{status: http.StatusBadRequest, body: body}
}

func (e *Emulator) getInvoice(w http.ResponseWriter, r *http.Request, c *callInfo) {
	e.mu.RLock()
	rec := c.org.findInvoice(r.PathValue("id"))
	if rec == nil {
		e.mu.RUnlock()
		writeResult(w, notFound())
		return
	}
	out := []wireInvoice{renderInvoice(&rec.inv, c.org.contacts[strings.ToLower(rec.inv.Contact.ContactID)], true, true)}
	e.mu.RUnlock()
	writeResult(w, e.okEnvelope("Invoices", out, nil))
}

// invoiceField resolves the fields `where` may use on an invoice.
func invoiceField(r *invRec, o *org) fieldFunc {
	return func(f string) (any, bool) {
		if r == nil {
			r = &invRec{}
		}
		inv := &r.inv
		switch strings.ToLower(f) {
		case "type":
			return inv.Type, true
		case "status":
			return inv.Status, true
		case "invoiceid":
			return inv.InvoiceID, true
		case "invoicenumber":
			return inv.InvoiceNumber, true
		case "reference":
			return inv.Reference, true
		case "currencycode":
			return inv.CurrencyCode, true
		case "contact.contactid":
			return inv.Contact.ContactID, true
		case "contact.name":
			if o == nil {
				return "", true
			}
			return contactName(o, inv), true
		case "contact.contactnumber":
			if o == nil {
				return "", true
			}
			if c := o.contacts[strings.ToLower(inv.Contact.ContactID)]; c != nil {
				return c.ContactNumber, true
			}
			return "", true
		case "amountdue":
			return inv.AmountDue, true
		case "amountpaid":
			return inv.AmountPaid, true
		case "total":
			return inv.Total, true
		case "senttocontact":
			return inv.SentToContact, true
		}
		return nil, false
	}
}

type listParams struct {
	paged    bool
	page     int
	pageSize int
}

// readPaging reads page and pageSize (default 100, at most 1000; larger
// sizes are clamped as Xero does).
// readListQuery reads what every list endpoint reads alike: the paging,
// a `where` over fields, and If-Modified-Since. A bad one is answered as
// Xero does, and ok is false.
func readListQuery(w http.ResponseWriter, r *http.Request, fields fieldFunc) (pg listParams, where whereExpr, since time.Time, ok bool) {
	pg, err := readPaging(r)
	if err != nil {
		writeResult(w, queryParseError(err.Error()))
		return pg, where, since, false
	}
	if s := r.URL.Query().Get("where"); s != "" {
		if where, err = parseWhere(s, fields); err != nil {
			writeResult(w, queryParseError("Invalid where clause: "+err.Error()))
			return pg, where, since, false
		}
	}
	if s := r.Header.Get("If-Modified-Since"); s != "" {
		if since, err = parseModifiedSince(s); err != nil {
			writeResult(w, queryParseError(err.Error()))
			return pg, where, since, false
		}
	}
	return pg, where, since, true
}

func readPaging(r *http.Request) (listParams, error) {
	q := r.URL.Query()
	p := listParams{pageSize: 100}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, fmt.Errorf("page must be a whole number")
		}
		p.paged, p.page = true, max(n, 1)
	}
	if s := q.Get("pageSize"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, fmt.Errorf("pageSize must be a whole number")
		}
		p.pageSize = min(max(n, 1), 1000)
	}
	return p, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// orderSpec is a parsed `order` parameter: fields with directions.
type orderSpec []struct {
	field string
	desc  bool
}

func parseOrder(s string, valid func(string) bool) (orderSpec, error) {
	var out orderSpec
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		if len(f) > 2 || !valid(strings.ToLower(f[0])) {
			return nil, fmt.Errorf("cannot order by %q", strings.TrimSpace(part))
		}
		desc := false
		if len(f) == 2 {
			switch strings.ToUpper(f[1]) {
			case "ASC":
			case "DESC":
				desc = true
			default:
				return nil, fmt.Errorf("order direction must be ASC or DESC, not %q", f[1])
			}
		}
		out = append(out, struct {
			field string
			desc  bool
		}{strings.ToLower(f[0]), desc})
	}
	return out, nil
}

func invoiceOrderValid(f string) bool {
	switch f {
	case "updateddateutc", "date", "duedate", "invoicenumber", "invoiceid", "total", "reference":
		return true
	}
	return false
}

func compareInvoices(a, b *Invoice, f string) int {
	switch f {
	case "updateddateutc":
		return a.UpdatedDateUTC.Compare(b.UpdatedDateUTC)
	case "date":
		return a.Date.Compare(b.Date)
	case "duedate":
		return a.DueDate.Compare(b.DueDate)
	case "invoicenumber":
		return cmp.Compare(a.InvoiceNumber, b.InvoiceNumber)
	case "invoiceid":
		return cmp.Compare(strings.ToLower(a.InvoiceID), strings.ToLower(b.InvoiceID))
	case "total":
		return cmp.Compare(a.Total, b.Total)
	case "reference":
		return cmp.Compare(a.Reference, b.Reference)
	}
	return 0
}

// listInvoices answers GET /Invoices. Without page it returns every match
// without line items; with page it returns one page with line items and a
// pagination object. The contact is always the summary without addresses.
// If-Modified-Since keeps invoices whose UpdatedDateUTC is at or after it.
// The default order is creation order; ties in `order` keep it too.
func (e *Emulator) listInvoices(w http.ResponseWriter, r *http.Request, c *callInfo) {
	q := r.URL.Query()
	pg, where, since, ok := readListQuery(w, r, invoiceField(nil, nil))
	if !ok {
		return
	}
	order, err := parseOrder(q.Get("order"), invoiceOrderValid)
	if err != nil {
		writeResult(w, queryParseError(err.Error()))
		return
	}
	set := func(key string) map[string]bool {
		m := map[string]bool{}
		for _, v := range splitList(q.Get(key)) {
			m[strings.ToLower(v)] = true
		}
		return m
	}
	statuses, ids, numbers, contactIDs := set("Statuses"), set("IDs"), set("InvoiceNumbers"), set("ContactIDs")
	search := strings.ToLower(q.Get("searchTerm"))
	cacheKey := strings.Join([]string{q.Get("where"), q.Get("order"), q.Get("Statuses"), q.Get("IDs"),
		q.Get("InvoiceNumbers"), q.Get("ContactIDs"), search, since.String()}, "\x00")

	e.mu.RLock()
	o := c.org
	var matches []*invRec
	if cached, ok := o.invCache.get(cacheKey, o.version); ok {
		matches = cached.([]*invRec)
	} else {
		for _, rec := range o.invoiceList {
			inv := &rec.inv
			if (len(statuses) > 0 && !statuses[strings.ToLower(inv.Status)]) ||
				(len(ids) > 0 && !ids[strings.ToLower(inv.InvoiceID)]) ||
				(len(numbers) > 0 && !numbers[strings.ToLower(inv.InvoiceNumber)]) ||
				(len(contactIDs) > 0 && !contactIDs[strings.ToLower(inv.Contact.ContactID)]) ||
				(!since.IsZero() && inv.UpdatedDateUTC.Before(since)) ||
				(search != "" && !strings.Contains(strings.ToLower(inv.InvoiceNumber), search) && !strings.Contains(strings.ToLower(inv.Reference), search)) ||
				!where.match(invoiceField(rec, o)) {
				continue
			}
			matches = append(matches, rec)
		}
		sortByOrder(matches, order, func(a, b *invRec, f string) int { return compareInvoices(&a.inv, &b.inv, f) })
		o.invCache.put(cacheKey, o.version, matches)
	}
	page, pgOut := paginate(matches, pg)
	// summaryOnly drops the "computation-heavy" fields, line items first
	// among them, even from a paged list (xero-api.md §3.2).
	summary, _ := strconv.ParseBool(q.Get("summaryOnly"))
	out := make([]wireInvoice, len(page))
	for i, rec := range page {
		out[i] = renderInvoice(&rec.inv, o.contacts[strings.ToLower(rec.inv.Contact.ContactID)], pg.paged && !summary, false)
	}
	e.mu.RUnlock()
	writeResult(w, e.okEnvelope("Invoices", out, pgOut))
}

// sortByOrder orders items stably by the `order` parameter's fields, each
// compared by cmp; an empty spec keeps the stored order.
func sortByOrder[T any](items []T, order orderSpec, cmp func(a, b T, field string) int) {
	if len(order) == 0 {
		return
	}
	slices.SortStableFunc(items, func(a, b T) int {
		for _, f := range order {
			if n := cmp(a, b, f.field); n != 0 {
				if f.desc {
					return -n
				}
				return n
			}
		}
		return 0
	})
}

// paginate cuts one page out of all the matches when the request asked for
// a page, with Xero's pagination block; unpaged lists return everything.
func paginate[T any](all []T, p listParams) ([]T, *pagination) {
	if !p.paged {
		return all, nil
	}
	pg := &pagination{Page: p.page, PageSize: p.pageSize, ItemCount: len(all),
		PageCount: (len(all) + p.pageSize - 1) / p.pageSize}
	start := (p.page - 1) * p.pageSize
	if start >= len(all) {
		return nil, pg
	}
	return all[start:min(start+p.pageSize, len(all))], pg
}

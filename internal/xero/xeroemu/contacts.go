package xeroemu

import (
	"cmp"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

func contactField(c *Contact) fieldFunc {
	return func(f string) (any, bool) {
		if c == nil {
			c = &Contact{}
		}
		switch strings.ToLower(f) {
		case "contactid":
			return c.ContactID, true
		case "contactstatus":
			return c.ContactStatus, true
		case "name":
			return c.Name, true
		case "firstname":
			return c.FirstName, true
		case "lastname":
			return c.LastName, true
		case "emailaddress":
			return c.EmailAddress, true
		case "contactnumber":
			return c.ContactNumber, true
		case "accountnumber":
			return c.AccountNumber, true
		case "iscustomer":
			return c.IsCustomer, true
		case "issupplier":
			return c.IsSupplier, true
		}
		return nil, false
	}
}

func contactOrderValid(f string) bool {
	switch f {
	case "name", "updateddateutc", "contactnumber", "contactid", "emailaddress":
		return true
	}
	return false
}

func compareContacts(a, b *Contact, f string) int {
	switch f {
	case "name":
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	case "updateddateutc":
		return a.UpdatedDateUTC.Compare(b.UpdatedDateUTC)
	case "contactnumber":
		return cmp.Compare(a.ContactNumber, b.ContactNumber)
	case "contactid":
		return cmp.Compare(strings.ToLower(a.ContactID), strings.ToLower(b.ContactID))
	case "emailaddress":
		return cmp.Compare(strings.ToLower(a.EmailAddress), strings.ToLower(b.EmailAddress))
	}
	return 0
}

// listContacts answers GET /Contacts: IDs, If-Modified-Since, where,
// order, searchTerm, includeArchived (ARCHIVED contacts are left out
// otherwise) and paging. Default order is creation order.
func (e *Emulator) listContacts(w http.ResponseWriter, r *http.Request, c *callInfo) {
	q := r.URL.Query()
	pg, where, since, ok := readListQuery(w, r, contactField(nil))
	if !ok {
		return
	}
	order, err := parseOrder(q.Get("order"), contactOrderValid)
	if err != nil {
		writeResult(w, queryParseError(err.Error()))
		return
	}
	ids := map[string]bool{}
	for _, v := range splitList(q.Get("IDs")) {
		ids[strings.ToLower(v)] = true
	}
	includeArchived := strings.EqualFold(q.Get("includeArchived"), "true")
	search := strings.ToLower(q.Get("searchTerm"))
	cacheKey := strings.Join([]string{q.Get("where"), q.Get("order"), q.Get("IDs"), search,
		fmt.Sprint(includeArchived), since.String()}, "\x00")

	e.mu.RLock()
	o := c.org
	var matches []*Contact
	if cached, ok := o.contactCache.get(cacheKey, o.version); ok {
		matches = cached.([]*Contact)
	} else {
		for _, ct := range o.contactList {
			if (len(ids) > 0 && !ids[strings.ToLower(ct.ContactID)]) ||
				(!includeArchived && ct.ContactStatus == "ARCHIVED") ||
				(!since.IsZero() && ct.UpdatedDateUTC.Before(since)) ||
				(search != "" && !containsAny(search, ct.Name, ct.FirstName, ct.LastName, ct.ContactNumber, ct.EmailAddress)) ||
				!where.match(contactField(ct)) {
				continue
			}
			matches = append(matches, ct)
		}
		sortByOrder(matches, order, compareContacts)
		o.contactCache.put(cacheKey, o.version, matches)
	}
	page, pgOut := paginate(matches, pg)
	out := make([]wireContact, len(page))
	for i, ct := range page {
		out[i] = renderContact(ct, pg.paged)
	}
	e.mu.RUnlock()
	writeResult(w, e.okEnvelope("Contacts", out, pgOut))
}

func containsAny(needle string, hay ...string) bool {
	for _, h := range hay {
		if strings.Contains(strings.ToLower(h), needle) {
			return true
		}
	}
	return false
}

// getContact answers GET /Contacts/{ContactID or ContactNumber}.
func (e *Emulator) getContact(w http.ResponseWriter, r *http.Request, c *callInfo) {
	key := r.PathValue("id")
	e.mu.RLock()
	ct := c.org.contacts[strings.ToLower(key)]
	if ct == nil {
		ct = c.org.findContact("", key, "")
	}
	if ct == nil {
		e.mu.RUnlock()
		writeResult(w, notFound())
		return
	}
	out := []wireContact{renderContact(ct, true)}
	e.mu.RUnlock()
	writeResult(w, e.okEnvelope("Contacts", out, nil))
}

// parseContact overlays the fields present in in. Addresses merge by
// AddressType and Phones by PhoneType (Xero keeps one of each);
// ContactPersons, when sent, replace the list.
func parseContact(in obj, c *Contact) (bad errs) {
	for _, f := range []struct {
		key string
		dst *string
		max int
	}{{"Name", &c.Name, 255}, {"ContactNumber", &c.ContactNumber, 50}, {"AccountNumber", &c.AccountNumber, 50},
		{"FirstName", &c.FirstName, 255}, {"LastName", &c.LastName, 255}, {"EmailAddress", &c.EmailAddress, 255},
		{"CompanyNumber", &c.CompanyNumber, 50}, {"TaxNumber", &c.TaxNumber, 50}, {"DefaultCurrency", &c.DefaultCurrency, 3},
		{"ContactStatus", &c.ContactStatus, 20}} {
		if v, ok, err := in.str(f.key); ok || err != nil {
			bad.check(err)
			v = strings.TrimSpace(v)
			if utf8.RuneCountInString(v) > f.max {
				bad.add("%s must be %d characters or less.", f.key, f.max)
			}
			*f.dst = v
		}
	}
	c.ContactStatus = strings.ToUpper(c.ContactStatus)
	switch c.ContactStatus {
	case "":
		c.ContactStatus = "ACTIVE"
	case "ACTIVE", "ARCHIVED", "GDPRREQUEST":
	default:
		bad.add("ContactStatus must be ACTIVE, ARCHIVED or GDPRREQUEST.")
	}
	if c.EmailAddress != "" {
		if a, err := mail.ParseAddress(c.EmailAddress); err != nil || a.Address != c.EmailAddress {
			bad.add("Email address must be valid.")
		}
	}
	if list, ok, err := in.list("Addresses"); ok || err != nil {
		bad.check(err)
		for _, a := range list {
			var na Address
			na.AddressType, _, _ = a.str("AddressType")
			na.AddressType = strings.ToUpper(na.AddressType)
			if na.AddressType != "POBOX" && na.AddressType != "STREET" {
				bad.add("AddressType must be POBOX or STREET.")
				continue
			}
			na.AddressLine1, _, _ = a.str("AddressLine1")
			na.AddressLine2, _, _ = a.str("AddressLine2")
			na.AddressLine3, _, _ = a.str("AddressLine3")
			na.AddressLine4, _, _ = a.str("AddressLine4")
			na.City, _, _ = a.str("City")
			na.Region, _, _ = a.str("Region")
			na.PostalCode, _, _ = a.str("PostalCode")
			na.Country, _, _ = a.str("Country")
			na.AttentionTo, _, _ = a.str("AttentionTo")
			c.Addresses = slices.DeleteFunc(c.Addresses, func(x Address) bool { return x.AddressType == na.AddressType })
			c.Addresses = append(c.Addresses, na)
		}
	}
	if list, ok, err := in.list("Phones"); ok || err != nil {
		bad.check(err)
		for _, p := range list {
			var np Phone
			np.PhoneType, _, _ = p.str("PhoneType")
			np.PhoneType = strings.ToUpper(np.PhoneType)
			switch np.PhoneType {
			case "DEFAULT", "DDI", "MOBILE", "FAX":
			default:
				bad.add("PhoneType must be DEFAULT, DDI, MOBILE or FAX.")
				continue
			}
			np.PhoneNumber, _, _ = p.str("PhoneNumber")
			np.PhoneAreaCode, _, _ = p.str("PhoneAreaCode")
			np.PhoneCountryCode, _, _ = p.str("PhoneCountryCode")
			c.Phones = slices.DeleteFunc(c.Phones, func(x Phone) bool { return x.PhoneType == np.PhoneType })
			c.Phones = append(c.Phones, np)
		}
	}
	if list, ok, err := in.list("ContactPersons"); ok || err != nil {
		bad.check(err)
		c.ContactPersons = nil
		for _, p := range list {
			var cp ContactPerson
			cp.FirstName, _, _ = p.str("FirstName")
			cp.LastName, _, _ = p.str("LastName")
			cp.EmailAddress, _, _ = p.str("EmailAddress")
			cp.IncludeInEmails, _, _ = p.boolean("IncludeInEmails")
			c.ContactPersons = append(c.ContactPersons, cp)
		}
		if len(c.ContactPersons) > 5 {
			bad.add("A contact can have at most 5 contact persons.")
		}
	}
	return bad
}

// checkContact validates what must hold for any stored contact.
func (o *org) checkContact(c *Contact, self *Contact, pending map[string]bool) (bad errs) {
	if strings.TrimSpace(c.Name) == "" {
		bad.add("The contact name must be specified.")
		return bad
	}
	if other := o.contactNames[strings.ToLower(c.Name)]; (other != nil && other != self) || pending[strings.ToLower(c.Name)] {
		bad.add("The contact name %s is already assigned to another contact. The contact name must be unique across all active contacts.", c.Name)
	}
	return bad
}

// writeContacts handles PUT /Contacts (create), POST /Contacts (create or
// update, matching ContactID, then ContactNumber, then Name) and POST
// /Contacts/{id}. All or nothing per request.
func (e *Emulator) writeContacts(upsert bool) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, c *callInfo) {
		pathID := r.PathValue("id")
		e.writeCall(w, r, c, func(body []byte) result {
			raws, err := elements(body, "Contacts")
			if err != nil {
				return postDataInvalid("The request body could not be read as JSON: " + err.Error())
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			o := c.org
			now := e.now().UTC().Truncate(time.Millisecond)
			type pending struct {
				existing *Contact
				next     Contact
				slot     int
			}
			var ps []pending
			var failed []map[string]any
			slots := make([]any, len(raws))
			names := map[string]bool{}
			for i, raw := range raws {
				in, err := decodeObj(raw)
				if err != nil {
					return postDataInvalid("Each contact must be a JSON object.")
				}
				var existing *Contact
				var bad errs
				id, _, _ := in.str("ContactID")
				num, _, _ := in.str("ContactNumber")
				name, _, _ := in.str("Name")
				switch {
				case pathID != "":
					if existing = o.contacts[strings.ToLower(pathID)]; existing == nil {
						existing = o.findContact("", pathID, "")
					}
					if existing == nil {
						return notFound()
					}
				case id != "":
					if existing = o.contacts[strings.ToLower(id)]; existing == nil {
						bad.add("Contact with ContactID '%s' could not be found.", id)
					} else if !upsert {
						bad.add("A ContactID cannot be given when creating a contact; use POST to update.")
					}
				case upsert:
					existing = o.findContact("", num, "")
					if existing == nil {
						existing = o.findContact("", "", name)
					}
				}
				var next Contact
				if existing != nil {
					next = existing.clone()
				} else {
					next = Contact{ContactID: newID()}
				}
				bad = append(bad, parseContact(in, &next)...)
				bad = append(bad, o.checkContact(&next, existing, names)...)
				if len(bad) > 0 {
					el := echoElement(raw, bad)
					failed = append(failed, el)
					slots[i] = el
					continue
				}
				names[strings.ToLower(next.Name)] = true
				ps = append(ps, pending{existing: existing, next: next, slot: i})
			}
			perElement := summarizeOff(r)
			if len(failed) > 0 && !perElement {
				return validationFailure(failed)
			}
			for _, p := range ps {
				p.next.UpdatedDateUTC = now
				var ct *Contact
				if p.existing == nil {
					ct = &p.next
					o.addContact(ct)
					e.hooks.enqueue(o.id, "CONTACT", "CREATE", ct.ContactID, now)
				} else {
					ct = p.existing
					newName := p.next.Name
					p.next.Name = ct.Name
					*ct = p.next
					o.renameContact(ct, newName)
					o.changed()
					e.hooks.enqueue(o.id, "CONTACT", "UPDATE", ct.ContactID, now)
				}
				w := renderContact(ct, true)
				if perElement {
					w.StatusAttributeString = "OK"
				}
				slots[p.slot] = w
			}
			return e.okEnvelope("Contacts", slots, nil)
		})
	}
}

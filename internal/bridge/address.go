package bridge

import (
	"fmt"
	"strings"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// usable reports whether an address says where something is: a street
// line, a city or a postcode. A Country or Region alone does not (Xero
// fills the country in on otherwise empty addresses).
func usable(a *xero.Address) bool {
	for _, s := range []string{a.AddressLine1, a.AddressLine2, a.AddressLine3, a.AddressLine4, a.City, a.PostalCode} {
		if oneLine(s) != "" {
			return true
		}
	}
	return false
}

// find returns the contact's first usable address of the type, or nil.
func find(c *xero.Contact, typ string) *xero.Address {
	for i := range c.Addresses {
		a := &c.Addresses[i]
		if strings.EqualFold(strings.TrimSpace(a.AddressType), typ) && usable(a) {
			return a
		}
	}
	return nil
}

// contactLabel names the contact in messages.
func contactLabel(c *xero.Contact) string {
	if n := oneLine(c.Name); n != "" {
		return fmt.Sprintf("contact %q", n)
	}
	if c.ContactID != "" {
		return "contact " + c.ContactID
	}
	return "the contact"
}

// addresses picks bill-to (POBOX) and ship-to (STREET), each standing in
// for the other when the contact has only one, and maps both.
func (m *mapper) addresses() (billTo, shipTo shipstation.Address, p *problem) {
	c := m.contact
	postal, street := find(c, xero.AddressPOBox), find(c, xero.AddressStreet)
	switch {
	case postal == nil && street == nil:
		return billTo, shipTo, &problem{CauseNoAddress, fmt.Sprintf(
			"%s has no address; add a street (delivery) address to the contact in Xero", contactLabel(c))}
	case street == nil:
		street = postal
		m.note(NoteShipToFromPostal, "%s has only a postal (POBOX) address; it was used for ship-to too", contactLabel(c))
	case postal == nil:
		postal = street
		m.note(NoteBillToFromStreet, "%s has only a street address; it was used for bill-to too", contactLabel(c))
	}
	if shipTo, p = m.address(street, "ship-to"); p != nil {
		return billTo, shipTo, p
	}
	if postal == street {
		return shipTo, shipTo, nil
	}
	billTo, p = m.address(postal, "bill-to")
	return billTo, shipTo, p
}

// address maps one Xero address. role ("ship-to", "bill-to") names it in
// messages.
func (m *mapper) address(a *xero.Address, role string) (shipstation.Address, *problem) {
	c := m.contact
	which := "street"
	if strings.EqualFold(strings.TrimSpace(a.AddressType), xero.AddressPOBox) {
		which = "postal"
	}
	country, p := m.country(a, which)
	if p != nil {
		return shipstation.Address{}, p
	}
	name := m.personName(a)
	if name == "" {
		return shipstation.Address{}, &problem{CauseContactName, fmt.Sprintf(
			"%s has no name to address the parcel to; give the contact a name or an attention line in Xero", contactLabel(c))}
	}
	company := oneLine(c.Name)
	if sameName(company, name) {
		// A person who is their own contact: printing the name twice on
		// the label helps nobody.
		company = ""
	}
	street := streetLines(a)
	if street[0] == "" && role == "ship-to" {
		m.note(NoteShipToNoStreet, "the ship-to address of %s has no street line, only a city or postcode; check it in Xero", contactLabel(c))
	}
	out := shipstation.Address{
		Name:       m.fit("the "+role+" name", name, maxPersonName, true),
		Company:    m.fit("the "+role+" company", company, maxCompany, true),
		Street1:    m.fit("the "+role+" street line 1", street[0], maxStreet, false),
		Street2:    m.fit("the "+role+" street line 2", street[1], maxStreet, false),
		Street3:    m.fit("the "+role+" street line 3", street[2], maxStreet, false),
		City:       m.fit("the "+role+" city", oneLine(a.City), maxCity, false),
		State:      m.fit("the "+role+" state", oneLine(a.Region), maxState, false),
		PostalCode: m.fit("the "+role+" postal code", oneLine(a.PostalCode), maxPostalCode, false),
		Country:    country,
		Phone:      m.fit("the "+role+" phone", phone(c), maxPhone, false),
	}
	return out, nil
}

// streetLines maps AddressLine1-4 to street1-3: blank lines are dropped so
// the first line with text is street1, and a fourth line is folded into
// street3 after a comma.
func streetLines(a *xero.Address) [3]string {
	var lines []string
	for _, s := range []string{a.AddressLine1, a.AddressLine2, a.AddressLine3, a.AddressLine4} {
		if l := oneLine(s); l != "" {
			lines = append(lines, l)
		}
	}
	var out [3]string
	for i, l := range lines {
		if i < 2 {
			out[i] = l
		} else if out[2] == "" {
			out[2] = l
		} else {
			out[2] += ", " + l
		}
	}
	return out
}

// country maps the address's free-text country to ISO-2, using the
// account's default country for a blank one.
func (m *mapper) country(a *xero.Address, which string) (string, *problem) {
	raw := oneLine(a.Country)
	if raw == "" {
		if m.s.DefaultCountry != "" {
			return m.s.DefaultCountry, nil
		}
		return "", &problem{CauseNoCountry, fmt.Sprintf(
			"the %s address of %s has no country; fill in its country in Xero (or set a default country)", which, contactLabel(m.contact))}
	}
	code, ok := CountryCode(raw)
	if !ok {
		return "", &problem{CauseUnknownCountry, fmt.Sprintf(
			"the country %q in the %s address of %s is not one we recognise; write the country's name or its 2-letter code in Xero (e.g. New Zealand or NZ)",
			raw, which, contactLabel(m.contact))}
	}
	return code, nil
}

// personName is who the parcel is addressed to: the address's AttentionTo,
// else the contact's primary person (FirstName LastName), else its first
// additional person with a name, else the contact's name.
func (m *mapper) personName(a *xero.Address) string {
	c := m.contact
	if n := oneLine(a.AttentionTo); n != "" {
		return n
	}
	if n := oneLine(c.FirstName + " " + c.LastName); n != "" {
		return n
	}
	for _, p := range c.ContactPersons {
		if n := oneLine(p.FirstName + " " + p.LastName); n != "" {
			return n
		}
	}
	return oneLine(c.Name)
}

// phone composes the contact's phone as "+{country} {area} {number}",
// leaving out the parts Xero has blank. MISSION asks for the DEFAULT phone;
// when it is blank, MOBILE and then DDI stand in (the order Xero's own
// reference suggests), because a courier can use any number at all.
func phone(c *xero.Contact) string {
	for _, typ := range []string{"DEFAULT", "MOBILE", "DDI"} {
		for _, ph := range c.Phones {
			if !strings.EqualFold(strings.TrimSpace(ph.PhoneType), typ) {
				continue
			}
			number := oneLine(ph.PhoneNumber)
			if number == "" {
				continue
			}
			var parts []string
			if cc := strings.TrimLeft(oneLine(ph.PhoneCountryCode), "+"); cc != "" {
				parts = append(parts, "+"+cc)
			}
			if area := oneLine(ph.PhoneAreaCode); area != "" {
				parts = append(parts, area)
			}
			return strings.Join(append(parts, number), " ")
		}
	}
	return ""
}

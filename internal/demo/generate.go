package demo

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// contactSpec is a contact to seed and what the mapping will make of it.
type contactSpec struct {
	role     string // showcase role; empty for generated contacts
	supplier bool
	c        xeroemu.Contact
	// cause is why the contact's invoices cannot become orders (no
	// address, a country not recognised), or CauseNone.
	cause bridge.Cause
	// domestic contacts (New Zealand, or no country) are charged GST.
	domestic bool
}

// invoiceSpec is an invoice to seed and its expected outcome.
type invoiceSpec struct {
	role, note string
	contact    *contactSpec
	inv        xeroemu.Invoice
	// cause is the first rule the invoice fails; CauseNone means it is
	// exported.
	cause bridge.Cause
}

// seedPlan is everything to seed, generated before any of it is seeded.
type seedPlan struct {
	contacts []*contactSpec
	invoices []*invoiceSpec
}

// gen holds the generator's state while a plan is built.
type gen struct {
	r        *rand.Rand
	now      time.Time
	today    time.Time
	days     int
	names    map[string]bool
	byRole   map[string]*contactSpec
	products map[string]product
}

// plan builds the whole data set for opts (already defaulted). It is linear
// in the counts apart from one sort of the invoices by date.
func plan(opts Options) *seedPlan {
	g := &gen{
		r:        rand.New(rand.NewPCG(opts.Seed, 0x6f72646572627267)), // "orderbrg"
		now:      opts.Now.Truncate(time.Millisecond),
		today:    time.Date(opts.Now.Year(), opts.Now.Month(), opts.Now.Day(), 0, 0, 0, 0, time.UTC),
		days:     opts.Days,
		names:    make(map[string]bool, opts.Contacts),
		byRole:   make(map[string]*contactSpec, len(curated)),
		products: make(map[string]product, len(catalogue)),
	}
	for _, p := range catalogue {
		g.products[p.code] = p
	}
	p := &seedPlan{contacts: make([]*contactSpec, 0, opts.Contacts), invoices: make([]*invoiceSpec, 0, opts.Invoices)}
	var customers, suppliers []*contactSpec
	add := func(cs *contactSpec) {
		cs.c.ContactID = g.uuid()
		cs.cause, cs.domestic = contactCause(&cs.c)
		g.names[strings.ToLower(cs.c.Name)] = true
		p.contacts = append(p.contacts, cs)
		if cs.supplier {
			suppliers = append(suppliers, cs)
		} else {
			customers = append(customers, cs)
		}
	}
	for i := range curated {
		cs := curated[i]
		cs.c = cloneContact(cs.c)
		add(&cs)
		g.byRole[cs.role] = &cs
	}
	for i := len(curated); i < opts.Contacts; i++ {
		add(g.contact(i))
	}
	for _, sc := range showcases {
		p.invoices = append(p.invoices, g.showcase(sc))
	}
	for len(p.invoices) < opts.Invoices {
		p.invoices = append(p.invoices, g.randomInvoice(customers, suppliers))
	}
	// Number sales invoices in date order, as Xero would have.
	slices.SortStableFunc(p.invoices, func(a, b *invoiceSpec) int { return a.inv.Date.Compare(b.inv.Date) })
	n := 0
	for _, is := range p.invoices {
		if is.inv.Type == "ACCREC" {
			n++
			is.inv.InvoiceNumber = fmt.Sprintf("INV-%04d", n)
		}
		is.cause = expectedCause(is)
	}
	return p
}

// summarise fills the counts and the showcase lists of sum.
func (p *seedPlan) summarise(sum *Summary) {
	sum.ByStatus = map[string]int{}
	sum.ExpectedSkips = map[bridge.Cause]int{}
	sum.Contacts = len(p.contacts)
	for _, c := range p.contacts {
		if c.supplier {
			sum.Suppliers++
		}
	}
	for _, cs := range p.contacts[:len(curated)] { // the curated ones come first, in order
		country := ""
		if len(cs.c.Addresses) > 0 {
			country = cs.c.Addresses[0].Country
		}
		sum.NotableContacts = append(sum.NotableContacts, NotableContact{Role: cs.role, ContactID: cs.c.ContactID, Name: cs.c.Name, Country: country})
	}
	byRole := map[string]NotableInvoice{}
	for _, is := range p.invoices {
		if is.inv.Type == "ACCREC" {
			sum.SalesInvoices++
			sum.ByStatus[is.inv.Status]++
			if hasOption(is.inv.LineItems, OptionShipStation) {
				sum.WithOption++
			}
		} else {
			sum.Bills++
		}
		if is.cause == bridge.CauseNone {
			sum.ExpectedExports++
		} else {
			sum.ExpectedSkips[is.cause]++
		}
		if is.role != "" {
			kind := bridge.Export
			if is.cause != bridge.CauseNone {
				kind = bridge.Skip
			}
			byRole[is.role] = NotableInvoice{
				Role: is.role, InvoiceID: is.inv.InvoiceID, InvoiceNumber: is.inv.InvoiceNumber, Type: is.inv.Type,
				Status: is.inv.Status, Contact: is.contact.c.Name, Expect: kind, Cause: is.cause, Note: is.note,
			}
		}
	}
	for _, sc := range showcases {
		sum.NotableInvoices = append(sum.NotableInvoices, byRole[sc.role])
	}
}

// countryCodes are the free-text countries the demo writes, lower-cased,
// with the ISO code the mapping turns them into. Anything else (Narnia) is
// a country the mapping does not recognise. A test holds every entry to
// bridge.CountryCode.
var countryCodes = map[string]string{
	"new zealand": "NZ", "nz": "NZ", "n.z.": "NZ",
	"australia": "AU", "au": "AU",
	"usa": "US", "us": "US", "u.s.a.": "US", "united states": "US", "united states of america": "US",
	"united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB",
	"deutschland": "DE", "germany": "DE",
	"japan":  "JP",
	"canada": "CA",
}

// usableAddress reports whether an address counts for the mapping: it has a
// street line, a city or a postcode (doc/mapping.md, Addresses).
func usableAddress(a *xeroemu.Address) bool {
	for _, s := range []string{a.AddressLine1, a.AddressLine2, a.AddressLine3, a.AddressLine4, a.City, a.PostalCode} {
		if strings.TrimSpace(s) != "" {
			return true
		}
	}
	return false
}

// contactCause applies doc/mapping.md's address and country rules to a
// contact: the street address is the ship-to and the postal one the bill-to,
// one standing in for the other; no usable address at all skips, and so
// does a blank or unrecognised country on an address that is used (the
// default settings have no default country). It also reports whether the
// contact is domestic (New Zealand or no country given).
func contactCause(c *xeroemu.Contact) (bridge.Cause, bool) {
	var used []*xeroemu.Address
	for _, typ := range []string{"STREET", "POBOX"} {
		for i := range c.Addresses {
			if a := &c.Addresses[i]; a.AddressType == typ && usableAddress(a) {
				used = append(used, a)
				break
			}
		}
	}
	if len(used) == 0 {
		return bridge.CauseNoAddress, true
	}
	domestic := true
	for _, a := range used {
		country := strings.ToLower(strings.TrimSpace(a.Country))
		if country == "" {
			return bridge.CauseNoCountry, true
		}
		code, ok := countryCodes[country]
		if !ok {
			return bridge.CauseUnknownCountry, false
		}
		domestic = domestic && code == "NZ"
	}
	return bridge.CauseNone, domestic
}

// expectedCause applies doc/mapping.md's rules, in its order, to an
// invoice generated here, under bridge.DefaultSettings.
func expectedCause(is *invoiceSpec) bridge.Cause {
	inv := &is.inv
	switch {
	case inv.Type != "ACCREC":
		return bridge.CauseNotSalesInvoice
	case inv.Status == "VOIDED" || inv.Status == "DELETED":
		return bridge.CauseNeverExported // nothing was sent before seeding
	case inv.Status != "AUTHORISED" && inv.Status != "PAID":
		return bridge.CauseStatus
	case !hasOption(inv.LineItems, OptionShipStation):
		return bridge.CauseTrackingRule
	case is.contact.cause != bridge.CauseNone:
		return is.contact.cause
	}
	for _, li := range inv.LineItems {
		// A line ships when it is not the shipping charge, not a credit and
		// not a description-only note.
		if !strings.EqualFold(li.ItemCode, shippingCode) && li.Quantity >= 0 && li.UnitAmount >= 0 &&
			(li.Quantity != 0 || li.UnitAmount != 0) {
			return bridge.CauseNone
		}
	}
	return bridge.CauseNothingToShip
}

// hasOption reports whether any line carries the tracking option, compared
// as the mapping does (trimmed, any case).
func hasOption(lines []xeroemu.LineItem, option string) bool {
	for _, li := range lines {
		for _, t := range li.Tracking {
			if strings.EqualFold(strings.TrimSpace(t.Option), option) {
				return true
			}
		}
	}
	return false
}

// uuid returns a random (version 4 shaped) GUID from the generator, so ids
// repeat with the seed. It avoids fmt: the load-test sizes make hundreds of
// thousands of them.
func (g *gen) uuid() string {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], g.r.Uint64())
	binary.BigEndian.PutUint64(raw[8:], g.r.Uint64())
	raw[6] = raw[6]&0x0f | 0x40 // version 4
	raw[8] = raw[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	hex.Encode(out[0:8], raw[0:4])
	hex.Encode(out[9:13], raw[4:6])
	hex.Encode(out[14:18], raw[6:8])
	hex.Encode(out[19:23], raw[8:10])
	hex.Encode(out[24:], raw[10:])
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	return string(out[:])
}

// pick returns a random element.
func pick[T any](g *gen, s []T) T { return s[g.r.IntN(len(s))] }

// date returns a random invoice date within the window, and a time on it
// (during office hours, never after now) for UpdatedDateUTC.
func (g *gen) date(laterDays int) (time.Time, time.Time) {
	d := g.today.AddDate(0, 0, -g.r.IntN(g.days))
	upd := d.Add(8*time.Hour + time.Duration(g.r.IntN(9*60))*time.Minute)
	if laterDays > 0 {
		upd = upd.AddDate(0, 0, g.r.IntN(laterDays+1))
	}
	if upd.After(g.now) {
		upd = g.now
	}
	return d, upd
}

// line is a product line with the channel option (none when empty).
func (g *gen) line(code string, qty float64, tax, channel string) xeroemu.LineItem {
	p, ok := g.products[code]
	if !ok {
		panic("demo: unknown product " + code) // a typo in the showcase table
	}
	li := xeroemu.LineItem{LineItemID: g.uuid(), ItemCode: p.code, Description: p.desc, Quantity: qty, UnitAmount: p.price,
		AccountCode: "200", TaxType: tax}
	if channel != "" {
		li.Tracking = []xeroemu.LineItemTracking{{Name: ChannelCategory, Option: channel}}
	}
	return li
}

// shipping is the customer's shipping charge.
func (g *gen) shipping(amount float64, tax string) xeroemu.LineItem {
	return xeroemu.LineItem{LineItemID: g.uuid(), ItemCode: shippingCode, Description: "Shipping & handling", Quantity: 1,
		UnitAmount: amount, AccountCode: "260", TaxType: tax}
}

// note is a description-only line.
func (g *gen) note(text string) xeroemu.LineItem {
	return xeroemu.LineItem{LineItemID: g.uuid(), Description: text}
}

// contact generates the i-th contact (0-based over all contacts).
func (g *gen) contact(i int) *contactSpec {
	loc := g.locale()
	people := func() (string, string) {
		if loc.firsts != nil {
			return pick(g, loc.firsts), pick(g, loc.lasts)
		}
		return pick(g, firstNames), pick(g, lastNames)
	}
	adj, noun := adjectives, nouns
	if loc.adjectives != nil {
		adj, noun = loc.adjectives, loc.nouns
	}
	var name string
	if loc.prefix {
		name = pick(g, loc.companies) + pick(g, adj) + pick(g, noun)
	} else {
		name = pick(g, adj) + " " + pick(g, noun) + " " + pick(g, loc.companies)
	}
	if g.names[strings.ToLower(name)] {
		name += " " + strconv.Itoa(i+1) // Xero contact names are unique
	}
	first, last := people()
	c := xeroemu.Contact{
		Name: name, FirstName: first, LastName: last,
		EmailAddress:  fmt.Sprintf("orders%d@customer%d.example%s", i+1, i+1, loc.tld),
		ContactNumber: fmt.Sprintf("C%05d", i+1),
	}
	pl := pick(g, loc.places)
	country := pick(g, loc.spellings)
	street := xeroemu.Address{AddressType: "STREET", AddressLine1: g.streetLine(loc), City: pl.city, Region: pl.region, PostalCode: pl.postcode, Country: country}
	if g.r.IntN(10) == 0 {
		street.AttentionTo = pick(g, []string{"Goods Inwards", "Receiving", "Back door", first + " " + last})
	}
	postal := xeroemu.Address{AddressType: "POBOX", AddressLine1: fmt.Sprintf(loc.poBox, 1+g.r.IntN(9999)), City: pl.city, Region: pl.region, PostalCode: pl.postcode, Country: country}
	switch v := g.r.IntN(100); {
	case v < 60:
		c.Addresses = []xeroemu.Address{postal, street}
	case v < 85:
		c.Addresses = []xeroemu.Address{street}
	case v < 97:
		c.Addresses = []xeroemu.Address{postal}
	}
	number := fmt.Sprintf("%03d %04d", g.r.IntN(1000), g.r.IntN(10000))
	switch v := g.r.IntN(100); {
	case v < 85:
		c.Phones = []xeroemu.Phone{{PhoneType: "DEFAULT", PhoneCountryCode: loc.phoneCC, PhoneAreaCode: strconv.Itoa(2 + g.r.IntN(8)), PhoneNumber: number}}
	case v < 95:
		c.Phones = []xeroemu.Phone{{PhoneType: "MOBILE", PhoneCountryCode: loc.phoneCC, PhoneAreaCode: "2" + strconv.Itoa(g.r.IntN(10)), PhoneNumber: number}}
	}
	if g.r.IntN(4) == 0 {
		pf, pl := people()
		c.ContactPersons = []xeroemu.ContactPerson{{FirstName: pf, LastName: pl, EmailAddress: fmt.Sprintf("accounts%d@customer%d.example%s", i+1, i+1, loc.tld), IncludeInEmails: true}}
	}
	return &contactSpec{c: c}
}

// locale draws a locale by weight.
func (g *gen) locale() *locale {
	total := 0
	for i := range locales {
		total += locales[i].weight
	}
	v := g.r.IntN(total)
	for i := range locales {
		if v < locales[i].weight {
			return &locales[i]
		}
		v -= locales[i].weight
	}
	return &locales[0]
}

// streetLine writes a street address line in the locale's style.
func (g *gen) streetLine(loc *locale) string {
	s := pick(g, loc.streets)
	switch loc.style {
	case streetFirst:
		return fmt.Sprintf("%s %d", s, 1+g.r.IntN(120))
	case japanese:
		return fmt.Sprintf("%s%d丁目%d番%d号", s, 1+g.r.IntN(5), 1+g.r.IntN(20), 1+g.r.IntN(30))
	default:
		return fmt.Sprintf("%d %s", 1+g.r.IntN(400), s)
	}
}

// weighted draws one of the keys with the given weights.
func weighted(g *gen, choices []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	v := g.r.IntN(total)
	for i, w := range weights {
		if v < w {
			return choices[i]
		}
		v -= w
	}
	return choices[0]
}

// The mix of random invoices: mostly approved sales, some drafts, a few
// voided or deleted, a few bills; most carry the ShipStation option, some a
// channel that does not ship or none at all.
var (
	statusChoices  = []string{"AUTHORISED", "PAID", "DRAFT", "SUBMITTED", "VOIDED", "DELETED", "BILL"}
	statusWeights  = []int{46, 26, 10, 6, 4, 3, 5}
	channelChoices = []string{OptionShipStation, OptionWholesale, OptionRetail, ""}
	channelWeights = []int{86, 5, 5, 4}
)

// randomInvoice draws a sales invoice for a random customer, or a bill.
func (g *gen) randomInvoice(customers, suppliers []*contactSpec) *invoiceSpec {
	status := weighted(g, statusChoices, statusWeights)
	if status == "BILL" {
		return g.bill(pick(g, suppliers), weighted(g, []string{"AUTHORISED", "PAID"}, []int{1, 1}), false)
	}
	cs := pick(g, customers)
	if cs.cause != bridge.CauseNone && g.r.IntN(4) != 0 {
		// Contacts with a broken address order less often than the rest,
		// so the demo's log shows each problem without drowning in them.
		cs = pick(g, customers)
	}
	channel := weighted(g, channelChoices, channelWeights)
	if cs.role == "walk-in" {
		channel = OptionRetail
	}
	tax, amounts := "ZERORATEDOUTPUT", "Exclusive"
	if cs.domestic {
		tax = "OUTPUT"
		amounts = weighted(g, []string{"Exclusive", "Inclusive", "NoTax"}, []int{75, 20, 5})
	}
	var lines []xeroemu.LineItem
	for k := range 1 + g.r.IntN(3) {
		p := pick(g, catalogue)
		qty := float64(1 + g.r.IntN(6))
		if p.perMetre {
			qty = float64(1+g.r.IntN(40)) / 2
		}
		ch := channel
		if k > 0 && g.r.IntN(5) < 2 {
			ch = "" // merchants often tag only some lines
		}
		li := g.line(p.code, qty, tax, ch)
		switch v := g.r.IntN(20); {
		case v < 2:
			li.DiscountRate = float64(5 * (1 + g.r.IntN(3)))
		case v < 3 && qty*p.price > 10:
			li.DiscountAmount = 2
		}
		if ch != "" && g.r.IntN(5) == 0 {
			region := "International"
			if cs.domestic {
				region = pick(g, regionOptions[:2])
			}
			li.Tracking = append(li.Tracking, xeroemu.LineItemTracking{Name: RegionCategory, Option: region})
		}
		lines = append(lines, li)
	}
	if g.r.IntN(100) < 45 {
		amount := pick(g, []float64{8.50, 12.00, 15.00, 24.00})
		if !cs.domestic {
			amount = pick(g, []float64{35.00, 45.00, 60.00})
		}
		lines = append(lines, g.shipping(amount, tax))
	}
	if g.r.IntN(100) < 8 {
		lines = append(lines, g.note(pick(g, notes)))
	}
	date, upd := g.date(laterDays(status))
	inv := xeroemu.Invoice{
		Type: "ACCREC", InvoiceID: g.uuid(), Status: status, Contact: xeroemu.Contact{ContactID: cs.c.ContactID},
		Date: date, DueDate: date.AddDate(0, 0, 20), LineAmountTypes: amounts, LineItems: lines, UpdatedDateUTC: upd,
		SentToContact: (status == "AUTHORISED" || status == "PAID") && g.r.IntN(2) == 0,
	}
	if channel == OptionWholesale || g.r.IntN(4) == 0 {
		inv.Reference = fmt.Sprintf("PO-%d", 1000+g.r.IntN(9000))
	}
	return &invoiceSpec{contact: cs, inv: inv}
}

// laterDays is how many days after its date an invoice in a status was last
// changed at most (paid, voided or deleted later).
func laterDays(status string) int {
	switch status {
	case "PAID", "VOIDED", "DELETED":
		return 5
	}
	return 0
}

// bill is a supplier's bill (ACCPAY); tagged puts the ShipStation option on
// a line, to show that only sales invoices ever sync.
func (g *gen) bill(cs *contactSpec, status string, tagged bool) *invoiceSpec {
	var lines []xeroemu.LineItem
	for range 1 + g.r.IntN(2) {
		p := pick(g, supplies)
		lines = append(lines, xeroemu.LineItem{LineItemID: g.uuid(), Description: p.desc, Quantity: float64(1 + g.r.IntN(3)),
			UnitAmount: p.price, AccountCode: "200", TaxType: "INPUT"})
	}
	if tagged {
		lines[0].Tracking = []xeroemu.LineItemTracking{{Name: ChannelCategory, Option: OptionShipStation}}
	}
	date, upd := g.date(laterDays(status))
	inv := xeroemu.Invoice{
		Type: "ACCPAY", InvoiceID: g.uuid(), InvoiceNumber: fmt.Sprintf("%s-%05d", initials(cs.c.Name), g.r.IntN(100000)),
		Status: status, Contact: xeroemu.Contact{ContactID: cs.c.ContactID}, Date: date, DueDate: date.AddDate(0, 0, 30),
		LineItems: lines, UpdatedDateUTC: upd,
	}
	return &invoiceSpec{contact: cs, inv: inv}
}

// initials are a supplier's initials, for its invoice numbers.
func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		b.WriteString(strings.ToUpper(string([]rune(w)[0])))
	}
	return b.String()
}

// cloneContact copies a contact's slices so seeding never shares the
// package's tables.
func cloneContact(c xeroemu.Contact) xeroemu.Contact {
	c.Addresses = slices.Clone(c.Addresses)
	c.Phones = slices.Clone(c.Phones)
	c.ContactPersons = slices.Clone(c.ContactPersons)
	return c
}

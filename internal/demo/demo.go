package demo

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// Defaults for Options.
const (
	// DefaultContacts is the demo's number of contacts: the showcase ones.
	DefaultContacts = 25
	// DefaultInvoices is the demo's number of invoices and bills.
	DefaultInvoices = 60
	// DefaultDays is how far back invoice dates reach.
	DefaultDays = 30
	// DefaultStoreName is the ShipStation store SeedShipStation adds for
	// the orders orderbridge sends.
	DefaultStoreName = "Xero Orders"
)

// Options says what to generate. The zero value is the demo organisation:
// DefaultContacts contacts and DefaultInvoices invoices dated over the 30
// days before now. For load tests and benchmarks set Contacts and Invoices
// (say 2,000 and 10,000, or 50,000 invoices): generation is linear in them.
type Options struct {
	// Seed drives the PCG generator; the same Options always give the same
	// data, ids included.
	Seed uint64
	// Now anchors the dates: invoices fall on the Days days up to Now's
	// date (UTC). Zero means time.Now(); pass a fixed time for
	// reproducible data.
	Now time.Time
	// Days is how many days back invoice dates reach; DefaultDays when 0.
	Days int
	// Contacts is the number of contacts, customers and suppliers; counts
	// below the showcase's (len of the curated set) are raised to it.
	Contacts int
	// Invoices is the number of sales invoices and bills together; counts
	// below the showcase's are raised to it.
	Invoices int
	// StoreName is the ShipStation store SeedShipStation makes sure exists;
	// DefaultStoreName when empty.
	StoreName string
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC()
	if o.Days <= 0 {
		o.Days = DefaultDays
	}
	if o.Contacts == 0 {
		o.Contacts = DefaultContacts
	}
	o.Contacts = max(o.Contacts, len(curated))
	if o.Invoices == 0 {
		o.Invoices = DefaultInvoices
	}
	o.Invoices = max(o.Invoices, len(showcases))
	if o.StoreName == "" {
		o.StoreName = DefaultStoreName
	}
	return o
}

// Summary describes what SeedXero created, for the demo command to print and
// tests to check.
type Summary struct {
	TenantID string
	OrgName  string
	// TrackingCategoryID and ShipStationOptionID identify the Sales
	// Channel category and its ShipStation option.
	TrackingCategoryID  string
	ShipStationOptionID string
	// Contacts counts every contact; Suppliers those that only send bills.
	Contacts, Suppliers int
	// SalesInvoices counts ACCREC invoices, Bills ACCPAY ones.
	SalesInvoices, Bills int
	// ByStatus counts sales invoices by Xero status.
	ByStatus map[string]int
	// WithOption counts sales invoices with at least one line carrying the
	// ShipStation option.
	WithOption int
	// ExpectedExports is how many invoices and bills orderbridge exports
	// under bridge.DefaultSettings (with a tenant and a store), worked out
	// from the generated data by the rules of doc/mapping.md: a sales
	// invoice, AUTHORISED or PAID, with a ShipStation line, whose contact
	// has a usable address in a country the mapping recognises, with a
	// line to ship.
	ExpectedExports int
	// ExpectedSkips counts the others by the first rule they fail, as
	// bridge causes (not_sales_invoice, never_exported for VOIDED and
	// DELETED invoices never sent, status, tracking_rule, no_address,
	// no_country, unknown_country, nothing_to_ship).
	ExpectedSkips map[bridge.Cause]int
	// NotableContacts and NotableInvoices are the showcase, one per rule
	// it demonstrates, in a stable order.
	NotableContacts []NotableContact
	NotableInvoices []NotableInvoice
}

// NotableContact is a showcase contact.
type NotableContact struct {
	// Role says what the contact shows: both-addresses, street-only,
	// pobox-only, attention-to, non-latin, no-address, unknown-country,
	// blank-country, person, supplier and so on.
	Role      string
	ContactID string
	Name      string
	// Country is the free text of its first address, as typed in Xero.
	Country string
}

// NotableInvoice is a showcase invoice.
type NotableInvoice struct {
	// Role says what the invoice shows: exported, paid-inclusive,
	// fractional, no-address, unknown-country, retail-counter, draft,
	// voided, bill and so on.
	Role          string
	InvoiceID     string
	InvoiceNumber string
	Type          string
	Status        string
	Contact       string
	// Expect is bridge.Export or bridge.Skip under the default settings;
	// Cause is the skip's cause.
	Expect bridge.Kind
	Cause  bridge.Cause
	// Note explains the example in a few words.
	Note string
}

// Contact returns the showcase contact with a role.
func (s Summary) Contact(role string) (NotableContact, bool) {
	for _, c := range s.NotableContacts {
		if c.Role == role {
			return c, true
		}
	}
	return NotableContact{}, false
}

// Invoice returns the showcase invoice with a role.
func (s Summary) Invoice(role string) (NotableInvoice, bool) {
	for _, inv := range s.NotableInvoices {
		if inv.Role == role {
			return inv, true
		}
	}
	return NotableInvoice{}, false
}

// Lines renders the summary as "label: value" lines, the form the emulate
// commands print, with one line per showcase invoice.
func (s Summary) Lines() []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	add("xero organisation: %s (%s)", s.OrgName, s.TenantID)
	add("contacts: %d (%d suppliers)", s.Contacts, s.Suppliers)
	add("sales invoices: %d (%s)", s.SalesInvoices, countList(s.ByStatus))
	add("bills: %d", s.Bills)
	add("tracking: %s / %s on %d sales invoices", ChannelCategory, OptionShipStation, s.WithOption)
	add("expected with default settings: %d exported, skipped %s", s.ExpectedExports, countList(s.ExpectedSkips))
	for _, n := range s.NotableInvoices {
		what := string(n.Expect)
		if n.Cause != bridge.CauseNone {
			what += " (" + string(n.Cause) + ")"
		}
		add("example %s: %s %s, %s, %s: %s", n.Role, n.InvoiceNumber, n.Status, n.Contact, what, n.Note)
	}
	return out
}

// countList renders counts as "A 3, B 1", keys sorted.
func countList[K ~string](m map[K]int) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// SeedXero seeds one organisation of x with the demo data (see Options).
// The organisation should be fresh: contact names, invoice numbers and the
// tracking category names must not be taken yet. Seeding bypasses the
// emulator's rate limits and faults; it does fire the emulator's webhooks
// (one CREATE per contact and invoice) when a webhook URL is set, so set
// the URL afterwards unless the app should see the seeding as events. It is
// not atomic: after an error the organisation holds what was seeded so far.
func SeedXero(x *xeroemu.Emulator, tenantID string, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	p := plan(opts)
	sum := Summary{TenantID: tenantID, OrgName: x.OrgName(tenantID)}
	tc, err := x.SeedTrackingCategory(tenantID, ChannelCategory, OptionShipStation, OptionWholesale, OptionRetail)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: seed xero: %w", err)
	}
	sum.TrackingCategoryID = tc.TrackingCategoryID
	for _, o := range tc.Options {
		if o.Name == OptionShipStation {
			sum.ShipStationOptionID = o.TrackingOptionID
		}
	}
	if _, err := x.SeedTrackingCategory(tenantID, RegionCategory, regionOptions...); err != nil {
		return Summary{}, fmt.Errorf("demo: seed xero: %w", err)
	}
	for _, c := range p.contacts {
		if _, err := x.SeedContact(tenantID, c.c); err != nil {
			return Summary{}, fmt.Errorf("demo: seed xero: contact %q: %w", c.c.Name, err)
		}
	}
	for _, inv := range p.invoices {
		if _, err := x.SeedInvoice(tenantID, inv.inv); err != nil {
			return Summary{}, fmt.Errorf("demo: seed xero: invoice %s: %w", inv.inv.InvoiceNumber, err)
		}
	}
	p.summarise(&sum)
	return sum, nil
}

// ShipStationSummary describes the ShipStation account after
// SeedShipStation.
type ShipStationSummary struct {
	URL       string
	APIKey    string
	APISecret string
	// StoreID and StoreName are the store for orderbridge's orders
	// (Options.StoreName); DefaultStoreID is the account's first manual
	// store, where orders sent without a store land.
	StoreID        int64
	StoreName      string
	DefaultStoreID int64
	// Carriers are the connected carriers' codes, for buying labels.
	Carriers []string
}

// SeedShipStation prepares the ShipStation account: it makes sure a manual
// store named Options.StoreName exists next to the default one (a merchant
// usually keeps Xero's orders apart), adding it only when missing so a
// second call changes nothing. It creates no orders: those are for
// orderbridge to send. Call it after the emulator's URL is known (SetURL
// when serving it yourself), since the summary reports it.
func SeedShipStation(s *shipstationemu.Emulator, opts Options) (ShipStationSummary, error) {
	opts = opts.withDefaults()
	if s == nil {
		return ShipStationSummary{}, errors.New("demo: seed shipstation: no emulator")
	}
	var store shipstationemu.Store
	for _, st := range s.Stores() {
		if st.StoreName == opts.StoreName && st.MarketplaceID == 0 {
			store = st
			break
		}
	}
	if store.StoreID == 0 {
		store = s.AddStore(opts.StoreName)
	}
	out := ShipStationSummary{
		URL: s.URL(), APIKey: s.APIKey(), APISecret: s.APISecret(),
		StoreID: store.StoreID, StoreName: store.StoreName, DefaultStoreID: s.DefaultStoreID(),
	}
	for _, c := range s.Carriers() {
		out.Carriers = append(out.Carriers, c.Code)
	}
	return out, nil
}

// Lines renders the ShipStation summary as "label: value" lines. It
// includes the API secret: the demo prints its credentials on purpose.
func (s ShipStationSummary) Lines() []string {
	return []string{
		"shipstation URL: " + s.URL,
		"shipstation API key: " + s.APIKey,
		"shipstation API secret: " + s.APISecret,
		fmt.Sprintf("shipstation store: %d %s", s.StoreID, s.StoreName),
		fmt.Sprintf("shipstation default store: %d", s.DefaultStoreID),
		"shipstation carriers: " + strings.Join(s.Carriers, ", "),
	}
}

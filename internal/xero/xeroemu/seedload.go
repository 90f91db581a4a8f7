package xeroemu

import (
	"fmt"
	"strings"
)

// MaxSeedInvoices caps one SeedInvoices call, so that one request cannot
// hold the emulator for long; a load driver calls again for more.
const MaxSeedInvoices = 10000

// The names the starter data uses. The "ShipStation" option is what
// orderbridge's default tracking rule looks for (in any category).
const (
	// LoadTrackingCategory is the category SeedStarterData creates.
	LoadTrackingCategory = "Sales Channel"
	// LoadTrackingOption tags an invoice for shipping.
	LoadTrackingOption = "ShipStation"
)

// loadContacts are the customers SeedStarterData creates: each has a
// street address, so an invoice to them can become a shipping order.
var loadContacts = []Contact{
	{Name: "Load Customer 1", EmailAddress: "one@example.com", Addresses: []Address{{AddressType: "STREET",
		AddressLine1: "1 Queen Street", City: "Auckland", PostalCode: "1010", Country: "New Zealand"}}},
	{Name: "Load Customer 2", EmailAddress: "two@example.com", Addresses: []Address{{AddressType: "STREET",
		AddressLine1: "200 Market Street", City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US"}}},
	{Name: "Load Customer 3", EmailAddress: "three@example.com", Addresses: []Address{{AddressType: "STREET",
		AddressLine1: "10 Collins Street", City: "Melbourne", Region: "VIC", PostalCode: "3000", Country: "Australia"}}},
}

// SeedStarterData gives an organisation what a load test needs before any
// invoice: the tracking category "Sales Channel" with the options
// "ShipStation" and "Retail", and three customers with street addresses.
// What already exists (by name) is kept, so calling it twice is harmless.
func (e *Emulator) SeedStarterData(tenantID string) error {
	if _, ok := e.trackingOption(tenantID, LoadTrackingOption); !ok {
		if _, err := e.SeedTrackingCategory(tenantID, LoadTrackingCategory, LoadTrackingOption, "Retail"); err != nil {
			return fmt.Errorf("xeroemu: seed starter data: %w", err)
		}
	}
	for _, c := range loadContacts {
		if e.hasContactNamed(tenantID, c.Name) {
			continue
		}
		if _, err := e.SeedContact(tenantID, c); err != nil {
			return fmt.Errorf("xeroemu: seed starter data: %w", err)
		}
	}
	return nil
}

// SeedInvoicesRequest asks for many invoices at once (JSON for
// POST /_emulator/seed/invoices).
type SeedInvoicesRequest struct {
	// Tenant is the organisation; empty means the first.
	Tenant string `json:"tenant"`
	// Count is how many invoices, 1 to MaxSeedInvoices.
	Count int `json:"count"`
	// Status is AUTHORISED (default; "approved" is read the same), DRAFT
	// or SUBMITTED.
	Status string `json:"status"`
	// TaggedShare (0 to 1) of the invoices carry the tracking option
	// "ShipStation" on their line, spread evenly; nil means all of them.
	TaggedShare *float64 `json:"taggedShare"`
	// Contacts are ContactIDs or names to bill, in turn; a name no
	// contact has creates one. Empty means every active contact of the
	// organisation (the starter data's when it has none).
	Contacts []string `json:"contacts"`
}

// SeedInvoices creates req.Count ACCREC invoices through the same path as
// SeedInvoice (so each fires an INVOICE CREATE webhook when webhooks are
// configured) and returns their ids in creation order. Each has one line of
// 1 to 3 items at 25.00 on account 200; tagged ones carry the
// "ShipStation" option, creating the starter category if the organisation
// has no such option. On an error the invoices made so far are kept and
// their ids returned with it.
func (e *Emulator) SeedInvoices(req SeedInvoicesRequest) ([]string, error) {
	tenant := req.Tenant
	if tenant == "" {
		tenant = e.DefaultTenantID()
	}
	if e.OrgName(tenant) == "" {
		return nil, unknownTenant(tenant)
	}
	if req.Count < 1 || req.Count > MaxSeedInvoices {
		return nil, fmt.Errorf("xeroemu: seed invoices: count %d is not from 1 to %d", req.Count, MaxSeedInvoices)
	}
	status := strings.ToUpper(strings.TrimSpace(req.Status))
	switch status {
	case "", "APPROVED":
		status = "AUTHORISED"
	case "AUTHORISED", "DRAFT", "SUBMITTED":
	default:
		return nil, fmt.Errorf("xeroemu: seed invoices: status %q: want AUTHORISED, DRAFT or SUBMITTED", req.Status)
	}
	share := 1.0
	if req.TaggedShare != nil {
		share = *req.TaggedShare
	}
	if share < 0 || share > 1 {
		return nil, fmt.Errorf("xeroemu: seed invoices: taggedShare %v is not from 0 to 1", share)
	}
	var tag []LineItemTracking
	if share > 0 {
		if _, ok := e.trackingOption(tenant, LoadTrackingOption); !ok {
			if err := e.SeedStarterData(tenant); err != nil {
				return nil, fmt.Errorf("xeroemu: seed invoices: %w", err)
			}
		}
		cat, _ := e.trackingOption(tenant, LoadTrackingOption)
		tag = []LineItemTracking{{Name: cat, Option: LoadTrackingOption}}
	}
	contacts := req.Contacts
	if len(contacts) == 0 {
		contacts = e.activeContactIDs(tenant)
		if len(contacts) == 0 {
			if err := e.SeedStarterData(tenant); err != nil {
				return nil, fmt.Errorf("xeroemu: seed invoices: %w", err)
			}
			contacts = e.activeContactIDs(tenant)
		}
	}
	ids := make([]string, 0, req.Count)
	for i := range req.Count {
		ref := contacts[i%len(contacts)]
		c := Contact{Name: ref}
		if e.hasContactID(tenant, ref) {
			c = Contact{ContactID: ref}
		}
		line := LineItem{ItemCode: "LOAD-1", Description: "Load test item", Quantity: float64(1 + i%3),
			UnitAmount: 25, AccountCode: "200"}
		// Tag invoice i when the running share crosses a whole number, so
		// any prefix of the batch carries the share too.
		if int(float64(i+1)*share) > int(float64(i)*share) {
			line.Tracking = tag
		}
		inv, err := e.SeedInvoice(tenant, Invoice{Type: "ACCREC", Status: status, Contact: c,
			Reference: fmt.Sprintf("load %d", i+1), LineItems: []LineItem{line}})
		if err != nil {
			return ids, fmt.Errorf("xeroemu: seed invoices: invoice %d: %w", i+1, err)
		}
		ids = append(ids, inv.InvoiceID)
	}
	return ids, nil
}

// trackingOption finds an active category with an active option named
// option and returns the category's name.
func (e *Emulator) trackingOption(tenantID, option string) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	o := e.orgs[tenantID]
	if o == nil {
		return "", false
	}
	for _, tc := range o.tracking {
		if tc.Status != "ACTIVE" {
			continue
		}
		for _, opt := range tc.Options {
			if opt.Status == "ACTIVE" && strings.EqualFold(opt.Name, option) {
				return tc.Name, true
			}
		}
	}
	return "", false
}

func (e *Emulator) activeContactIDs(tenantID string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	o := e.orgs[tenantID]
	if o == nil {
		return nil
	}
	var ids []string
	for _, c := range o.contactList {
		if c.ContactStatus == "ACTIVE" {
			ids = append(ids, c.ContactID)
		}
	}
	return ids
}

func (e *Emulator) hasContactID(tenantID, id string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	o := e.orgs[tenantID]
	return o != nil && o.contacts[strings.ToLower(id)] != nil
}

func (e *Emulator) hasContactNamed(tenantID, name string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	o := e.orgs[tenantID]
	return o != nil && o.findContact("", "", name) != nil
}

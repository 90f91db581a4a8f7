package bridge

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orderbridge/orderbridge/internal/xero"
)

// Settings are the parts of an account's settings that change how an
// invoice maps to an order. DefaultSettings gives the product's defaults;
// every field is the merchant's to change on the configure page.
type Settings struct {
	// TenantID is the Xero organisation's tenant id. With the InvoiceID it
	// makes the orderKey, so it must never change for an account.
	TenantID string
	// StoreID is the ShipStation store orders go to. ShipStation only
	// honours it when an order is created; zero leaves the choice to
	// ShipStation (the account's first manual store).
	StoreID int64
	// TrackingRule, when on, sends only invoices with at least one line
	// that carries the tracking option TrackingOption.
	TrackingRule bool
	// TrackingOption is the option name the rule looks for, compared
	// without regard to case or extra spaces.
	TrackingOption string
	// TrackingCategory, when set, also requires the option to be in the
	// category of that name; empty accepts the option in any category.
	TrackingCategory string
	// Statuses are the Xero invoice statuses that sync (AUTHORISED and PAID
	// by default). VOIDED and DELETED always cancel and cannot be listed.
	Statuses []string
	// ShippingItemCode is the Xero item code of the line that carries what
	// the customer paid for shipping; such lines become the order's
	// shippingAmount instead of items. Empty means no line is shipping.
	ShippingItemCode string
	// DefaultCountry is the ISO 3166-1 alpha-2 code used for an address
	// whose Country is blank, typically the organisation's own country
	// (merchants seldom type it for domestic customers). Empty means a
	// blank country skips the invoice.
	DefaultCountry string
}

// DefaultSettings returns the defaults MISSION.md describes: the tracking
// rule on with option "ShipStation" in any category, AUTHORISED and PAID
// invoices, and item code "SHIPPING" for the shipping line. TenantID,
// StoreID and DefaultCountry belong to the account and are left empty.
func DefaultSettings() Settings {
	return Settings{
		TrackingRule:     true,
		TrackingOption:   "ShipStation",
		Statuses:         []string{xero.StatusAuthorised, xero.StatusPaid},
		ShippingItemCode: "SHIPPING",
	}
}

// Validate reports every problem with the settings at once, so the
// configure page can show them together.
func (s Settings) Validate() error {
	var errs []error
	for _, p := range s.problems() {
		errs = append(errs, errors.New("bridge: settings: "+p))
	}
	return errors.Join(errs...)
}

// ValidateChoices is Validate without the tenant: what is wrong with the
// merchant's own choices, which the configure page checks before any
// Xero organisation is connected.
func (s Settings) ValidateChoices() error {
	var errs []error
	for _, p := range s.choiceProblems() {
		errs = append(errs, errors.New("bridge: settings: "+p))
	}
	return errors.Join(errs...)
}

// problems lists what is wrong with the settings, in words.
func (s Settings) problems() []string {
	var out []string
	if strings.TrimSpace(s.TenantID) == "" {
		out = append(out, "tenant id is empty")
	}
	return append(out, s.choiceProblems()...)
}

// choiceProblems lists what is wrong with the merchant's choices.
func (s Settings) choiceProblems() []string {
	var out []string
	if s.StoreID < 0 {
		out = append(out, fmt.Sprintf("store id %d is negative", s.StoreID))
	}
	if s.TrackingRule && oneLine(s.TrackingOption) == "" {
		out = append(out, "the tracking rule is on but names no tracking option")
	}
	if len(s.Statuses) == 0 {
		out = append(out, "no invoice status syncs")
	}
	for _, st := range s.Statuses {
		switch strings.ToUpper(strings.TrimSpace(st)) {
		case xero.StatusDraft, xero.StatusSubmitted, xero.StatusAuthorised, xero.StatusPaid:
		default:
			out = append(out, fmt.Sprintf("status %q cannot sync (want DRAFT, SUBMITTED, AUTHORISED or PAID)", st))
		}
	}
	if s.DefaultCountry != "" {
		if code, ok := CountryCode(s.DefaultCountry); !ok || code != s.DefaultCountry {
			out = append(out, fmt.Sprintf("default country %q is not an ISO 3166-1 alpha-2 code", s.DefaultCountry))
		}
	}
	return out
}

// statuses returns the statuses that sync, as Xero spells them.
func (s Settings) statuses() []string {
	out := make([]string, len(s.Statuses))
	for i, st := range s.Statuses {
		out[i] = strings.ToUpper(strings.TrimSpace(st))
	}
	return out
}

// syncs reports whether invoices in status st are sent.
func (s Settings) syncs(st string) bool {
	for _, want := range s.Statuses {
		if strings.EqualFold(strings.TrimSpace(want), st) {
			return true
		}
	}
	return false
}

// isShipping reports whether a line's item code is the shipping item.
func (s Settings) isShipping(l *xero.LineItem) bool {
	code := oneLine(s.ShippingItemCode)
	return code != "" && sameName(l.ItemCode, code)
}

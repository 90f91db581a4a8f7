package bridge

import (
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/xero"
)

func TestDefaultSettings(t *testing.T) {
	t.Parallel()
	s := DefaultSettings()
	if !s.TrackingRule || s.TrackingOption != "ShipStation" || s.TrackingCategory != "" || s.ShippingItemCode != "SHIPPING" {
		t.Errorf("DefaultSettings = %+v", s)
	}
	if len(s.Statuses) != 2 || s.Statuses[0] != xero.StatusAuthorised || s.Statuses[1] != xero.StatusPaid {
		t.Errorf("DefaultSettings statuses = %v, want AUTHORISED, PAID", s.Statuses)
	}
	// Without an account the defaults are incomplete: the tenant id makes
	// the order key.
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "tenant id") {
		t.Errorf("DefaultSettings().Validate() = %v, want a tenant id error", err)
	}
}

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		mod   func(*Settings)
		wants []string // substrings of the error; none means valid
	}{
		{"complete", func(*Settings) {}, nil},
		{"rule off without option", func(s *Settings) { s.TrackingRule, s.TrackingOption = false, "" }, nil},
		{"default country", func(s *Settings) { s.DefaultCountry = "NZ" }, nil},
		{"no tenant", func(s *Settings) { s.TenantID = " " }, []string{"tenant id is empty"}},
		{"rule on without option", func(s *Settings) { s.TrackingOption = "  " }, []string{"names no tracking option"}},
		{"no statuses", func(s *Settings) { s.Statuses = nil }, []string{"no invoice status"}},
		{"voided cannot sync", func(s *Settings) { s.Statuses = []string{"AUTHORISED", "VOIDED"} }, []string{`"VOIDED" cannot sync`}},
		{"country name not code", func(s *Settings) { s.DefaultCountry = "New Zealand" }, []string{"not an ISO 3166-1 alpha-2"}},
		{"lower-case code", func(s *Settings) { s.DefaultCountry = "nz" }, []string{"not an ISO 3166-1 alpha-2"}},
		{"negative store", func(s *Settings) { s.StoreID = -1 }, []string{"negative"}},
		{"every problem at once", func(s *Settings) { s.TenantID, s.Statuses = "", nil }, []string{"tenant id", "no invoice status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := testSettings(tt.mod).Validate()
			if len(tt.wants) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors %q", tt.wants)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want it to mention %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "bridge: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

package bridge

import (
	"strings"
	"testing"
)

func TestCountryCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"New Zealand", "NZ", true},
		{"new zealand", "NZ", true},
		{"  New   Zealand ", "NZ", true},
		{"NZ", "NZ", true},
		{"nz", "NZ", true},
		{"N.Z.", "NZ", true},
		{"NZL", "NZ", true},
		{"USA", "US", true},
		{"U.S.A.", "US", true},
		{"United States", "US", true},
		{"United States of America", "US", true},
		{"US", "US", true},
		{"UK", "GB", true},
		{"U.K.", "GB", true},
		{"united kingdom", "GB", true},
		{"United Kingdom", "GB", true},
		{"Great Britain", "GB", true},
		{"England", "GB", true},
		{"Scotland", "GB", true},
		{"Deutschland", "DE", true},
		{"Germany", "DE", true},
		{"Australia", "AU", true},
		{"AU", "AU", true},
		{"The Netherlands", "NL", true},
		{"Netherlands, The", "NL", true},
		{"Korea, Republic of", "KR", true},
		{"Côte d'Ivoire", "CI", true},
		{"Russia", "RU", true},
		{"Japan", "JP", true},
		{"NA", "NA", true}, // Namibia, written as its code
		{"Namibia", "NA", true},
		{"New Zealand (Aotearoa)", "NZ", true},
		// Not countries, or not ones the library knows: never guessed.
		{"", "", false},
		{"   ", "", false},
		{"Narnia", "", false},
		{"Aotearoa", "", false},
		{"N/A", "", false}, // not Namibia
		{"n-a", "", false},
		{"none", "", false}, // the library's "None" entry is not a country
		{"-", "", false},
		{"123", "", false},
		{"日本", "", false},
		{strings.Repeat("New Zealand ", 20), "", false}, // longer than any country name
	}
	for _, tt := range tests {
		got, ok := CountryCode(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("CountryCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

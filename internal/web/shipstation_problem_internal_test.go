package web

import (
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/shipstation"
)

// TestShipStationProblem: what the connect page says for each answer
// ShipStation gives a key check. V1 needs a plan with API access (Gold,
// Accelerate or higher; shipstation-api.md §0, §12.16) and ShipStation
// refuses other accounts with 401 ("authentication failed or no
// permission") or 403 (forbidden) (§2.3), so the page must name the plan,
// not only a mistyped key.
func TestShipStationProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		want    []string
		notWant string
	}{
		{"401", 401, []string{"API key or secret is wrong", "plan", "API access"}, ""},
		{"403", 403, []string{"plan", "API access", "Gold"}, "secret is wrong"},
		{"429", 429, []string{"too many calls"}, "plan"},
		{"500", 500, []string{"could not be reached"}, "plan"},
	}
	for _, tt := range tests {
		got := shipStationProblem(&shipstation.APIError{Method: "GET", Path: "/stores", StatusCode: tt.status})
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tt.name, got, w)
			}
		}
		if tt.notWant != "" && strings.Contains(got, tt.notWant) {
			t.Errorf("%s: %q says %q", tt.name, got, tt.notWant)
		}
	}
}

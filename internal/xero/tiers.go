package xero

import (
	"fmt"
	"strings"
)

// Tier is a Xero app's developer tier (from 2 March 2026). For a client it
// sets one thing: each organisation's day limit.
type Tier string

// The developer tiers.
const (
	TierStarter  Tier = "starter"
	TierCore     Tier = "core"
	TierPlus     Tier = "plus"
	TierAdvanced Tier = "advanced"
)

// ParseTier reads a tier name, ignoring case; empty is TierStarter, the
// tier of an app nobody has paid for (its smaller limit is the safe guess).
func ParseTier(s string) (Tier, error) {
	switch t := Tier(strings.ToLower(strings.TrimSpace(s))); t {
	case "":
		return TierStarter, nil
	case TierStarter, TierCore, TierPlus, TierAdvanced:
		return t, nil
	}
	return "", fmt.Errorf("xero: unknown developer tier %q (want starter, core, plus or advanced)", s)
}

// DayLimit is the tier's day limit of API calls per organisation: 1,000 on
// Starter (and for ""), 5,000 on the paid tiers.
func (t Tier) DayLimit() int {
	if t == TierStarter || t == "" {
		return 1000
	}
	return 5000
}

// String names the tier as Xero does: "Starter".
func (t Tier) String() string {
	if t == "" {
		t = TierStarter
	}
	return strings.ToUpper(string(t[:1])) + string(t[1:])
}

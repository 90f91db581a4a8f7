package xeroemu

import (
	"fmt"
	"strings"
)

// Tier is the app's Xero developer tier, which since 2 March 2026 sets
// two limits the emulator enforces: each organisation's daily call cap and
// how many organisations the app may have connected at once. The zero
// value is TierCore, whose day limit (5,000) is what Xero documented for
// every app before tiers existed.
type Tier string

// The four developer tiers (reference §1.8).
const (
	TierStarter  Tier = "starter"
	TierCore     Tier = "core"
	TierPlus     Tier = "plus"
	TierAdvanced Tier = "advanced"
)

// ParseTier reads a tier name, ignoring case; empty means TierCore.
func ParseTier(s string) (Tier, error) {
	switch t := Tier(strings.ToLower(strings.TrimSpace(s))); t {
	case "":
		return TierCore, nil
	case TierStarter, TierCore, TierPlus, TierAdvanced:
		return t, nil
	}
	return "", fmt.Errorf("tier %q: want starter, core, plus or advanced", s)
}

// String returns the form ParseTier reads.
func (t Tier) String() string {
	if t == "" {
		return string(TierCore)
	}
	return string(t)
}

// DayLimit is the tier's daily API call cap per organisation: 1,000 on
// the free Starter tier, 5,000 on every paid one.
func (t Tier) DayLimit() int {
	if t == TierStarter {
		return 1000
	}
	return 5000
}

// MaxConnections is how many organisations an app on the tier may have
// connected at once.
func (t Tier) MaxConnections() int {
	switch t {
	case TierStarter:
		return 5
	case TierPlus:
		return 1000
	case TierAdvanced:
		return 10000
	}
	return 50
}

// Tier is the app's developer tier.
func (e *Emulator) Tier() Tier { return e.tier }

// DayLimit is each organisation's daily call cap in force: the tier's, or
// Options.DayLimit when that was set.
func (e *Emulator) DayLimit() int { return e.dayLimit }

// ConnectedOrgs counts the organisations the app is connected to through
// user consents, the number the tier's connection cap applies to. Custom
// connections (client credentials) are not counted: Xero sells them
// separately and leaves them out of tier pricing.
func (e *Emulator) ConnectedOrgs() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.connectedOrgsLocked())
}

// connectedOrgsLocked returns the organisations connected by consents;
// Emulator.mu must be held.
func (e *Emulator) connectedOrgsLocked() map[string]bool {
	orgs := make(map[string]bool)
	for _, g := range e.auth.grants {
		if g.boundOrg != "" {
			continue
		}
		for _, c := range g.connections {
			orgs[c.tenantID] = true
		}
	}
	return orgs
}

// overConnectionCapLocked reports whether connecting g's organisations
// would take the app past its tier's cap; Emulator.mu must be held.
// Organisations already connected through another consent do not count
// twice, so re-consenting at the cap still works.
func (e *Emulator) overConnectionCapLocked(g *grant) bool {
	orgs := e.connectedOrgsLocked()
	for _, c := range g.connections {
		orgs[c.tenantID] = true
	}
	return len(orgs) > e.tier.MaxConnections()
}

package xeroemu_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

func TestParseTier(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]xeroemu.Tier{"": xeroemu.TierCore, "Starter": xeroemu.TierStarter, " plus ": xeroemu.TierPlus, "ADVANCED": xeroemu.TierAdvanced} {
		if got, err := xeroemu.ParseTier(in); err != nil || got != want {
			t.Errorf("ParseTier(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := xeroemu.ParseTier("gold"); err == nil {
		t.Error("ParseTier(gold) succeeded")
	}
}

// TestTierDayLimit runs an organisation into its tier's day limit over
// HTTP: Starter allows 1,000 calls a day, the default (Core) 5,000.
func TestTierDayLimit(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	// Scale 24: a day lasts an hour, a minute 2.5 s; the fake clock steps
	// past each minute window so only the day limit can refuse.
	rl := emukit.RateLimit{Scale: 24}
	b := setup(t, xeroemu.Options{Now: clk.Now, Tier: xeroemu.TierStarter, RateLimit: rl})
	if b.emu.Tier() != xeroemu.TierStarter || b.emu.DayLimit() != 1000 {
		t.Fatalf("tier %q day limit %d", b.emu.Tier(), b.emu.DayLimit())
	}
	for i := range 1000 {
		if i > 0 && i%60 == 0 {
			clk.Advance(rl.Window(time.Minute))
		}
		r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil)
		if r.status != 200 || r.header.Get("X-DayLimit-Remaining") != strconv.Itoa(999-i) {
			t.Fatalf("call %d: %d X-DayLimit-Remaining %q", i+1, r.status, r.header.Get("X-DayLimit-Remaining"))
		}
	}
	clk.Advance(rl.Window(time.Minute))
	r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, http.StatusTooManyRequests)
	if r.header.Get("X-Rate-Limit-Problem") != "day" || r.header.Get("X-DayLimit-Remaining") != "0" {
		t.Errorf("429 headers = %v", r.header)
	}
	// 17 scaled minutes of the scaled day are gone: the rest is 3600 s
	// less 17 × 2.5 s.
	left := rl.Window(24*time.Hour) - 17*rl.Window(time.Minute)
	if s, _ := strconv.Atoi(r.header.Get("Retry-After")); s != int(left.Seconds()+0.999) {
		t.Errorf("Retry-After = %q, want %v (until the scaled day resets)", r.header.Get("Retry-After"), left)
	}
	clk.Advance(left)
	testkit.WaitFor(t, "no call in flight", 10*time.Second, func() bool { return b.emu.InFlight(b.tenant) == 0 })
	if r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200); r.header.Get("X-DayLimit-Remaining") != "999" {
		t.Errorf("new day: X-DayLimit-Remaining %q", r.header.Get("X-DayLimit-Remaining"))
	}

	core := setup(t, xeroemu.Options{RateLimit: emukit.RealRateLimit})
	if r := core.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200); r.header.Get("X-DayLimit-Remaining") != "4999" || core.emu.Tier() != xeroemu.TierCore {
		t.Errorf("default tier %q: X-DayLimit-Remaining %q, want 4999", core.emu.Tier(), r.header.Get("X-DayLimit-Remaining"))
	}
}

// TestTierConnectionCap refuses a consent that would connect more
// organisations than the tier allows, and counts each organisation once.
func TestTierConnectionCap(t *testing.T) {
	t.Parallel()
	five := []string{"A", "B", "C", "D", "E"}
	emu := xeroemutest.NewServer(t, xeroemu.Options{Tier: xeroemu.TierStarter, OrgNames: five, RateLimit: emukit.NoRateLimit})
	// Client credentials are a custom connection, outside tier pricing.
	clientCredentials(t, emu)
	if n := emu.ConnectedOrgs(); n != 0 {
		t.Errorf("custom connection counted: %d", n)
	}
	for range 2 { // at the cap, consenting again to the same five works
		if code, loc := authorize(t, emu, nil); code == "" {
			t.Fatalf("consent to 5 organisations on Starter refused: %s", loc)
		}
	}
	if n := emu.ConnectedOrgs(); n != 5 {
		t.Errorf("ConnectedOrgs = %d, want 5", n)
	}
	emu.AddOrg("F")
	code, loc := authorize(t, emu, nil)
	if code != "" || loc.Query().Get("error") != "access_denied" || loc.Query().Get("error_description") == "" || loc.Query().Get("state") != "xyz" {
		t.Errorf("sixth organisation on Starter: redirect %s, want error=access_denied", loc)
	}
	if n := emu.ConnectedOrgs(); n != 5 {
		t.Errorf("refused consent connected something: %d", n)
	}

	// Core allows 50.
	names := make([]string, 51)
	for i := range names {
		names[i] = "Org " + strconv.Itoa(i)
	}
	core := xeroemutest.NewServer(t, xeroemu.Options{OrgNames: names[:50], RateLimit: emukit.NoRateLimit})
	if code, _ := authorize(t, core, nil); code == "" {
		t.Error("50 organisations on Core refused")
	}
	core.AddOrg(names[50])
	if code, _ := authorize(t, core, nil); code != "" {
		t.Error("51 organisations on Core accepted")
	}
}

package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/web"
)

// TestSessionAbsoluteLifetime: a session used every day still ends 30
// days after sign-in (a stolen cookie does not live for ever), and one
// left unused ends after the idle time.
func TestSessionAbsoluteLifetime(t *testing.T) {
	t.Parallel()
	e, b, _ := annSignedUp(t)
	for day := 1; day < 30; day++ {
		e.clock.Advance(24 * time.Hour)
		b.get("/dashboard")
		if b.resp.StatusCode != http.StatusOK {
			t.Fatalf("day %d of daily use: status %d, want the dashboard", day, b.resp.StatusCode)
		}
	}
	e.clock.Advance(24*time.Hour + time.Second) // 30 days and a second after sign-in
	b.get("/dashboard")
	b.wantRedirect("/signin?next=%2Fdashboard")
	// Signing in again starts a new 30 days.
	b.get("/signin")
	b.submit("/signin", map[string][]string{"email": {"ann@example.com"}, "password": {password}})
	b.wantRedirect("/dashboard")
	e.clock.Advance(24 * time.Hour)
	b.get("/dashboard")
	b.wantStatus(http.StatusOK)
}

// TestSessionIdleTimeout: a session unused for longer than the idle time
// ends, whatever its age.
func TestSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *web.Config) { c.SessionTTL = 12 * time.Hour })
	b := e.browser()
	b.signUp("Acme", "ann@example.com", password)
	e.clock.Advance(11 * time.Hour)
	b.get("/dashboard")
	b.wantStatus(http.StatusOK)
	e.clock.Advance(11 * time.Hour) // 11 hours after the last use
	b.get("/dashboard")
	b.wantStatus(http.StatusOK)
	e.clock.Advance(12*time.Hour + time.Second)
	b.get("/dashboard")
	b.wantRedirect("/signin?next=%2Fdashboard")
}

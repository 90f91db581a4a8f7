package worker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
)

// setSync turns the account's "Sync orders from Xero" on or off.
func (b *engineBundle) setSync(on bool) {
	b.t.Helper()
	s, err := b.st.Settings(b.ctx, b.acct)
	if err != nil {
		b.t.Fatal(err)
	}
	s.SyncEnabled = on
	if err := b.st.SaveSettings(b.ctx, b.acct, s); err != nil {
		b.t.Fatal(err)
	}
}

// An organisation whose sync is off still keeps its grant: Xero drops a
// refresh token unused for 60 days, so the sweep's keep-alive refreshes
// one older than 30 days through the account's token source (the new pair
// stored before use), and the connection outlives the 60 days.
func TestIdleGrantKeptAlive(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Now().UTC())
	b := setupEngine(t, engineOptions{now: clk.Now})
	b.setSync(false)
	connectedAt := clk.Now()
	stored := func() time.Time {
		t.Helper()
		tok, err := b.st.XeroGrant(b.ctx, b.acct)
		if err != nil {
			t.Fatal(err)
		}
		return worker.GrantRefreshedAt(tok)
	}
	if got := stored(); got.Sub(connectedAt).Abs() > time.Minute {
		t.Fatalf("a grant just connected was refreshed at %s, want about %s", got, connectedAt)
	}

	clk.Advance(29 * 24 * time.Hour)
	if n := b.eng.Clients.KeepXeroGrantsAlive(b.ctx); n != 0 {
		t.Errorf("refreshed %d grants 29 days in, want none yet", n)
	}
	clk.Advance(2 * 24 * time.Hour)
	if n := b.eng.Clients.KeepXeroGrantsAlive(b.ctx); n != 1 {
		t.Fatalf("refreshed %d grants 31 days in, want the idle one", n)
	}
	if got := stored(); got.Sub(clk.Now()).Abs() > time.Minute {
		t.Errorf("stored grant refreshed at %s, want now (%s)", got, clk.Now())
	}
	if n := b.eng.Clients.KeepXeroGrantsAlive(b.ctx); n != 0 {
		t.Errorf("refreshed %d grants again at once", n)
	}

	// 62 days after connecting: the first refresh token would be dead.
	clk.Advance(31 * 24 * time.Hour)
	b.setSync(true)
	b.export()
	if c, err := b.st.Connection(b.ctx, b.acct, store.KindXero); err != nil || c.Status != store.StatusConnected {
		t.Errorf("connection after 62 days = %+v, %v; want connected", c, err)
	}
}

// A grant the keep-alive could not renew in time (the process was down
// for 60 days) is marked for reconnecting with a reason the merchant
// reads on every page.
func TestIdleGrantLapsedIsFlagged(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Now().UTC())
	b := setupEngine(t, engineOptions{now: clk.Now})
	b.setSync(false)
	clk.Advance(61 * 24 * time.Hour)
	if n := b.eng.Clients.KeepXeroGrantsAlive(b.ctx); n != 0 {
		t.Errorf("refreshed %d lapsed grants", n)
	}
	c, err := b.st.Connection(b.ctx, b.acct, store.KindXero)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.StatusReconnectNeeded || !strings.Contains(c.StatusReason, "60 days") {
		t.Errorf("connection = %s %q, want reconnect_needed saying the grant lapsed after 60 days unused", c.Status, c.StatusReason)
	}
}

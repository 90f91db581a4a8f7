package worker_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// TestXeroSharedLimitsTwoProcesses: two processes (two Xero Apps, each
// with its own store and pool on one PostgreSQL database, given the
// budget SharedLimits builds, as app.New does) call one organisation flat
// out against the emulator at Xero's real limits, time-scaled. Paced by
// each process alone they draw 429s (each spends what the headers say is
// left, and each fills five in-flight slots); drawing from the one shared
// budget they draw none. ORDERBRIDGE_SHARED_LIMITS_OFF=1 runs it without
// the shared budget, to see the 429s it prevents.
func TestXeroSharedLimitsTwoProcesses(t *testing.T) {
	t.Parallel()
	const (
		scale   = 60 // a minute is a second
		perProc = 150
		workers = 5
	)
	emu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.RateLimit{Scale: scale}})
	tenant := emu.DefaultTenantID()
	first := storetest.Migrated(t, storetest.OpenPostgres)
	pacing := xero.Pacing{TimeScale: scale}
	var clients []*xero.Client
	for _, st := range []*store.Store{first, storetest.OpenPostgresAgain(t, first)} {
		cfg := xero.Config{
			ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(), BaseURL: emu.URL(),
			RedirectURL: "http://localhost:8080/xero/callback", Scopes: xero.GranularScopes(),
			HTTPClient: testkit.HTTPClient(t), Pacing: pacing,
			ConcurrentRetryDelay: -1, // every 429 shows in the count, none is retried away
		}
		if os.Getenv("ORDERBRIDGE_SHARED_LIMITS_OFF") == "" {
			l, err := worker.SharedLimits(st, pacing.MinuteWindow(), 0)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Limiter = l
		}
		app, err := xero.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		tok := authorize(t, app)
		clients = append(clients, app.Client(app.TokenSource(tok, func(context.Context, *oauth2.Token) error { return nil })))
	}
	start := emu.RequestLog().Last()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		problems = map[string]int{}
	)
	for _, c := range clients {
		work := make(chan struct{}, perProc)
		for range perProc {
			work <- struct{}{}
		}
		close(work)
		for range workers {
			wg.Go(func() {
				for range work {
					// A refused call is not retried here: the count is of
					// what each process sends.
					_, err := c.Organisation(t.Context(), tenant)
					if rl := (*xero.RateLimitError)(nil); errors.As(err, &rl) {
						mu.Lock()
						problems[fmt.Sprintf("%s local=%v", rl.Problem, rl.Local)]++
						mu.Unlock()
					}
				}
			})
		}
	}
	wg.Wait()
	calls, refused := 0, map[string]int{}
	for _, r := range emu.RequestLog().Since(start, 0) {
		if r.Route != "GET /api.xro/2.0/Organisation" {
			continue
		}
		calls++
		if r.Status == http.StatusTooManyRequests {
			refused[r.Route]++
		}
	}
	t.Logf("%d calls, %d answered 429; rate-limit errors: %v", calls, refused["GET /api.xro/2.0/Organisation"], problems)
	if n := refused["GET /api.xro/2.0/Organisation"]; n != 0 {
		t.Errorf("%d of %d calls were answered 429; one shared budget should avoid every one", n, calls)
	}
}

// TestShipStationSharedBudgetTwoProcesses: two processes, each with its
// own MemoryBudget for one key pair (as Clients keeps one per process)
// and, unless ORDERBRIDGE_SHARED_LIMITS_OFF is set, a SharedBudget on its
// own pool of one database, call ShipStation's emulator flat out at its
// real limit scaled 60× (40 calls a second): no 429.
func TestShipStationSharedBudgetTwoProcesses(t *testing.T) {
	t.Parallel()
	const (
		scale   = 60
		perProc = 60
	)
	emu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.RateLimit{Scale: scale}})
	first := storetest.Migrated(t, storetest.OpenPostgres)
	window := emukit.RateLimit{Scale: scale}.Window(time.Minute)
	var clients []*shipstation.Client
	for _, st := range []*store.Store{first, storetest.OpenPostgresAgain(t, first)} {
		var budget shipstation.Budget = shipstation.NewMemoryBudget(shipstation.DefaultRateLimit)
		if os.Getenv("ORDERBRIDGE_SHARED_LIMITS_OFF") == "" {
			// SharedLimits' rate for a key, on the emulator's time scale.
			l, err := st.NewRateLimiter(store.RateLimiterOptions{Rates: map[string]store.Rate{
				shipstation.LimitClass: store.WindowRate(shipstation.DefaultRateLimit-1, window, 4, window/20),
			}})
			if err != nil {
				t.Fatal(err)
			}
			budget = shipstation.NewSharedBudget(budget.(*shipstation.MemoryBudget), l, emu.APIKey(), nil)
		}
		c, err := shipstation.New(shipstation.Config{BaseURL: emu.URL(), APIKey: emu.APIKey(), APISecret: emu.APISecret(),
			HTTPClient: testkit.HTTPClient(t), Budget: budget})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	start := emu.RequestLog().Last()
	var wg sync.WaitGroup
	for _, c := range clients {
		for range 2 {
			wg.Go(func() {
				for range perProc / 2 {
					_, _ = c.Stores(t.Context(), false) // a 429 is counted below, not retried
				}
			})
		}
	}
	wg.Wait()
	calls, refused := 0, 0
	for _, r := range emu.RequestLog().Since(start, 0) {
		calls++
		if r.Status == http.StatusTooManyRequests {
			refused++
		}
	}
	t.Logf("%d calls, %d answered 429", calls, refused)
	if refused != 0 {
		t.Errorf("%d of %d calls were answered 429; one shared budget should avoid every one", refused, calls)
	}
}

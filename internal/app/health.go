package app

import (
	"context"
	"time"

	"github.com/orderbridge/orderbridge/internal/worker"
)

// HealthEvery is how often a process reads every account's health for
// the metrics (orderbridge_accounts, the quota histogram) and so whether
// the database answers (orderbridge_database_up). A handful of queries
// whatever the number of accounts; every process reads the same figures,
// which the alerting rules take the max of.
const HealthEvery = 30 * time.Second

// watchHealth reads the accounts' health now and every HealthEvery until
// ctx ends or stop is called.
func (a *App) watchHealth(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(HealthEvery)
		defer t.Stop()
		for {
			a.readHealth(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

// readHealth publishes one reading; a failure to read the database sets
// orderbridge_database_up to 0 and leaves the last figures.
func (a *App) readHealth(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	facts, err := a.Store.AllAccountFacts(ctx)
	var stuck map[int64]bool
	if err == nil {
		stuck, err = worker.StuckAccounts(ctx, a.River)
	}
	if err != nil {
		if ctx.Err() == nil {
			a.Metrics.DatabaseUp.Set(0)
			a.Logger.WarnContext(ctx, "account health not read", "error", err)
		}
		return
	}
	a.Metrics.DatabaseUp.Set(1)
	h := worker.AccountHealthOf(facts, stuck, a.quota, a.now())
	a.Metrics.SetAccountHealth(h.States, h.QuotaLeft)
}

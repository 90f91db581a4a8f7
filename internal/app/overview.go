package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// AccountHealth is one line of `orderbridge accounts list`.
type AccountHealth struct {
	Account store.Account
	Users   int
	// Xero and ShipStation are the connections (nil: never connected).
	Xero, ShipStation *store.Connection
	// Runs are the last ended export and write-back runs.
	Runs worker.AccountRuns
	// Problems say what stops or endangers the account's syncing.
	Problems []string
}

// AccountsOverview reads every account's health for an operator: users,
// connection states, last runs (from River's jobs) and problems. It needs
// no secret key and runs beside serve.
func AccountsOverview(ctx context.Context, cfg config.Config, logger *slog.Logger) ([]AccountHealth, error) {
	st, closeStore, err := OpenStore(ctx, cfg, logger, StoreOptions{})
	if err != nil {
		return nil, err
	}
	defer closeStore()
	client, err := st.NewRiverClient(&river.Config{Logger: logger}) // insert-only: it reads jobs, works none
	if err != nil {
		return nil, fmt.Errorf("app: river: %w", err)
	}
	runs, err := worker.LastRuns(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	accounts, err := st.ListAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	tier, err := xero.ParseTier(cfg.XeroTier)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	quota := worker.QuotaPolicy{Tier: tier, ReservePercent: cfg.XeroReservePercent}
	// The merchant's own problems, decided as the dashboard and the
	// notifier decide them (one policy), stuck exports included.
	src := problems.Source{Store: st, Quota: quota, XeroWebhooks: cfg.XeroWebhookKey != "",
		Stuck: func(ctx context.Context, accountID int64, now time.Time) (int, error) {
			sched, err := worker.ScheduleOf(ctx, client, st, quota, accountID, now)
			return sched.StuckAttempts, err
		}}
	now := time.Now()
	out := make([]AccountHealth, 0, len(accounts))
	for _, a := range accounts {
		h := AccountHealth{Account: a, Runs: runs[a.ID]}
		users, err := st.ListUsers(ctx, a.ID)
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		h.Users = len(users)
		for _, k := range []struct {
			kind store.ConnectionKind
			dst  **store.Connection
		}{{store.KindXero, &h.Xero}, {store.KindShipStation, &h.ShipStation}} {
			c, err := st.Connection(ctx, a.ID, k.kind)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("app: %w", err)
			}
			*k.dst = &c
		}
		found, err := src.Of(ctx, a.ID, now)
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		h.Problems = accountProblems(h, found)
		out = append(out, h)
	}
	return out, nil
}

// accountProblems are an operator's list of what needs a person: the
// merchant's problems as the dashboard lists them (problems.Decide), and
// a last run that failed, which only an operator reads as a problem.
func accountProblems(h AccountHealth, found []problems.Problem) []string {
	out := make([]string, 0, len(found)+2)
	for _, p := range found {
		out = append(out, p.Text)
	}
	if r := h.Runs.Export; r != nil && r.State == worker.RunFailed {
		out = append(out, "last export failed: "+r.Error)
	}
	if r := h.Runs.WriteBack; r != nil && r.State == worker.RunFailed {
		out = append(out, "last write-back failed: "+r.Error)
	}
	return out
}

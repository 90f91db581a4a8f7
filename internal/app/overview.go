package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
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
		settings, err := st.Settings(ctx, a.ID)
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		h.Problems = accountProblems(h, settings)
		out = append(out, h)
	}
	return out, nil
}

// accountProblems are an operator's short list of what needs a person:
// the connections' states, sync switched off and a last run that failed.
// (The merchant's dashboard says more, with what to do about each.)
func accountProblems(h AccountHealth, s store.Settings) []string {
	var out []string
	for _, c := range []struct {
		name string
		conn *store.Connection
	}{{"Xero", h.Xero}, {"ShipStation", h.ShipStation}} {
		switch {
		case c.conn == nil || c.conn.Status == store.StatusDisconnected:
			out = append(out, c.name+" is not connected")
		case c.conn.Status == store.StatusReconnectNeeded && c.conn.StatusReason != "":
			out = append(out, c.name+": reconnect needed: "+c.conn.StatusReason)
		case c.conn.Status == store.StatusReconnectNeeded:
			out = append(out, c.name+": reconnect needed")
		}
	}
	if !s.SyncEnabled {
		out = append(out, "sync is off")
	}
	if r := h.Runs.Export; r != nil && r.State == worker.RunFailed {
		out = append(out, "last export failed: "+r.Error)
	}
	if r := h.Runs.WriteBack; r != nil && r.State == worker.RunFailed {
		out = append(out, "last write-back failed: "+r.Error)
	}
	return out
}

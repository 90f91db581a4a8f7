package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
)

// budget returns the one Budget of a ShipStation key pair in this process.
func (e *Exporter) budget(apiKey string) *shipstation.MemoryBudget {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.budgets[apiKey]
	if b == nil {
		b = shipstation.NewMemoryBudget(e.ssLimit)
		e.budgets[apiKey] = b
	}
	return b
}

// prepare loads the account's connections and settings and builds its
// clients.
func (e *Exporter) prepare(ctx context.Context, acct int64, opts RunOptions, sum *Summary) (*run, error) {
	xc, err := e.st.Connection(ctx, acct, store.KindXero)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("worker: account %d has no Xero connection: %w", acct, ErrNotConnected)
	}
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	switch xc.Status {
	case store.StatusConnected:
	case store.StatusReconnectNeeded:
		return nil, fmt.Errorf("worker: account %d: Xero %s: %w", acct, xc.StatusReason, ErrReconnectNeeded)
	default:
		return nil, fmt.Errorf("worker: account %d: Xero is %s: %w", acct, xc.Status, ErrNotConnected)
	}
	if xc.Metadata.TenantID == "" {
		return nil, fmt.Errorf("worker: account %d: Xero connection has no tenant: %w", acct, ErrNotConnected)
	}
	src, err := e.XeroTokens(ctx, acct)
	if err != nil {
		return nil, err
	}
	sc, err := e.st.Connection(ctx, acct, store.KindShipStation)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("worker: account %d has no ShipStation connection: %w", acct, ErrNotConnected)
	}
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	switch sc.Status {
	case store.StatusConnected:
	case store.StatusReconnectNeeded:
		return nil, fmt.Errorf("worker: account %d: ShipStation %s: %w", acct, sc.StatusReason, ErrReconnectNeeded)
	default:
		return nil, fmt.Errorf("worker: account %d: ShipStation is %s: %w", acct, sc.Status, ErrNotConnected)
	}
	ss, ssKey, err := e.shipStationClient(ctx, acct)
	if err != nil {
		return nil, err
	}
	st, err := e.st.Settings(ctx, acct)
	if err != nil {
		return nil, fmt.Errorf("worker: export: %w", err)
	}
	return &run{
		acct: acct, tenant: xc.Metadata.TenantID, xc: e.xero.Client(src), ss: ss, ssKey: ssKey, start: e.now(),
		settings: BridgeSettings(st, xc.Metadata, sc.Metadata), opts: opts, sum: sum,
		shipped: map[string]int64{},
	}, nil
}

// shipStationClient builds a client on the account's sealed key pair,
// sharing the key's rate budget in this process, and returns the key
// (caches are per key).
func (e *Exporter) shipStationClient(ctx context.Context, acct int64) (*shipstation.Client, string, error) {
	creds, err := e.st.ShipStationCredentials(ctx, acct)
	if err != nil {
		return nil, "", fmt.Errorf("worker: shipstation key of account %d: %w", acct, err)
	}
	ss, err := shipstation.New(shipstation.Config{
		BaseURL: e.ssURL, APIKey: creds.APIKey, APISecret: creds.APISecret, HTTPClient: e.http,
		Logger: e.log, Budget: e.budget(creds.APIKey),
	})
	if err != nil {
		return nil, "", fmt.Errorf("worker: shipstation: %w", err)
	}
	return ss, creds.APIKey, nil
}

// shipStationOf builds the account's ShipStation client and says which
// store its orders go to.
func (e *Exporter) shipStationOf(ctx context.Context, acct int64) (*shipstation.Client, int64, error) {
	sc, err := e.st.Connection(ctx, acct, store.KindShipStation)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !sc.HasSecret) {
		return nil, 0, fmt.Errorf("worker: account %d has no ShipStation key: %w", acct, ErrNotConnected)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("worker: shipstation: %w", err)
	}
	ss, _, err := e.shipStationClient(ctx, acct)
	if err != nil {
		return nil, 0, err
	}
	settings, err := e.st.Settings(ctx, acct)
	if err != nil {
		return nil, 0, fmt.Errorf("worker: shipstation: %w", err)
	}
	return ss, storeIDOf(settings, sc.Metadata), nil
}

package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// ConnectXero saves a Xero grant for the account (sealed) with the
// organisation it is for. It is what the OAuth callback does once the code
// is exchanged.
func (a *App) ConnectXero(ctx context.Context, accountID int64, tok *oauth2.Token, tenantID, tenantName string) error {
	meta := store.ConnectionMetadata{TenantID: tenantID, TenantName: tenantName}
	a.readOrganisation(ctx, accountID, tok, &meta)
	if err := a.Store.SaveXeroConnection(ctx, accountID, meta, tok); err != nil {
		return fmt.Errorf("app: connect xero: %w", err)
	}
	return nil
}

// readOrganisation asks Xero for the organisation's time zone and short
// code into meta (worker.ReadOrganisation); when Xero does not answer the
// connection is still made, and its first run reads them.
func (a *App) readOrganisation(ctx context.Context, accountID int64, tok *oauth2.Token, meta *store.ConnectionMetadata) {
	if a.Xero == nil {
		return
	}
	if err := worker.ReadOrganisation(ctx, a.Xero.Client(xero.StaticTokens{Tok: tok}), meta.TenantID, meta); err != nil {
		a.Logger.WarnContext(ctx, "app: xero organisation not read; the first run reads it", "account", accountID, "err", err)
	}
}

// ConnectXeroAutoConsent connects the account to Xero by running the
// OAuth2 authorization-code flow (with PKCE) against a server that
// consents at once, as the Xero emulator does: it follows the authorize
// URL to its redirect, exchanges the code and saves the tokens. It picks
// the organisation tenantID, or the first one when tenantID is empty, and
// returns it. The demo and the end-to-end tests use it; with the real Xero
// a person consents in a browser instead.
func (a *App) ConnectXeroAutoConsent(ctx context.Context, accountID int64, tenantID string) (string, error) {
	if a.Config.XeroRedirect() == "" {
		return "", errors.New("app: connect xero: the Xero redirect URL is not configured")
	}
	verifier := oauth2.GenerateVerifier()
	state := randomHex()
	hc := http.Client{Timeout: 30 * time.Second}
	if a.http != nil {
		hc = *a.http
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.Xero.AuthCodeURL(state, verifier), nil)
	if err != nil {
		return "", fmt.Errorf("app: connect xero: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("app: connect xero: authorize: %w", err)
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	_ = resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode/100 != 3 {
		if strings.Contains(string(page), "unauthorized_client") {
			// Xero's own error page, not a redirect: typically broad scopes
			// asked of an app created on or after 2 March 2026.
			return "", fmt.Errorf("app: connect xero: Xero refused the requested scopes %q (unauthorized_client); an app created on or after 2 March 2026 needs %s=granular",
				a.Xero.Scopes(), config.EnvXeroScopes)
		}
		return "", fmt.Errorf("app: connect xero: authorize answered %d without a redirect", resp.StatusCode)
	}
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("app: connect xero: authorize refused: %s", e)
	}
	if q.Get("state") != state || q.Get("code") == "" {
		return "", errors.New("app: connect xero: authorize redirect lacks the code or the state")
	}
	tok, err := a.Xero.Exchange(ctx, q.Get("code"), verifier)
	if err != nil {
		return "", fmt.Errorf("app: connect xero: %w", err)
	}
	// A grant without a scope the export needs would only fail at the
	// first export: refuse it now, saying which scope is missing.
	if err := a.Xero.CheckGrant(tok); err != nil {
		return "", fmt.Errorf("app: connect xero: %w", err)
	}
	conns, err := a.Xero.Client(xero.StaticTokens{Tok: tok}).Connections(ctx, "")
	if err != nil {
		return "", fmt.Errorf("app: connect xero: %w", err)
	}
	i := slices.IndexFunc(conns, func(c xero.Connection) bool { return tenantID == "" || c.TenantID == tenantID })
	if i < 0 {
		return "", fmt.Errorf("app: connect xero: the grant does not include organisation %s", tenantID)
	}
	if err := a.ConnectXero(ctx, accountID, tok, conns[i].TenantID, conns[i].TenantName); err != nil {
		return "", err
	}
	return conns[i].TenantID, nil
}

// ConnectShipStation checks the key pair against ShipStation, picks the
// store orders go to (storeID, or the first active store when zero) and
// saves the connection with the key pair sealed.
func (a *App) ConnectShipStation(ctx context.Context, accountID int64, apiKey, apiSecret string, storeID int64) (shipstation.Store, error) {
	c, err := shipstation.New(shipstation.Config{
		BaseURL: a.Config.ShipStationBaseURL, APIKey: apiKey, APISecret: apiSecret, HTTPClient: a.http, Logger: a.Logger,
	})
	if err != nil {
		return shipstation.Store{}, fmt.Errorf("app: connect shipstation: %w", err)
	}
	stores, err := c.Stores(ctx, false)
	if err != nil {
		return shipstation.Store{}, fmt.Errorf("app: connect shipstation: %w", err)
	}
	i := slices.IndexFunc(stores, func(s shipstation.Store) bool { return storeID == 0 || s.StoreID == storeID })
	if i < 0 {
		return shipstation.Store{}, fmt.Errorf("app: connect shipstation: no store %d", storeID)
	}
	s := stores[i]
	creds := store.ShipStationCredentials{APIKey: apiKey, APISecret: apiSecret}
	meta := store.ConnectionMetadata{StoreID: s.StoreID, StoreName: s.StoreName}
	if err := a.Store.SaveShipStationConnection(ctx, accountID, meta, creds); err != nil {
		return shipstation.Store{}, fmt.Errorf("app: connect shipstation: %w", err)
	}
	return s, nil
}

// SubscribeShipStation queues the job that subscribes the account's
// SHIP_NOTIFY webhook (at Config.BaseURL) for its chosen store; the web
// app's connect flow does the same. ConnectShipStation does not, so that
// a test decides whether webhooks flow.
func (a *App) SubscribeShipStation(ctx context.Context, accountID int64) error {
	err := a.Store.WithTx(ctx, func(tx *store.Tx) error {
		return worker.EnqueueSubscribe(ctx, a.River, tx, accountID)
	})
	if err != nil {
		return fmt.Errorf("app: subscribe shipstation: %w", err)
	}
	return nil
}

// SaveSettings changes an account's settings (store.Tx.ChangeSettings,
// which resets the invoice cursor when the change needs invoices decided
// again) and, when sync is on, enqueues an export in the same transaction
// ("Save and sync").
func (a *App) SaveSettings(ctx context.Context, accountID int64, s store.Settings) error {
	err := a.Store.WithTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ChangeSettings(ctx, accountID, s); err != nil {
			return err
		}
		if s.SyncEnabled {
			_, err := worker.Enqueue(ctx, a.River, tx, accountID)
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("app: save settings: %w", err)
	}
	return nil
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

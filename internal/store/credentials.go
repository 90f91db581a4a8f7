package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/oauth2"
)

// The formats of the secrets sealed in account_connection are the store's
// alone: web, worker, app and the command line save and read credentials
// through the typed calls below, so that no two of them can drift apart on
// a JSON field name.

// ShipStationCredentials is the sealed secret of a ShipStation connection:
// the V1 API key pair.
type ShipStationCredentials struct {
	APIKey    string `json:"api_key"`
	APISecret string `json:"api_secret"`
}

// LogValue keeps the key pair out of logs.
func (c ShipStationCredentials) LogValue() slog.Value {
	return slog.GroupValue(slog.Bool("api_key_set", c.APIKey != ""), slog.Bool("api_secret_set", c.APISecret != ""))
}

// String keeps the key pair out of fmt output.
func (c ShipStationCredentials) String() string { return "ShipStationCredentials{redacted}" }

func (c ShipStationCredentials) marshal() ([]byte, error) {
	if c.APIKey == "" || c.APISecret == "" {
		return nil, errors.New("store: shipstation credentials lack the key or the secret")
	}
	return json.Marshal(c)
}

// parseShipStationCredentials decodes what marshal wrote. Its errors never
// quote the input.
func parseShipStationCredentials(b []byte) (ShipStationCredentials, error) {
	var c ShipStationCredentials
	if err := json.Unmarshal(b, &c); err != nil {
		return ShipStationCredentials{}, errors.New("store: shipstation credentials are not valid JSON")
	}
	if c.APIKey == "" || c.APISecret == "" {
		return ShipStationCredentials{}, errors.New("store: shipstation credentials lack the key or the secret")
	}
	return c, nil
}

func marshalXeroToken(tok *oauth2.Token) ([]byte, error) {
	if tok == nil || tok.RefreshToken == "" && tok.AccessToken == "" {
		return nil, errors.New("store: xero token is empty")
	}
	b, err := json.Marshal(tok)
	if err != nil {
		return nil, fmt.Errorf("store: marshal xero token: %w", err)
	}
	return b, nil
}

// parseXeroToken decodes what marshalXeroToken wrote. Its errors never
// quote the input.
func parseXeroToken(b []byte) (*oauth2.Token, error) {
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		return nil, errors.New("store: stored xero token is not valid JSON")
	}
	if tok.RefreshToken == "" && tok.AccessToken == "" {
		return nil, errors.New("store: stored xero token is empty")
	}
	return &tok, nil
}

// SaveShipStationConnection connects an account to ShipStation with the
// key pair sealed (SaveConnection's rules apply: a store another account
// holds is refused).
func (q *Queries) SaveShipStationConnection(ctx context.Context, accountID int64, meta ConnectionMetadata, c ShipStationCredentials) error {
	b, err := c.marshal()
	if err != nil {
		return err
	}
	return q.SaveConnection(ctx, accountID, KindShipStation, meta, b)
}

// ShipStationCredentials opens an account's ShipStation key pair.
func (q *Queries) ShipStationCredentials(ctx context.Context, accountID int64) (ShipStationCredentials, error) {
	raw, err := q.ConnectionSecret(ctx, accountID, KindShipStation)
	if err != nil {
		return ShipStationCredentials{}, err
	}
	c, err := parseShipStationCredentials(raw)
	if err != nil {
		return ShipStationCredentials{}, fmt.Errorf("store: shipstation credentials of account %d: %w", accountID, err)
	}
	return c, nil
}

// SaveXeroConnection connects an account to a Xero organisation with the
// grant sealed (SaveConnection's rules apply: an organisation another
// account holds is refused).
func (q *Queries) SaveXeroConnection(ctx context.Context, accountID int64, meta ConnectionMetadata, tok *oauth2.Token) error {
	b, err := marshalXeroToken(tok)
	if err != nil {
		return fmt.Errorf("store: save xero connection: %w", err)
	}
	return q.SaveConnection(ctx, accountID, KindXero, meta, b)
}

// XeroGrant opens an account's stored Xero token pair.
func (q *Queries) XeroGrant(ctx context.Context, accountID int64) (*oauth2.Token, error) {
	raw, err := q.XeroToken(ctx, accountID)
	if err != nil {
		return nil, err
	}
	tok, err := parseXeroToken(raw)
	if err != nil {
		return nil, fmt.Errorf("store: xero grant of account %d: %w", accountID, err)
	}
	return tok, nil
}

// SaveXeroGrant replaces an account's Xero token pair (SaveXeroToken's
// rules: persist before use, committed before it returns).
func (q *Queries) SaveXeroGrant(ctx context.Context, accountID int64, tok *oauth2.Token) error {
	b, err := marshalXeroToken(tok)
	if err != nil {
		return fmt.Errorf("store: save xero grant: %w", err)
	}
	return q.SaveXeroToken(ctx, accountID, b)
}

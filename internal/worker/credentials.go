package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/oauth2"
)

// ShipStationCredentials is the sealed secret of a ShipStation connection:
// the V1 API key pair. It is stored as JSON through store.SaveConnection.
type ShipStationCredentials struct {
	APIKey    string `json:"api_key"`
	APISecret string `json:"api_secret"`
}

// Marshal encodes the credentials for store.SaveConnection.
func (c ShipStationCredentials) Marshal() []byte {
	b, _ := json.Marshal(c) // two strings cannot fail to marshal
	return b
}

// LogValue keeps the key pair out of logs.
func (c ShipStationCredentials) LogValue() slog.Value {
	return slog.GroupValue(slog.Bool("api_key_set", c.APIKey != ""), slog.Bool("api_secret_set", c.APISecret != ""))
}

// String keeps the key pair out of fmt output.
func (c ShipStationCredentials) String() string { return "ShipStationCredentials{redacted}" }

// ParseShipStationCredentials decodes what Marshal wrote. Its errors never
// quote the input.
func ParseShipStationCredentials(b []byte) (ShipStationCredentials, error) {
	var c ShipStationCredentials
	if err := json.Unmarshal(b, &c); err != nil {
		return ShipStationCredentials{}, errors.New("worker: shipstation credentials are not valid JSON")
	}
	if c.APIKey == "" || c.APISecret == "" {
		return ShipStationCredentials{}, errors.New("worker: shipstation credentials lack the key or the secret")
	}
	return c, nil
}

// MarshalXeroToken encodes a Xero token pair for store.SaveXeroToken and
// store.SaveConnection.
func MarshalXeroToken(tok *oauth2.Token) ([]byte, error) {
	if tok == nil || tok.RefreshToken == "" && tok.AccessToken == "" {
		return nil, errors.New("worker: marshal xero token: empty token")
	}
	b, err := json.Marshal(tok)
	if err != nil {
		return nil, fmt.Errorf("worker: marshal xero token: %w", err)
	}
	return b, nil
}

// ParseXeroToken decodes what MarshalXeroToken wrote. Its errors never
// quote the input.
func ParseXeroToken(b []byte) (*oauth2.Token, error) {
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		return nil, errors.New("worker: stored xero token is not valid JSON")
	}
	if tok.RefreshToken == "" && tok.AccessToken == "" {
		return nil, errors.New("worker: stored xero token is empty")
	}
	return &tok, nil
}

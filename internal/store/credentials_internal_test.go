package store

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestShipStationCredentialsFormat(t *testing.T) {
	t.Parallel()
	c := ShipStationCredentials{APIKey: "key-123", APISecret: "secret-456"}
	b, err := c.marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseShipStationCredentials(b)
	if err != nil || got != c {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "creds", c)
	for _, out := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), logged.String()} {
		if strings.Contains(out, "key-123") || strings.Contains(out, "secret-456") {
			t.Errorf("credentials shown: %s", out)
		}
	}
	if _, err := (ShipStationCredentials{APIKey: "k"}).marshal(); err == nil {
		t.Error("credentials without a secret marshalled")
	}
	for _, bad := range []string{"", "{", `{"api_key":"k"}`, `{"api_secret":"secret-456"}`} {
		_, err := parseShipStationCredentials([]byte(bad))
		if err == nil {
			t.Errorf("%q parsed", bad)
		} else if strings.Contains(err.Error(), "secret-456") {
			t.Errorf("error quotes the secret: %v", err)
		}
	}
}

func TestXeroTokenFormat(t *testing.T) {
	t.Parallel()
	tok := &oauth2.Token{AccessToken: "at", RefreshToken: "rt", TokenType: "Bearer", Expiry: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	b, err := marshalXeroToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseXeroToken(b)
	if err != nil || got.RefreshToken != "rt" || got.AccessToken != "at" || !got.Expiry.Equal(tok.Expiry) {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	if _, err := marshalXeroToken(&oauth2.Token{}); err == nil {
		t.Error("an empty token marshalled")
	}
	for _, bad := range []string{"", "[]", "{}", `{"refresh_token":""}`} {
		if _, err := parseXeroToken([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

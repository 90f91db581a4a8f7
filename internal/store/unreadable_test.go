package store_test

import (
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestAnUnreadableConnectionNeedsReconnecting: a secret the keys cannot
// open (its key was dropped too early) is logged at ERROR and marks the
// connection "reconnect needed" with the reason the merchant reads,
// instead of failing every call with a message about something else.
func TestAnUnreadableConnectionNeedsReconnecting(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var logs testkit.Buffer
	oldKey, newKeyOnly := newKey(t), newKey(t)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "o.db"), &store.Options{
		Sealer: newSealer(t, oldKey),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	acct, err := st.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	creds := store.ShipStationCredentials{APIKey: "key-1", APISecret: "secret-1"}
	if err := st.SaveShipStationConnection(ctx, acct.ID, store.ConnectionMetadata{StoreID: 7}, creds); err != nil {
		t.Fatal(err)
	}

	lost := st.WithSealer(newSealer(t, newKeyOnly))
	if _, err := lost.ShipStationCredentials(ctx, acct.ID); !errors.Is(err, store.ErrSecretUnreadable) {
		t.Fatalf("a secret without its key: %v, want ErrSecretUnreadable", err)
	}
	c, err := st.Connection(ctx, acct.ID, store.KindShipStation)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.StatusReconnectNeeded || c.StatusReason != store.ReasonSecretUnreadable {
		t.Errorf("connection after an unreadable secret: %s %q, want reconnect_needed and the reason", c.Status, c.StatusReason)
	}
	line := logs.String()
	if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "account="+itoa(acct.ID)) || !strings.Contains(line, "kind=shipstation") {
		t.Errorf("log %q: want an ERROR naming the account and kind", line)
	}
	if strings.Contains(line, "secret-1") || strings.Contains(line, "ob1:") {
		t.Errorf("log %q shows the secret or its sealed form", line)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestVerifySecrets proves a rotation: after ResealSecrets the new key
// alone opens everything; a value an old-key process sealed afterwards
// fails the proof, and the proof marks nothing.
func TestVerifySecrets(t *testing.T) {
	t.Parallel()
	eachSealDialect(t, func(t *testing.T, open storetest.Opener) {
		ctx := t.Context()
		base, oldKey, nextKey := migratedWithTwoKeys(t, open)
		old := base.WithSealer(newSealer(t, oldKey))
		if err := old.CheckSealer(ctx); err != nil {
			t.Fatal(err)
		}
		a, _ := old.CreateAccount(ctx, "A")
		b, _ := old.CreateAccount(ctx, "B")
		creds := store.ShipStationCredentials{APIKey: "k", APISecret: "s"}
		if err := old.SaveShipStationConnection(ctx, a.ID, store.ConnectionMetadata{StoreID: 1}, creds); err != nil {
			t.Fatal(err)
		}
		ring := base.WithSealer(newSealer(t, nextKey, oldKey))
		if n, err := ring.ResealSecrets(ctx); err != nil || n != 2 {
			t.Fatalf("ResealSecrets = %d, %v; want 2", n, err)
		}
		only := base.WithSealer(newSealer(t, nextKey))
		if n, err := only.VerifySecrets(ctx); err != nil || n != 2 {
			t.Fatalf("VerifySecrets after the reseal = %d, %v; want 2, nil", n, err)
		}
		// A process still sealing with the old key writes after the reseal.
		if err := old.SaveShipStationConnection(ctx, b.ID, store.ConnectionMetadata{StoreID: 2}, creds); err != nil {
			t.Fatal(err)
		}
		_, err := only.VerifySecrets(ctx)
		if !errors.Is(err, store.ErrWrongSecretKey) || !strings.Contains(err.Error(), "account "+itoa(b.ID)+" shipstation") {
			t.Errorf("VerifySecrets with a value under the old key: %v", err)
		}
		if c, _ := base.Connection(ctx, b.ID, store.KindShipStation); c.Status != store.StatusConnected {
			t.Errorf("VerifySecrets changed the connection: %s", c.Status)
		}
	})
}

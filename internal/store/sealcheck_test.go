package store_test

import (
	"errors"
	"os"
	"testing"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv"
)

// sealCheckOpeners are the dialects the key check runs on: PostgreSQL
// only where ORDERBRIDGE_TEST_DATABASE_URL is set.
func sealCheckOpeners() map[string]storetest.Opener {
	return map[string]storetest.Opener{
		"sqlite": storetest.OpenSQLite,
		"postgres": func(t *testing.T) *store.Store {
			if os.Getenv(storetest.EnvDatabaseURL) == "" {
				testenv.Missing(t, "PostgreSQL", "set "+storetest.EnvDatabaseURL+", e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
			}
			return storetest.OpenPostgres(t)
		},
	}
}

// eachSealDialect runs test as a parallel subtest on each dialect of
// sealCheckOpeners.
func eachSealDialect(t *testing.T, test func(t *testing.T, open storetest.Opener)) {
	t.Helper()
	for name, open := range sealCheckOpeners() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open)
		})
	}
}

// migratedWithTwoKeys opens a migrated store with open and makes two fresh
// keys: the one in use and the next of a rotation.
func migratedWithTwoKeys(t *testing.T, open storetest.Opener) (base *store.Store, oldKey, nextKey seal.Key) {
	t.Helper()
	base = open(t)
	if err := base.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return base, newKey(t), newKey(t)
}

func newSealer(t *testing.T, current seal.Key, previous ...seal.Key) *seal.Sealer {
	t.Helper()
	s, err := seal.NewSealer(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newKey(t *testing.T) seal.Key {
	t.Helper()
	k, _, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestCheckSealerRefusesAnotherKey shows the key check of a new database:
// the first key is enrolled, another is refused, and after a rotation
// (new key, old one previous, ResealSecrets) the new key alone passes.
func TestCheckSealerRefusesAnotherKey(t *testing.T) {
	t.Parallel()
	eachSealDialect(t, func(t *testing.T, open storetest.Opener) {
		ctx := t.Context()
		base, oldKey, nextKey := migratedWithTwoKeys(t, open)
		if err := base.WithSealer(newSealer(t, oldKey)).CheckSealer(ctx); err != nil {
			t.Fatalf("first check: %v", err)
		}
		if err := base.WithSealer(newSealer(t, oldKey)).CheckSealer(ctx); err != nil {
			t.Fatalf("same key again: %v", err)
		}
		if err := base.WithSealer(newSealer(t, nextKey)).CheckSealer(ctx); !errors.Is(err, store.ErrWrongSecretKey) {
			t.Fatalf("another key: %v, want ErrWrongSecretKey", err)
		}
		rotated := base.WithSealer(newSealer(t, nextKey, oldKey))
		if err := rotated.CheckSealer(ctx); err != nil {
			t.Fatalf("new key with the old one previous: %v", err)
		}
		n, err := rotated.ResealSecrets(ctx)
		if err != nil || n != 1 {
			t.Fatalf("ResealSecrets = %d, %v; want the check value resealed", n, err)
		}
		if err := base.WithSealer(newSealer(t, nextKey)).CheckSealer(ctx); err != nil {
			t.Fatalf("new key alone after the reseal: %v", err)
		}
		if err := base.WithSealer(newSealer(t, oldKey)).CheckSealer(ctx); !errors.Is(err, store.ErrWrongSecretKey) {
			t.Fatalf("old key alone after the reseal: %v, want ErrWrongSecretKey", err)
		}
	})
}

// TestCheckSealerOnAnUpgradedDatabase shows the check of a database that
// holds sealed secrets from before the check value existed: a key that
// cannot open them is refused (and enrols nothing), the right one passes
// and is enrolled.
func TestCheckSealerOnAnUpgradedDatabase(t *testing.T) {
	t.Parallel()
	eachSealDialect(t, func(t *testing.T, open storetest.Opener) {
		ctx := t.Context()
		right, wrong := newKey(t), newKey(t)
		st := open(t).WithSealer(newSealer(t, right))
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		acct, err := st.CreateAccount(ctx, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SaveShipStationConnection(ctx, acct.ID, store.ConnectionMetadata{StoreID: 7},
			store.ShipStationCredentials{APIKey: "k", APISecret: "s"}); err != nil {
			t.Fatal(err)
		}
		if err := st.WithSealer(newSealer(t, wrong)).CheckSealer(ctx); !errors.Is(err, store.ErrWrongSecretKey) {
			t.Fatalf("wrong key on an upgraded database: %v, want ErrWrongSecretKey", err)
		}
		if err := st.CheckSealer(ctx); err != nil {
			t.Fatalf("right key on an upgraded database: %v", err)
		}
		if err := st.WithSealer(newSealer(t, wrong)).CheckSealer(ctx); !errors.Is(err, store.ErrWrongSecretKey) {
			t.Fatalf("wrong key once the check value is written: %v, want ErrWrongSecretKey", err)
		}
	})
}

// TestVerifySealerAfterARotation shows the readiness check of a running
// process: before the check value exists it passes (writing nothing),
// with its key it passes, and once another process has rotated to a new
// key and resealed without this process's key it fails with
// ErrWrongSecretKey.
func TestVerifySealerAfterARotation(t *testing.T) {
	t.Parallel()
	eachSealDialect(t, func(t *testing.T, open storetest.Opener) {
		ctx := t.Context()
		base, oldKey, nextKey := migratedWithTwoKeys(t, open)
		running := base.WithSealer(newSealer(t, oldKey))
		if err := base.WithSealer(newSealer(t, nextKey)).VerifySealer(ctx); err != nil {
			t.Fatalf("before any check value: %v", err)
		}
		if err := running.CheckSealer(ctx); err != nil { // the start enrols oldKey
			t.Fatal(err)
		}
		if err := running.VerifySealer(ctx); err != nil {
			t.Fatalf("with its key: %v", err)
		}
		if _, err := base.WithSealer(newSealer(t, nextKey, oldKey)).ResealSecrets(ctx); err != nil {
			t.Fatal(err)
		}
		if err := running.VerifySealer(ctx); !errors.Is(err, store.ErrWrongSecretKey) {
			t.Fatalf("after another process's rotation: %v, want ErrWrongSecretKey", err)
		}
	})
}

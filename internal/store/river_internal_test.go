package store

import (
	"path/filepath"
	"testing"
)

// UnwrapTx gives back a *Tx on the very transaction UnwrapExecutor was
// given, so River's helpers that go round trip stay in the caller's
// transaction.
func TestRiverDriverUnwrapRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	d := st.RiverDriver()
	err = st.WithTx(ctx, func(tx *Tx) error {
		back := d.UnwrapTx(d.UnwrapExecutor(tx))
		if back.sqlTx != tx.sqlTx || back.pgxTx != nil {
			t.Errorf("UnwrapTx returned another transaction")
		}
		// A write through the round-tripped Tx is in the caller's.
		if _, err := back.CreateAccount(ctx, "through river"); err != nil {
			return err
		}
		list, err := tx.ListAccounts(ctx)
		if err != nil {
			return err
		}
		if len(list) != 1 {
			t.Errorf("the caller's transaction sees %d accounts, want 1", len(list))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

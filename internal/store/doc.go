// Package store is orderbridge's persistence: accounts, connections (with
// secrets sealed by package seal), settings, invoice links, the contact
// cache, the transaction log, cursors and written-back shipments.
//
// One Store serves two dialects. SQLite (modernc.org/sqlite, pure Go) is the
// embedded default; a postgres:// or postgresql:// URL selects PostgreSQL
// through pgx. River, the job queue, runs on the same database (riversqlite
// or riverpgxv5) behind a driver whose transaction type is *Tx, so a job and
// the data it belongs to commit together:
//
//	err := st.WithTx(ctx, func(tx *store.Tx) error {
//		if _, err := tx.ChangeSettings(ctx, accountID, settings); err != nil {
//			return err
//		}
//		_, err := riverClient.InsertTx(ctx, tx, exportArgs, nil)
//		return err
//	})
//
// Every data method lives on Queries, embedded in both Store (each call is
// its own transaction) and Tx (calls share the caller's transaction). On
// SQLite the Store has a single writer connection: inside WithTx, use tx,
// never st, for writes, or the call waits for the connection fn holds.
//
// Every query names its account: one account never sees another's rows.
// Times are stored in UTC with microsecond precision on both dialects.
package store

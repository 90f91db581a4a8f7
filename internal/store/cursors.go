package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Cursor names used by the worker.
const (
	CursorXeroInvoices         = "xero_invoices"
	CursorShipStationShipments = "shipstation_shipments"
	// CursorXeroInvoicesRead is when (by Xero's clock) the last complete
	// read of changed invoices began. The export reads again from it minus
	// the overlap when that is later than CursorXeroInvoices minus the
	// overlap, so a merchant with no changes re-reads nothing. It belongs
	// to CursorXeroInvoices: resetting that one deletes it.
	CursorXeroInvoicesRead = "xero_invoices_read"
)

// Cursor returns an account's named cursor and whether it is set.
func (q *Queries) Cursor(ctx context.Context, accountID int64, name string) (time.Time, bool, error) {
	var v time.Time
	err := q.r.queryRow(ctx, "SELECT value FROM sync_cursor WHERE account_id = $1 AND name = $2", accountID, name).Scan(timeCol{&v})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: cursor %s: %w", name, err)
	}
	return v, true, nil
}

// AdvanceCursor moves an account's named cursor forward to value; a value
// older than the stored one leaves it as it is, so a late or repeated run
// never moves it back. It exists only on Tx: a cursor moves in the same
// transaction as the work it covers, so it never gets ahead of that work.
func (tx *Tx) AdvanceCursor(ctx context.Context, accountID int64, name string, value time.Time) error {
	now := tx.t(tx.now())
	v := tx.t(value)
	// Both dialects compare their stored form in time order (SQLite's is
	// fixed-width UTC text).
	_, err := tx.w.exec(ctx, `INSERT INTO sync_cursor (account_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
		WHERE sync_cursor.value < excluded.value`, accountID, name, v, now)
	if err != nil {
		return fmt.Errorf("store: advance cursor %s: %w", name, err)
	}
	return nil
}

// ResetCursor sets an account's named cursor to value, backwards too (a
// person asked for a backfill); a zero value deletes it, so the next run
// starts from the beginning. Resetting CursorXeroInvoices deletes
// CursorXeroInvoicesRead, which would otherwise keep the run from reading
// back to the new value.
func (q *Queries) ResetCursor(ctx context.Context, accountID int64, name string, value time.Time) error {
	var err error
	if name == CursorXeroInvoices {
		if _, err := q.w.exec(ctx, "DELETE FROM sync_cursor WHERE account_id = $1 AND name = $2", accountID, CursorXeroInvoicesRead); err != nil {
			return fmt.Errorf("store: reset cursor %s: %w", name, err)
		}
	}
	if value.IsZero() {
		_, err = q.w.exec(ctx, "DELETE FROM sync_cursor WHERE account_id = $1 AND name = $2", accountID, name)
	} else {
		_, err = q.w.exec(ctx, `INSERT INTO sync_cursor (account_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			accountID, name, q.t(value), q.t(q.now()))
	}
	if err != nil {
		return fmt.Errorf("store: reset cursor %s: %w", name, err)
	}
	return nil
}

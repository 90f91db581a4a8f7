package app

import (
	"context"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

// WriteBackNow runs one write-back of the account in this goroutine, outside
// River (tests, a one-off command): its new shipments, voids and
// fulfillments are written to their Xero invoices. It must not overlap a
// River write_back job of the same account.
func (a *App) WriteBackNow(ctx context.Context, accountID int64, opts worker.WriteBackOptions) (worker.WriteBackSummary, error) {
	return a.Engine.WriteBacker.Run(ctx, accountID, opts)
}

// EnqueueWriteBack asks River for a write-back run of the account (coalesced
// with one already pending) and returns the job's id: what a SHIP_NOTIFY
// webhook triggers.
func (a *App) EnqueueWriteBack(ctx context.Context, accountID int64) (int64, error) {
	var id int64
	err := a.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = worker.EnqueueWriteBack(ctx, a.River, tx, accountID)
		return err
	})
	return id, err
}

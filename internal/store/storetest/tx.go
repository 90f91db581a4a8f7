package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/store"
)

// exportRun does what the export worker will: a link, a log line and the
// cursor, in one transaction, failing after the writes when fail is set.
func exportRun(ctx context.Context, st *store.Store, accountID int64, invoiceID string, cursor time.Time, fail error) error {
	return st.WithTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpsertInvoiceLink(ctx, store.InvoiceLink{AccountID: accountID, InvoiceID: invoiceID,
			InvoiceNumber: "N-" + invoiceID, OrderKey: "k-" + invoiceID, Decision: store.DecisionExported}); err != nil {
			return err
		}
		if _, err := tx.AppendLog(ctx, store.LogEntry{AccountID: accountID, Direction: store.XeroToShipStation,
			Outcome: store.OutcomeSuccess, InvoiceID: invoiceID, Message: "exported"}); err != nil {
			return err
		}
		if err := tx.AdvanceCursor(ctx, accountID, store.CursorXeroInvoices, cursor); err != nil {
			return err
		}
		// Reads inside the transaction see its own writes.
		if _, err := tx.InvoiceLink(ctx, accountID, invoiceID); err != nil {
			return err
		}
		return fail
	})
}

func testTxRollback(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	boom := errors.New("boom")
	if err := exportRun(b.ctx, b.st, a.ID, "inv-1", ts(0), boom); !errors.Is(err, boom) {
		t.Fatalf("WithTx = %v, want boom", err)
	}
	// Nothing of the failed run is left.
	_, err := b.st.InvoiceLink(b.ctx, a.ID, "inv-1")
	wantNotFound(t, "link after rollback", err)
	p, err := b.st.ListLog(b.ctx, a.ID, store.LogQuery{})
	must(t, "ListLog", err)
	if p.Total != 0 {
		t.Errorf("log after rollback: %d lines", p.Total)
	}
	if _, ok, _ := b.st.Cursor(b.ctx, a.ID, store.CursorXeroInvoices); ok {
		t.Error("cursor advanced by a rolled-back run")
	}
	// A cancelled context rolls back too.
	ctx, cancel := context.WithCancel(b.ctx)
	err = b.st.WithTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpsertInvoiceLink(ctx, store.InvoiceLink{AccountID: a.ID, InvoiceID: "inv-c"}); err != nil {
			return err
		}
		cancel()
		return ctx.Err()
	})
	if err == nil {
		t.Error("WithTx with a cancelled context succeeded")
	}
	_, err = b.st.InvoiceLink(b.ctx, a.ID, "inv-c")
	wantNotFound(t, "link after cancelled tx", err)
	// The store still works, and a good run commits all three.
	must(t, "exportRun", exportRun(b.ctx, b.st, a.ID, "inv-1", ts(0), nil))
	if _, err := b.st.InvoiceLink(b.ctx, a.ID, "inv-1"); err != nil {
		t.Errorf("link after commit: %v", err)
	}
	if c, ok, _ := b.st.Cursor(b.ctx, a.ID, store.CursorXeroInvoices); !ok || !c.Equal(ts(0)) {
		t.Errorf("cursor after commit = %v, %v", c, ok)
	}
}

func testTxPanic(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not propagate")
			}
		}()
		_ = b.st.WithTx(b.ctx, func(tx *store.Tx) error {
			if err := tx.UpsertInvoiceLink(b.ctx, store.InvoiceLink{AccountID: a.ID, InvoiceID: "inv-p"}); err != nil {
				return err
			}
			panic("crash mid-transaction")
		})
	}()
	_, err := b.st.InvoiceLink(b.ctx, a.ID, "inv-p")
	wantNotFound(t, "link after panic", err)
	// The connection went back to the pool usable.
	must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, store.InvoiceLink{AccountID: a.ID, InvoiceID: "inv-q"}))
}

func testConcurrentWriters(t *testing.T, open Opener) {
	b := setup(t, open)
	const writers, runs = 8, 10
	accounts := make([]store.Account, 2)
	for i := range accounts {
		accounts[i] = b.account(t, fmt.Sprintf("acct-%d", i))
	}
	must(t, "SaveConnection", b.st.SaveConnection(b.ctx, accounts[0].ID, store.KindXero, store.ConnectionMetadata{}, []byte("t0")))
	var wg sync.WaitGroup
	errs := make(chan error, writers*runs*2)
	for w := range writers {
		wg.Go(func() {
			a := accounts[w%len(accounts)]
			for r := range runs {
				id := fmt.Sprintf("w%d-r%d", w, r)
				if err := exportRun(b.ctx, b.st, a.ID, id, ts(time.Duration(r)*time.Second), nil); err != nil {
					errs <- fmt.Errorf("%s: %w", id, err)
				}
				// Single-statement writes and reads interleave with them.
				if err := b.st.SaveXeroToken(b.ctx, accounts[0].ID, []byte(id)); err != nil {
					errs <- fmt.Errorf("%s token: %w", id, err)
				}
				if _, err := b.st.ListLog(b.ctx, a.ID, store.LogQuery{PageSize: 5}); err != nil {
					errs <- fmt.Errorf("%s read: %w", id, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err) // SQLITE_BUSY or a serialization failure would show here
	}
	total := 0
	for _, a := range accounts {
		p, err := b.st.ListLog(b.ctx, a.ID, store.LogQuery{})
		must(t, "ListLog", err)
		total += p.Total
		c, ok, err := b.st.Cursor(b.ctx, a.ID, store.CursorXeroInvoices)
		must(t, "Cursor", err)
		if !ok || !c.Equal(ts((runs-1)*time.Second)) {
			t.Errorf("account %d cursor = %v, want the highest", a.ID, c)
		}
	}
	if total != writers*runs {
		t.Errorf("log lines = %d, want %d", total, writers*runs)
	}
}

func testAccountIsolation(t *testing.T, open Opener) {
	b := setup(t, open)
	mine, theirs := b.account(t, "Mine"), b.account(t, "Theirs")
	fill := func(a store.Account) {
		t.Helper()
		must(t, "SaveConnection", b.st.SaveConnection(b.ctx, a.ID, store.KindXero, store.ConnectionMetadata{TenantID: a.Name}, []byte(a.Name)))
		must(t, "SaveSettings", b.st.SaveSettings(b.ctx, a.ID, store.Settings{SyncEnabled: true, TrackingOptionName: a.Name}))
		must(t, "exportRun", exportRun(b.ctx, b.st, a.ID, "shared-invoice", ts(time.Hour), nil))
		must(t, "PutContacts", b.st.PutContacts(b.ctx, a.ID, []store.CachedContact{{ContactID: "shared-contact", JSON: []byte(`"` + a.Name + `"`), UpdatedDateUTC: ts(0)}}))
		_, err := b.st.MarkShipmentWritten(b.ctx, store.WrittenShipment{AccountID: a.ID, ShipmentID: "s-" + a.Name, Kind: store.WriteBackNote, InvoiceID: "shared-invoice"})
		must(t, "MarkShipmentWritten", err)
	}
	fill(theirs)
	empty := b.account(t, "Empty")

	// An account with nothing sees nothing of the other's rows.
	if _, err := b.st.Connection(b.ctx, empty.ID, store.KindXero); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Connection leaked: %v", err)
	}
	if _, err := b.st.ConnectionSecret(b.ctx, empty.ID, store.KindXero); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ConnectionSecret leaked: %v", err)
	}
	if s, _ := b.st.Settings(b.ctx, empty.ID); s.TrackingOptionName != "ShipStation" {
		t.Errorf("Settings leaked: %+v", s)
	}
	if _, err := b.st.InvoiceLink(b.ctx, empty.ID, "shared-invoice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("InvoiceLink leaked: %v", err)
	}
	if _, err := b.st.InvoiceLinkByOrderKey(b.ctx, empty.ID, "k-shared-invoice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("InvoiceLinkByOrderKey leaked: %v", err)
	}
	if l, _ := b.st.InvoiceLinksByNumber(b.ctx, empty.ID, "N-shared-invoice"); len(l) != 0 {
		t.Errorf("InvoiceLinksByNumber leaked: %+v", l)
	}
	if l, _ := b.st.ListInvoiceLinks(b.ctx, empty.ID, store.LinkFilter{}); len(l) != 0 {
		t.Errorf("ListInvoiceLinks leaked: %+v", l)
	}
	if c, _ := b.st.CountInvoiceStates(b.ctx, empty.ID, []string{"no_address"}); len(c) != 0 {
		t.Errorf("CountInvoiceStates leaked: %v", c)
	}
	if l, _ := b.st.InvoicesInState(b.ctx, empty.ID, store.StateNotSent, nil, 0); len(l) != 0 {
		t.Errorf("InvoicesInState leaked: %+v", l)
	}
	if p, _ := b.st.ListLog(b.ctx, empty.ID, store.LogQuery{}); p.Total != 0 {
		t.Errorf("ListLog leaked %d lines", p.Total)
	}
	if d, _ := b.st.LogCountsPerDay(b.ctx, empty.ID, time.Time{}); len(d) != 0 {
		t.Errorf("LogCountsPerDay leaked: %+v", d)
	}
	if _, ok, _ := b.st.Cursor(b.ctx, empty.ID, store.CursorXeroInvoices); ok {
		t.Error("Cursor leaked")
	}
	if c, _ := b.st.Contacts(b.ctx, empty.ID, []string{"shared-contact"}); len(c) != 0 {
		t.Errorf("Contacts leaked: %+v", c)
	}
	if w, _ := b.st.WrittenShipments(b.ctx, empty.ID, "shared-invoice"); len(w) != 0 {
		t.Errorf("WrittenShipments leaked: %+v", w)
	}
	if done, _ := b.st.ShipmentWritten(b.ctx, empty.ID, "s-Theirs", store.WriteBackNote); done {
		t.Error("ShipmentWritten leaked")
	}

	// Same keys in two accounts are two rows; writes to one leave the other.
	fill(mine)
	must(t, "SaveXeroToken", b.st.SaveXeroToken(b.ctx, mine.ID, []byte("mine-2")))
	must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, store.InvoiceLink{AccountID: mine.ID, InvoiceID: "shared-invoice", Decision: store.DecisionFailed}))
	_, err := b.st.PurgeLog(b.ctx, mine.ID, ts(1000*time.Hour).AddDate(10, 0, 0))
	must(t, "PurgeLog", err)
	must(t, "ForgetContacts", b.st.ForgetContacts(b.ctx, mine.ID, []string{"shared-contact"}))
	must(t, "Disconnect", b.st.Disconnect(b.ctx, mine.ID, store.KindXero))

	if tok, err := b.st.XeroToken(b.ctx, theirs.ID); err != nil || string(tok) != "Theirs" {
		t.Errorf("their token = %q, %v", tok, err)
	}
	if l, err := b.st.InvoiceLink(b.ctx, theirs.ID, "shared-invoice"); err != nil || l.Decision != store.DecisionExported {
		t.Errorf("their link = %+v, %v", l, err)
	}
	if p, _ := b.st.ListLog(b.ctx, theirs.ID, store.LogQuery{}); p.Total != 1 {
		t.Errorf("their log has %d lines, want 1", p.Total)
	}
	if c, _ := b.st.Contacts(b.ctx, theirs.ID, []string{"shared-contact"}); string(c["shared-contact"].JSON) != `"Theirs"` {
		t.Errorf("their contact = %+v", c)
	}
	if s, _ := b.st.Settings(b.ctx, theirs.ID); s.TrackingOptionName != "Theirs" {
		t.Errorf("their settings = %+v", s)
	}
}

func testDeleteAccountCascades(t *testing.T, open Opener) {
	b := setup(t, open)
	a, keep := b.account(t, "Gone"), b.account(t, "Kept")
	for _, acct := range []store.Account{a, keep} {
		must(t, "SaveConnection", b.st.SaveConnection(b.ctx, acct.ID, store.KindShipStation, store.ConnectionMetadata{}, []byte("k")))
		must(t, "SaveSettings", b.st.SaveSettings(b.ctx, acct.ID, store.DefaultSettings()))
		must(t, "exportRun", exportRun(b.ctx, b.st, acct.ID, "inv", ts(0), nil))
		must(t, "PutContacts", b.st.PutContacts(b.ctx, acct.ID, []store.CachedContact{{ContactID: "c", JSON: []byte("{}")}}))
		_, err := b.st.MarkShipmentWritten(b.ctx, store.WrittenShipment{AccountID: acct.ID, ShipmentID: "s", Kind: store.WriteBackNote})
		must(t, "MarkShipmentWritten", err)
	}
	must(t, "DeleteAccount", b.st.DeleteAccount(b.ctx, a.ID))
	wantNotFound(t, "DeleteAccount again", b.st.DeleteAccount(b.ctx, a.ID))
	d := b.dump(t)
	// Each table keeps the kept account's row and nothing of the deleted.
	for _, line := range strings.Split(strings.TrimSpace(d), "\n") {
		if strings.Contains(line, fmt.Sprintf(`"account_id": %d,`, a.ID)) || strings.Contains(line, fmt.Sprintf(`"account_id":%d,`, a.ID)) {
			t.Errorf("row of the deleted account left: %s", line)
		}
	}
	for _, table := range []string{"account_connection", "account_settings", "invoice_link", "contact_cache", "transaction_log", "sync_cursor", "written_shipment"} {
		if strings.Count(d, table+": ") != 1 {
			t.Errorf("%s rows after delete: %d, want 1 (the kept account's)", table, strings.Count(d, table+": "))
		}
	}
}

// pingArgs is the trivial job of the River test.
type pingArgs struct {
	AccountID int64  `json:"account_id"`
	InvoiceID string `json:"invoice_id"`
}

func (pingArgs) Kind() string { return "storetest_ping" }

func testRiverJobInTx(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	worked := make(chan pingArgs, 4)
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[pingArgs]) error {
		// The worker sees the data committed with its job.
		if _, err := b.st.InvoiceLink(ctx, job.Args.AccountID, job.Args.InvoiceID); err != nil {
			return err
		}
		// And records its work and its completion in one transaction.
		err := b.st.WithTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.AppendLog(ctx, store.LogEntry{AccountID: job.Args.AccountID, Direction: store.XeroToShipStation,
				Outcome: store.OutcomeSuccess, InvoiceID: job.Args.InvoiceID, Message: "worked"}); err != nil {
				return err
			}
			_, err := river.JobCompleteTx[*store.RiverDriver](ctx, tx, job)
			return err
		})
		if err != nil {
			return err
		}
		worked <- job.Args
		return nil
	}))
	client, err := b.st.NewRiverClient(&river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		Workers:           workers,
		FetchCooldown:     20 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		TestOnly:          true,
		Logger:            discardLogger(),
	})
	must(t, "NewRiverClient", err)

	var committedJobID int64
	insert := func(invoiceID string, fail error) error {
		return b.st.WithTx(b.ctx, func(tx *store.Tx) error {
			if err := tx.UpsertInvoiceLink(b.ctx, store.InvoiceLink{AccountID: a.ID, InvoiceID: invoiceID}); err != nil {
				return err
			}
			res, err := client.InsertTx(b.ctx, tx, pingArgs{AccountID: a.ID, InvoiceID: invoiceID}, nil)
			if err != nil {
				return err
			}
			committedJobID = res.Job.ID
			return fail
		})
	}
	jobCount := func() int {
		t.Helper()
		res, err := client.JobList(b.ctx, river.NewJobListParams().First(100))
		must(t, "JobList", err)
		return len(res.Jobs)
	}

	// Rollback leaves neither the row nor the job.
	boom := errors.New("boom")
	if err := insert("rolled-back", boom); !errors.Is(err, boom) {
		t.Fatalf("insert = %v, want boom", err)
	}
	_, err = b.st.InvoiceLink(b.ctx, a.ID, "rolled-back")
	wantNotFound(t, "link of the rolled-back job", err)
	if n := jobCount(); n != 0 {
		t.Fatalf("%d jobs after rollback, want 0", n)
	}
	// Commit leaves both.
	must(t, "insert", insert("committed", nil))
	if _, err := b.st.InvoiceLink(b.ctx, a.ID, "committed"); err != nil {
		t.Fatalf("link of the committed job: %v", err)
	}
	if n := jobCount(); n != 1 {
		t.Fatalf("%d jobs after commit, want 1", n)
	}
	// River's test helpers (rivertest.RequireInsertedTx[*store.RiverDriver])
	// unwrap a transaction with the zero value of the driver type they are
	// given, as this does.
	must(t, "WithTx", b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		row, err := zeroDriverExecutor[*store.RiverDriver](tx).JobGetByID(b.ctx, &riverdriver.JobGetByIDParams{ID: committedJobID, Schema: b.st.Schema()})
		if err != nil {
			return err
		}
		if row.Kind != (pingArgs{}).Kind() {
			t.Errorf("job through the zero driver = %+v", row)
		}
		return nil
	}))

	// A worker runs it.
	events, cancelEvents := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancelEvents()
	must(t, "Start", client.Start(b.ctx))
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), 10*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	}()
	// The deadline only bounds a broken run; the test asserts no timing.
	select {
	case ev := <-events:
		if ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("job event %s: %v", ev.Kind, ev.Job.Errors)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the job never completed")
	}
	if got := <-worked; got.InvoiceID != "committed" {
		t.Errorf("worked %+v", got)
	}
	p, err := b.st.ListLog(b.ctx, a.ID, store.LogQuery{Search: "worked"})
	must(t, "ListLog", err)
	if p.Total != 1 {
		t.Errorf("the worker's log lines = %d, want 1", p.Total)
	}
	res, err := client.JobList(b.ctx, river.NewJobListParams().States(rivertype.JobStateCompleted))
	must(t, "JobList", err)
	if len(res.Jobs) != 1 {
		t.Errorf("completed jobs = %d, want 1", len(res.Jobs))
	}
}

// zeroDriverExecutor unwraps tx with the zero value of TDriver, the way
// River's rivertest helpers do.
func zeroDriverExecutor[TDriver riverdriver.Driver[*store.Tx]](tx *store.Tx) riverdriver.ExecutorTx {
	var d TDriver
	return d.UnwrapExecutor(tx)
}

package worker_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

// Register is the one place job kinds get their workers: every kind the
// package defines can be inserted into a client built on its workers (River
// refuses a kind without one), both sweeps come back, and registering twice
// is refused rather than silently doubled.
func TestRegisterAddsEveryKind(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	workers := river.NewWorkers()
	periodic, err := b.eng.Register(workers, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(periodic) != 2 {
		t.Errorf("%d periodic jobs, want the export and the shipment sweeps", len(periodic))
	}
	client, err := b.st.NewRiverClient(&river.Config{Workers: workers, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range []river.JobArgs{
		worker.ExportInvoicesArgs{AccountID: b.acct}, worker.ResyncInvoiceArgs{AccountID: b.acct, InvoiceID: "x"},
		worker.SweepArgs{}, worker.WriteBackArgs{AccountID: b.acct}, worker.SweepShipmentsArgs{},
		worker.SubscribeArgs{AccountID: b.acct},
	} {
		err := b.st.WithTx(b.ctx, func(tx *store.Tx) error {
			_, err := client.InsertTx(b.ctx, tx, args, nil)
			return err
		})
		if err != nil {
			t.Errorf("insert %s: %v", args.Kind(), err)
		}
	}
	// The check above means something: a kind without a worker is refused.
	err = b.st.WithTx(b.ctx, func(tx *store.Tx) error {
		_, err := client.InsertTx(b.ctx, tx, unregisteredArgs{}, nil)
		return err
	})
	if err == nil {
		t.Error("River inserted a kind no worker works")
	}
	if _, err := b.eng.Register(workers, time.Minute); err == nil {
		t.Error("registering the workers twice succeeded")
	}
}

// unregisteredArgs is a job kind with no worker.
type unregisteredArgs struct{}

func (unregisteredArgs) Kind() string { return "no_such_kind" }

// River works the engine's jobs with the workers Register gave it: an
// export job sends the order and records its summary, and a write-back job
// writes the label's note.
func TestRegisteredWorkersRunJobs(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, engineOptions{})
	b.writeBackOn(false)
	inv := b.invoice(b.contact("Acme Outdoor Ltd"), "AUTHORISED", true)
	client := b.startRiver(t, time.Minute, 2)
	run := func(enqueue func(tx *store.Tx) (int64, error)) *rivertype.JobRow {
		t.Helper()
		var id int64
		err := b.st.WithTx(b.ctx, func(tx *store.Tx) error {
			var err error
			id, err = enqueue(tx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			job, err := client.JobGet(b.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			switch job.State {
			case rivertype.JobStateCompleted:
				return job
			case rivertype.JobStateCancelled, rivertype.JobStateDiscarded, rivertype.JobStateRetryable:
				t.Fatalf("job %s ended %s: %v", job.Kind, job.State, job.Errors)
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s still %s", job.Kind, job.State)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	job := run(func(tx *store.Tx) (int64, error) { return worker.Enqueue(b.ctx, client, tx, b.acct) })
	if job.Kind != worker.KindExportInvoices || len(job.Output()) == 0 {
		t.Errorf("export job %s without output", job.Kind)
	}
	s := b.label(b.order(inv))
	job = run(func(tx *store.Tx) (int64, error) { return worker.EnqueueWriteBack(b.ctx, client, tx, b.acct) })
	if job.Kind != worker.KindWriteBack {
		t.Errorf("write-back job kind %q", job.Kind)
	}
	if notes := b.notes(inv); len(notes) != 1 {
		t.Errorf("notes %q after the write-back job for %s", notes, s.TrackingNumber)
	}
}

package worker

import (
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Register adds the worker of every job kind of the engine to workers
// (export_invoices, resync_invoice, sweep_accounts, write_back,
// sweep_shipments, shipstation_subscribe) and returns the periodic jobs:
// the export sweep and the write-back sweep, each run every sweepEvery
// and once at start. Each account has its own interval in its settings;
// a sweep only enqueues the accounts that are due, so sweepEvery should be
// at most the shortest interval an account may choose (a minute by
// default). Each periodic insert is unique within one sweepEvery only, so
// a sweep a dead process left running never holds up the next
// (sweepInsertOpts). A client that should not sweep (the sync command, tests that
// trigger runs themselves) leaves the periodic jobs out.
//
// It is the one place job kinds are registered, so that the app and the
// tests cannot end up working different sets of kinds.
func (e *Engine) Register(workers *river.Workers, sweepEvery time.Duration) ([]*river.PeriodicJob, error) {
	add := func(name string, err error) error {
		if err != nil {
			return fmt.Errorf("worker: add %s worker: %w", name, err)
		}
		return nil
	}
	err := errors.Join(
		add("export", river.AddWorkerSafely(workers, &ExportWorker{Exporter: e.Exporter, slicedJob: slicedJob[ExportInvoicesArgs]{Slice: e.slice}})),
		add("resync", river.AddWorkerSafely(workers, &ResyncWorker{Exporter: e.Exporter})),
		add("sweep", river.AddWorkerSafely(workers, &SweepWorker{Store: e.st, Now: e.now, Logger: e.log, Quota: e.quota, Clients: e.Clients,
			MaxPerTick: SweepCap(e.sweepCalls, sweepEvery)})),
		add("write-back", river.AddWorkerSafely(workers, &WriteBackWorker{WriteBacker: e.WriteBacker, slicedJob: slicedJob[WriteBackArgs]{Slice: e.slice}})),
		add("shipment sweep", river.AddWorkerSafely(workers, &ShipmentSweepWorker{Store: e.st, Now: e.now, Logger: e.log})),
		add("subscribe", river.AddWorkerSafely(workers, &SubscribeWorker{Subscriber: e.Subscriber})),
	)
	if err != nil {
		return nil, err
	}
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(sweepEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, sweepInsertOpts(sweepEvery) },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(sweepEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepShipmentsArgs{}, sweepInsertOpts(sweepEvery) },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}, nil
}

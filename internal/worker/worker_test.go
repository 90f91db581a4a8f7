package worker_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

func TestRiverError(t *testing.T) {
	t.Parallel()
	other := errors.New("worker: commit page: disk full")
	tests := []struct {
		name       string
		err        error
		wantNil    bool
		wantSnooze time.Duration
		wantCancel bool
		wantSame   bool
	}{
		{name: "nil", wantNil: true},
		{name: "rate limited", err: &worker.RetryLaterError{After: 7 * time.Second, Err: errors.New("429")}, wantSnooze: 7 * time.Second},
		{name: "server error", err: &worker.RetryLaterError{Err: errors.New("503")}, wantSame: true},
		{name: "reconnect", err: fmt.Errorf("worker: list invoices: %w", worker.ErrReconnectNeeded), wantCancel: true},
		{name: "not connected", err: fmt.Errorf("worker: x: %w", worker.ErrNotConnected), wantCancel: true},
		{name: "other", err: other, wantSame: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := worker.RiverError(tt.err)
			var snooze *river.JobSnoozeError
			var cancel *river.JobCancelError
			switch {
			case tt.wantNil:
				if got != nil {
					t.Errorf("got %v, want nil", got)
				}
			case tt.wantSnooze > 0:
				if !errors.As(got, &snooze) || snooze.Duration != tt.wantSnooze {
					t.Errorf("got %v, want a snooze of %s", got, tt.wantSnooze)
				}
			case tt.wantCancel:
				if !errors.As(got, &cancel) || !errors.Is(got, tt.err) {
					t.Errorf("got %v, want a cancel wrapping %v", got, tt.err)
				}
			case tt.wantSame:
				if got != tt.err {
					t.Errorf("got %v, want the error itself for River's retry", got)
				}
			}
		})
	}
}

func TestRetryLaterError(t *testing.T) {
	t.Parallel()
	inner := errors.New("shipstation: rate limited")
	e := &worker.RetryLaterError{After: 3 * time.Second, Err: inner}
	if !errors.Is(e, inner) || !strings.Contains(e.Error(), "retry in 3s") {
		t.Errorf("error %q", e)
	}
	if e := (&worker.RetryLaterError{Err: inner}); !strings.Contains(e.Error(), "retry later") {
		t.Errorf("error %q", e)
	}
}

func TestBridgeSettings(t *testing.T) {
	t.Parallel()
	s := store.DefaultSettings()
	xm := store.ConnectionMetadata{TenantID: "tenant-1"}
	sm := store.ConnectionMetadata{StoreID: 42}
	b := worker.BridgeSettings(s, xm, sm)
	if b.TenantID != "tenant-1" || b.StoreID != 42 || !b.TrackingRule || b.TrackingOption != "ShipStation" ||
		b.ShippingItemCode != worker.DefaultShippingItemCode || len(b.Statuses) != 2 {
		t.Errorf("defaults: %+v", b)
	}
	if err := b.Validate(); err != nil {
		t.Errorf("default settings invalid: %v", err)
	}
	s.ShipStationStoreID, s.ShippingItemCode, s.TrackingRuleEnabled, s.TrackingCategoryName = 7, "FREIGHT", false, "Channel"
	b = worker.BridgeSettings(s, xm, sm)
	if b.StoreID != 7 || b.ShippingItemCode != "FREIGHT" || b.TrackingRule || b.TrackingCategory != "Channel" {
		t.Errorf("chosen: %+v", b)
	}
}

func TestSummaryString(t *testing.T) {
	t.Parallel()
	s := worker.Summary{Invoices: 5, Pages: 1, Exported: 2, Updated: 1, Skipped: 2, XeroCalls: 2, ShipStationCalls: 1}
	want := "5 invoices in 1 pages: 2 exported, 1 updated, 0 cancelled, 0 unchanged, 2 skipped, 0 alerts, 0 failed; 2 Xero calls, 1 ShipStation calls"
	if got := s.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestNewNeedsStoreAndXero(t *testing.T) {
	t.Parallel()
	if _, err := worker.New(worker.Options{}); err == nil {
		t.Error("New without a store or Xero app succeeded")
	}
}

func TestJobKindsAndUniqueness(t *testing.T) {
	t.Parallel()
	if k := (worker.ExportInvoicesArgs{}).Kind(); k != "export_invoices" {
		t.Errorf("kind %q", k)
	}
	opts := (worker.ExportInvoicesArgs{AccountID: 1}).InsertOpts()
	if !opts.UniqueOpts.ByArgs || len(opts.UniqueOpts.ByState) == 0 {
		t.Errorf("export jobs are not unique per account: %+v", opts.UniqueOpts)
	}

}

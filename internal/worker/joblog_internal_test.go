package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/logging"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// TestJobLinesCarryTheJob: a line a job's work logs carries its id, kind
// and account without the work passing them, and a failed attempt is
// logged once at the level its error deserves.
func TestJobLinesCarryTheJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		attempt   int
		err       error
		wantLevel string // "" for no failure line
	}{
		{"retry later", 1, &RetryLaterError{Err: errors.New("xero: 503")}, "WARN"},
		{"database down, retried", 3, errors.New("store: dial tcp: connection refused"), "WARN"},
		{"last attempt", 25, errors.New("store: dial tcp: connection refused"), "ERROR"},
		{"reconnect needed, cancelled", 1, river.JobCancel(fmt.Errorf("x: %w", ErrReconnectNeeded)), "INFO"},
		{"snoozed", 1, river.JobSnooze(time.Second), ""},
		{"done", 1, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf testkit.Buffer
			log := logging.New(&buf, logging.FormatLogfmt, slog.LevelDebug)
			mw := &jobLog{log: log}
			job := &rivertype.JobRow{ID: 4711, Kind: KindExportInvoices, Attempt: tt.attempt, MaxAttempts: 25,
				EncodedArgs: []byte(`{"account_id":31}`)}
			err := mw.Work(context.Background(), job, func(ctx context.Context) error {
				log.InfoContext(ctx, "export run", "summary", "1 exported")
				return tt.err
			})
			if !errors.Is(err, tt.err) {
				t.Errorf("Work returned %v, want %v", err, tt.err)
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			for _, l := range lines {
				for _, want := range []string{"job_id=4711", "job_kind=export_invoices", "account=31", "attempt="} {
					if !strings.Contains(l, want) {
						t.Errorf("line %q lacks %s", l, want)
					}
				}
			}
			wantLines := 1
			if tt.wantLevel != "" {
				wantLines = 2
			}
			if len(lines) != wantLines {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), wantLines, buf.String())
			}
			if tt.wantLevel != "" && !strings.Contains(lines[1], "level="+tt.wantLevel) {
				t.Errorf("failure line %q, want level=%s", lines[1], tt.wantLevel)
			}
		})
	}
}

func TestFailureLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err   error
		final bool
		want  slog.Level
	}{
		{fmt.Errorf("worker: list invoices: %w", ErrReconnectNeeded), false, slog.LevelError},
		{fmt.Errorf("store: xero grant: %w", seal.ErrOpen), false, slog.LevelError},
		{&RetryLaterError{After: time.Second, Err: errors.New("429")}, false, slog.LevelWarn},
		{errors.New("store: connection refused"), false, slog.LevelWarn},
		{errors.New("store: connection refused"), true, slog.LevelError},
		{fmt.Errorf("worker: %w", ErrNotConnected), false, slog.LevelWarn},
		{context.Canceled, false, slog.LevelInfo},
	}
	for _, tt := range tests {
		if got := FailureLevel(tt.err, tt.final); got != tt.want {
			t.Errorf("FailureLevel(%v, %v) = %s, want %s", tt.err, tt.final, got, tt.want)
		}
	}
}

// TestRiverLogsDoNotFlood: while the database is down River logs the same
// ERROR every poll; what reaches the log is one WARN a minute, saying how
// many were dropped, and River's "Job errored" INFO (jobLog logs the
// failure at its level) goes to DEBUG.
func TestRiverLogsDoNotFlood(t *testing.T) {
	t.Parallel()
	var buf testkit.Buffer
	clock := testkit.NewClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	log := slog.New(newRiverLogHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}), time.Minute, clock.Now))
	for range 300 { // a minute of polls every 200ms
		log.Error("producer: Error fetching jobs", "err", "dial tcp 127.0.0.1:5432: connection refused")
		clock.Advance(200 * time.Millisecond)
	}
	log.Error("producer: Error fetching jobs", "err", "dial tcp 127.0.0.1:5432: connection refused")
	log.Info("jobexecutor: Job errored; retrying", "job_id", 1)
	log.Info("producer: Producer job counts", "num_completed_jobs", 5)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), buf.String())
	}
	for _, l := range lines {
		if !strings.Contains(l, "level=WARN") || !strings.Contains(l, "Error fetching jobs") {
			t.Errorf("line %q, want River's error at WARN", l)
		}
	}
	if !strings.Contains(lines[1], "repeated=\"299 times") {
		t.Errorf("second line %q does not count the dropped repeats", lines[1])
	}
}

package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/logging"
	"github.com/orderbridge/orderbridge/internal/store/seal"
)

// FailureLevel is the one policy for the level a failure is logged at, so
// that a level means something to the person reading or alerting on it:
//
//   - ERROR: a person must act: a connection needs reconnecting, the secret
//     key cannot open stored credentials, or a job gave up (final: it was
//     discarded after its last attempt).
//   - WARN: it will be retried (a 429, a 5xx, a network or database error).
//   - INFO: the process is stopping and the job will run again.
func FailureLevel(err error, final bool) slog.Level {
	switch {
	case err == nil:
		return slog.LevelInfo
	case errors.Is(err, ErrReconnectNeeded), errors.Is(err, seal.ErrOpen):
		return slog.LevelError
	case final:
		return slog.LevelError
	case errors.Is(err, context.Canceled):
		return slog.LevelInfo
	}
	return slog.LevelWarn
}

// ConfigureLogging makes River's job lines useful: every line a job's
// work logs (through ...Context(ctx)) carries its job id, kind, attempt
// and account; a failed attempt is logged once at FailureLevel; and
// River's own logger speaks through riverLogHandler.
func (e *Engine) ConfigureLogging(cfg *river.Config) {
	cfg.Middleware = append(cfg.Middleware, &jobLog{log: e.log})
	cfg.Logger = slog.New(newRiverLogHandler(e.log.Handler(), time.Minute, e.now))
}

// jobLog is the River middleware behind ConfigureLogging.
type jobLog struct {
	river.MiddlewareDefaults
	log *slog.Logger
}

// Work puts the job's identity into ctx, works the job, and logs a failed
// attempt at FailureLevel. A snooze (a slice ended, a rate limit's wait) is
// no failure and logs nothing here.
func (m *jobLog) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	attrs := []slog.Attr{slog.Int64("job_id", job.ID), slog.String("job_kind", job.Kind), slog.Int("attempt", job.Attempt)}
	var args struct {
		AccountID int64 `json:"account_id"`
	}
	if json.Unmarshal(job.EncodedArgs, &args) == nil && args.AccountID != 0 {
		attrs = append(attrs, slog.Int64("account", args.AccountID))
	}
	ctx = logging.With(ctx, attrs...)
	err := doInner(ctx)
	var snooze *river.JobSnoozeError
	if err == nil || errors.As(err, &snooze) {
		return err
	}
	var cancel *river.JobCancelError
	cancelled := errors.As(err, &cancel)
	final := cancelled || job.Attempt >= job.MaxAttempts
	msg := "job attempt failed; it will be retried"
	switch {
	case cancelled:
		msg = "job stopped; it will not be retried"
	case final:
		msg = "job failed its last attempt and was discarded"
	}
	// A job stopped because the account needs a person (not connected,
	// an invoice gone) has said so at its level already, in its run's line
	// and (reconnect needed) markReconnect's: this line is INFO.
	level := FailureLevel(err, final)
	if cancelled {
		level = slog.LevelInfo
	}
	m.log.Log(ctx, level, msg, "error", err)
	return err
}

// riverLogHandler passes River's own log lines on, with two changes.
// River logs "Job errored" at INFO, which jobLog already logs at the
// level the error deserves, and its job counts every 10 seconds: those go
// to DEBUG. And River's background
// loops log the same ERROR every poll while the database is down (a
// flood of thousands of lines an hour): the first line of a message goes
// out at WARN (a database outage is retried; /readyz and the
// OrderbridgeDatabaseDown alert are what calls a person), repeats within
// every go silent, and the first line after that says how many were
// dropped.
type riverLogHandler struct {
	next  slog.Handler
	every time.Duration
	now   func() time.Time
	state *riverLogState
}

type riverLogState struct {
	mu   sync.Mutex
	last map[string]riverLogSeen
}

type riverLogSeen struct {
	at      time.Time
	dropped int
}

func newRiverLogHandler(next slog.Handler, every time.Duration, now func() time.Time) *riverLogHandler {
	return &riverLogHandler{next: next, every: every, now: now, state: &riverLogState{last: map[string]riverLogSeen{}}}
}

// Enabled reports whether next handles level (or DEBUG, for the lines
// Handle demotes).
func (h *riverLogHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level) || h.next.Enabled(ctx, slog.LevelDebug)
}

// Handle demotes, rate-limits and passes r on.
func (h *riverLogHandler) Handle(ctx context.Context, r slog.Record) error {
	switch {
	case strings.Contains(r.Message, "Job errored") || strings.Contains(r.Message, "Job panicked") ||
		strings.Contains(r.Message, "Producer job counts"): // every 10 s: noise at INFO
		r.Level = slog.LevelDebug
	case r.Level >= slog.LevelError:
		h.state.mu.Lock()
		seen, ok := h.state.last[r.Message]
		now := h.now()
		if ok && now.Sub(seen.at) < h.every {
			seen.dropped++
			h.state.last[r.Message] = seen
			h.state.mu.Unlock()
			return nil
		}
		h.state.last[r.Message] = riverLogSeen{at: now}
		h.state.mu.Unlock()
		nr := slog.NewRecord(r.Time, slog.LevelWarn, r.Message, r.PC)
		r.Attrs(func(a slog.Attr) bool { nr.AddAttrs(a); return true })
		if seen.dropped > 0 {
			nr.AddAttrs(slog.String("repeated", fmt.Sprintf("%d times in the last %s", seen.dropped, now.Sub(seen.at).Round(time.Second))))
		}
		r = nr
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a handler adding attrs, sharing the rate limit.
func (h *riverLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &riverLogHandler{next: h.next.WithAttrs(attrs), every: h.every, now: h.now, state: h.state}
}

// WithGroup returns a handler nesting later attributes, sharing the rate
// limit.
func (h *riverLogHandler) WithGroup(name string) slog.Handler {
	return &riverLogHandler{next: h.next.WithGroup(name), every: h.every, now: h.now, state: h.state}
}

package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// Errors the export returns; the River workers turn them into a job
// cancellation (a person must act) rather than a retry.
var (
	// ErrNotConnected means the account lacks a connected Xero or
	// ShipStation connection.
	ErrNotConnected = errors.New("worker: account is not connected")
	// ErrReconnectNeeded means a connection's credentials stopped working:
	// the account is marked "reconnect needed" and a person must connect
	// again.
	ErrReconnectNeeded = errors.New("worker: reconnect needed")
)

// RetryLaterError is a transient failure (a 429 or a 5xx, a network error)
// that a retry can fix. After is how long the service asked us to wait (0
// when it did not say).
type RetryLaterError struct {
	After time.Duration
	Err   error
}

// Error describes the failure.
func (e *RetryLaterError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("worker: retry in %s: %v", e.After, e.Err)
	}
	return "worker: retry later: " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *RetryLaterError) Unwrap() error { return e.Err }

// xeroFailed classifies a Xero error: a lost grant marks the account.
func (c *Clients) xeroFailed(ctx context.Context, r *run, op string, err error) error {
	switch {
	case errors.Is(err, xero.ErrReconnectNeeded):
		if !r.opts.DryRun {
			c.markReconnect(ctx, r.acct, store.KindXero, cmp.Or(xero.ReconnectReason(err),
				"the Xero connection has expired or was revoked; connect Xero again on the configure page"))
		}
		return fmt.Errorf("worker: %s: %w: %w", op, ErrReconnectNeeded, err)
	case xero.Retryable(err) || ctx.Err() == nil && !isPermanentXero(err):
		if wait, ok := c.dayLimited(ctx, r.acct, err); ok {
			return &RetryLaterError{After: wait, Err: fmt.Errorf("worker: %s: %w", op, err)}
		}
		after, _ := xero.RetryAfter(err)
		return &RetryLaterError{After: after, Err: fmt.Errorf("worker: %s: %w", op, err)}
	}
	return fmt.Errorf("worker: %s: %w", op, err)
}

func isPermanentXero(err error) bool {
	return errors.Is(err, xero.ErrValidation) || errors.Is(err, xero.ErrUnauthorized) ||
		errors.Is(err, xero.ErrNotFound) || errors.Is(err, xero.ErrBadResponse) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

// shipStationFailed classifies a ShipStation error of a whole call.
func (c *Clients) shipStationFailed(ctx context.Context, r *run, op string, err error) error {
	if errors.Is(err, shipstation.ErrAuth) {
		if !r.opts.DryRun {
			c.markReconnect(ctx, r.acct, store.KindShipStation,
				"ShipStation refused the API key; enter a valid key pair on the configure page")
		}
		return fmt.Errorf("worker: %s: %w: %w", op, ErrReconnectNeeded, err)
	}
	if transient(err) && ctx.Err() == nil {
		// A 429's reset, or the rate budget's wait that would have run
		// past the attempt's deadline: the job snoozes that long, which
		// is not a stall (retryPolicy.decide).
		after, _ := shipstation.RetryAfter(err)
		return &RetryLaterError{After: after, Err: fmt.Errorf("worker: %s: %w", op, err)}
	}
	return fmt.Errorf("worker: %s: %w", op, err)
}

// transient reports whether a retry may succeed.
func transient(err error) bool {
	if errors.Is(err, shipstation.ErrRateLimited) || errors.Is(err, shipstation.ErrServer) ||
		errors.Is(err, shipstation.ErrUnexpectedStatus) || errors.Is(err, shipstation.ErrMalformedResponse) {
		return true
	}
	var ae *shipstation.APIError
	if errors.As(err, &ae) {
		return false
	}
	// Network errors and cancelled contexts.
	return !errors.Is(err, shipstation.ErrAuth) && !errors.Is(err, shipstation.ErrValidation) && !errors.Is(err, shipstation.ErrNotFound)
}

// markReconnect flags a connection and says so in the log, at ERROR: a
// person must connect again. It runs outside any transaction.
func (c *Clients) markReconnect(ctx context.Context, acct int64, kind store.ConnectionKind, reason string) {
	ctx = context.WithoutCancel(ctx)
	c.log.ErrorContext(ctx, "connection needs reconnecting", "account", acct, "kind", kind, "reason", reason)
	if err := c.st.SetConnectionStatus(ctx, acct, kind, store.StatusReconnectNeeded, reason); err != nil {
		c.log.WarnContext(ctx, "mark reconnect needed", "account", acct, "kind", kind, "error", err)
	}
	_, err := c.st.AppendLog(ctx, store.LogEntry{
		AccountID: acct, Direction: store.XeroToShipStation, Outcome: store.OutcomeFailed,
		Message: "export stopped: " + reason,
	})
	if err != nil {
		c.log.WarnContext(ctx, "log reconnect needed", "account", acct, "error", err)
	}
}
